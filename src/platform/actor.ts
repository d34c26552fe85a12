/**
 * Who is acting. Every service method that touches customer data takes the actor explicitly; there is no
 * ambient "current user". Staff and customers act through sessions; machines through admin API tokens.
 */
export type ActorType = 'api-token' | 'staff' | 'customer' | 'system';

export interface Actor {
  type: ActorType;
  id: string;
}

export const systemActor: Actor = { type: 'system', id: 'system' };

export function actorRef(actor: Actor): string {
  return `${actor.type}:${actor.id}`;
}
