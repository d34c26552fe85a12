/**
 * Custos with a witness configured: checkpoints are published only once the witness has cosigned them,
 * each cosignature verifies under the witness's key, and with the witness gone nothing new is published.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLedgerKeyFile } from '../../src/ledger/ledger-key.ts';
import { parseNote } from '../../src/ledger/signed-note.ts';
import { parseCosignerKey } from '../../src/ledger/witness/cosignature.ts';
import { openNote } from '../../src/ledger/signed-note.ts';
import { runWitness, type RunningWitness } from '../../src/ledger/witness/run-witness.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { testCustos, type TestCustos } from '../support/custos.ts';

const origin = 'custos.test/ledger';

describe('checkpoints cosigned by a witness', () => {
  const keys = mkdtempSync(join(tmpdir(), 'custos-ledger-key-'));
  const keyFile = join(keys, 'ledger.key');
  let witness: RunningWitness;
  let t: TestCustos;

  before(async () => {
    createLedgerKeyFile(keyFile, origin);
    const logVkey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
    witness = await runWitness({ dataDir: join(keys, 'witness'), logs: [{ origin, vkey: logVkey }] });
    t = await testCustos('sqlite', {
      env: {
        CUSTOS_LEDGER_ORIGIN: origin,
        CUSTOS_LEDGER_KEY_FILE: keyFile,
        CUSTOS_WITNESSES: `${witness.address} ${witness.vkey}`,
      },
    });
  });
  after(async () => {
    await t?.cleanup();
    await witness?.close().catch(() => {});
    rmSync(keys, { recursive: true, force: true });
  });

  const append = (n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        t.custos.ledger.append({
          type: 'customer.viewed',
          actor: 'api-token:t',
          data: { customerId: `w${i}` },
        }),
      ),
    );

  const cosignedBy = (note: string) => {
    const cosigner = parseCosignerKey(witness.vkey);
    assert.ok(cosigner, 'the witness key parses');
    const opened = openNote(note, [cosigner]);
    return opened.ok ? opened.verified.length : 0;
  };

  test('the first checkpoint and a consistent successor are both cosigned', async () => {
    await append(40);
    const first = await t.custos.ledger.checkpointNow();
    assert.ok(first);
    assert.equal(parseNote(first.note)?.signatures.length, 2, 'the log signature and one cosignature');
    assert.equal(cosignedBy(first.note), 1);
    await append(25);
    const second = await t.custos.ledger.checkpointNow();
    assert.equal(second?.size, 65 + (first.size - 40));
    assert.equal(cosignedBy(second?.note as string), 1);
  });

  test('without its witness the ledger publishes nothing new, and says why', async () => {
    const before = await t.custos.ledger.latestCheckpoint();
    await witness.close();
    await append(5);
    await assert.rejects(t.custos.ledger.checkpointNow(), (e) => isCustosError(e, 'LEDGER_UNAVAILABLE'));
    assert.equal(await t.custos.ledger.latestCheckpoint(), before);
  });
});
