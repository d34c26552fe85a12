/**
 * What each kind of message says. A message is written for the customer who receives it: it names no staff
 * member and holds no personal data beyond what its purpose needs (an invitation link holds its token).
 */
import type { Delivery, MessageKind } from './outbox.types.ts';

export interface MessageParams {
  /** portal_invitation: the one-time token and when it expires (ISO 8601). */
  token?: string;
  expiresAt?: string;
  /** contact_changed: which contact field was replaced (`email` or `phone`). */
  field?: string;
}

/**
 * The subject and text of one message.
 *
 * @example
 *   render('portal_invitation', { token, expiresAt }, 'https://custos.example');
 */
export function render(kind: MessageKind, params: MessageParams, publicOrigin: string): Omit<Delivery, 'to'> {
  switch (kind) {
    case 'portal_invitation':
      return {
        subject: 'Your invitation to the privacy portal',
        text:
          `You were invited to the privacy portal, where you can see your data and who accessed it.\n` +
          `Sign up within 7 days: ${publicOrigin}/portal/sign-up#token=${params.token ?? ''}\n` +
          `Invitation token: ${params.token ?? ''} (valid until ${params.expiresAt ?? ''})\n` +
          `If you did not ask for this, ignore this message.\n`,
      };
    case 'contact_changed':
      return {
        subject: 'Your contact details were changed',
        text:
          `The ${params.field === 'phone' ? 'phone number' : 'email address'} on your record was just replaced, ` +
          `and this ${params.field === 'phone' ? 'number' : 'address'} is no longer on file.\n` +
          `If you did not ask for this change, contact us at once: someone may be taking over your account.\n`,
      };
  }
}
