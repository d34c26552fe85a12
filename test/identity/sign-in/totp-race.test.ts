/**
 * A TOTP code is used once, even by two requests that arrive together. The store accepts a step only if it
 * is newer than the last accepted one (a compare-and-set on `last_step`); without it both requests read the
 * same last step, both verify, and both succeed. Replays after the fact are tested in accounts.test.ts;
 * here the same code goes out twice at once, for the sign-in's second factor and for a step-up, over HTTP
 * on both dialects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';
import { dialects } from '../../support/databases.ts';

const PASSWORD = 'a long and unusual passphrase';

for (const { dialect, skip } of await dialects()) {
  describe(`one TOTP code, two requests at once, on ${dialect}`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 10, 23, 9));
    let f: AccessFixture;
    let staff: Staff;

    before(async () => {
      f = await accessFixture(dialect, { clock });
      staff = await f.staff('support');
    });
    after(() => f?.close());

    /** Two password-step sessions of `staff`, each waiting for its second factor. */
    async function twoPartialSessions(): Promise<[Staff, Staff]> {
      const partial = async (): Promise<Staff> => {
        const res = await f.send(null, 'POST', '/v1/auth/sign-in', {
          login: staff.login,
          password: PASSWORD,
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return { ...staff, token: res.body.token as string };
      };
      return [await partial(), await partial()];
    }

    test('sign-in: the same code sent to two waiting sign-ins completes exactly one', async () => {
      clock.advance(60_000); // a step after the enrolment's code
      const [a, b] = await twoPartialSessions();
      const code = totp(staff.secret, clock.now());
      const answers = await Promise.all(
        [a, b].map((who) => f.send(who, 'POST', '/v1/auth/second-factor', { code })),
      );
      const statuses = answers.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 401], JSON.stringify(answers.map((r) => r.body)));
      const refused = answers.find((r) => r.status === 401);
      assert.equal(refused?.body.error.code, 'AUTH_INVALID');
      // The refused sign-in is still waiting: it has no full session.
      const loser = [a, b][answers.indexOf(refused as (typeof answers)[number])] as Staff;
      const probe = await f.send(loser, 'GET', '/v1/cases');
      assert.deepEqual([probe.status, probe.body.error.code], [401, 'SECOND_FACTOR_REQUIRED']);
    });

    test('step-up: the same code sent twice at once steps up once', async () => {
      clock.advance(60_000);
      const code = totp(staff.secret, clock.now());
      const answers = await Promise.all(
        [1, 2].map(() => f.send(staff, 'POST', '/v1/auth/step-up', { code })),
      );
      assert.deepEqual(
        answers.map((r) => r.status).sort(),
        [204, 401],
        JSON.stringify(answers.map((r) => r.body)),
      );
      assert.equal(answers.find((r) => r.status === 401)?.body.error.code, 'AUTH_INVALID');
    });

    test('a sign-in and a step-up racing on one code: one wins', async () => {
      clock.advance(60_000);
      const [a] = await twoPartialSessions();
      const code = totp(staff.secret, clock.now());
      const answers = await Promise.all([
        f.send(a, 'POST', '/v1/auth/second-factor', { code }),
        f.send(staff, 'POST', '/v1/auth/step-up', { code }),
      ]);
      const ok = answers.filter((r) => r.status === 200 || r.status === 204);
      assert.equal(ok.length, 1, JSON.stringify(answers));
    });
  });
}
