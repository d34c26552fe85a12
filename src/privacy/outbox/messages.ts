/**
 * What each kind of message says. A message is written for the customer who receives it: it names no staff
 * member and holds no personal data beyond what its purpose needs (an invitation link holds its token; a
 * reveal notice names the fields revealed, never their values).
 */
import type { Delivery, MessageKind } from './outbox.types.ts';

/** One staff reveal as a notice tells it: field names, when, the staff member's role and site, the purpose. */
export interface RevealItem {
  fields: string[];
  /** ISO 8601. */
  at: string;
  role: string;
  site: string;
  purpose: string;
}

export interface MessageParams {
  /** portal_invitation: the one-time token and when it expires (ISO 8601). */
  token?: string;
  expiresAt?: string;
  /** contact_changed: which contact field was replaced (`email` or `phone`). */
  field?: string;
  /** reveal_notice (one) and reveal_digest (the day's): the reveals to tell of. */
  reveals?: RevealItem[];
  /** reveal_digest: the day (YYYY-MM-DD, China time). */
  day?: string;
}

/** The field names customers read (a field not listed reads as its own name). */
const fieldWords: Record<string, string> = {
  name: 'name',
  phone: 'phone number',
  email: 'email address',
  account_id: 'account ID',
  national_id: 'national ID number',
  address: 'address',
  birth_date: 'date of birth',
  attributes: 'other details',
};

function revealLine(r: RevealItem): string {
  const fields = r.fields.map((f) => fieldWords[f] ?? f).join(', ');
  return `- ${r.at}: your ${fields}, seen by a ${r.role} staff member at ${r.site}, for ${r.purpose}`;
}

/**
 * The subject and text of one message.
 *
 * @example
 *   render('portal_invitation', { token, expiresAt }, 'https://custos.example');
 */
export function render(kind: MessageKind, params: MessageParams, publicOrigin: string): Omit<Delivery, 'to'> {
  const history = `${publicOrigin}/portal/access-history`;
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
    case 'reveal_notice':
      return {
        subject: 'A staff member viewed your data',
        text:
          `A staff member just viewed some of your data in full:\n` +
          `${(params.reveals ?? []).map(revealLine).join('\n')}\n` +
          `Who accessed your data, when and why: ${history}\n` +
          `If you did not expect this, tell us from the portal.\n`,
      };
    case 'reveal_digest':
      return {
        subject: `Staff viewed your data on ${params.day ?? ''}`,
        text:
          `On ${params.day ?? ''} staff viewed some of your data in full:\n` +
          `${(params.reveals ?? []).map(revealLine).join('\n')}\n` +
          `Who accessed your data, when and why: ${history}\n` +
          `If you did not expect this, tell us from the portal.\n`,
      };
  }
}
