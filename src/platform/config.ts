/**
 * Configuration: one schema for the environment and an optional JSON file, parsed once at boot and frozen.
 *
 * Each setting is described here once; the README's configuration table is written from the same list.
 * Precedence: environment variable, then the file named by CUSTOS_CONFIG, then the default. Secrets have no
 * default. Invalid configuration stops the process with a message naming the setting, never its value.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CustosError } from './errors.ts';
import { isJurisdiction, type Jurisdiction, jurisdictions } from './jurisdiction.ts';

export interface Config {
  /** Directory for the SQLite file, the master key file and other local state. */
  dataDir: string;
  host: string;
  port: number;
  /** `sqlite:<path>` or `postgres://…`. */
  databaseUrl: string;
  /** PostgreSQL: connections in the pool (the ledger's group commit holds one per flush, checkpoints one). */
  databasePoolSize: number;
  /** Path of the master key file (key-encryption keys), used unless `masterKey` is given. */
  masterKeyFile: string;
  /** Key-encryption keys given inline (`v1:<base64>,v2:<base64>`); a secret, never defaulted. */
  masterKey: string | undefined;
  /** Path of the shred-group key file (the second wrapping of every data key; erasure replaces its keys). */
  shredGroupFile: string;
  /** How long an erasure waits for other processes to notice a shred-group key change (milliseconds). */
  shredGraceMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Seed the demo organisation on first initialisation. */
  demo: boolean;
  /** How many synthetic customers the demo organisation has. */
  demoCustomers: number;
  /** How many honey customers a new installation is seeded with (0: none). */
  honeyRecords: number;
  /** Whether a customer's access history names the staff member (`shown`) or only role, site and region. */
  historyStaffNames: 'hidden' | 'shown';
  /** The ledger's origin line (C2SP checkpoint origin and signing-key name). */
  ledgerOrigin: string;
  /** File holding the ledger's checkpoint-signing key (`.pub` beside it holds the public key). */
  ledgerKeyFile: string;
  /** An external checkpoint signer over HTTP (docs/LEDGER.md); unset: the key file signs. */
  ledgerSignerUrl: string | undefined;
  /** The external signer's public key (C2SP vkey); required with `ledgerSignerUrl`. */
  ledgerSignerVkey: string | undefined;
  /** Bearer token for the external signer; a secret, never defaulted. */
  ledgerSignerToken: string | undefined;
  /** How often a new signed checkpoint is made while entries arrive. */
  checkpointIntervalMs: number;
  /** Witnesses that must cosign checkpoints before they are published. */
  witnesses: { url: string; vkey: string }[];
  /** How many of them must cosign. */
  witnessQuorum: number;
  /** The web origin people reach Custos at (`https://custos.example`); passkeys are bound to it. */
  publicOrigin: string;
  /** The name passkey authenticators show for Custos. */
  passkeyRpName: string;
  /** Staff single sign-on (OpenID Connect); all undefined when it is not configured. */
  oidcIssuer: string | undefined;
  oidcClientId: string | undefined;
  /** A secret, never defaulted; absent for a public client (PKCE only). */
  oidcClientSecret: string | undefined;
  oidcRedirectUri: string;
  /** IdP group → staff role; roles are checked against the staff roles when sign-on is built. */
  oidcGroupRoles: Record<string, string> | undefined;
  oidcScopes: string[];
  /** Email to customers (the outbox): an SMTP URL; unset, email is written to files (development). */
  smtpUrl: string | undefined;
  /** The sender of email to customers. */
  smtpFrom: string;
  /** How often the outbox worker looks for messages due. */
  outboxIntervalMs: number;
  /** Break-glass a staff member may open in any 7 days (one unreviewed at a time in any case). */
  breakGlassWeeklyCap: number;
  /** Distinct customers one staff member may ask to export in any 24 hours, and in any 7 days. */
  exportRequesterDay: number;
  exportRequesterWeek: number;
  /** Distinct customers in exports one security member may approve in any 24 hours, and in any 7 days. */
  exportApproverDay: number;
  exportApproverWeek: number;
  /** A records export of more customers than this is large: a quorum of security and a waiting period. */
  exportLargeThreshold: number;
  /** How many security members (none of them the requester) must approve a large export. */
  exportLargeQuorum: number;
  /** Hours between a large export's quorum (announced to all of security) and its first possible run. */
  exportLargeWaitHours: number;
  /** Differential privacy of marketing aggregates: ε spent by one aggregate. */
  aggregateEpsilon: number;
  /** The ε one requester may spend on aggregates in any window of `aggregateBudgetDays` days. */
  aggregateBudget: number;
  aggregateBudgetDays: number;
  /** The insider-risk scores (0–100) at which `elevated`, `high` and `critical` start. */
  riskThresholds: { elevated: number; high: number; critical: number };
  /** Staff regions and the provinces (as the masked address shows them) each serves: out-of-region reveals. */
  regionProvinces: Record<string, string[]>;
  /** Staff shifts as local hours [from, to) (past midnight when to < from): off-shift reveals. */
  shifts: Record<string, { from: number; to: number }>;
  /** Security views name staff by a keyed pseudonym until someone unmasks one (off where not required). */
  securityPseudonyms: boolean;
  /** Customer data only for staff with a current record of `trainingCourse` (LAW.md row 19). */
  trainingRequired: boolean;
  trainingCourse: string;
  /** How long a newly granted admin or security role cannot approve anything. */
  privilegedCoolingOffHours: number;
  /** How long after initialisation the operator's tokens may still make administrators. */
  setupWindowHours: number;
  /** The law the installation answers to: request deadlines, the ledger's retention floor, breach notices. */
  jurisdiction: Jurisdiction;
  /** Under PIPL (which sets no number of days), how many calendar days a person's request may take. */
  piplRequestDays: number;
  /** The ledger's retention floor in days, if longer than the jurisdiction's (never below 183: CSL art. 21). */
  retentionFloorDays: number | undefined;
}

