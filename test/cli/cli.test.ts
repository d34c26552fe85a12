/**
 * The `custos` command end to end, as a person runs it: a fresh data directory, `serve` initialising itself
 * with a demo organisation, then `import`, `keys rotate` and `token create` against the same directory.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';
import { writeWorkbook } from '../support/import-files.ts';
import { fetchSend, signInStaff } from '../support/staff-session.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/custos.mjs', import.meta.url).pathname;

describe('custos command', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-cli-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = {
    ...process.env,
    CUSTOS_DATA_DIR: dataDir,
    CUSTOS_PORT: String(port),
    CUSTOS_DEMO_CUSTOMERS: '300',
    CUSTOS_LOG_LEVEL: 'warn',
  };
  let server: ChildProcess;
  let output = '';

  before(async () => {
    server = spawn(process.execPath, [bin, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (d) => {
      output += d;
    });
    server.stderr?.on('data', (d) => {
      output += d;
    });
    const deadline = Date.now() + 60_000;
    while (!output.includes('listening on')) {
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error(`server did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => {
    server?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const token = () => /cst_[A-Za-z0-9_-]{43}/.exec(output)?.[0] as string;
  let staffToken: string | undefined;
  /** Customer routes as a staff member signed in with both factors (invited with the printed admin token). */
  const api = async (path: string, init: RequestInit = {}) => {
    staffToken ??= (await signInStaff(fetchSend(`http://127.0.0.1:${port}`), token())).token;
    return fetch(`http://127.0.0.1:${port}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${staffToken}`, 'content-type': 'application/json', ...init.headers },
    });
  };

  test('serve initialises a new installation with the demo organisation and answers /healthz', async () => {
    assert.match(output, /Demo organisation: 60 staff in 4 regions, 300 customers/);
    assert.ok(token(), 'the admin token is printed once');
    assert.equal(statSync(join(dataDir, 'master.key')).mode & 0o777, 0o600);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    const found = await api('/v1/customers/search', {
      method: 'POST',
      body: JSON.stringify({ by: 'account_id', value: 'MI0000000007' }),
    });
    assert.equal(found.status, 200);
    const { results } = (await found.json()) as { results: { fields: { phone: string } }[] };
    assert.match(results[0]?.fields.phone as string, /^\+86 1\d\d \*{4} \d{4}$/);
  });

  test('init on an initialised directory changes nothing', async () => {
    const { stdout } = await run(process.execPath, [bin, 'init'], { env });
    assert.match(stdout, /already initialised/);
  });

  test('import reports bad rows by line, exits 3, and the good rows are served', async () => {
    const file = join(dataDir, 'more.csv');
    writeFileSync(
      file,
      'name,phone,account_id\nHe Ping,13100131000,NEW0001\nBad,555,NEW0002\nMa Li,13200132000,NEW0003\n',
    );
    const result = await run(process.execPath, [bin, 'import', file], { env }).catch((e) => e);
    assert.equal(result.code, 3);
    assert.match(result.stdout, /Imported 2 customers/);
    assert.match(result.stdout, /line 3: phone: must be/);
    const found = await api('/v1/customers/search', {
      method: 'POST',
      body: JSON.stringify({ by: 'phone', value: '13200132000' }),
    });
    assert.equal(((await found.json()) as { results: unknown[] }).results.length, 1);
  });

  test('keys rotate runs beside the live server, which keeps serving every customer', async () => {
    const { stdout } = await run(process.execPath, [bin, 'keys', 'rotate', '--grace-ms', '1200'], { env });
    // 300 demo customers, 20 honey customers seeded at initialisation, 2 imported above.
    assert.match(stdout, /Finished rotation to master key v2: rewrapped 322 data keys; retired v1/);
    const found = await api('/v1/customers/search', {
      method: 'POST',
      body: JSON.stringify({ by: 'account_id', value: 'MI0000000300' }),
    });
    assert.equal(found.status, 200);
    assert.equal(((await found.json()) as { results: unknown[] }).results.length, 1);
    const created = await api('/v1/customers', {
      method: 'POST',
      body: JSON.stringify({
        customer: { name: 'After Rotation' },
        case: { purpose: 'repair', channel: 'counter' },
      }),
    });
    assert.equal(created.status, 201);
  });

  test('token create mints a working admin token; a bad invocation exits non-zero with a message', async () => {
    const before = Date.now();
    const { stdout } = await run(process.execPath, [bin, 'token', 'create', '--label', 'ops'], { env });
    const minted = /cst_[A-Za-z0-9_-]{43}/.exec(stdout)?.[0] as string;
    // The operator's break-glass: one hour, and security is alerted.
    assert.match(stdout, /security has been alerted/);
    const expires = Date.parse(/expires (\S+)/.exec(stdout)?.[1] as string);
    assert.ok(expires >= before + 3600_000 && expires <= Date.now() + 3600_000, stdout);
    const security = await signInStaff(fetchSend(`http://127.0.0.1:${port}`), minted, { role: 'security' });
    const alerts = await fetch(`http://127.0.0.1:${port}/v1/alerts`, {
      headers: { authorization: `Bearer ${security.token}` },
    });
    const open = (await alerts.json()) as { alerts: { kind: string }[] };
    assert.ok(
      open.alerts.some((alert) => alert.kind === 'operator_token_created'),
      JSON.stringify(open),
    );
    const staff = await signInStaff(fetchSend(`http://127.0.0.1:${port}`), minted);
    const res = await fetch(`http://127.0.0.1:${port}/v1/customers/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'phone', value: '13100131000' }),
    });
    assert.equal(res.status, 200);
    const adminOnCustomers = await fetch(`http://127.0.0.1:${port}/v1/customers/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${minted}`, 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'phone', value: '13100131000' }),
    });
    assert.equal(adminOnCustomers.status, 401, 'the admin token reaches no customer data');
    const bad = await run(process.execPath, [bin, 'import', join(dataDir, 'missing.csv')], { env }).catch(
      (e) => e,
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /VALIDATION_FAILED: No such file/);
  });

  const searchPhone = async (phone: string) => {
    const found = await api('/v1/customers/search', {
      method: 'POST',
      body: JSON.stringify({ by: 'phone', value: phone }),
    });
    return ((await found.json()) as { results: { fields: Record<string, string> }[] }).results;
  };

  test('import of a GB18030 Excel export: refused without --encoding, imported intact with it', async () => {
    const file = join(dataDir, 'excel-export.csv');
    const csv = [
      'name,phone,account_id,address',
      '张伟,13800138888,GBCLI0001,广东省深圳市福田区深南大道1001号',
      '欧阳娜娜,13900139999,GBCLI0002,"北京市朝阳区,建国路88号"',
      '',
    ].join('\r\n');
    writeFileSync(file, iconv.encode(csv, 'gb18030'));

    const refused = await run(process.execPath, [bin, 'import', file], { env }).catch((e) => e);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /VALIDATION_FAILED: The file is not UTF-8 \(line 2 /);
    assert.match(
      refused.stderr,
      /Excel on Chinese Windows usually saves CSV as GB18030\/GBK.*--encoding gb18030/,
    );
    assert.equal((await searchPhone('13800138888')).length, 0, 'nothing was imported');

    const { stdout } = await run(process.execPath, [bin, 'import', file, '--encoding', 'gb18030'], { env });
    assert.match(stdout, /as GB18030 \(--encoding\)/);
    assert.match(stdout, /Imported 2 customers .* rejected 0 rows/);
    const [ouyang] = await searchPhone('13900139999');
    assert.equal(ouyang?.fields.name, '欧**');
    assert.equal(ouyang?.fields.address, '北京市 ***');
  });

  test('import of an .xlsx workbook, the sheet named when there are several', async () => {
    const file = await writeWorkbook(join(dataDir, 'customers.xlsx'), {
      客户: [
        ['name', 'phone', 'account_id', 'address'],
        ['陳大文', '13700137777', 'XLCLI0001', '臺北市中正區,重慶南路一段122號'],
      ],
      说明: [['name'], ['x']],
    });
    const refused = await run(process.execPath, [bin, 'import', file], { env }).catch((e) => e);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /2 sheets \("客户", "说明"\): name the one to import with --sheet/);
    const { stdout } = await run(process.execPath, [bin, 'import', file, '--sheet', '客户'], { env });
    assert.match(stdout, /Imported 1 customers/);
    const [chan] = await searchPhone('13700137777');
    assert.equal(chan?.fields.name, '陳**');
    assert.equal(chan?.fields.address, '***');
  });
});
