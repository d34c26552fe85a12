/**
 * `custos verify` against a live ledger: entries appended while it reads (a server's background work — reveal
 * notices, deliveries) must not be reported as missing their leaf. The tile read for the first entries is
 * re-read when a later entry is past its end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifierFromKey } from '../../src/ledger/ledger-key.ts';
import type { LedgerStore } from '../../src/ledger/ledger.store.ts';
import { verifyLedger } from '../../src/ledger/verifier.ts';
import { testCustos } from '../support/custos.ts';

test('entries appended while verify reads are checked against their leaves, not reported missing', async () => {
  const t = await testCustos('sqlite');
  try {
    const append = (i: number) =>
      t.custos.ledger.append({
        type: 'customer.viewed',
        actor: 'api-token:t',
        data: { customerId: `c${i}` },
      });
    for (let i = 0; i < 5; i++) await append(i);
    await t.custos.ledger.checkpointNow();
    const store = t.custos.ledgerStore;
    let pages = 0;
    // After the first page (and its tile) is read, the server appends ten more entries.
    const live: LedgerStore = {
      ...store,
      entriesFrom: async (from, limit, trx) => {
        const page = await store.entriesFrom(from, limit, trx);
        if (pages++ === 1) for (let i = 0; i < 10; i++) await append(100 + i);
        return page;
      },
    };
    const report = await verifyLedger({
      store: live,
      verifier: verifierFromKey(t.custos.ledger.vkey),
      origin: t.custos.ledger.origin,
      pageSize: 2,
    });
    assert.deepEqual(report.problems, []);
    assert.ok(report.entries >= t.custos.ledger.size() - 1, `${report.entries} entries read`);
  } finally {
    await t.cleanup();
  }
});
