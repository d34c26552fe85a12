/**
 * The composition root: the one place that builds every service from config, in dependency order. Every
 * module is built by its own `wire({ platform, … })` from the platform and the services of the modules
 * before it; nothing else constructs services, and tests build a whole Custos through `createCustos` too.
 *
 * Building a Custos opens the database, brings the schema up to date, loads the ledger's tree edge and the
 * keyring: a Custos that exists is ready to serve. `initialise()` adds what only a new installation needs
 * (the first admin token, the demo organisation); `start()` begins background work (checkpoints, policy
 * refresh, overdue reviews); `routes()` lists every module's route plugin for `http/`.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { accessRoutes } from './access/access.routes.ts';
import { fieldAccess } from './access/policy/field-access.ts';
import { wirePolicies } from './access/policy/wire.ts';
import { wireAccess } from './access/wire.ts';
import { complianceRoutes } from './compliance/compliance.routes.ts';
import { wireCompliance } from './compliance/wire.ts';
import { watchMasterKeys } from './crypto/key-watch.ts';
import { wireCrypto } from './crypto/wire.ts';
import { seedDemoOrganisation, syntheticCustomerRecord } from './demo/demo-organisation.ts';
import { seededRandom } from './demo/synthetic-people.ts';
import { type MountedRoutes, mount, type ServerDeps } from './http/server.ts';
import { identityRoutes } from './identity/identity.routes.ts';
import type { StaffPrincipal } from './identity/sessions/principal.ts';
import { wireIdentity } from './identity/wire.ts';
import { ledgerRoutes } from './ledger/ledger.routes.ts';
import { type ExternalLedgerSigner, wireLedger } from './ledger/wire.ts';
import { systemActor } from './platform/actor.ts';
import { createInProcessBus } from './platform/bus.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import { type DatabaseOptions, openDatabase } from './platform/database/database.ts';
import { createMetaStore } from './platform/database/meta.store.ts';
import { migrateToLatest } from './platform/database/migrate.ts';
import { createChangeVersions } from './platform/cache/change-versions.ts';
import { createVersionReader } from './platform/cache/change-versions.store.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { runEvery } from './platform/periodic.ts';
import type { Platform } from './platform/platform.ts';
import { ATTRIBUTES_FIELD, fieldNames, fieldSpecs } from './vault/customer-fields.ts';
import { privacyRoutes } from './privacy/privacy.routes.ts';
import { wirePrivacy, wirePrivacyRights } from './privacy/wire.ts';
import type { ImportSummary } from './vault/import/importer.ts';
import { wireVault } from './vault/wire.ts';
import { watchRoutes } from './watch/watch.routes.ts';
import { explain } from './watch/risk/explanation.ts';
import type { RiskSettings } from './watch/risk/risk-model.ts';
import type { RevealField } from './access/policy/access-query.ts';
import type { SensitivityClass } from './vault/customer-fields.ts';

import { wireWatch } from './watch/wire.ts';

/** How soon a policy set approved on another API node is in force on this one. */
const POLICY_REFRESH_MS = 5000;
/** How often overdue break-glass reviews are looked for (each raises its alert once). */
const REVIEW_ALERTS_MS = 60_000;
/** How often customers' daily reveal digests are looked for (each customer's day is sent once). */
const REVEAL_DIGEST_MS = 15 * 60_000;
/** How often the watcher snapshots its state (watch/snapshots). */
const WATCH_SNAPSHOT_MS = 15 * 60_000;
/** How often customers' requests gone overdue are looked for (each alerts security once). */
const OVERDUE_REQUESTS_MS = 60_000;

export interface CustosOptions {
  clock?: Clock;
  logger?: Logger;
  database?: DatabaseOptions;
  /** The insider-risk model's settings (risk-model.ts defaults otherwise). */
  risk?: Partial<RiskSettings>;
  /** Sign ledger checkpoints with this external signer instead of the key file (docs/LEDGER.md). */
  ledgerSigner?: ExternalLedgerSigner;
  /** False only to measure what the subject map costs (`npm run bench:ledger`): histories are then unprovable. */
  subjectMap?: boolean;
}

