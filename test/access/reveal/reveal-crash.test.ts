/**
 * Kill test for DESIGN.md §6.1: "plaintext never leaves without a ledger entry committed first (kill the
 * process between the two: the client got nothing)".
 *
 * A real Custos serves over HTTP in a child process (fixtures/reveal-server.ts) whose `ledger.append` is
 * wrapped to SIGKILL the process at one moment of the `customer.revealed` append. This process signs a
 * support clerk in, opens a repair case and sends the reveal over a real socket; the process dies. Then:
 *
 *   - after the append resolved: the client got no answer (the connection was reset) and no byte of the
 *     customer's values, and after a restart the `customer.revealed` entry IS in the ledger (it was
 *     durable), with no reveal row and no `act.failed` (the act never ran);
 *   - when the append was called, before it resolved: the client got nothing either, and the entry is
 *     absent, or present (committed in the same instant) with no plaintext sent.
 *
 * After each kill the ledger verifies against a fresh checkpoint and appends continue. Both dialects.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { describe, test } from 'node:test';
import { createCustos } from '../../../src/app.ts';
import type { LedgerEntry } from '../../../src/ledger/entry-types.ts';
import { verifierFromKey } from '../../../src/ledger/ledger-key.ts';
import { verifyLedger } from '../../../src/ledger/verifier.ts';
import { systemActor } from '../../../src/platform/actor.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { type TestCustos, testCustos } from '../../support/custos.ts';
import { dialects } from '../../support/databases.ts';
import { fetchSend, signInStaff } from '../../support/staff-session.ts';

const fixture = new URL('../fixtures/reveal-server.ts', import.meta.url).pathname;
const fields = ['name', 'phone', 'email', 'national_id', 'address', 'birth_date', 'account_id'] as const;

type KillAt = 'after-append' | 'before-append';

interface Server {
  url: string;
  child: ChildProcess;
  /** The `kill <moment> <index>` line the child printed before it died, once it has. */
  killLine(): string | undefined;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

