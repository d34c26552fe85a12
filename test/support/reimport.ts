/**
 * Re-importing a customer's portability export the way a person would: `custos import <file>` (the real
 * command, in a child process) into a fresh installation, then every field of what it imported, opened.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCustos } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { ATTRIBUTES_FIELD, fieldNames } from '../../src/vault/customer-fields.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/custos.mjs', import.meta.url).pathname;
export const allFields = [...fieldNames, ATTRIBUTES_FIELD] as const;

/** `custos import <file>` into a fresh installation (no demo, no honey); the values of what it imported. */
export async function importIntoFreshInstallation(file: string): Promise<Record<string, unknown>[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-reimport-'));
  const env = {
    CUSTOS_DATA_DIR: dataDir,
    CUSTOS_DEMO: 'false',
    CUSTOS_HONEY_RECORDS: '0',
    CUSTOS_LOG_LEVEL: 'warn',
  };
  try {
    const { stdout } = await run(process.execPath, [bin, 'import', file], {
      env: { ...process.env, ...env },
    });
    assert.match(stdout, /Imported 1 customers .*; rejected 0 rows/);
    const custos = await createCustos(loadConfig(env), { logger: createLogger('silent') });
    try {
      const ids = await custos.database.db.selectFrom('customers').select('id').execute();
      return await Promise.all(ids.map((r) => custos.vault.unsealFields(r.id, allFields)));
    } finally {
      await custos.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
