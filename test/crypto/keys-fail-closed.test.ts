/**
 * The master key fails closed (issue 13, finding 4), attacked over HTTP against a real server listening on
 * loopback: while `master.key` is moved away, every act that needs a key — the reveal, the masked view, a
 * search by blind index, a TOTP step-up — answers 503 KEYRING_UNAVAILABLE with no plaintext, and `/readyz`
 * says the same; put back, it serves again. A master key file replaced by another key answers 503
 * KEYRING_MISMATCH (never 500 INTERNAL), is not adopted (the right file put back serves again), and a server
 * started on it refuses to start; so is a file whose keys share no version with the server's, unless they
 * open the installation's keyring — as after a rotation that began and ended while the server was idle,
 * which is adopted.
 */
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { createCustos } from '../../src/app.ts';
import { createKeyRotation } from '../../src/crypto/key-rotation.service.ts';
import { createKeyringStore } from '../../src/crypto/keyring.store.ts';
import { createMasterKeyFile, fileMasterKeys, KEY_SOURCE_CHECK_MS } from '../../src/crypto/master-keys.ts';
import { buildServer } from '../../src/http/server.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { systemActor } from '../../src/platform/actor.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { testCustos, type TestCustos } from '../support/custos.ts';
import { dialects } from '../support/databases.ts';
import { fetchSend, type Send, signInStaff } from '../support/staff-session.ts';

type Staff = Awaited<ReturnType<typeof signInStaff>>;
type Answer = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Long enough for every server check to be stale, so the next request looks at the key file again. */
const staleness = () => sleep(KEY_SOURCE_CHECK_MS + 100);

