/**
 * A signed-in staff member for tests and benchmarks, made the way a person would: an administrator invites,
 * the invitee sets a password, enrols TOTP with the code of its authenticator, and gets a full session.
 * Works over any HTTP client: give it a `send` that performs a JSON request.
 */
import { decodeBase32 } from '../../src/identity/second-factor/base32.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';

export type Send = (
  method: string,
  url: string,
  body: object | undefined,
  headers: Record<string, string>,
) => Promise<{ status: number; body: unknown }>;

let counter = 0;

export async function signInStaff(
  send: Send,
  adminToken: string,
  options: { role?: string; now?: () => number; site?: string } = {},
): Promise<{
  token: string;
  accountId: string;
  staffId: string;
  secret: Buffer;
  login: string;
  email: string;
}> {
  const now = options.now ?? Date.now;
  const admin = { authorization: `Bearer ${adminToken}` };
  const expect = (response: { status: number; body: unknown }, status: number, step: string) => {
    if (response.status !== status)
      throw new Error(`${step}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Record<string, unknown>;
  };
  counter++;
  const login = `test.staff.${process.pid}.${counter}@custos.example`;
  const invited = expect(
    await send(
      'POST',
      '/v1/staff/invitations',
      {
        email: login,
        displayName: `Test Staff ${counter}`,
        role: options.role ?? 'support',
        region: 'east',
        site: options.site ?? 'east-call-centre',
        shift: 'day',
      },
      admin,
    ),
    201,
    'invite',
  );
  const accepted = expect(
    await send(
      'POST',
      '/v1/auth/invitations/accept',
      { token: invited.invitationToken, password: 'a long and unusual passphrase' },
      {},
    ),
    200,
    'accept',
  );
  const partial = { authorization: `Bearer ${accepted.token}` };
  const enrol = expect(await send('POST', '/v1/auth/totp/enrol', {}, partial), 200, 'enrol');
  const secret = decodeBase32(
    new URL(enrol.otpauthUri as string).searchParams.get('secret') as string,
  ) as Buffer;
  const confirmed = expect(
    await send('POST', '/v1/auth/totp/confirm', { code: totp(secret, now()) }, partial),
    200,
    'confirm',
  );
  return {
    token: confirmed.token as string,
    accountId: invited.accountId as string,
    staffId: invited.staffId as string,
    secret,
    login,
    email: login,
  };
}

/** `Send` over fetch, for a server listening at `base`. */
export function fetchSend(base: string): Send {
  return async (method, url, body, headers) => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}
