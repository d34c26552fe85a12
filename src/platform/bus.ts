/**
 * The event bus: every decision Custos takes is published here, so that the watcher, notifications and
 * metrics can follow without the deciding code knowing about them.
 *
 * The embedded default delivers in-process and synchronously-after-commit (handlers run on a microtask, so
 * a slow or failing subscriber never blocks or fails the request that published). The scale-out adapter
 * (NATS JetStream) implements the same interface.
 */

export interface EventMap {
  'customer.created': { customerId: string; actor: string };
  'customer.updated': { customerId: string; actor: string; fields: string[] };
  'customer.viewed': { customerId: string; actor: string; caseId?: string };
  /**
   * Every access decision on customer data, allowed or not: what the insider-risk watcher scores. `staffId`
   * is who asked; `code` says why a refusal happened.
   */
  'access.decided': {
    staffId: string;
    role: string;
    action: string;
    allowed: boolean;
    code?: string;
    customerId?: string;
    caseId?: string;
    fields?: string[];
    breakGlass?: boolean;
    /** A reveal: what shows the customer started it (`none`: staff-initiated). */
    evidence?: 'presence_code' | 'inbound_call' | 'portal_request' | 'appointment' | 'none';
    /** A staff-initiated reveal: the watcher's flags (risk.types.ts `RevealContext`). */
    context?: {
      followUp?: boolean;
      outOfRegion?: boolean;
      offShift?: boolean;
      special?: 'vip' | 'coworker' | 'same_surname';
    };
    /** A search continuing a run of consecutive numbers. */
    patterned?: boolean;
    /** A search: how many customers it found, and which. */
    matches?: number;
    customerIds?: string[];
  };
  'customer.revealed': {
    staffId: string;
    customerId: string;
    caseId: string;
    /** The reveal's id in its ledger entry: what makes a notice of it idempotent (privacy/notices). */
    revealId: string;
    fields: string[];
    purpose: string;
    breakGlass: boolean;
  };
  'case.opened': {
    staffId: string;
    caseId: string;
    customerId: string;
    purpose: string;
    channel: string;
    breakGlass: boolean;
    customerPresent: boolean;
  };
  /** A case closed: how (`resolution`), and whether any field was revealed through it. */
  'case.closed': { staffId: string; role: string; caseId: string; resolution: string; revealed: boolean };
  'alert.raised': { alertId: string; kind: string; staffId: string; severity: string };
  /**
   * Security decided an alert: `confirmed` (an investigation is open), `false_positive` or `dismissed` (not a
   * false positive, but nothing to investigate). `indicator`: a `risk_tier` alert's top indicator. What the
   * watcher follows to raise the threshold of a noisy indicator (alerts.feedback()).
   */
  'alert.triaged': {
    alertId: string;
    kind: string;
    outcome: 'confirmed' | 'false_positive' | 'dismissed';
    indicator?: string;
  };
  'export.completed': { exportId: string; requestedBy: string; approvedBy: string; records: number };
  'customer.searched': { actor: string; by: string; matches: number };
  'customers.imported': { actor: string; imported: number; rejected: number };
  /** HR's word about a staff member, accepted and ledgered (`role`: the member's role once it applied). */
  'hr.signal': { staffId: string; role: string; signal: string; at: number };
  'keys.rotated': { fromVersions: number[]; toVersion: number; rewrapped: number };
}

export type EventType = keyof EventMap;

export interface BusEvent<T extends EventType = EventType> {
  type: T;
  at: number;
  data: EventMap[T];
}

export type Handler<T extends EventType> = (event: BusEvent<T>) => void | Promise<void>;

export interface EventBus {
  publish<T extends EventType>(type: T, data: EventMap[T]): void;
  subscribe<T extends EventType>(type: T, handler: Handler<T>): () => void;
  close(): Promise<void>;
}

export function createInProcessBus(
  options: { now?: () => number; onHandlerError?: (error: unknown) => void } = {},
) {
  const now = options.now ?? Date.now;
  const handlers = new Map<EventType, Set<Handler<EventType>>>();
  const pending = new Set<Promise<void>>();

  const bus: EventBus = {
    publish(type, data) {
      const set = handlers.get(type);
      if (!set || set.size === 0) return;
      const event = { type, at: now(), data } as BusEvent<EventType>;
      for (const handler of set) {
        const run = Promise.resolve()
          .then(() => handler(event))
          .catch((error) => options.onHandlerError?.(error))
          .finally(() => pending.delete(run));
        pending.add(run);
      }
    },
    subscribe(type, handler) {
      let set = handlers.get(type);
      if (!set) {
        set = new Set();
        handlers.set(type, set);
      }
      set.add(handler as Handler<EventType>);
      return () => set.delete(handler as Handler<EventType>);
    },
    async close() {
      await Promise.all(pending);
      handlers.clear();
    },
  };
  return bus;
}
