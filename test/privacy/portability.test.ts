/**
 * Portability: a signed-in customer exports their data as JSON — valid against the committed JSON Schema
 * (checked with Ajv, not the server's own serialiser), which is the schema the server publishes — and as
 * CSV; the `custos import` command (the real CLI, in a child process) reads each back into a fresh
 * installation with the same field values. The export is ledgered before any field is opened. Attacked: a
 * staff token on the export, naming another customer, an unknown format, a .json file that is no export.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { systemActor } from '../../src/platform/actor.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { publishedExportSchema } from '../../src/privacy/portability/export-schema.ts';
import { type AccessFixture, accessFixture } from '../support/access-fixture.ts';
import { portalCustomer } from '../support/portal-customer.ts';
import { ledgerEntries } from '../support/ledger-entries.ts';
import { allFields, importIntoFreshInstallation } from '../support/reimport.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/custos.mjs', import.meta.url).pathname;
const committedSchema = new URL('../../schemas/portability-export.schema.json', import.meta.url);

describe('portability export and re-import (sqlite)', () => {
  const clock = manualClock(Date.UTC(2026, 11, 14, 2));
  let f: AccessFixture;
  let customer: Awaited<ReturnType<typeof portalCustomer>>;
  const work = mkdtempSync(join(tmpdir(), 'custos-export-'));

  before(async () => {
    f = await accessFixture('sqlite', { clock });
    customer = await portalCustomer(f, clock.now);
    await f.t.custos.vault.updateCustomer(systemActor, customer.customerId, {
      name: '王小明, "Ming"',
      phone: '+86 138 0013 8000',
      account_id: 'MI0000000777',
      national_id: '11010519491231002X',
      address: '北京市海淀区 1 Test Road,\nBuilding 2',
      birth_date: '1985-06-15',
      attributes: { loyalty_tier: 'gold', note_line: 'likes "quotes", commas' },
    });
  });
  after(async () => {
    await f?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('the published schema is the committed one', async () => {
    const served = await f.app.inject({ method: 'GET', url: '/v1/portal/export-schema.json' });
    assert.equal(served.statusCode, 200);
    const committed = JSON.parse(readFileSync(committedSchema, 'utf8')) as unknown;
    assert.deepEqual(served.json(), committed);
    assert.deepEqual(publishedExportSchema(), committed, 'regenerate schemas/portability-export.schema.json');
  });

  test('the JSON export validates against the schema and re-imports with the same values', async () => {
    const original = await f.t.custos.vault.unsealFields(customer.customerId, allFields);
    const res = await customer.send('GET', '/v1/portal/me/export?format=json');
    assert.equal(res.status, 200, res.text);
    const validate = new Ajv({ allErrors: true, strict: false }).compile(
      JSON.parse(readFileSync(committedSchema, 'utf8')) as object,
    );
    const valid: boolean = validate(res.body);
    assert.ok(valid, JSON.stringify(validate.errors));
    const document = res.body as { customer: object };
    for (const tampered of [
      { ...document, customer: { ...document.customer, password: 'hunter2' } },
      { ...document, format: 'custos.portability.v0' },
      { ...document, customer: { ...document.customer, birth_date: '15/06/1985' } },
    ]) {
      assert.equal(validate(tampered), false, 'the schema is not vacuous');
    }
    assert.equal(res.body.customerId, customer.customerId);
    assert.equal(res.body.customer.phone, '+8613800138000');
    assert.deepEqual(res.body.notices, { mode: 'immediate' });
    const exported = (await ledgerEntries(f.t.custos, 'customer.self_exported')).at(-1);
    assert.deepEqual(exported?.data, { customerId: customer.customerId, format: 'json' });
    assert.equal(exported?.actor, `customer:${customer.customerId}`);

    const file = join(work, 'my-data.json');
    writeFileSync(file, res.text);
    assert.deepEqual(await importIntoFreshInstallation(file), [original]);
  });

  test('the CSV export re-imports with the same values', async () => {
    const original = await f.t.custos.vault.unsealFields(customer.customerId, allFields);
    const res = await customer.send('GET', '/v1/portal/me/export?format=csv');
    assert.equal(res.status, 200, res.text);
    assert.match(res.type, /^text\/csv/);
    assert.match(
      res.text,
      /^name,phone,email,account_id,national_id,address,birth_date,loyalty_tier,note_line\r\n/,
    );
    const file = join(work, 'my-data.csv');
    writeFileSync(file, res.text);
    assert.deepEqual(await importIntoFreshInstallation(file), [original]);
  });

  test('only the customer, only their own record, only the formats there are', async () => {
    const clerk = await f.staff('support');
    assert.equal((await f.send(clerk, 'GET', '/v1/portal/me/export?format=json')).status, 401);
    assert.equal((await f.send(null, 'GET', '/v1/portal/me/export')).status, 401);
    const other = await f.customer();
    const forOther = await customer.send('GET', `/v1/portal/me/export?customerId=${other}`);
    assert.equal(forOther.status, 400, 'there is no customer id to give');
    assert.equal((await customer.send('GET', '/v1/portal/me/export?format=xml')).status, 400);
    const mine = await customer.send('GET', '/v1/portal/me/export');
    assert.equal(mine.body.customerId, customer.customerId, 'JSON by default, and the session’s own');
  });

  test('`custos import` refuses a .json file that is no portability export', async () => {
    const file = join(work, 'not-an-export.json');
    writeFileSync(file, JSON.stringify({ customer: { name: 'Somebody' } }));
    const dataDir = mkdtempSync(join(tmpdir(), 'custos-reimport-'));
    try {
      await assert.rejects(
        run(process.execPath, [bin, 'import', file], {
          env: { ...process.env, CUSTOS_DATA_DIR: dataDir, CUSTOS_DEMO: 'false', CUSTOS_LOG_LEVEL: 'warn' },
        }),
        (error: { stdout: string; code: number }) => {
          assert.match(error.stdout, /line 1: not a portability export/);
          assert.equal(error.code, 3);
          return true;
        },
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