type Parser<T> = (raw: string) => T;

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  description: string;
  parse: Parser<Config[K]>;
  /** A default, or a function of the settings already resolved; absent for secrets. */
  fallback?: Config[K] | ((resolved: Partial<Config>) => Config[K]);
  secret?: boolean;
}

const text: Parser<string> = (raw) => {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw;
};

const port: Parser<number> = (raw) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('must be an integer from 0 to 65535');
  return n;
};

const positiveInt: Parser<number> = (raw) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 100_000_000) throw new Error('must be a whole number');
  return n;
};

const positiveNumber: Parser<number> = (raw) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new Error('must be a number above 0, at most 100');
  return n;
};

/** `elevated,high,critical`: ascending scores; above 100 a tier is never reached (a benchmark's setting). */
const riskThresholds: Parser<{ elevated: number; high: number; critical: number }> = (raw) => {
  const parts = raw.split(',').map((p) => Number(p.trim()));
  const [elevated, high, critical] = parts;
  if (
    parts.length !== 3 ||
    !parts.every((n) => Number.isInteger(n) && n >= 1 && n <= 1000) ||
    !(elevated! <= high! && high! <= critical!)
  )
    throw new Error('must be three ascending whole numbers from 1 to 1000: elevated,high,critical');
  return { elevated: elevated!, high: high!, critical: critical! };
};

/** `region=Province,Province;region=…`: which provinces each staff region serves. */
const regionProvinces: Parser<Record<string, string[]>> = (raw) => {
  const out: Record<string, string[]> = {};
  for (const part of raw.split(';').filter((p) => p.trim() !== '')) {
    const [region, provinces] = part.split('=');
    const list = (provinces ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    if (!region?.trim() || list.length === 0) throw new Error('must be region=Province,Province;region=…');
    out[region.trim()] = list;
  }
  return out;
};

/** `shift=from-to;…` in local whole hours, e.g. `day=8-18;evening=14-23;night=22-8`. */
const shifts: Parser<Record<string, { from: number; to: number }>> = (raw) => {
  const out: Record<string, { from: number; to: number }> = {};
  for (const part of raw.split(';').filter((p) => p.trim() !== '')) {
    const match = /^\s*([a-z_]+)\s*=\s*(\d{1,2})-(\d{1,2})\s*$/.exec(part);
    const from = Number(match?.[2]);
    const to = Number(match?.[3]);
    if (!match || from > 23 || to > 24 || from === to)
      throw new Error('must be shift=from-to;… in whole hours');
    out[match[1]!] = { from, to };
  }
  return out;
};

const atLeastOne: Parser<number> = (raw) => {
  const n = positiveInt(raw);
  if (n < 1) throw new Error('must be at least 1');
  return n;
};

const jurisdiction: Parser<Jurisdiction> = (raw) => {
  if (!isJurisdiction(raw)) throw new Error(`must be one of ${jurisdictions.join(', ')}`);
  return raw;
};

/** Days a ledger entry is kept at least: never under six months (183 days, CSL art. 21(3)). */
const retentionFloorDays: Parser<number> = (raw) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 183 || n > 36_500)
    throw new Error('must be a whole number of days, at least 183');
  return n;
};

