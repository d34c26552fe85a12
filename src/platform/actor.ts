/**
 * Who is acting. Every service method that touches customer data takes the actor explicitly; there is no
 * ambient "current user". Staff and customers act through sessions; machines through admin API tokens.
 */
export const actorTypes = ['api-token', 'staff', 'customer', 'system'] as const;
export type ActorType = (typeof actorTypes)[number];

export interface Actor {
  type: ActorType;
  id: string;
}

import { CustosError } from './errors.ts';

export const systemActor: Actor = { type: 'system', id: 'system' };

export function actorRef(actor: Actor): string {
  return `${actor.type}:${actor.id}`;
}

/** The actor an `actorRef` names (undefined for a ref of no known type): the inverse of `actorRef`. */
export function actorOfRef(ref: string): Actor | undefined {
  const at = ref.indexOf(':');
  const type = ref.slice(0, at) as ActorType;
  return at > 0 && actorTypes.includes(type) ? { type, id: ref.slice(at + 1) } : undefined;
}

/** The staff id an `actorRef` names; undefined when the actor is not a staff member. */
export function staffIdOfRef(ref: string): string | undefined {
  const actor = actorOfRef(ref);
  return actor?.type === 'staff' ? actor.id : undefined;
}

/** The customer behind a portal session's actor; any other actor is refused, closed. */
export function customerIdOf(actor: Actor): string {
  if (actor.type !== 'customer') throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
  return actor.id;
}
