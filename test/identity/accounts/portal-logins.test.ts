/**
 * Issue 13, finding 3: portal accounts held the customer's email or phone in clear (`accounts.login`,
 * `display_name`) — in the SQLite file, its WAL and a pg_dump — outside the customer's key. Now the login is a
 * keyed blind index and the contact is sealed under the customer's key. Over HTTP against a real server on
 * both dialects: portal invitations (email and SMS), sign-ups, sign-ins by every spelling, then a raw-bytes
 * scan finds no contact; rows stored the old way are rewritten at start; erasure removes the account.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createCustos } from '../../../src/app.ts';
import { PORTAL_LOGIN_PREFIX } from '../../../src/identity/accounts/portal-logins.ts';
import { hashPassword } from '../../../src/identity/accounts/passwords.ts';
import { decodeBase32 } from '../../../src/identity/second-factor/base32.ts';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import { buildServer } from '../../../src/http/server.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { signInCustomer } from '../../support/customer-session.ts';
import { testCustos, type TestCustos } from '../../support/custos.ts';
import { dialects, PG_URL } from '../../support/databases.ts';
import { ledgerEntries } from '../../support/ledger-entries.ts';
import { fetchSend, type Send, signInStaff } from '../../support/staff-session.ts';

const PASSWORD = 'my own long portal passphrase';
const PHONE_DIGITS = '13724681357';
const PHONE_EMAIL = 'zhang.wei.portal@example.cn';
const LEGACY_EMAIL = 'legacy.portal.customer@example.org';

for (const { dialect, skip } of await dialects()) {
  describe(`portal logins on ${dialect} hold no customer contact`, { skip }, () => {
    const clock = manualClock(Date.UTC(2026, 11, 2, 11));
    let t: TestCustos;
    let app: FastifyInstance;
    let send: Send;
    let staff: Awaited<ReturnType<typeof signInStaff>>;
    let byEmail: Awaited<ReturnType<typeof signInCustomer>>;
    let phoneCustomer: { id: string; token: string; secret: Buffer };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const expectStatus = (res: { status: number; body: unknown }, status: number, step: string) => {
      assert.equal(res.status, status, `${step}: ${JSON.stringify(res.body)}`);
      return res.body as Record<string, unknown>;
    };

    before(async () => {
      t = await testCustos(dialect, { clock });
      app = await buildServer(t.custos.server());
      send = fetchSend(await app.listen({ host: '127.0.0.1', port: 0 }));
      staff = await signInStaff(send, t.adminToken, { now: clock.now });
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });

    /** The token of the latest SMS the development adapter wrote to `number`. */
    async function smsTokenFor(number: string): Promise<string> {
      await t.deliver();
      const dir = join(t.config.dataDir, 'outbox', 'sms');
      const texts = readdirSync(dir)
        .sort()
        .map((f) => readFileSync(join(dir, f), 'utf8'))
        .filter((text) => text.startsWith(`To: ${number}\n`));
      const match = /Invitation token: ([A-Za-z0-9_-]{20,})/.exec(texts.at(-1) ?? '');
      assert.ok(match, 'an SMS with an invitation token');
      return match[1] as string;
    }

    async function portalSignIn(login: string, secret: Buffer): Promise<string> {
      clock.advance(30_000);
      const first = expectStatus(
        await send('POST', '/v1/portal/sign-in', { login, password: PASSWORD }, {}),
        200,
        `sign in as ${login}`,
      );
      const second = expectStatus(
        await send(
          'POST',
          '/v1/portal/second-factor',
          { code: totp(secret, clock.now()) },
          bearer(first.token as string),
        ),
        200,
        'second factor',
      );
      return second.token as string;
    }

    const customerAccounts = () =>
      t.custos.database.db.selectFrom('accounts').selectAll().where('realm', '=', 'customer').execute();

    test('invited by email and by SMS, signed up and signed in by every spelling of the contact', async () => {
      byEmail = await signInCustomer(send, staff, { now: clock.now, inbox: t });
      await portalSignIn(byEmail.email.toUpperCase(), byEmail.secret);

      const registered = expectStatus(
        await send(
          'POST',
          '/v1/customers',
          {
            customer: { name: 'Zhang Wei', phone: `+86 137 2468 1357`, email: PHONE_EMAIL },
            case: { purpose: 'repair', channel: 'counter' },
          },
          bearer(staff.token),
        ),
        201,
        'register',
      );
      const caseId = (registered.case as { id: string }).id;
      clock.advance(30_000);
      expectStatus(
        await send(
          'POST',
          '/v1/auth/step-up',
          { code: totp(staff.secret, clock.now()) },
          bearer(staff.token),
        ),
        204,
        'step up',
      );
      expectStatus(
        await send(
          'POST',
          `/v1/cases/${caseId}/portal-invitation`,
          { channel: 'phone' },
          bearer(staff.token),
        ),
        202,
        'invite by phone',
      );
      const token = await smsTokenFor(`+86${PHONE_DIGITS}`);
      const signedUp = expectStatus(
        await send('POST', '/v1/portal/sign-up', { token, password: PASSWORD }, {}),
        200,
        'sign up',
      );
      const partial = bearer(signedUp.token as string);
      const enrol = expectStatus(await send('POST', '/v1/portal/totp/enrol', {}, partial), 200, 'enrol');
      const uri = new URL(enrol.otpauthUri as string);
      // The authenticator is labelled with the customer's own contact (opened with their key), not the index.
      assert.equal(decodeURIComponent(uri.pathname), `/Custos:+86${PHONE_DIGITS}`);
      const secret = decodeBase32(uri.searchParams.get('secret') as string) as Buffer;
      const confirmed = expectStatus(
        await send('POST', '/v1/portal/totp/confirm', { code: totp(secret, clock.now()) }, partial),
        200,
        'confirm',
      );
      phoneCustomer = {
        id: (registered.customer as { id: string }).id,
        token: confirmed.token as string,
        secret,
      };
      for (const spelling of ['+86 137 2468 1357', '137-2468-1357', '0086 13724681357', '(137) 2468 1357'])
        await portalSignIn(spelling, secret);
      // Failed guesses too, so the throttle table has rows for these logins.
      for (const spelling of [PHONE_DIGITS, byEmail.email])
        assert.equal(
          (await send('POST', '/v1/portal/sign-in', { login: spelling, password: 'a wrong passphrase!' }, {}))
            .status,
          401,
        );
    });

    test('the accounts hold only keyed indexes and sealed contacts, apart from the search indexes', async () => {
      const rows = await customerAccounts();
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.ok(row.login.startsWith(PORTAL_LOGIN_PREFIX), row.login);
        assert.equal(Buffer.from(row.login.slice(PORTAL_LOGIN_PREFIX.length), 'base64url').length, 16);
        assert.equal(row.display_name, '');
        assert.ok(row.display_sealed && row.display_sealed.length > 16);
      }
      const phoneRow = rows.find((r) => r.subject_id === phoneCustomer.id);
      const account = await t.custos.database.db
        .selectFrom('customers')
        .select(['phone_bidx'])
        .where('id', '=', phoneCustomer.id)
        .executeTakeFirstOrThrow();
      // The login's index is under a key of its own: the search index of the phone does not find the account.
      assert.notEqual(
        phoneRow?.login.slice(PORTAL_LOGIN_PREFIX.length),
        account.phone_bidx?.toString('base64url'),
      );
      // The sealed contact opens only under its customer's key, as what it is.
      const record = await t.custos.database.db
        .selectFrom('accounts')
        .select('id')
        .where('subject_id', '=', phoneCustomer.id)
        .executeTakeFirstOrThrow();
      const stored = (await t.custos.identity.portalLogins.contactOf({
        ...(await accountRecord(record.id)),
      })) as string;
      assert.equal(stored, `+86${PHONE_DIGITS}`);
      await assert.rejects(
        t.custos.identity.portalLogins.contactOf({
          ...(await accountRecord(record.id)),
          subjectId: byEmail.customerId,
        }),
        (e) => (e as { code?: string }).code === 'SEALED_VALUE_INVALID',
        'moved to another customer, it does not open',
      );
    });

    async function accountRecord(id: string) {
      const row = await t.custos.database.db
        .selectFrom('accounts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return {
        id: row.id,
        realm: row.realm as 'customer',
        subjectId: row.subject_id,
        login: row.login,
        displayName: row.display_name,
        displaySealed: row.display_sealed,
        passwordHash: row.password_hash,
        status: row.status,
        enrolledAt: row.enrolled_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      };
    }

    /** Every byte of storage: the SQLite file with its WAL, or a pg_dump of the schema. */
    function rawStorage(): Buffer {
      if (dialect === 'sqlite') {
        const dir = t.database.dir as string;
        const files = readdirSync(dir).filter((f) => f.startsWith('custos.db'));
        assert.ok(files.includes('custos.db-wal'), 'the WAL is scanned too');
        return Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
      }
      const dump = execFileSync('pg_dump', ['--schema', t.database.schema as string, '--inserts', PG_URL], {
        maxBuffer: 64 << 20,
      });
      assert.ok(dump.includes(Buffer.from('CREATE TABLE')), 'the dump is real');
      return dump;
    }
    const found = (raw: Buffer, needles: string[]) =>
      needles.filter((n) => raw.includes(Buffer.from(n, 'utf8')) || raw.includes(Buffer.from(n, 'utf16le')));

    test('raw storage holds none of the contacts, though the scan finds a staff email in clear', () => {
      const raw = rawStorage();
      const staffEmail = `test.staff.${process.pid}.`;
      assert.ok(raw.includes(Buffer.from(staffEmail)), 'the scan sees plaintext where there is some');
      assert.deepEqual(
        found(raw, [
          byEmail.email,
          byEmail.email.split('@')[0] as string,
          PHONE_EMAIL.split('@')[0] as string,
          PHONE_DIGITS,
        ]),
        [],
      );
    });

    test('customer accounts stored before this change are rewritten at start and still sign in', async () => {
      const created = await t.custos.vault.createCustomer(
        { type: 'api-token', id: 'test' },
        { name: 'Legacy Customer', email: LEGACY_EMAIL },
      );
      const customerId = (created as { id: string }).id;
      const now = clock.now();
      // A row as the code before this change wrote it: the contact in clear, twice.
      await t.custos.database.db
        .insertInto('accounts')
        .values({
          id: 'legacy-account',
          realm: 'customer',
          subject_id: customerId,
          login: LEGACY_EMAIL,
          display_name: LEGACY_EMAIL,
          display_sealed: null,
          password_hash: await hashPassword(PASSWORD),
          status: 'active',
          enrolled_at: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const legacyLocal = LEGACY_EMAIL.split('@')[0] as string;
      assert.deepEqual(found(rawStorage(), [legacyLocal]), [legacyLocal], 'the scan sees a login in clear');
      // A node starting on this database rewrites it.
      const restarted = await createCustos(t.config, {
        clock,
        logger: createLogger('silent'),
        database: t.database.schema ? { schema: t.database.schema, poolSize: 2 } : {},
      });
      await restarted.close();
      const row = await accountRecord('legacy-account');
      assert.ok(row.login.startsWith(PORTAL_LOGIN_PREFIX));
      assert.equal(row.displayName, '');
      assert.equal(await t.custos.identity.portalLogins.contactOf(row), LEGACY_EMAIL);
      assert.equal(await t.custos.identity.portalLogins.protectExisting(), 0, 'once only');
      const signedIn = await send(
        'POST',
        '/v1/portal/sign-in',
        { login: ` ${LEGACY_EMAIL.toUpperCase()} `, password: PASSWORD },
        {},
      );
      assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
      assert.deepEqual(found(rawStorage(), [legacyLocal]), [], 'and no old copy of it is left');
    });

    test('erasing the customer removes their portal account, its index and sealed contact, and ends its sessions', async () => {
      const admin = { type: 'api-token' as const, id: 'admin' };
      const account = await t.custos.database.db
        .selectFrom('accounts')
        .select('id')
        .where('subject_id', '=', phoneCustomer.id)
        .executeTakeFirstOrThrow();
      assert.equal(await t.custos.identity.accounts.eraseCustomerAccount(admin, phoneCustomer.id), true);
      const erased = (await ledgerEntries(t.custos, 'account.erased')).at(-1);
      assert.deepEqual(erased?.data, { accountId: account.id, realm: 'customer' });
      assert.equal(erased?.subject, phoneCustomer.id);
      for (const table of ['sessions', 'totp_credentials', 'recovery_codes', 'invitations'] as const) {
        const left = await t.custos.database.db
          .selectFrom(table)
          .select('account_id')
          .where('account_id', '=', account.id)
          .execute();
        assert.equal(left.length, 0, table);
      }
      assert.equal((await customerAccounts()).filter((r) => r.subject_id === phoneCustomer.id).length, 0);
      const session = await send('GET', '/v1/portal/session', undefined, bearer(phoneCustomer.token));
      assert.equal(session.status, 401);
      clock.advance(30_000);
      const again = await send('POST', '/v1/portal/sign-in', { login: PHONE_DIGITS, password: PASSWORD }, {});
      assert.equal(again.status, 401);
      assert.equal(await t.custos.identity.accounts.eraseCustomerAccount(admin, phoneCustomer.id), false);
      // The other customer is untouched.
      await portalSignIn(byEmail.email, byEmail.secret);
    });
  });
}
