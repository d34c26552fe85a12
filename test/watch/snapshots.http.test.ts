/**
 * The watcher's snapshots: a restart after a snapshot restores the state and replays only what came after it,
 * giving the same scores as before the restart; a snapshot edited in the database (a harvester's score
 * lowered) does not match its ledger entry and is ignored — the watcher replays the ledger and the harvester
 * stays held.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createCustos } from '../../src/app.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createRiskModel } from '../../src/watch/risk/risk-model.ts';
import { type AccessFixture, accessFixture, type Staff } from '../support/access-fixture.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';

describe('watcher snapshots', () => {
  let f: AccessFixture;
  let clockNow = Date.UTC(2026, 11, 2, 2);
  const clock = { now: () => clockNow };
  const coldReveal = async (who: Staff) => {
    const caseId = await f.openCase(who, await f.customer());
    clockNow += 30_000;
    assert.equal(
      (await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clockNow) })).status,
      204,
    );
    const res = await f.send(who, 'POST', `/v1/cases/${caseId}/reveal`, {
      fields: ['phone'],
      reason: 'x-check',
    });
    await f.t.custos.watch.watcher.settled();
    return res.status;
  };
  const restart = async () => {
    await f.t.custos.close();
    f.t.custos = await createCustos(f.t.config, { clock, logger: createLogger('silent') });
  };

  // Each test restarts its instance (the fixture's server stays on the first), so each gets its own.
  beforeEach(async () => {
    f = await accessFixture('sqlite', { clock });
  });
  afterEach(() => f?.close());

  test('restored from a snapshot plus the ledger after it: the same scores as before the restart', async () => {
    const before = await f.staff('support');
    for (let i = 0; i < 2; i++) assert.equal(await coldReveal(before), 200);
    const covered = await f.t.custos.watch.snapshots.take();
    const [entry] = await ledgerEntries(f.t.custos, 'watch.snapshot');
    assert.equal(entry?.data.ledgerSize, covered);
    assert.match(String(entry?.data.sha256), /^[0-9a-f]{64}$/);
    // After the snapshot: another reveal, only in the ledger.
    assert.equal(await coldReveal(before), 200);
    const expected = f.t.custos.watch.watcher.assess(before.staffId);
    assert.equal(expected.score, 51);
    await restart();
    assert.deepEqual(f.t.custos.watch.watcher.assess(before.staffId), expected);
  });

  test('a snapshot edited in the database is ignored: the ledger is replayed and the harvester stays held', async () => {
    const harvester = await f.staff('support');
    for (let i = 0; i < 3; i++) assert.equal(await coldReveal(harvester), 200);
    assert.equal(f.t.custos.watch.watcher.tierOf(harvester.staffId), 'high');
    await f.t.custos.watch.snapshots.take();
    // The database administrator swaps in a state where nobody has any points.
    const forged = Buffer.from(
      JSON.stringify({ recorded: [], model: JSON.parse(createRiskModel().exportState().toString('utf8')) }),
    );
    const edited = await f.t.custos.database.db
      .updateTable('watch_snapshots')
      .set({ state: forged })
      .executeTakeFirst();
    assert.equal(Number(edited.numUpdatedRows), 1);
    await restart();
    assert.equal(f.t.custos.watch.watcher.tierOf(harvester.staffId), 'high');
    assert.equal(f.t.custos.watch.watcher.assess(harvester.staffId).score, 51);
  });

  test('the model’s state round-trips through its bytes, and bytes of another shape are refused', () => {
    const a = createRiskModel();
    a.observe({
      kind: 'reveal',
      at: clockNow,
      staffId: 's',
      role: 'support',
      customerId: 'c1',
      evidence: 'none',
      breakGlass: false,
    });
    a.observe({ kind: 'search', at: clockNow, staffId: 's', role: 'support', matches: 0, patterned: true });
    const b = createRiskModel();
    assert.equal(b.importState(a.exportState()), true);
    assert.deepEqual(b.assess('s', clockNow + 3_600_000), a.assess('s', clockNow + 3_600_000));
    for (const bad of ['', 'null', '{"version":2}', '{"version":1,"indicators":["x"]}'])
      assert.equal(b.importState(Buffer.from(bad)), false, bad);
    assert.deepEqual(b.assess('s', clockNow), a.assess('s', clockNow), 'a refused import changes nothing');
  });
});
