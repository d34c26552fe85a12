/**
 * A whole Custos for tests, built through the composition root on a throw-away database and key file, its
 * outbox sending email to a real SMTP server of its own (`smtp`, see smtp-sink.ts). The outbox worker is not
 * started: a test delivers with `deliver()` (no timers, no sleeps).
 */
import type { RiskSettings } from '../../src/watch/risk/risk-model.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Custos, createCustos } from '../../src/app.ts';
import type { ExternalLedgerSigner } from '../../src/ledger/wire.ts';
import { type Clock, systemClock } from '../../src/platform/clock.ts';
import { type Config, loadConfig } from '../../src/platform/config.ts';
import { createLogger, type Logger } from '../../src/platform/logger.ts';
import { newTestDatabase, type TestDatabase } from './databases.ts';
import { invitationTokenIn, type SmtpSink, startSmtpSink } from './smtp-sink.ts';

/**
 * Risk settings under which the watcher scores and ledgers but never reaches a tier: for suites that test
 * another control (the policy matrix, quotas, exports) by repeating requests as one staff member, which the
 * watcher would rightly contain. The watcher's own suites (test/watch/) run with the real settings.
 */
export const watcherObservesOnly: Partial<RiskSettings> = {
  thresholds: { elevated: 1000, high: 1000, critical: 1000 },
};

export interface TestCustos {
  custos: Custos;
  database: TestDatabase;
  config: Readonly<Config>;
  adminToken: string;
  /** The SMTP server the outbox sends email to. */
  smtp: SmtpSink;
  /** Send every outbox message due now (what the worker does on its timer). */
  deliver(): Promise<number>;
  /** Deliver, then the token of the latest portal invitation mailed to `email`. */
  invitationTokenFor(email: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function testCustos(
  dialect: 'sqlite' | 'postgres',
  options: {
    clock?: Clock;
    env?: Record<string, string>;
    logger?: Logger;
    /** Risk-model settings; `watcherObservesOnly` for suites that probe another control many times as one account. */
    risk?: Partial<RiskSettings>;
    ledgerSigner?: ExternalLedgerSigner;
  } = {},
): Promise<TestCustos> {
  const database = await newTestDatabase(dialect);
  const smtp = await startSmtpSink();
  const dataDir = database.dir ?? mkdtempSync(join(tmpdir(), 'custos-test-'));
  const config = loadConfig({
    CUSTOS_DATA_DIR: dataDir,
    CUSTOS_DATABASE_URL: database.url,
    CUSTOS_DEMO: 'false',
    // Honey records only where a suite asks for them (they add customers and ledger entries at initialisation).
    CUSTOS_HONEY_RECORDS: '0',
    // The test organisation: its customers live in Beijing (access-fixture), which every staff region serves, and
    // every shift is all day — so a suite's risk numbers do not depend on the hour it runs; the watcher's own
    // suites set regions and shifts where they test them.
    CUSTOS_REGION_PROVINCES:
      'north=北京市,Beijing;east=上海市,Beijing;south=广东省,Beijing;west=四川省,Beijing',
    CUSTOS_SHIFTS: 'day=0-24;evening=0-24',
    CUSTOS_LOG_LEVEL: 'silent',
    CUSTOS_SMTP_URL: smtp.url,
    // Staff made by a test approve at once, and the operator's token makes administrators however far a
    // test moves its clock, unless the test is about separation of duties (it sets its own).
    CUSTOS_PRIVILEGED_COOLING_OFF_HOURS: '0',
    CUSTOS_SETUP_WINDOW_HOURS: '100000',
    ...options.env,
  });
  const custos = await createCustos(config, {
    clock: options.clock ?? systemClock,
    logger: options.logger ?? createLogger('silent'),
    database: database.schema ? { schema: database.schema, poolSize: 4 } : {},
    ...(options.risk ? { risk: options.risk } : {}),
    ...(options.ledgerSigner ? { ledgerSigner: options.ledgerSigner } : {}),
  });
  const result = await custos.initialise();
  return {
    custos,
    database,
    config,
    adminToken: result.adminToken as string,
    smtp,
    deliver: () => custos.privacy.outbox.deliverDue(),
    async invitationTokenFor(email: string) {
      await custos.privacy.outbox.deliverDue();
      const mail = smtp.to(email).at(-1);
      if (!mail) throw new Error('no mail to that address');
      return invitationTokenIn(mail);
    },
    async cleanup() {
      await custos.close();
      await smtp.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