const bool: Parser<boolean> = (raw) => {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error('must be true or false');
};

const trainingCourse: Parser<string> = (raw) => {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(raw)) throw new Error('must be a course name: a-z, 0-9 and _');
  return raw;
};

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const logLevel: Parser<Config['logLevel']> = (raw) => {
  const level = raw.toLowerCase() as Config['logLevel'];
  if (!logLevels.includes(level)) throw new Error(`must be one of ${logLevels.join(', ')}`);
  return level;
};

const databaseUrl: Parser<string> = (raw) => {
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(raw))
    throw new Error('must be sqlite:<path> or postgres://…');
  return raw;
};

const origin: Parser<string> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be a URL such as https://custos.example');
  }
  if (!/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new Error('must be an http(s) origin with no path, such as https://custos.example');
  }
  return url.origin;
};

const httpUrl: Parser<string> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be an http(s) URL');
  }
  if (!/^https?:$/.test(url.protocol)) throw new Error('must be an http(s) URL');
  // As written: an issuer identifier is compared exactly, so `https://idp` and `https://idp/` differ.
  return raw;
};

const smtpUrl: Parser<string> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be an smtp:// or smtps:// URL');
  }
  if (!/^smtps?:$/.test(url.protocol) || !url.hostname) throw new Error('must be an smtp:// or smtps:// URL');
  return raw;
};

const groupRoles: Parser<Record<string, string>> = (raw) => {
  const mapping: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const match = /^\s*([^=\s]+)\s*=\s*([a-z]+)\s*$/.exec(pair);
    if (!match) throw new Error('must be `group=role` pairs separated by commas');
    mapping[match[1] as string] = match[2] as string;
  }
  return mapping;
};