for (const { dialect, skip } of await dialects()) {
  describe(`the master key fails closed over HTTP (${dialect})`, { skip }, () => {
    let t: TestCustos;
    let app: FastifyInstance;
    let send: Send;
    let clerk: Staff;
    let caseId: string;
    let secrets: string[];
    let keyFile: string;

    before(async () => {
      t = await testCustos(dialect);
      keyFile = t.config.masterKeyFile;
      app = await buildServer(t.custos.server());
      send = fetchSend(await app.listen({ host: '127.0.0.1', port: 0 }));
      clerk = await signInStaff(send, t.adminToken, { role: 'support' });
      const customer = await t.custos.vault.createCustomer(systemActor, {
        name: 'Keyring Victim',
        phone: '+86 139 2468 1357',
        email: `keyring.victim.${dialect}@example.com`,
        account_id: `KEYRING${dialect.toUpperCase()}`,
        national_id: '11010519491231002X',
        address: '9 Vault Road, Beijing',
        birth_date: '1985-06-15',
      });
      const opened = await send(
        'POST',
        '/v1/cases',
        { customerId: customer.id, purpose: 'repair', channel: 'counter' },
        as(clerk),
      );
      assert.equal(opened.status, 201, JSON.stringify(opened.body));
      caseId = (opened.body as { id: string }).id;
      const values = await t.custos.vault.unsealFields(customer.id, ['name', 'phone']);
      secrets = Object.values(values).filter((v): v is string => typeof v === 'string');
      assert.equal(secrets.length, 2);
    });
    after(async () => {
      await app?.close();
      await t?.cleanup();
    });

    const as = (s: Staff) => ({ authorization: `Bearer ${s.token}` });
    const reveal = () =>
      send(
        'POST',
        `/v1/cases/${caseId}/reveal`,
        { fields: ['name', 'phone'], reason: 'customer at the counter asked' },
        as(clerk),
      ) as Promise<Answer>;
    const view = () => send('GET', `/v1/cases/${caseId}/customer`, undefined, as(clerk)) as Promise<Answer>;
    const search = () =>
      send(
        'POST',
        '/v1/customers/search',
        { by: 'account_id', value: `KEYRING${dialect.toUpperCase()}` },
        as(clerk),
      ) as Promise<Answer>;
    const stepUp = () =>
      send(
        'POST',
        '/v1/auth/step-up',
        { code: totp(clerk.secret, Date.now()) },
        as(clerk),
      ) as Promise<Answer>;
    const ready = () => send('GET', '/readyz', undefined, {}) as Promise<Answer>;

    function assertRefused(answer: Answer, code: string, what: string): void {
      const body = JSON.stringify(answer.body ?? '');
      assert.equal(answer.status, 503, `${what}: ${body}`);
      assert.equal(answer.body?.error?.code, code, what);
      for (const secret of secrets)
        assert.ok(!body.includes(secret), `${what}: the body carries a real value`);
    }

    async function assertServing(what: string): Promise<void> {
      const ok = await reveal();
      assert.equal(ok.status, 200, `${what}: ${JSON.stringify(ok.body)}`);
      assert.deepEqual(Object.values(ok.body.revealed).sort(), [...secrets].sort(), what);
      assert.equal((await ready()).status, 200, `${what}: /readyz`);
    }

    /** Every key-using act refused with `code`, and `/readyz` naming it. */
    async function assertAllRefused(code: string, what: string): Promise<void> {
      assertRefused(await reveal(), code, `${what}: reveal`);
      assertRefused(await view(), code, `${what}: masked view`);
      assertRefused(await search(), code, `${what}: search by blind index`);
      assertRefused(await stepUp(), code, `${what}: TOTP step-up`);
      const readiness = await ready();
      assert.equal(readiness.status, 503, `${what}: /readyz`);
      assert.equal(readiness.body.checks.keyring, code, `${what}: /readyz`);
    }

    test('control: with the master key in place the reveal answers the real values', async () => {
      await assertServing('control');
    });

    test('master.key moved away: 503 KEYRING_UNAVAILABLE everywhere, no plaintext; put back, it serves', async () => {
      renameSync(keyFile, `${keyFile}.away`);
      try {
        await staleness();
        await assertAllRefused('KEYRING_UNAVAILABLE', 'key moved away');
        // Still refused a second later: the refusal is not a one-off, nothing falls back to the held keys.
        await staleness();
        assertRefused(await reveal(), 'KEYRING_UNAVAILABLE', 'key still away');
      } finally {
        renameSync(`${keyFile}.away`, keyFile);
      }
      await staleness();
      await assertServing('key put back');
    });

    test('master.key replaced by another key: 503 KEYRING_MISMATCH, never INTERNAL; the right key serves again', async () => {
      const impostor = `${keyFile}.impostor`;
      assert.equal(createMasterKeyFile(impostor), true);
      renameSync(keyFile, `${keyFile}.real`);
      renameSync(impostor, keyFile);
      try {
        await staleness();
        await assertAllRefused('KEYRING_MISMATCH', 'key replaced');
      } finally {
        renameSync(`${keyFile}.real`, keyFile);
      }
      await staleness();
      await assertServing('the real key back');
    });

    test('master.key replaced by a key under a version the server never held: 503 KEYRING_MISMATCH, not adopted', async () => {
      const impostor = `${keyFile}.impostor`;
      createMasterKeyFile(impostor);
      writeFileSync(impostor, readFileSync(impostor, 'utf8').replace('"version": 1', '"version": 7'), {
        mode: 0o600,
      });
      renameSync(keyFile, `${keyFile}.real`);
      renameSync(impostor, keyFile);
      try {
        await staleness();
        await assertAllRefused('KEYRING_MISMATCH', 'key of another version');
        // The keyring was asked and said no: still refused once that answer is in.
        await staleness();
        assertRefused(await reveal(), 'KEYRING_MISMATCH', 'key of another version, later');
      } finally {
        renameSync(`${keyFile}.real`, keyFile);
      }
      await staleness();
      await assertServing('the real key back after an impostor version');
    });

    test('a server started on a replaced master key refuses to start with KEYRING_MISMATCH', async () => {
      const impostor = `${keyFile}.impostor`;
      createMasterKeyFile(impostor);
      renameSync(keyFile, `${keyFile}.real`);
      renameSync(impostor, keyFile);
      try {
        await assert.rejects(
          createCustos(t.config, {
            logger: createLogger('silent'),
            database: t.database.schema ? { schema: t.database.schema, poolSize: 1 } : {},
          }),
          { code: 'KEYRING_MISMATCH' },
        );
      } finally {
        renameSync(`${keyFile}.real`, keyFile);
      }
    });

    test('a rotation begun and finished while the server was idle is adopted once the keyring confirms it', async () => {
      // `custos keys rotate` in another process, with no grace period: the server sees v1, then only v2.
      const rotation = createKeyRotation({
        kek: fileMasterKeys(keyFile),
        store: createKeyringStore(t.custos.database.db),
        ledger: t.custos.ledger,
        bus: t.custos.bus,
      });
      const done = await rotation.rotate(systemActor, { graceMs: 0 });
      assert.equal(done.toVersion, 2);
      await staleness();
      const seen: string[] = [];
      let answer = await reveal();
      for (let tries = 0; answer.status !== 200 && tries < 20; tries++) {
        seen.push(`${answer.status} ${answer.body?.error?.code}`);
        assertRefused(answer, 'KEYRING_MISMATCH', 'while the new key is being confirmed');
        await sleep(50);
        answer = await reveal();
      }
      assert.ok(seen.length <= 1, `refused while confirming: ${seen.join(', ')}`);
      await assertServing('after the idle rotation');
    });
  });
}
