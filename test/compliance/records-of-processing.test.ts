/**
 * Records of processing (LAW row 12 and 18): every stored data category — every vault field and the
 * attributes — has purposes, a legal basis under each jurisdiction, a retention and recipients; the record
 * lists every case purpose and every role the policy lets reach data, with who may reveal each field taken
 * from the policy in force. Served to security and administrators (others refused) and by
 * `custos compliance ropa`; `custos compliance stats` counts accesses; `custos incident open` on the host
 * lists a breach's customers and is ledgered.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { casePurposes } from '../../src/access/policy/access-query.ts';
import { createCustos } from '../../src/app.ts';
import { categoryDeclarations, processingPurposes } from '../../src/compliance/processing-register.ts';
import { recordsAsMarkdown } from '../../src/compliance/records-of-processing.ts';
import { staffRoles } from '../../src/identity/staff/staff.types.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { jurisdictions } from '../../src/platform/jurisdiction.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { ATTRIBUTES_FIELD, fieldNames } from '../../src/vault/customer-fields.ts';
import { type AccessFixture, accessFixture } from '../support/access-fixture.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';

const repo = new URL('../../', import.meta.url).pathname;
const stored = [...fieldNames, ATTRIBUTES_FIELD];

test('every stored field category has purposes, a legal basis per jurisdiction, retention and recipients', () => {
  assert.deepEqual(Object.keys(categoryDeclarations).sort(), [...stored].sort(), 'declared = stored');
  for (const field of stored) {
    const d = categoryDeclarations[field];
    assert.ok(d, `${field} is declared`);
    assert.ok(d.category.trim().length > 0, `${field}: category`);
    assert.ok(d.purposes.length > 0, `${field}: purposes`);
    assert.ok(d.retention.trim().length > 0, `${field}: retention`);
    assert.ok(d.recipients.length > 0 && d.recipients.every((r) => r.trim() !== ''), `${field}: recipients`);
    for (const purpose of d.purposes) {
      for (const j of jurisdictions)
        assert.ok(processingPurposes[purpose].legalBasis[j].trim().length > 0, `${field}/${purpose}/${j}`);
    }
  }
});

test('every case purpose the policy knows is a declared processing purpose', () => {
  for (const purpose of casePurposes) assert.ok(purpose in processingPurposes, purpose);
});

describe('records of processing served and printed', () => {
  let f: AccessFixture;
  before(async () => {
    f = await accessFixture('sqlite');
  });
  after(() => f?.close());

  test('JSON and Markdown for security and admin; roles and purposes from the policy; others refused', async () => {
    const admin = await f.staff('admin');
    const res = await f.send(admin, 'GET', '/v1/compliance/records-of-processing');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const records = res.body.records;
    assert.equal(records.jurisdiction, 'PIPL');
    assert.equal(records.ledgerRetentionFloorDays, 183);
    assert.deepEqual(
      records.categories.map((c: { field: string }) => c.field),
      stored,
    );
    const byField = Object.fromEntries(records.categories.map((c: { field: string }) => [c.field, c]));
    // From the default policy: the national ID only for an identity check, never by a contractor.
    assert.deepEqual(byField.national_id.roles.reveal, [
      { role: 'store', purposes: ['identity_check'] },
      { role: 'support', purposes: ['identity_check'] },
    ]);
    assert.deepEqual(byField.national_id.roles.breakGlass, []);
    assert.ok(byField.phone.roles.reveal.some((r: { role: string }) => r.role === 'contractor'));
    assert.ok(
      !byField.phone.roles.reveal.some((r: { role: string }) => ['security', 'marketing'].includes(r.role)),
    );
    // Every purpose and every role with any reach appear in the report.
    const text = JSON.stringify(records);
    for (const purpose of casePurposes) assert.ok(text.includes(`"${purpose}"`), purpose);
    for (const role of ['store', 'support', 'contractor', 'admin'])
      assert.ok(text.includes(`"${role}"`), role);
    assert.equal(res.body.markdown, recordsAsMarkdown(records));
    for (const c of records.categories) assert.ok(res.body.markdown.includes(c.category), c.field);

    const security = await f.staff('security');
    assert.equal((await f.send(security, 'GET', '/v1/compliance/records-of-processing')).status, 200);
    for (const role of staffRoles.filter((r) => r !== 'admin' && r !== 'security')) {
      const denied = await f.send(await f.staff(role), 'GET', '/v1/compliance/records-of-processing');
      assert.equal(denied.status, 403, role);
    }
    assert.equal((await f.send(null, 'GET', '/v1/compliance/records-of-processing')).status, 401);
  });
});

describe('the command line: custos compliance ropa, custos incident open', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-cli-compliance-'));
  const env = {
    ...process.env,
    CUSTOS_DATA_DIR: dir,
    CUSTOS_DEMO: 'false',
    CUSTOS_HONEY_RECORDS: '0',
    CUSTOS_LOG_LEVEL: 'silent',
    CUSTOS_JURISDICTION: 'GDPR',
  };
  const custos = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: repo,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
  const staffId = randomUUID();
  const customerId = randomUUID();
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('ropa as Markdown and JSON; an unknown format refused', () => {
    const md = custos('compliance', 'ropa');
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /^# Records of processing/);
    assert.match(md.stdout, /jurisdiction: GDPR/);
    const json = custos('compliance', 'ropa', '--format', 'json');
    assert.equal(json.status, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.categories.length, stored.length);
    assert.match(parsed.categories[0].purposes[0].legalBasis, /GDPR|art\. 6/);
    const bad = custos('compliance', 'ropa', '--format', 'pdf');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /VALIDATION_FAILED/);
  });

  test('incident open lists the customers the staff member reached and ledgers the opening', async () => {
    const config = loadConfig(env);
    const setup = await createCustos(config, { logger: createLogger('silent') });
    await setup.initialise();
    await setup.identity.staff.add([
      {
        id: staffId,
        displayName: 'Insider',
        email: 'insider@custos.example',
        role: 'support',
        region: 'east',
        site: 'east-call-centre',
        managerId: null,
        shift: 'day',
        status: 'active',
        createdAt: Date.now(),
      },
    ]);
    await setup.ledger.append({
      type: 'customer.viewed',
      actor: `staff:${staffId}`,
      subject: customerId,
      data: { customerId },
    });
    await setup.close();

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const run = custos('incident', 'open', '--staff', staffId, '--from', from, '--format', 'json');
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(report.customers, [customerId]);
    assert.equal(report.jurisdiction, 'GDPR');
    assert.equal(Date.parse(report.deadlines.regulator.dueAt) - Date.parse(report.knownAt), 72 * 3_600_000);
    const md = custos('incident', 'open', '--staff', staffId, '--from', from);
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, new RegExp(`- ${customerId}`));
    assert.match(md.stdout, /## Draft: regulator notice/);
    const stats = custos('compliance', 'stats', '--from', from);
    assert.equal(stats.status, 0, stats.stderr);
    assert.deepEqual(JSON.parse(stats.stdout).rows, [
      {
        role: 'support',
        site: 'east-call-centre',
        purpose: 'none',
        views: 1,
        reveals: 0,
        exports: 0,
        searchHits: 0,
      },
    ]);
    const unknown = custos('incident', 'open', '--staff', randomUUID(), '--from', from);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /STAFF_NOT_FOUND/);

    const check = await createCustos(config, { logger: createLogger('silent') });
    try {
      const opened = await ledgerEntries(check, 'incident.opened');
      assert.equal(opened.length, 2);
      assert.ok(opened.every((e) => e.actor === 'system:operator' && e.data.affected === 1));
    } finally {
      await check.close();
    }
  });
});
