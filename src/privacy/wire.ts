/**
 * Builds the privacy module: consents, and the outbox that sends customers their messages (email over SMTP
 * when `CUSTOS_SMTP_URL` is set, files under the data directory otherwise; SMS through the development
 * adapter until a provider's is written); the customer's access history with its proofs of inclusion and
 * completeness; people's requests about their data, due per jurisdiction (`requests/`).
 */
import { join } from 'node:path';
import type { StaffPrincipal } from '../identity/sessions/principal.ts';
import type { Sessions } from '../identity/sessions/sessions.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { Platform } from '../platform/platform.ts';
import type { VaultService } from '../vault/vault.service.ts';
import { createConsents } from './consents.service.ts';
import { createConsentStore } from './consents.store.ts';
import { fileEmailTransport, fileSmsTransport } from './outbox/dev-transports.ts';
import { createOutbox } from './outbox/outbox.service.ts';
import { createOutboxStore } from './outbox/outbox.store.ts';
import { smtpTransport } from './outbox/smtp-transport.ts';
import { createRequests, type RaiseAlert } from './requests/requests.service.ts';
import { createRequestStore } from './requests/requests.store.ts';
import { createAccessHistory } from './history/access-history.ts';
import type { StaffDirectory } from '../identity/staff/staff-directory.ts';

export async function wirePrivacy(deps: {
  platform: Platform;
  ledger: Pick<Ledger, 'record' | 'append' | 'subjectHistory' | 'origin' | 'vkey'>;
  vault: Pick<VaultService, 'sealNote' | 'openNote' | 'unsealFields'>;
  /** Access's decision on a staff act; bound late by the composition root (access is built after privacy). */
  authorize: (p: StaffPrincipal, action: 'privacy_request_decide') => Promise<void>;
  /** Watch's alerts, bound late likewise. */
  raiseAlert: RaiseAlert;
  sessions: Pick<Sessions, 'requireStepUp'>;
  staff: Pick<StaffDirectory, 'member'>;
}) {
  const { platform, ledger } = deps;
  const { config, logger } = platform;
  const outboxDir = join(config.dataDir, 'outbox');
  return {
    history: createAccessHistory({
      ledger,
      staff: deps.staff,
      showStaffNames: config.historyStaffNames === 'shown',
    }),
    consents: createConsents({
      store: createConsentStore(platform.database.db),
      ledger,
      clock: platform.clock,
    }),
    requests: createRequests({
      store: createRequestStore(platform.database.db),
      vault: deps.vault,
      ledger,
      authorize: deps.authorize,
      raiseAlert: deps.raiseAlert,
      sessions: deps.sessions,
      clock: platform.clock,
      jurisdiction: config.jurisdiction,
      deadlines: { piplDays: config.piplRequestDays },
    }),
    outbox: createOutbox({
      store: createOutboxStore(platform.database.db),
      vault: deps.vault,
      email: config.smtpUrl
        ? smtpTransport(config.smtpUrl, config.smtpFrom)
        : fileEmailTransport(join(outboxDir, 'email'), logger),
      sms: fileSmsTransport(join(outboxDir, 'sms'), logger),
      ledger,
      clock: platform.clock,
      logger,
      publicOrigin: config.publicOrigin,
    }),
  };
}

export type PrivacyModule = Awaited<ReturnType<typeof wirePrivacy>>;
