/**
 * A signed-in customer for tests, made the way it happens for real: a staff member registers the customer
 * (which opens a case for them), steps up and has them invited through that case by email; the invitation
 * arrives by SMTP (`inbox`), never in the staff member's answer; the customer signs up with a password,
 * enrols TOTP and gets a full portal session. Works over any HTTP client (`Send`).
 */
import { decodeBase32 } from '../../src/identity/second-factor/base32.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import type { Send } from './staff-session.ts';

let counter = 0;

export async function signInCustomer(
  send: Send,
  staff: { token: string; secret: Buffer },
  options: { now?: () => number; inbox: { invitationTokenFor(email: string): Promise<string> } },
): Promise<{ token: string; accountId: string; customerId: string; email: string; secret: Buffer }> {
  const now = options.now ?? Date.now;
  const expect = (response: { status: number; body: unknown }, status: number, step: string) => {
    if (response.status !== status)
      throw new Error(`${step}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Record<string, unknown>;
  };
  const asStaff = { authorization: `Bearer ${staff.token}` };
  counter++;
  const email = `portal.customer.${process.pid}.${counter}@example.com`;
  const registered = expect(
    await send(
      'POST',
      '/v1/customers',
      {
        customer: { name: `Portal Customer ${counter}`, email },
        case: { purpose: 'repair', channel: 'counter' },
      },
      asStaff,
    ),
    201,
    'create customer',
  );
  const customer = registered.customer as { id: string };
  const caseId = (registered.case as { id: string }).id;
  const requested = expect(
    await send('POST', `/v1/cases/${caseId}/portal-invitation`, { channel: 'email' }, asStaff),
    202,
    'invite',
  );
  if (JSON.stringify(requested).includes(email)) throw new Error('the staff answer names the contact');
  const token = await options.inbox.invitationTokenFor(email);
  const signedUp = expect(
    await send('POST', '/v1/portal/sign-up', { token, password: 'my own long portal passphrase' }, {}),
    200,
    'sign up',
  );
  const partial = { authorization: `Bearer ${signedUp.token}` };
  const enrol = expect(await send('POST', '/v1/portal/totp/enrol', {}, partial), 200, 'enrol');
  const secret = decodeBase32(
    new URL(enrol.otpauthUri as string).searchParams.get('secret') as string,
  ) as Buffer;
  const confirmed = expect(
    await send('POST', '/v1/portal/totp/confirm', { code: totp(secret, now()) }, partial),
    200,
    'confirm',
  );
  const who = expect(
    await send('GET', '/v1/portal/session', undefined, { authorization: `Bearer ${confirmed.token}` }),
    200,
    'session',
  );
  return {
    token: confirmed.token as string,
    accountId: who.accountId as string,
    customerId: customer.id as string,
    email,
    secret,
  };
}
