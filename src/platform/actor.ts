/**
 * Who is acting. Every service method that touches customer data takes the actor explicitly; there is no
 * ambient "current user". Staff and customers act through sessions; machines through admin API tokens.
 */
export type ActorType = 'api-token' | 'staff' | 'customer' | 'system';

export interface Actor {
  type: ActorType;
  id: string;
}

import { CustosError } from './errors.ts';

export const systemActor: Actor = { type: 'system', id: 'system' };

export function actorRef(actor: Actor): string {
  return `${actor.type}:${actor.id}`;
}

/** The customer behind a portal session's actor; any other actor is refused, closed. */
export function customerIdOf(actor: Actor): string {
  if (actor.type !== 'customer') throw new CustosError('AUTH_INVALID', 'The credentials are not valid');
  return actor.id;
}