/** Every setting Custos reads. Order matters: a fallback may use the settings above it. */
export const settings: readonly Setting<keyof Config>[] = [
  {
    key: 'dataDir',
    env: 'CUSTOS_DATA_DIR',
    description: 'Directory for the SQLite database, the master key file and local state.',
    parse: text,
    fallback: '.custos',
  },
  {
    key: 'host',
    env: 'CUSTOS_HOST',
    description: 'Address the HTTP server listens on.',
    parse: text,
    fallback: '127.0.0.1',
  },
  {
    key: 'port',
    env: 'CUSTOS_PORT',
    description: 'Port the HTTP server listens on.',
    parse: port,
    fallback: 8080,
  },
  {
    key: 'databaseUrl',
    env: 'CUSTOS_DATABASE_URL',
    description: '`sqlite:<path>` (embedded default) or `postgres://user@host:port/db`.',
    parse: databaseUrl,
    fallback: (r) => `sqlite:${join(r.dataDir ?? '.custos', 'custos.db')}`,
  },
  {
    key: 'databasePoolSize',
    env: 'CUSTOS_DATABASE_POOL_SIZE',
    description:
      'PostgreSQL: connections in the pool. Group commit holds one per ledger flush and checkpoints one; requests share the rest.',
    parse: positiveInt,
    fallback: 20,
  },
  {
    key: 'masterKeyFile',
    env: 'CUSTOS_MASTER_KEY_FILE',
    description: 'File holding the master key-encryption keys (mode 0600, created on first start).',
    parse: text,
    fallback: (r) => join(r.dataDir ?? '.custos', 'master.key'),
  },
  {
    key: 'masterKey',
    env: 'CUSTOS_MASTER_KEY',
    description:
      'Master keys given inline as `v1:<base64 of 32 bytes>[,v2:…]`; overrides the key file. Secret.',
    parse: text,
    secret: true,
  },
  {
    key: 'shredGroupFile',
    env: 'CUSTOS_SHRED_GROUP_FILE',
    description:
      'File holding the shred-group keys that erasure replaces (mode 0600, created on first start; docs/ERASURE.md).',
    parse: text,
    fallback: (r) => join(r.dataDir ?? '.custos', 'shred-groups.key'),
  },
  {
    key: 'shredGraceMs',
    env: 'CUSTOS_SHRED_GRACE_MS',
    description:
      'How long an erasure waits for other processes to notice a shred-group key change (milliseconds; 0 for one process).',
    parse: positiveInt,
    fallback: 1500,
  },
  {
    key: 'logLevel',
    env: 'CUSTOS_LOG_LEVEL',
    description: 'pino log level.',
    parse: logLevel,
    fallback: 'info',
  },
  {
    key: 'demo',
    env: 'CUSTOS_DEMO',
    description: 'Seed the demo organisation when a new data directory is initialised.',
    parse: bool,
    fallback: true,
  },
  {
    key: 'demoCustomers',
    env: 'CUSTOS_DEMO_CUSTOMERS',
    description: 'Number of synthetic customers in the demo organisation.',
    parse: positiveInt,
    fallback: 10_000,
  },
  {
    key: 'honeyRecords',
    env: 'CUSTOS_HONEY_RECORDS',
    description: 'Honey customers seeded when a new data directory is initialised (0: none).',
    parse: positiveInt,
    fallback: 20,
  },
  {
    key: 'historyStaffNames',
    env: 'CUSTOS_HISTORY_STAFF_NAMES',
    description:
      "Whether a customer's access history names staff (`shown`) or gives only their role, site and region (`hidden`).",
    parse: (raw) => {
      if (raw !== 'hidden' && raw !== 'shown') throw new Error('must be hidden or shown');
      return raw;
    },
    fallback: 'hidden',
  },
  {
    key: 'ledgerOrigin',
    env: 'CUSTOS_LEDGER_ORIGIN',
    description: 'Origin line of ledger checkpoints, also the signing key name (no spaces or +).',
    parse: (raw) => {
      if (!/^[\x21-\x2a\x2c-\x7e]{1,100}$/.test(raw))
        throw new Error('must be 1–100 printable characters, no space or +');
      return raw;
    },
    fallback: 'custos.local/ledger',
  },
  {
    key: 'ledgerKeyFile',
    env: 'CUSTOS_LEDGER_KEY_FILE',
    description:
      'File holding the ledger checkpoint-signing key (mode 0600; public key in <file>.pub). Keep it on another volume than the database (docs/LEDGER.md).',
    parse: text,
    fallback: (r) => join(r.dataDir ?? '.custos', 'ledger.key'),
  },
  {
    key: 'ledgerSignerUrl',
    env: 'CUSTOS_LEDGER_SIGNER_URL',
    description:
      'An external checkpoint signer (HSM, KMS or signing service): each checkpoint text is POSTed there and the base64 Ed25519 signature read back; no key file is created or read. Unset: the key file signs.',
    parse: httpUrl,
  },
  {
    key: 'ledgerSignerVkey',
    env: 'CUSTOS_LEDGER_SIGNER_VKEY',
    description:
      "The external signer's public key (C2SP vkey, named after the origin); every signature is checked against it.",
    parse: text,
  },
  {
    key: 'ledgerSignerToken',
    env: 'CUSTOS_LEDGER_SIGNER_TOKEN',
    description: 'Bearer token sent to the external signer, if it asks for one. Secret.',
    parse: text,
    secret: true,
  },
  {
    key: 'checkpointIntervalMs',
    env: 'CUSTOS_CHECKPOINT_INTERVAL_MS',
    description: 'How often a signed ledger checkpoint is made while entries arrive (milliseconds).',
    parse: positiveInt,
    fallback: 1000,
  },
  {
    key: 'witnesses',
    env: 'CUSTOS_WITNESSES',
    description:
      'Witnesses that must cosign each checkpoint before it is published: `<url> <cosigner vkey>` pairs, comma-separated.',
    parse: (raw) =>
      raw.split(',').map((pair) => {
        const [url, vkey, ...rest] = pair.trim().split(/\s+/);
        if (!url || !vkey || rest.length > 0 || !/^https?:\/\//.test(url)) {
          throw new Error('must be `<http(s) url> <vkey>` pairs separated by commas');
        }
        return { url, vkey };
      }),
    fallback: [],
  },
  {
    key: 'witnessQuorum',
    env: 'CUSTOS_WITNESS_QUORUM',
    description: 'How many of the configured witnesses must cosign a checkpoint.',
    parse: positiveInt,
    fallback: 1,
  },
  {
    key: 'publicOrigin',
    env: 'CUSTOS_PUBLIC_ORIGIN',
    description:
      'The web origin people reach Custos at; passkeys are bound to it (their relying-party ID is its host name).',
    parse: origin,
    fallback: 'http://localhost:8080',
  },
  {
    key: 'passkeyRpName',
    env: 'CUSTOS_PASSKEY_RP_NAME',
    description: 'The name passkey authenticators show for Custos.',
    parse: text,
    fallback: 'Custos',
  },
  {
    key: 'oidcIssuer',
    env: 'CUSTOS_OIDC_ISSUER',
    description:
      'Staff single sign-on: the OpenID Connect issuer (https; http only on a loopback host). Unset: no SSO routes.',
    parse: httpUrl,
  },
  {
    key: 'oidcClientId',
    env: 'CUSTOS_OIDC_CLIENT_ID',
    description: 'Staff single sign-on: the client ID registered at the identity provider.',
    parse: text,
  },
  {
    key: 'oidcClientSecret',
    env: 'CUSTOS_OIDC_CLIENT_SECRET',
    description: 'Staff single sign-on: the client secret (omit for a public client). Secret.',
    parse: text,
    secret: true,
  },
  {
    key: 'oidcRedirectUri',
    env: 'CUSTOS_OIDC_REDIRECT_URI',
    description: 'Staff single sign-on: the redirect URI registered at the identity provider.',
    parse: httpUrl,
    fallback: (r) => `${r.publicOrigin ?? 'http://localhost:8080'}/v1/auth/oidc/callback`,
  },
  {
    key: 'oidcGroupRoles',
    env: 'CUSTOS_OIDC_GROUP_ROLES',
    description:
      'Staff single sign-on: IdP group → Custos role as `group=role,group=role`; a member of no listed group is refused.',
    parse: groupRoles,
  },
  {
    key: 'oidcScopes',
    env: 'CUSTOS_OIDC_SCOPES',
    description:
      'Staff single sign-on: scopes to ask for, space-separated (must include openid and release email and groups).',
    parse: (raw) => raw.trim().split(/\s+/),
    fallback: ['openid', 'email', 'profile'],
  },
  {
    key: 'smtpUrl',
    env: 'CUSTOS_SMTP_URL',
    description:
      'Email to customers (portal invitations, notices): `smtp://user:pass@host:587` (STARTTLS) or `smtps://…`. Unset: email is written to files under `<data dir>/outbox/email` (development only). Secret.',
    parse: smtpUrl,
    secret: true,
  },
  {
    key: 'smtpFrom',
    env: 'CUSTOS_SMTP_FROM',
    description: 'The sender of email to customers.',
    parse: text,
    fallback: 'Custos <no-reply@custos.local>',
  },
  {
    key: 'outboxIntervalMs',
    env: 'CUSTOS_OUTBOX_INTERVAL_MS',
    description: 'How often the outbox worker sends messages due (milliseconds).',
    parse: positiveInt,
    fallback: 2000,
  },
  {
    key: 'breakGlassWeeklyCap',
    env: 'CUSTOS_BREAK_GLASS_WEEKLY_CAP',
    description:
      'Break-glass one staff member may open in any 7 days; besides, only one unreviewed at a time.',
    parse: atLeastOne,
    fallback: 2,
  },
  {
    key: 'exportRequesterDay',
    env: 'CUSTOS_EXPORT_REQUESTER_DAY',
    description: 'Distinct customers one staff member may ask to export in any 24 hours.',
    parse: atLeastOne,
    fallback: 1000,
  },
  {
    key: 'exportRequesterWeek',
    env: 'CUSTOS_EXPORT_REQUESTER_WEEK',
    description: 'Distinct customers one staff member may ask to export in any 7 days.',
    parse: atLeastOne,
    fallback: 2000,
  },
  {
    key: 'exportApproverDay',
    env: 'CUSTOS_EXPORT_APPROVER_DAY',
    description: 'Distinct customers in the exports one security member may approve in any 24 hours.',
    parse: atLeastOne,
    fallback: 2000,
  },
  {
    key: 'exportApproverWeek',
    env: 'CUSTOS_EXPORT_APPROVER_WEEK',
    description: 'Distinct customers in the exports one security member may approve in any 7 days.',
    parse: atLeastOne,
    fallback: 5000,
  },
  {
    key: 'exportLargeThreshold',
    env: 'CUSTOS_EXPORT_LARGE_THRESHOLD',
    description:
      'A records export of more customers than this is large: it needs a quorum of security and a waiting period.',
    parse: atLeastOne,
    fallback: 200,
  },
  {
    key: 'exportLargeQuorum',
    env: 'CUSTOS_EXPORT_LARGE_QUORUM',
    description: 'How many security members (not the requester) must approve a large export.',
    parse: atLeastOne,
    fallback: 2,
  },
  {
    key: 'exportLargeWaitHours',
    env: 'CUSTOS_EXPORT_LARGE_WAIT_HOURS',
    description:
      'Hours from a large export reaching its quorum (announced to all of security, who may still reject it) to its first possible run.',
    parse: positiveInt,
    fallback: 24,
  },
  {
    key: 'aggregateEpsilon',
    env: 'CUSTOS_AGGREGATE_EPSILON',
    description:
      'Differential privacy: the ε one marketing aggregate spends (geometric noise on every count; see docs/AGGREGATES.md).',
    parse: positiveNumber,
    fallback: 0.25,
  },
  {
    key: 'aggregateBudget',
    env: 'CUSTOS_AGGREGATE_BUDGET',
    description: 'The total ε one requester may spend on aggregates in any budget window; then refused.',
    parse: positiveNumber,
    fallback: 1,
  },
  {
    key: 'riskThresholds',
    env: 'CUSTOS_RISK_THRESHOLDS',
    description: 'Insider-risk scores at which elevated, high and critical start (docs/WATCHER.md).',
    parse: riskThresholds,
    fallback: { elevated: 25, high: 50, critical: 80 },
  },
  {
    key: 'regionProvinces',
    env: 'CUSTOS_REGION_PROVINCES',
    description:
      'Which provinces each staff region serves, as region=Province,Province;… (out-of-region reveals; the default is the demo organisation’s four regions).',
    parse: regionProvinces,
    fallback: { north: ['北京市'], east: ['上海市'], south: ['广东省'], west: ['四川省'] },
  },
  {
    key: 'shifts',
    env: 'CUSTOS_SHIFTS',
    description: 'Staff shifts in local whole hours, as shift=from-to;… (off-shift reveals; China time).',
    parse: shifts,
    fallback: { day: { from: 8, to: 18 }, evening: { from: 14, to: 23 } },
  },
  {
    key: 'trainingRequired',
    env: 'CUSTOS_TRAINING_REQUIRED',
    description:
      'Staff reach customer data (view, search, case open, reveal, break-glass, export) only with a current record of the training course.',
    parse: bool,
    fallback: false,
  },
  {
    key: 'trainingCourse',
    env: 'CUSTOS_TRAINING_COURSE',
    description: 'The training course staff need a current record of when training is required.',
    parse: trainingCourse,
    fallback: 'data_protection',
  },
  {
    key: 'securityPseudonyms',
    env: 'CUSTOS_SECURITY_PSEUDONYMS',
    description:
      'Security views (alerts, timelines, suspensions) name staff by pseudonym until unmasked; off where no law asks for it (docs/WATCHER.md).',
    parse: bool,
    fallback: true,
  },
  {
    key: 'aggregateBudgetDays',
    env: 'CUSTOS_AGGREGATE_BUDGET_DAYS',
    description: 'The length of the aggregate privacy-budget window, in days.',
    parse: atLeastOne,
    fallback: 30,
  },
  {
    key: 'privilegedCoolingOffHours',
    env: 'CUSTOS_PRIVILEGED_COOLING_OFF_HOURS',
    description: 'Hours a newly granted admin or security role must wait before it can approve anything.',
    parse: positiveInt,
    fallback: 72,
  },
  {
    key: 'setupWindowHours',
    env: 'CUSTOS_SETUP_WINDOW_HOURS',
    description: 'Hours after initialisation during which operator tokens may make administrators.',
    parse: positiveInt,
    fallback: 24,
  },
  {
    key: 'jurisdiction',
    env: 'CUSTOS_JURISDICTION',
    description:
      "The law the installation answers to (PIPL, GDPR or CCPA): deadlines of people's requests, the ledger's retention floor, breach-notice deadlines (docs/COMPLIANCE.md).",
    parse: jurisdiction,
    fallback: 'PIPL',
  },
  {
    key: 'piplRequestDays',
    env: 'CUSTOS_PIPL_REQUEST_DAYS',
    description:
      "Under PIPL, the calendar days (UTC) a person's request may take before it is overdue and security is alerted.",
    parse: atLeastOne,
    fallback: 15,
  },
  {
    key: 'retentionFloorDays',
    env: 'CUSTOS_RETENTION_FLOOR_DAYS',
    description:
      "Days every ledger entry is kept at least, when longer than the jurisdiction's floor (PIPL and GDPR 183, CCPA 730); below 183 is refused.",
    parse: retentionFloorDays,
  },
];

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new CustosError('CONFIG_INVALID', `CUSTOS_CONFIG: cannot read ${path} as JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CustosError('CONFIG_INVALID', `CUSTOS_CONFIG: ${path} must hold a JSON object`);
  }
  const known = new Set<string>(settings.map((s) => s.key));
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new CustosError('CONFIG_INVALID', `CUSTOS_CONFIG: unknown setting "${key}"`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Resolve the configuration from an environment (default: `process.env`).
 *
 * @example
 * const config = loadConfig({ CUSTOS_DATA_DIR: '/var/lib/custos', CUSTOS_PORT: '9000' });
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const file = env.CUSTOS_CONFIG ? readConfigFile(env.CUSTOS_CONFIG) : {};
  const resolved: Partial<Config> = {};
  const problems: string[] = [];
  for (const setting of settings) {
    const fromEnv = env[setting.env];
    const fromFile = file[setting.key];
    let value: unknown;
    try {
      if (fromEnv !== undefined && fromEnv !== '') value = setting.parse(fromEnv);
      else if (fromFile !== undefined) value = setting.parse(String(fromFile));
      else if (typeof setting.fallback === 'function') value = setting.fallback(resolved);
      else value = setting.fallback;
    } catch (error) {
      problems.push(`${setting.env}: ${(error as Error).message}`);
      continue;
    }
    (resolved as Record<string, unknown>)[setting.key] = value;
  }
  const sso = [resolved.oidcIssuer, resolved.oidcClientId, resolved.oidcGroupRoles];
  if (sso.some((v) => v !== undefined) && !sso.every((v) => v !== undefined)) {
    problems.push('CUSTOS_OIDC_ISSUER, CUSTOS_OIDC_CLIENT_ID and CUSTOS_OIDC_GROUP_ROLES go together');
  }
  if ((resolved.aggregateBudget ?? 1) < (resolved.aggregateEpsilon ?? 0)) {
    problems.push(
      'CUSTOS_AGGREGATE_BUDGET must be at least CUSTOS_AGGREGATE_EPSILON (no aggregate could run)',
    );
  }
  for (const who of ['Requester', 'Approver'] as const) {
    if ((resolved[`export${who}Day`] ?? 0) > (resolved[`export${who}Week`] ?? Infinity)) {
      const name = `CUSTOS_EXPORT_${who.toUpperCase()}`;
      problems.push(`${name}_DAY must not exceed ${name}_WEEK`);
    }
  }
  if ((resolved.ledgerSignerUrl === undefined) !== (resolved.ledgerSignerVkey === undefined)) {
    problems.push('CUSTOS_LEDGER_SIGNER_URL and CUSTOS_LEDGER_SIGNER_VKEY go together');
  }
  if (problems.length > 0) {
    throw new CustosError('CONFIG_INVALID', `Invalid configuration: ${problems.join('; ')}`);
  }
  resolved.dataDir = resolve(resolved.dataDir as string);
  for (const key of ['masterKeyFile', 'ledgerKeyFile', 'shredGroupFile'] as const) {
    if (!isAbsolute(resolved[key] as string)) resolved[key] = resolve(resolved[key] as string);
  }
  return Object.freeze(resolved as Config);
}
