/**
 * The outbox's vocabulary: what a message to a customer is, as the outbox service and its store speak it.
 * A message holds ids and sealed blobs only: no contact and no token in plaintext.
 */

/** How a message reaches the customer: their email, or their phone by SMS. */
export const outboxChannels = ['email', 'sms'] as const;
export type OutboxChannel = (typeof outboxChannels)[number];

/** What a message says (messages.ts renders each). */
export const messageKinds = [
  'portal_invitation',
  'contact_changed',
  'reveal_notice',
  'reveal_digest',
] as const;
export type MessageKind = (typeof messageKinds)[number];

export type MessageStatus = 'pending' | 'sent' | 'dead';

export interface OutboxMessage {
  id: string;
  customerId: string;
  channel: OutboxChannel;
  kind: MessageKind;
  /**
   * The address, sealed under the customer's key, when it must not follow the record (a notice to the
   * contact just replaced); null: the customer's contact on file for the channel, read at send time.
   */
  recipientSealed: Buffer | null;
  /** What the message needs (an invitation token…), as JSON sealed under the customer's key; or null. */
  paramsSealed: Buffer | null;
  status: MessageStatus;
  attempts: number;
  nextAttemptAt: number;
  /** The last failure's code (never an address or a message body). */
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

/** One message as a transport sends it. */
export interface Delivery {
  to: string;
  subject: string;
  text: string;
}

/** Sends email; the SMTP transport (nodemailer) in production, files under the data directory in development. */
export interface EmailTransport {
  send(delivery: Delivery): Promise<void>;
  close?(): void;
}

/** Sends SMS; a provider's adapter implements it (the development adapter writes files). */
export interface SmsTransport {
  send(delivery: Omit<Delivery, 'subject'>): Promise<void>;
}