export interface InitialiseResult {
  /** True when this call initialised a new installation. */
  created: boolean;
  /** The first admin API token: shown once, stored only as a hash. */
  adminToken?: string;
  demo?: { staff: number; customers: ImportSummary };
}

/**
 * Synthetic people for honey records, from a secret random seed, with indexes (which account IDs are made from)
 * drawn at random from ten digits so they do not follow the demo's 1, 2, 3…; candidates for `count` records and
 * a few spare, for one whose account ID happens to be taken.
 */
function* honeyRecords(count: number): Generator<Record<string, unknown>> {
  const random = seededRandom(randomInt(1, 2 ** 47));
  for (let i = 0; i < count * 3; i++)
    yield syntheticCustomerRecord(random, randomInt(1_000_000_000, 9_999_999_999));
}

export async function createCustos(config: Readonly<Config>, options: CustosOptions = {}) {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const database = openDatabase(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    ...options.database,
  });
  try {
    await migrateToLatest(database);
    const bus = createInProcessBus({
      now: clock.now,
      onHandlerError: (error) => logger.error({ err: error }, 'event handler failed'),
    });
    const changes = createChangeVersions(createVersionReader(database));
    const platform: Platform = { config, database, clock, logger, bus, changes };
    const meta = createMetaStore(database.db);

    const { ledger, ledgerStore, ledgerWarnings } = await wireLedger({
      platform,
      signer: options.ledgerSigner,
      ...(options.subjectMap === false ? { subjectMap: false } : {}),
    });
    const { kek, keyring, keyRotation, shredding } = await wireCrypto({ platform, ledger });
    const { vault, importer } = await wireVault({ platform, keyring, ledger });
    const identity = await wireIdentity({ platform, keyring, ledger, customers: vault });
    const { policyEngine, policies } = await wirePolicies({
      platform,
      sessions: identity.sessions,
      ledger,
      independence: identity.independence,
      announcements: identity.announcements,
    });
    const privacy = await wirePrivacy({
      platform,
      ledger,
      vault,
      sessions: identity.sessions,
      staff: identity.staff,
    });
    // Alerts are read by security as the policy decides, and access raises alerts: the decision is bound
    // late, once access (built next, with the alerts) exists.
    const late: {
      authorize?: (p: StaffPrincipal, action: 'alert_read' | 'alert_triage') => Promise<void>;
    } = {};
    const watch = await wireWatch({
      platform,
      ledger,
      authorize: (p, action) => (late.authorize as NonNullable<typeof late.authorize>)(p, action),
      keyring,
      vault,
      suspendStaff: (staffId) => identity.accounts.suspendStaff(systemActor, staffId),
      reinstateStaff: (by, staffId) => identity.accounts.reinstateStaff(by, staffId),
      sessions: identity.sessions,
      roleOf: async (staffId) => (await identity.staff.member(staffId))?.role,
      staffMember: (staffId) => identity.staff.member(staffId),
      risk: { thresholds: config.riskThresholds, ...options.risk },
    });
    const access = await wireAccess({
      platform,
      policy: policyEngine,
      vault,
      keyring,
      staff: identity.staff,
      sessions: identity.sessions,
      invitations: identity.invitations,
      consents: privacy.consents,
      outbox: privacy.outbox,
      alerts: watch.alerts,
      riskTier: watch.watcher.tierOf,
      markOf: (customerId) => watch.marks.kindOf(customerId),
      explainRisk: (staffId) => explain(watch.watcher.assess(staffId)),
      independence: identity.independence,
      announcements: identity.announcements,
      ledger,
    });
    late.authorize = (p, action) => access.gate.requireAction(p, action);
    const rights = wirePrivacyRights({
      platform,
      ledger,
      vault,
      shredding,
      outbox: privacy.outbox,
      notices: privacy.notices,
      accounts: identity.accounts,
      sessions: identity.sessions,
      closeCases: (by, customerId) => access.cases.closeAllForErasure(by, customerId),
      authorize: (p, action) => access.gate.requireAction(p, action),
      reached: (p, action, customerId) => access.gate.allowed(p, action, { customerId }),
      raiseAlert: (by, alert) => watch.alerts.raise(by, alert),
    });
    const { compliance } = await wireCompliance({
      platform,
      ledger,
      staff: identity.staff,
      authorize: (p, action) => access.gate.requireAction(p, action),
      sessions: identity.sessions,
      // Stored categories are the vault's fields; who reaches each is the policy in force's answer.
      fields: [
        ...fieldNames.map((field) => ({ field, sensitivity: fieldSpecs[field].sensitivity })),
        { field: ATTRIBUTES_FIELD, sensitivity: 'basic' },
      ],
      reach: ({ field, sensitivity }) =>
        fieldAccess(policyEngine, field as RevealField, sensitivity as SensitivityClass),
    });

    let stopPolicyRefresh: (() => void) | undefined;
    let stopReviewAlerts: (() => void) | undefined;
    let stopSuspensionAlerts: (() => void) | undefined;
    let stopWatchSnapshots: (() => void) | undefined;
    let stopOutbox: (() => void) | undefined;
    let stopOverdueRequests: (() => void) | undefined;
    let stopRevealDigests: (() => void) | undefined;
    let stopRevealCatchUp: (() => void) | undefined;
    let stopKeyWatch: (() => void) | undefined;
    let stopSetupWatch: (() => void) | undefined;

    return {
      config,
      clock,
      logger,
      database,
      bus,
      kek,
      keyring,
      keyRotation,
      ledger,
      ledgerStore,
      vault,
      importer,
      policyEngine,
      policies,
      identity,
      privacy,
      rights,
      shredding,
      watch,
      access,
      compliance,

      /** Every module's route plugin and what `/readyz` checks: what `http/` serves. */
      server(): ServerDeps {
        const auth = identity.routeAuth;
        const routes: MountedRoutes[] = [
          mount(ledgerRoutes, { auth, ledger }),
          mount(identityRoutes, { auth, ...identity }),
          mount(accessRoutes, { auth, ...access, policies }),
          mount(complianceRoutes, { auth, compliance }),
          mount(watchRoutes, {
            auth,
            alerts: watch.alerts,
            watcher: watch.watcher,
            suspensions: watch.suspensions,
            marks: watch.marks,
            triage: watch.triage,
          }),
          mount(privacyRoutes, {
            auth,
            history: privacy.history,
            consents: privacy.consents,
            notices: privacy.notices,
            outbox: privacy.outbox,
            portability: privacy.portability,
            ...rights,
            authorize: (p, action) => access.gate.requireAction(p, action),
          }),
        ];
        return {
          logger,
          readiness: { database: () => database.ping(), keyring: () => keyring.load() },
          routes,
          publicOrigin: config.publicOrigin,
        };
      },

      /**
       * On a new installation: the first admin token and (if configured) the demo organisation. Safe to
       * call on every start: it does nothing once the installation is initialised.
       */
      async initialise(progress?: (summary: ImportSummary) => void): Promise<InitialiseResult> {
        if (await meta.get('initialised_at')) return { created: false };
        const { token } = await identity.apiTokens.createInitial();
        const result: InitialiseResult = { created: true, adminToken: token };
        if (config.demo && !(await meta.get('demo_seeded_at'))) {
          result.demo = await seedDemoOrganisation(
            {
              importer,
              staff: identity.staff,
              training: { course: config.trainingCourse, record: identity.training.recordFromHr },
              clock,
            },
            { customers: config.demoCustomers, onBatch: progress },
          );
          await meta.setOnce('demo_seeded_at', new Date(clock.now()).toISOString());
        }
        // Honey customers from a secret seed, so nobody can regenerate them from the code.
        if (config.honeyRecords > 0 && !(await meta.get('honey_seeded_at'))) {
          await watch.honey.seed(honeyRecords(config.honeyRecords), config.honeyRecords);
          await meta.setOnce('honey_seeded_at', new Date(clock.now()).toISOString());
        }
        await meta.setOnce('initialised_at', new Date(clock.now()).toISOString());
        return result;
      },

      /**
       * Begin background work: signed checkpoints while entries arrive; picking up policy sets approved on
       * other nodes; alerting security to break-glass reviews gone overdue; sending the outbox's messages and
       * customers' daily reveal digests;
       * watching the master key (a rotation by another process, a key file gone or replaced);
       * ledgering the end of the setup window.
       */
      start(): void {
        for (const warning of ledgerWarnings) logger.warn(warning);
        ledger.start();
        stopKeyWatch ??= watchMasterKeys(kek, logger);
        stopPolicyRefresh ??= runEvery(
          POLICY_REFRESH_MS,
          () => policies.refresh(),
          (error) => logger.warn({ err: error }, 'policy set not refreshed'),
        );
        stopReviewAlerts ??= runEvery(
          REVIEW_ALERTS_MS,
          () => access.breakGlass.raiseOverdueAlerts(),
          (error) => logger.warn({ err: error }, 'overdue break-glass reviews not alerted'),
        );
        stopSuspensionAlerts ??= runEvery(
          REVIEW_ALERTS_MS,
          () => watch.suspensions.raiseOverdue(),
          (error) => logger.warn({ err: error }, 'overdue suspension reviews not alerted'),
        );
        // The watcher's state, so a restart replays minutes of ledger, not weeks (the ledger stays the record).
        stopWatchSnapshots ??= runEvery(
          WATCH_SNAPSHOT_MS,
          () => watch.snapshots.take(),
          (error) => logger.warn({ err: error }, 'watcher snapshot not taken'),
        );
        // The end of the setup window is ledgered within a minute, not only when the next operator tries.
        stopSetupWatch ??= runEvery(
          REVIEW_ALERTS_MS,
          () => identity.roleGrants.setupOpen(),
          (error) => logger.warn({ err: error }, 'setup window not checked'),
        );
        stopOverdueRequests ??= runEvery(
          OVERDUE_REQUESTS_MS,
          () => rights.requests.raiseOverdueAlerts(),
          (error) => logger.warn({ err: error }, "overdue customers' requests not alerted"),
        );
        stopOutbox ??= runEvery(
          config.outboxIntervalMs,
          () => privacy.outbox.deliverDue(),
          (error) => logger.warn({ err: error }, 'outbox not delivered'),
        );
        // Reveals whose bus event was lost with its process are noticed from the ledger.
        stopRevealCatchUp ??= runEvery(
          REVIEW_ALERTS_MS,
          () => privacy.notices.catchUp(),
          (error) => logger.warn({ err: error }, 'reveal notices not caught up'),
        );
        // Yesterday's reveals, told once to each customer who chose the daily digest.
        stopRevealDigests ??= runEvery(
          REVEAL_DIGEST_MS,
          () => privacy.notices.sendDigests(),
          (error) => logger.warn({ err: error }, 'reveal digests not sent'),
        );
      },

      async close(): Promise<void> {
        stopPolicyRefresh?.();
        stopReviewAlerts?.();
        stopSuspensionAlerts?.();
        const snapshotting = stopWatchSnapshots !== undefined;
        stopWatchSnapshots?.();
        stopOutbox?.();
        stopOverdueRequests?.();
        stopRevealDigests?.();
        stopRevealCatchUp?.();
        stopKeyWatch?.();
        stopSetupWatch?.();
        privacy.outbox.close();
        // The bus drains its handlers, the watcher its containment (which writes to the ledger), then the ledger.
        await bus.close();
        await watch.watcher.close();
        // A server that snapshotted while running leaves a last one for its restart.
        if (snapshotting)
          await watch.snapshots
            .take()
            .catch((error: unknown) => logger.warn({ err: error }, 'final watcher snapshot not taken'));
        await ledger.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export type Custos = Awaited<ReturnType<typeof createCustos>>;
