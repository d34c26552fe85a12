/**
 * Builds the privacy module: consents; the outbox that sends customers their messages (email over SMTP
 * when `CUSTOS_SMTP_URL` is set, files under the data directory otherwise; SMS through the development
 * adapter until a provider's is written); the customer's access history with its proofs of inclusion and
 * completeness; reveal notices, which follow the bus's `customer.revealed`; and the portability export.
 * `wirePrivacyRights` builds the rights that need the other modules built first: my data and correction,
 * erasure and legal holds, and people's requests with their deadlines per jurisdiction (`requests/`).
 */
import { join } from 'node:path';
import type { Shredding } from '../crypto/shredding.ts';
import type { Accounts } from '../identity/accounts/accounts.service.ts';
import type { StaffPrincipal } from '../identity/sessions/principal.ts';
import type { Sessions } from '../identity/sessions/sessions.ts';
import type { StaffDirectory } from '../identity/staff/staff-directory.ts';
import type { Ledger } from '../ledger/ledger.service.ts';
import type { Actor } from '../platform/actor.ts';
import type { Platform } from '../platform/platform.ts';
import type { VaultService } from '../vault/vault.service.ts';
import { createConsents } from './consents.service.ts';
import { createConsentStore } from './consents.store.ts';
import { createErasure } from './erasure/erasure.service.ts';
import { createLegalHoldStore } from './erasure/legal-holds.store.ts';
import { createAccessHistory } from './history/access-history.ts';
import { createNotices } from './notices/notices.service.ts';
import { createNoticeStore } from './notices/notices.store.ts';
import { fileEmailTransport, fileSmsTransport } from './outbox/dev-transports.ts';
import { createOutbox } from './outbox/outbox.service.ts';
import { createMyData } from './my-data/my-data.service.ts';
import { createOutboxStore } from './outbox/outbox.store.ts';
import { smtpTransport } from './outbox/smtp-transport.ts';
import { createPortability } from './portability/portability.service.ts';
import { createRequests, type RaiseAlert } from './requests/requests.service.ts';
import { createRequestStore } from './requests/requests.store.ts';

export async function wirePrivacy(deps: {
  platform: Platform;
  ledger: Pick<Ledger, 'record' | 'append' | 'replay' | 'subjectHistory' | 'origin' | 'vkey'>;
  vault: Pick<VaultService, 'sealNote' | 'openNote' | 'unsealFields' | 'exists' | 'forMessage'>;
  /** Portal consent grants need a fresh second factor. */
  sessions: Pick<Sessions, 'requireStepUp'>;
  /** Staff as the access history and reveal notices show them (role and site; names as configured). */
  staff: Pick<StaffDirectory, 'member'>;
}) {
  const { platform, ledger, vault } = deps;
  const { config, logger, clock } = platform;
  const outboxDir = join(config.dataDir, 'outbox');
  const consents = createConsents({
    store: createConsentStore(platform.database.db),
    ledger,
    clock,
    sessions: deps.sessions,
  });
  const outbox = createOutbox({
    store: createOutboxStore(platform.database.db),
    vault,
    email: config.smtpUrl
      ? smtpTransport(config.smtpUrl, config.smtpFrom)
      : fileEmailTransport(join(outboxDir, 'email'), logger),
    sms: fileSmsTransport(join(outboxDir, 'sms'), logger),
    ledger,
    clock,
    logger,
    publicOrigin: config.publicOrigin,
  });
  const notices = createNotices({
    store: createNoticeStore(platform.database.db),
    outbox,
    vault,
    staffMember: (staffId) => deps.staff.member(staffId),
    ledger,
    clock,
    transaction: (work) => platform.database.db.transaction().execute(work),
  });
  platform.bus.subscribe('customer.revealed', (event) => notices.revealed(event));
  return {
    history: createAccessHistory({
      ledger,
      staff: deps.staff,
      showStaffNames: config.historyStaffNames === 'shown',
    }),
    consents,
    outbox,
    notices,
    portability: createPortability({ vault, consents, notices, ledger, clock }),
  };
}

export type PrivacyModule = Awaited<ReturnType<typeof wirePrivacy>>;

/**
 * My data, correction, erasure and legal holds. Built after access: closing a customer's cases and the
 * officer's access decision are access's, handed in as functions (privacy does not import access).
 */
export function wirePrivacyRights(deps: {
  platform: Platform;
  ledger: Pick<Ledger, 'record' | 'append' | 'replay'>;
  vault: Pick<
    VaultService,
    'exists' | 'ownRecord' | 'updateCustomer' | 'deleteCustomer' | 'sealNote' | 'openNote' | 'unsealFields'
  >;
  shredding: Pick<Shredding, 'destroyCustomerKey' | 'rekey'>;
  outbox: PrivacyModule['outbox'];
  notices: PrivacyModule['notices'];
  accounts: Pick<Accounts, 'eraseCustomerAccount'>;
  sessions: Pick<Sessions, 'requireStepUp'>;
  closeCases: (by: Actor, customerId: string) => Promise<number>;
  authorize: (
    p: StaffPrincipal,
    action: 'customer_erase' | 'legal_hold' | 'privacy_request_decide',
  ) => Promise<void>;
  /** Access's gate told that an allowed officer act reached a customer (honey records). */
  reached: (p: StaffPrincipal, action: 'customer_erase' | 'legal_hold', customerId: string) => void;
  /** Security alerts (watch's): an overdue request raises one. */
  raiseAlert: RaiseAlert;
}) {
  const { platform, ledger, vault, sessions } = deps;
  const { config, clock } = platform;
  const requests = createRequests({
    store: createRequestStore(platform.database.db, platform.database.dialect),
    vault,
    ledger,
    authorize: deps.authorize,
    raiseAlert: deps.raiseAlert,
    sessions,
    clock,
    jurisdiction: config.jurisdiction,
    deadlines: { piplDays: config.piplRequestDays },
  });
  return {
    requests,
    myData: createMyData({ vault, sessions, ledger, outbox: deps.outbox }),
    erasure: createErasure({
      vault,
      shredding: deps.shredding,
      outbox: deps.outbox,
      notices: deps.notices,
      accounts: deps.accounts,
      closeCases: deps.closeCases,
      closeRequests: (customerId) => requests.closeForErasure(customerId),
      authorize: deps.authorize,
      reached: deps.reached,
      sessions,
      holds: createLegalHoldStore(platform.database.db),
      ledger,
      clock: platform.clock,
    }),
  };
}
