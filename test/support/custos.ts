/** A whole Custos for tests, built through the composition root on a throw-away database and key file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Custos, createCustos } from '../../src/app.ts';
import { type Clock, systemClock } from '../../src/platform/clock.ts';
import { type Config, loadConfig } from '../../src/platform/config.ts';
import { createLogger, type Logger } from '../../src/platform/logger.ts';
import { newTestDatabase, type TestDatabase } from './databases.ts';

export interface TestCustos {
  custos: Custos;
  database: TestDatabase;
  config: Readonly<Config>;
  adminToken: string;
  cleanup(): Promise<void>;
}

export async function testCustos(
  dialect: 'sqlite' | 'postgres',
  options: { clock?: Clock; env?: Record<string, string>; logger?: Logger } = {},
): Promise<TestCustos> {
  const database = await newTestDatabase(dialect);
  const dataDir = database.dir ?? mkdtempSync(join(tmpdir(), 'custos-test-'));
  const config = loadConfig({
    CUSTOS_DATA_DIR: dataDir,
    CUSTOS_DATABASE_URL: database.url,
    CUSTOS_DEMO: 'false',
    CUSTOS_LOG_LEVEL: 'silent',
    ...options.env,
  });
  const custos = await createCustos(config, {
    clock: options.clock ?? systemClock,
    logger: options.logger ?? createLogger('silent'),
    database: database.schema ? { schema: database.schema, poolSize: 4 } : {},
  });
  const result = await custos.initialise();
  return {
    custos,
    database,
    config,
    adminToken: result.adminToken as string,
    async cleanup() {
      await custos.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
