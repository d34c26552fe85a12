/**
 * Staff as people over HTTP against a real server, for separation-of-duties tests: invite with any API
 * token, enrol (password and TOTP), sign in again after the clock moved on, step up. Unlike
 * `signInStaff`, a person keeps their login and secret, so a test can come back to them days later.
 */
import assert from 'node:assert/strict';
import { decodeBase32 } from '../../src/identity/second-factor/base32.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import type { Clock } from '../../src/platform/clock.ts';
import type { Send } from './staff-session.ts';

export interface Person {
  name: string;
  role: string;
  staffId: string;
  email: string;
  secret: Buffer;
  /** The current full session token. */
  token: string;
  /** Was the role left waiting for a second administrator? */
  pending: boolean;
}

const PASSWORD = 'a long and unusual passphrase';

export function staffPeople(send: Send, clock: Clock & { advance(ms: number): void }, tag: string) {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const code = (p: Person) => {
    clock.advance(31_000); // a TOTP code is used once: the next one
    return totp(p.secret, clock.now());
  };

  /** Invite with `token` (the answer, to check refusals). */
  const invite = (token: string, name: string, role: string) =>
    send(
      'POST',
      '/v1/staff/invitations',
      {
        email: `${name}.${tag}@custos.example`,
        displayName: name,
        role,
        region: 'east',
        site: 'east-hq',
        shift: 'day',
      },
      bearer(token),
    );

  return {
    bearer,
    invite,

    /** Invite with `token`, accept, enrol TOTP: a person with a full session. */
    async person(token: string, name: string, role: string): Promise<Person> {
      const invited = await invite(token, name, role);
      assert.equal(invited.status, 201, `invite ${name}: ${JSON.stringify(invited.body)}`);
      const body = invited.body as { staffId: string; invitationToken: string; pending: boolean };
      const accepted = await send(
        'POST',
        '/v1/auth/invitations/accept',
        { token: body.invitationToken, password: PASSWORD },
        {},
      );
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
      const partial = bearer((accepted.body as { token: string }).token);
      const enrol = await send('POST', '/v1/auth/totp/enrol', {}, partial);
      const uri = (enrol.body as { otpauthUri: string }).otpauthUri;
      const secret = decodeBase32(new URL(uri).searchParams.get('secret') as string) as Buffer;
      const person: Person = {
        name,
        role,
        staffId: body.staffId,
        email: `${name}.${tag}@custos.example`,
        secret,
        token: '',
        pending: body.pending,
      };
      const confirmed = await send('POST', '/v1/auth/totp/confirm', { code: code(person) }, partial);
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      person.token = (confirmed.body as { token: string }).token;
      return person;
    },

    /** Sign in again (sessions end after hours; tests move the clock by days). */
    signIn: async (p: Person): Promise<void> => {
      const first = await send('POST', '/v1/auth/sign-in', { login: p.email, password: PASSWORD }, {});
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const second = await send(
        'POST',
        '/v1/auth/second-factor',
        { code: code(p) },
        bearer((first.body as { token: string }).token),
      );
      assert.equal(second.status, 200, JSON.stringify(second.body));
      p.token = (second.body as { token: string }).token;
    },

    /** A fresh step-up, then the request as `p`. */
    async stepped(p: Person, method: string, url: string, body?: object) {
      const up = await send('POST', '/v1/auth/step-up', { code: code(p) }, bearer(p.token));
      assert.equal(up.status, 204, JSON.stringify(up.body));
      return send(method, url, body, bearer(p.token));
    },

    as: (p: Person, method: string, url: string, body?: object) => send(method, url, body, bearer(p.token)),
  };
}