async function startChild(t: TestCustos, killAt: KillAt): Promise<Server> {
  const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith('CUSTOS_'));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: {
      ...Object.fromEntries(inherited),
      CUSTOS_DATA_DIR: t.config.dataDir,
      CUSTOS_DATABASE_URL: t.config.databaseUrl,
      CUSTOS_DEMO: 'false',
      CUSTOS_LOG_LEVEL: 'silent',
      TEST_KILL_AT: killAt,
      ...(t.database.schema ? { TEST_PG_SCHEMA: t.database.schema } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child did not start:\n${out}`)), 60_000);
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve(match[1] as string);
    };
    child.stdout?.on('data', onData);
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`the child exited (${code}) before listening:\n${out}`));
    });
  });
  return { url, child, exited, killLine: () => /^kill .*$/m.exec(out)?.[0] };
}

interface RawAnswer {
  /** The status line, if any answer began. */
  status?: number;
  /** Every byte of the answer that arrived, headers and body, as text. */
  received: string;
  error?: NodeJS.ErrnoException;
}

/** One JSON request on a fresh socket, keeping whatever arrives, however the exchange ends. */
function rawRequest(url: string, path: string, token: string, body: object): Promise<RawAnswer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const answer: RawAnswer = { received: '' };
    const request = http.request(`${url}${path}`, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      },
    });
    request.on('socket', (socket) => {
      socket.on('data', (chunk: Buffer) => {
        answer.received += chunk.toString('latin1');
      });
    });
    request.on('response', (response) => {
      answer.status = response.statusCode;
      response.resume();
      response.on('end', () => resolve(answer));
      response.on('error', (error) => resolve({ ...answer, error }));
    });
    request.on('error', (error) => resolve({ ...answer, error }));
    request.end(payload);
  });
}

async function reopen(t: TestCustos) {
  return createCustos(t.config, {
    logger: createLogger('silent'),
    database: t.database.schema ? { schema: t.database.schema } : {},
  });
}

for (const { dialect, skip } of await dialects()) {
  describe(`reveal killed around its ledger append on ${dialect}`, { skip }, () => {
    for (const killAt of ['after-append', 'before-append'] as const) {
      test(`killed ${killAt === 'after-append' ? 'once the entry is durable' : 'before the append resolves'}: the client got nothing`, async () => {
        const t = await testCustos(dialect);
        let server: Server | undefined;
        let restarted: Awaited<ReturnType<typeof reopen>> | undefined;
        try {
          const view = await t.custos.vault.createCustomer(systemActor, {
            name: 'Kill Test Customer',
            phone: '+86 139 1234 5678',
            email: 'kill.test.customer@example.com',
            account_id: `KILL${process.pid}`,
            national_id: '11010519491231002X',
            address: '7 Crash Lane, Beijing',
            birth_date: '1985-06-15',
          });
          const customerId = view.id;
          const values = await t.custos.vault.unsealFields(customerId, [...fields]);
          const secrets = Object.values(values).filter((v): v is string => typeof v === 'string');
          assert.equal(secrets.length, fields.length);
          await t.custos.close();

          server = await startChild(t, killAt);
          const send = fetchSend(server.url);
          const clerk = await signInStaff(send, t.adminToken, { role: 'support' });
          const auth = { authorization: `Bearer ${clerk.token}` };
          const opened = await send(
            'POST',
            '/v1/cases',
            { customerId, purpose: 'repair', channel: 'counter' },
            auth,
          );
          assert.equal(opened.status, 201, JSON.stringify(opened.body));
          const caseId = (opened.body as { id: string }).id;
          const masked = await send('GET', `/v1/cases/${caseId}/customer`, undefined, auth);
          assert.equal(masked.status, 200, 'the case works before the reveal');

          const answer = await rawRequest(server.url, `/v1/cases/${caseId}/reveal`, clerk.token, {
            fields: ['name', 'phone'],
            reason: 'customer asked at the counter',
          });
          const [code, signal] = await server.exited;
          assert.equal(signal, 'SIGKILL', `the child was killed (exit code ${code})`);
          const killLine = server.killLine();
          assert.ok(killLine?.startsWith(`kill ${killAt} `), `the child died where asked: ${killLine}`);

          // The client got nothing: no status line, no byte at all, a reset or closed connection.
          assert.equal(answer.status, undefined, `no answer began: ${answer.received.slice(0, 200)}`);
          assert.equal(answer.received, '', 'not one byte of an answer arrived');
          assert.ok(answer.error, 'the request failed');
          assert.ok(
            ['ECONNRESET', 'EPIPE'].includes(answer.error.code ?? '') ||
              /socket hang up/.test(answer.error.message),
            `the connection was cut: ${answer.error.code} ${answer.error.message}`,
          );
          for (const secret of secrets) assert.ok(!answer.received.includes(secret));

          // After a restart: what the ledger holds.
          restarted = await reopen(t);
          const size = restarted.ledger.size();
          const reveals: Array<{ index: number; entry: LedgerEntry }> = [];
          let failed = 0;
          for (let index = 0; index < size; index++) {
            const { entry } = await restarted.ledger.entry(index);
            if (entry?.type === 'customer.revealed' && (entry.data as { caseId?: string }).caseId === caseId)
              reveals.push({ index, entry });
            if (entry?.type === 'act.failed') failed++;
          }
          assert.equal(failed, 0, 'no act ran, so no act failed');

          if (killAt === 'after-append') {
            const ackedIndex = Number(/ (-?\d+)$/.exec(killLine as string)?.[1]);
            assert.equal(reveals.length, 1, 'the acknowledged customer.revealed entry survived the kill');
            const [{ index, entry }] = reveals as [(typeof reveals)[number]];
            assert.equal(index, ackedIndex, 'at the index the append acknowledged');
            assert.equal(entry.actor, `staff:${clerk.staffId}`);
            assert.equal(entry.subject, customerId);
            assert.deepEqual((entry.data as { fields: string[] }).fields, ['name', 'phone']);
            assert.equal(index, size - 1, 'and it is the last entry: nothing of the reveal came after it');
          } else {
            // Absent (the usual case), or committed in the very instant of the kill; either way the client
            // was sent nothing, which is what the invariant asks.
            assert.ok(reveals.length <= 1, `at most one entry: ${reveals.length}`);
          }
          for (const { entry } of reveals) {
            const text = JSON.stringify(entry);
            for (const secret of secrets)
              assert.ok(!text.includes(secret), 'the entry names fields, not values');
          }

          // The ledger verifies after the kill, and goes on from where it stopped.
          await restarted.ledger.checkpointNow();
          const report = await verifyLedger({
            store: restarted.ledgerStore,
            verifier: verifierFromKey(restarted.ledger.vkey),
            origin: restarted.ledger.origin,
          });
          assert.deepEqual(report.problems, []);
          assert.equal(report.entries, size);
          const next = await restarted.ledger.append({
            type: 'customer.viewed',
            actor: 'system:after-kill',
            data: { customerId },
          });
          assert.equal(next, size);
        } finally {
          if (server && server.child.exitCode === null && server.child.signalCode === null) {
            server.child.kill('SIGKILL');
            await server.exited;
          }
          await restarted?.close();
          await t.smtp.close();
          await t.database.drop();
          rmSync(t.config.dataDir, { recursive: true, force: true });
        }
      });
    }
  });
}
