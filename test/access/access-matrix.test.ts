/**
 * The access matrix (DESIGN.md §6 invariant 4: a staff account reaches no customer outside its cases).
 *
 * Walks every route that can return customer data (`config: { customerData: true }`) × every role × every
 * situation a staff member can stand in towards a customer (own open case for several purposes, another's
 * case, closed case, expired case, no case, break-glass and its variants; for exports: own, another's,
 * pending, rejected, already run, none) and asserts the exact status and error code, and for successes the
 * exact plaintext that came back: none in views and searches (every field masked), exactly the asked field
 * in a reveal. Then it scans every response collected for the test customers' real values: zero leaks.
 *
 * The expectations come from `oracle`, a plain-TypeScript restatement of the access rules (DESIGN.md §1–2,
 * the brief's "never"s) written independently of the Cedar policy, so that the policy is checked, not
 * copied. A route flagged `customerData` that the matrix does not list, a matrix route that no longer
 * exists, or a customer-data route without the flag fails the first test, naming the route.
 *
 * There is no list of known bugs: a cell src/ gets wrong is a failing test until src/ is fixed.
 */
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { systemActor } from '../../src/platform/actor.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { watcherObservesOnly } from '../support/custos.ts';
import { type AccessFixture, accessFixture, type Reply, type Staff } from '../support/access-fixture.ts';

// ─── The rules, restated (the oracle) ────────────────────────────────────────────────────────────────

const roles = ['store', 'support', 'contractor', 'marketing', 'security', 'admin'] as const;
type Role = (typeof roles)[number];
type FieldClass = 'basic' | 'contact' | 'identifier' | 'sensitive';
type Purpose = 'repair' | 'billing' | 'identity_check';

/** The fields asked for in reveals, one per sensitivity class. */
const revealProbes = [
  { field: 'name', fieldClass: 'basic' },
  { field: 'phone', fieldClass: 'contact' },
  { field: 'account_id', fieldClass: 'identifier' },
  { field: 'national_id', fieldClass: 'sensitive' },
] as const satisfies ReadonlyArray<{ field: keyof PersonValues; fieldClass: FieldClass }>;

interface CaseSituation {
  kind: 'case';
  /** How the acting staff member stands to the case used ('none': there is no such case). */
  relation: 'own' | 'other' | 'closed' | 'expired' | 'none';
  breakGlass: boolean;
  purpose: Purpose;
  customerPresent: boolean;
}

const caseSituations = {
  'own open case (repair)': {
    kind: 'case',
    relation: 'own',
    breakGlass: false,
    purpose: 'repair',
    customerPresent: false,
  },
  'own open case (billing)': {
    kind: 'case',
    relation: 'own',
    breakGlass: false,
    purpose: 'billing',
    customerPresent: false,
  },
  'own open case (identity_check, customer present)': {
    kind: 'case',
    relation: 'own',
    breakGlass: false,
    purpose: 'identity_check',
    customerPresent: true,
  },
  "another's case": {
    kind: 'case',
    relation: 'other',
    breakGlass: false,
    purpose: 'repair',
    customerPresent: false,
  },
  'closed case': {
    kind: 'case',
    relation: 'closed',
    breakGlass: false,
    purpose: 'repair',
    customerPresent: false,
  },
  'expired case': {
    kind: 'case',
    relation: 'expired',
    breakGlass: false,
    purpose: 'repair',
    customerPresent: false,
  },
  'no case': { kind: 'case', relation: 'none', breakGlass: false, purpose: 'repair', customerPresent: false },
  'break-glass': {
    kind: 'case',
    relation: 'own',
    breakGlass: true,
    purpose: 'repair',
    customerPresent: false,
  },
  "another's break-glass": {
    kind: 'case',
    relation: 'other',
    breakGlass: true,
    purpose: 'repair',
    customerPresent: false,
  },
  'closed break-glass': {
    kind: 'case',
    relation: 'closed',
    breakGlass: true,
    purpose: 'repair',
    customerPresent: false,
  },
  'expired break-glass': {
    kind: 'case',
    relation: 'expired',
    breakGlass: true,
    purpose: 'repair',
    customerPresent: false,
  },
} as const satisfies Record<string, CaseSituation>;
type CaseSituationName = keyof typeof caseSituations;

const exportSituations = [
  'own aggregate export (approved)',
  'own records export',
  "another's approved export",
  'own pending export',
  'own rejected export',
  'own export already run',
  'no export',
] as const;
type ExportSituationName = (typeof exportSituations)[number];

type Outcome = { status: 200 | 201 } | { status: number; code: string };
const ok: Outcome = { status: 200 };
const refused = (status: number, code: string): Outcome => ({ status, code });

const oracle = {
  /** Who works a case: front-line staff. Marketing, security and admin never open one. */
  frontline: (role: Role) => role === 'store' || role === 'support' || role === 'contractor',
  /** Break-glass is for store, support and admin; never contractors, marketing or security. */
  mayBreakGlass: (role: Role) => role === 'store' || role === 'support' || role === 'admin',
  /** Marketing and security never reach an individual record, whatever the case. */
  neverRecords: (role: Role) => role === 'marketing' || role === 'security',

  /**
   * Which fields a purpose reveals on an assigned open case — least privilege per purpose (the national ID:
   * only with a second approver).
   */
  purposeFields: {
    repair: ['name', 'phone'],
    billing: ['name', 'account_id', 'address'],
    identity_check: ['name', 'birth_date', 'account_id', 'national_id'],
  } as Record<Purpose, string[]>,
  breakGlassFields: ['name', 'phone', 'email', 'account_id', 'address'],
  /** No request in this matrix carries a second person's approval for a reveal. */
  secondApprover: false,

  /** Why a case is refused when the role does not reach the customer through it. */
  caseRefusal(s: CaseSituation): Outcome {
    switch (s.relation) {
      case 'none':
        return refused(404, 'CASE_NOT_FOUND');
      case 'other':
        return refused(403, 'CASE_NOT_ASSIGNED');
      case 'closed':
        return refused(403, 'CASE_CLOSED');
      case 'expired':
        return refused(403, 'CASE_EXPIRED');
      case 'own':
        return refused(403, 'ACCESS_DENIED');
    }
  },

  /** The masked record through a case: only one's own open, unexpired case; break-glass or front-line. */
  mayView(role: Role, s: CaseSituation): boolean {
    if (s.relation !== 'own') return false;
    if (oracle.neverRecords(role)) return false;
    if (s.breakGlass) return oracle.mayBreakGlass(role);
    if (!oracle.frontline(role)) return false; // admin: only under break-glass
    return !(s.purpose === 'identity_check' && !s.customerPresent);
  },

  mayReveal(role: Role, s: CaseSituation, field: string, fieldClass: FieldClass): boolean {
    if (!oracle.mayView(role, s)) return false;
    if (fieldClass === 'sensitive' && (!oracle.secondApprover || role === 'contractor')) return false;
    const byPurpose = oracle.frontline(role) && oracle.purposeFields[s.purpose].includes(field);
    if (s.breakGlass) return byPurpose || oracle.breakGlassFields.includes(field);
    return byPurpose;
  },

  caseRoute(role: Role, s: CaseSituation, allowed: boolean): Outcome {
    return allowed ? ok : oracle.caseRefusal(s);
  },

  /** Search and registration: front-line only, masked. */
  maySearch: (role: Role) => oracle.frontline(role),
  mayRegister: (role: Role) => oracle.frontline(role),

  /** Exports: marketing gets aggregates only; nobody here takes records out in bulk. */
  mayRequestExport: (role: Role, kind: 'aggregate' | 'records') =>
    kind === 'aggregate' && role === 'marketing',
};

// ─── The matrix: every customer-data route, with the situations it is walked in ──────────────────────

const caseSituationNames = Object.keys(caseSituations) as CaseSituationName[];

const matrix: Record<string, readonly string[]> = {
  'POST /v1/customers': ['no case'],
  'POST /v1/customers/search': ['no case'],
  'GET /v1/cases/:caseId/customer': caseSituationNames,
  'PATCH /v1/cases/:caseId/customer': caseSituationNames,
  'POST /v1/cases/:caseId/reveal': caseSituationNames,
  'PUT /v1/cases/:caseId/consents/:purpose': caseSituationNames,
  'POST /v1/exports/:id/run': exportSituations,
};

/**
 * Routes under a customer-data prefix that answer only the Case shape (ids, purpose, state; no personal
 * data) and so carry no flag. Each is checked to answer nothing but `Case`.
 */
const caseOnlyRoutes = [
  'POST /v1/cases/:caseId/assignees',
  'POST /v1/cases/:caseId/close',
  'POST /v1/cases/:caseId/presence',
];

/**
 * Routes under a customer-data prefix that answer only the RevealApproval shape (ids, field names, state; no
 * personal data, not even the sealed reason): asking security to approve a reveal reveals nothing. Each is
 * checked to answer nothing but `RevealApproval`.
 */
const revealApprovalRoutes = ['POST /v1/cases/:caseId/reveal-approvals'];

/**
 * Case-bound routes that answer no personal data but something other than a Case, each with the one
 * response schema it may answer and why it carries no flag. Each is checked to answer nothing else.
 */
const exemptRoutes: Record<string, { schema: string; reason: string }> = {
  'POST /v1/cases/:caseId/portal-invitation': {
    schema: 'PortalInvitationRequest',
    reason:
      'answers only that the request was taken, by which channel (the token goes to the contact on file ' +
      "through the outbox); it needs the `view` check on the case and invites only that case's customer " +
      '(tested in test/identity/sign-in/portal.routes.test.ts and test/access/oracle-walk.test.ts)',
  },
  'POST /v1/customers/:customerId/erasure': {
    schema: 'CustomerErasure',
    reason:
      "a privacy officer's act (`customer_erase`, security only): answers ids and counts, no field; " +
      'tested in test/privacy/erasure.e2e.test.ts',
  },
  'GET /v1/customers/:customerId/legal-hold': {
    schema: 'LegalHold',
    reason:
      "a privacy officer's view (`legal_hold`, security only): whether the customer is held and the " +
      "officer's stated reason, no field of the record; tested in test/privacy/erasure.e2e.test.ts",
  },
  'PUT /v1/customers/:customerId/legal-hold': {
    schema: 'LegalHold',
    reason: 'the same, as placed',
  },
  'DELETE /v1/customers/:customerId/legal-hold': {
    schema: 'LegalHold',
    reason: 'the same, as lifted',
  },
};

// ─── The world: customers, staff and their cases, built once ─────────────────────────────────────────

interface PersonValues {
  name: string;
  phone: string;
  email: string;
  account_id: string;
  national_id: string;
  address: string;
}
interface Person extends PersonValues {
  id: string;
}

const letters = (n: number) =>
  Array.from({ length: n }, () => 'bcdfghjklmnpqrstvwxz'[randomInt(20)]).join('');
const digits = (n: number) => Array.from({ length: n }, () => String(randomInt(10))).join('');
const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function chineseId(): string {
  const first17 = `110105${1950 + randomInt(50)}0615${digits(3)}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * weights[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}

function newPersonValues(): PersonValues {
  return {
    name: `${capital(letters(7))} ${capital(letters(9))}`,
    phone: `+86139${digits(8)}`,
    email: `${letters(10)}@matrix-${letters(5)}.example`,
    account_id: `MX${digits(10)}`,
    national_id: chineseId(),
    address: `${randomInt(1, 999)} ${capital(letters(8))} Road, Haidian, Beijing ${digits(6)}`,
  };
}

/** One collected response, for the leak scan. */
interface Heard {
  cell: string;
  request: string;
  status: number;
  body: unknown;
  /** Fields of `revealed` the oracle allowed in this response. */
  allowedReveals: string[];
}

interface CaseSlot {
  caseId?: string;
  /** Set when the situation could not be made because the role was (rightly or not) refused. */
  refusal?: Reply;
}

interface World {
  f: AccessFixture;
  clock: ReturnType<typeof manualClock>;
  staff: Record<Role, Staff>;
  customer: Record<Role, Person>;
  cases: Record<Role, Partial<Record<CaseSituationName, CaseSlot>>>;
  helper: Staff;
  marketer: Staff;
  approver: Staff;
  anotherExport: string;
  routes: RouteOptions[];
  people: Person[];
  heard: Heard[];
}

const MINUTE = 60_000;
const REASON = 'Customer at the counter asked for it';

let world: World;

function label(route: string, role: Role, situation: string) {
  return `${route} | ${role} | ${situation}`;
}

async function send(
  cell: string,
  who: Staff | null,
  method: string,
  url: string,
  body?: object,
  allowedReveals: string[] = [],
): Promise<Reply> {
  const reply = await world.f.send(who, method, url, body);
  world.heard.push({
    cell,
    request: `${method} ${url}`,
    status: reply.status,
    body: reply.body,
    allowedReveals,
  });
  return reply;
}

function expectOutcome(reply: Reply, outcome: Outcome, what: string) {
  const got = { status: reply.status, code: reply.body?.error?.code as string | undefined };
  const want = 'code' in outcome ? outcome : { status: outcome.status, code: undefined };
  assert.deepEqual(got, want, `${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(reply.body)}`);
}

/** A masked customer: the right one, no attribute in plaintext, every field masked and unequal to the truth. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON body
function assertMasked(view: any, person: Person, what: string) {
  assert.equal(view.id, person.id, `${what}: customer id`);
  assert.deepEqual(view.attributes, {}, `${what}: attributes`);
  const fields = Object.entries(view.fields as Record<string, string>);
  assert.ok(fields.length >= 6, `${what}: the masked record lists its fields`);
  for (const [field, value] of fields) {
    assert.ok(typeof value === 'string' && value.includes('*'), `${what}: ${field} is not masked: ${value}`);
    const truth = (person as unknown as Record<string, string>)[field];
    if (truth !== undefined) assert.notEqual(value, truth, `${what}: ${field} in plaintext`);
  }
}

async function setUp(): Promise<World> {
  const routes: RouteOptions[] = [];
  const onInit = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (route) => {
      routes.push(route);
    });
  };
  diagnostics.subscribe('fastify.initialization', onInit);
  const clock = manualClock(Date.UTC(2026, 2, 2, 9));
  let f: AccessFixture;
  try {
    // The matrix probes every route as a few staff members, hundreds of times: the watcher would rightly
    // contain them. It scores without acting here; test/watch/ tests what it does.
    // Setup breaks the glass several times per staff member: each is reviewed at once, the weekly cap raised.
    // Marketing runs many aggregates here: a privacy budget that does not get in the way of the matrix.
    f = await accessFixture('sqlite', {
      clock,
      risk: watcherObservesOnly,
      env: { CUSTOS_BREAK_GLASS_WEEKLY_CAP: '100', CUSTOS_AGGREGATE_BUDGET: '100' },
    });
  } finally {
    diagnostics.unsubscribe('fastify.initialization', onInit);
  }
  const w = { f, clock, routes, people: [], heard: [] } as unknown as World;
  world = w;
  const must = async (who: Staff, method: string, url: string, body: object | undefined, status: number) => {
    const reply = await send('setup', who, method, url, body);
    if (reply.status !== status)
      throw new Error(`setup ${method} ${url}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };

  w.staff = {} as Record<Role, Staff>;
  w.customer = {} as Record<Role, Person>;
  w.cases = {} as World['cases'];
  // Sign-ins hash a password each (argon2id): in parallel.
  const signedIn = await Promise.all([...roles, 'support', 'marketing', 'security'].map((r) => f.staff(r)));
  [w.helper, w.marketer, w.approver] = signedIn.slice(roles.length) as [Staff, Staff, Staff];
  for (const [i, role] of roles.entries()) {
    w.staff[role] = signedIn[i]!;
    const values = newPersonValues();
    const person = { ...values, id: await f.customer({ ...values }) };
    w.customer[role] = person;
    w.people.push(person);
    w.cases[role] = {};
  }
  const everyone = () => [...Object.values(w.staff), w.helper, w.marketer, w.approver];

  const presenceCode = async (customerId: string) =>
    (await f.t.custos.access.presenceCodes.issue(systemActor, customerId)).code;

  /** A case the role is assigned to: opened by the role if it may, else by a support colleague who assigns it. */
  const ownCase = async (role: Role, purpose: Purpose, extra: object = {}) => {
    const customerId = w.customer[role].id;
    const present = purpose === 'identity_check' ? { presenceCode: await presenceCode(customerId) } : {};
    if (oracle.frontline(role)) {
      return {
        caseId: await f.openCase(w.staff[role], customerId, purpose, { ...present, ...extra }),
        by: role,
      };
    }
    const caseId = await f.openCase(w.helper, customerId, purpose, { ...present, ...extra });
    await must(w.helper, 'POST', `/v1/cases/${caseId}/assignees`, { staffId: w.staff[role].staffId }, 200);
    return { caseId, by: 'helper' as const };
  };
  const breakGlass = async (who: Staff, customerId: string): Promise<CaseSlot> => {
    const reply = await send('setup', who, 'POST', '/v1/break-glass', {
      customerId,
      purpose: 'repair',
      reason: 'The customer is locked out and the case system is down',
    });
    if (reply.status !== 201) return { refusal: reply };
    // Reviewed at once: one unreviewed break-glass per staff member at a time.
    await must(w.approver, 'POST', `/v1/break-glass/${reply.body.id}/review`, { outcome: 'justified' }, 204);
    return { caseId: reply.body.id };
  };

  // Now (T0): the cases that are to expire, normal (36 s) and break-glass (one hour).
  for (const role of roles) {
    w.cases[role]['expired case'] = {
      caseId: (await ownCase(role, 'repair', { expiresInHours: 0.01 })).caseId,
    };
    w.cases[role]['expired break-glass'] = await breakGlass(w.staff[role], w.customer[role].id);
  }
  // Past the break-glass hour, in steps shorter than the 15-minute idle timeout; then a fresh step-up.
  for (let i = 0; i < 7; i++) {
    w.clock.advance(10 * MINUTE);
    for (const who of everyone()) await must(who, 'GET', '/v1/auth/session', undefined, 200);
  }
  for (const who of everyone())
    await must(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, w.clock.now()) }, 204);

  for (const role of roles) {
    const slots = w.cases[role];
    const customerId = w.customer[role].id;
    slots['own open case (repair)'] = { caseId: (await ownCase(role, 'repair')).caseId };
    slots['own open case (billing)'] = { caseId: (await ownCase(role, 'billing')).caseId };
    slots['own open case (identity_check, customer present)'] = {
      caseId: (await ownCase(role, 'identity_check')).caseId,
    };
    slots["another's case"] = { caseId: await f.openCase(w.helper, customerId, 'repair') };
    const closed = await ownCase(role, 'repair');
    const closer = closed.by === 'helper' ? w.helper : w.staff[role];
    await must(closer, 'POST', `/v1/cases/${closed.caseId}/close`, undefined, 200);
    slots['closed case'] = { caseId: closed.caseId };
    slots['no case'] = { caseId: randomUUID() };
    slots['break-glass'] = await breakGlass(w.staff[role], customerId);
    slots["another's break-glass"] = await breakGlass(w.helper, customerId);
    const closedGlass = await breakGlass(w.staff[role], customerId);
    if (closedGlass.caseId)
      await must(w.staff[role], 'POST', `/v1/cases/${closedGlass.caseId}/close`, undefined, 200);
    slots['closed break-glass'] = closedGlass;
  }

  // Another marketer's export, approved: nobody else may run it.
  const requested = await must(
    w.marketer,
    'POST',
    '/v1/exports',
    { kind: 'aggregate', purpose: 'marketing', dimensions: ['birth_decade'] },
    201,
  );
  await must(w.approver, 'POST', `/v1/exports/${requested.id}/approve`, undefined, 200);
  w.anotherExport = requested.id;
  return w;
}

// ─── The probes: one per route ──────────────────────────────────────────────────────────────────────

type Probe = (role: Role, situation: string, cell: string) => Promise<void>;

/** The case a situation uses, or undefined when the situation could not exist (asserts that it rightly could not). */
function caseFor(role: Role, name: CaseSituationName, cell: string): string | undefined {
  const slot = world.cases[role][name];
  assert.ok(slot, `${cell}: situation not built`);
  if (slot.caseId) return slot.caseId;
  // Only a break-glass the role may not open is missing; it must have been refused, as the rules say.
  const s = caseSituations[name];
  assert.ok(s.breakGlass && s.relation !== 'other', `${cell}: no case for ${name}`);
  assert.equal(
    oracle.mayBreakGlass(role),
    false,
    `${cell}: break-glass refused: ${JSON.stringify(slot.refusal)}`,
  );
  expectOutcome(slot.refusal!, refused(403, 'ACCESS_DENIED'), `${cell}: break-glass`);
  return undefined;
}

const probes: Record<string, Probe> = {
  async 'POST /v1/customers'(role, _situation, cell) {
    const values = newPersonValues();
    const reply = await send(cell, world.staff[role], 'POST', '/v1/customers', {
      customer: values,
      case: { purpose: 'repair', channel: 'counter' },
    });
    const allowed = oracle.mayRegister(role);
    expectOutcome(reply, allowed ? { status: 201 } : refused(403, 'ACCESS_DENIED'), cell);
    const person = { ...values, id: reply.body?.customer?.id ?? 'not-created' };
    world.people.push(person);
    if (allowed) {
      assertMasked(reply.body.customer, person, cell);
      assert.equal(reply.body.case.customerId, person.id);
      assert.deepEqual(reply.body.case.assignees, [world.staff[role].staffId]);
      assert.deepEqual(Object.keys(reply.body).sort(), ['case', 'customer']);
    }
  },

  async 'POST /v1/customers/search'(role, _situation, cell) {
    const person = world.customer[role];
    for (const by of ['phone', 'account_id', 'email'] as const) {
      const reply = await send(cell, world.staff[role], 'POST', '/v1/customers/search', {
        by,
        value: person[by],
      });
      const allowed = oracle.maySearch(role);
      expectOutcome(reply, allowed ? ok : refused(403, 'ACCESS_DENIED'), `${cell} by ${by}`);
      if (allowed) {
        assert.equal(reply.body.results.length, 1, `${cell} by ${by}: one result`);
        assertMasked(reply.body.results[0], person, `${cell} by ${by}`);
      }
    }
  },

  async 'GET /v1/cases/:caseId/customer'(role, situation, cell) {
    const name = situation as CaseSituationName;
    const caseId = caseFor(role, name, cell);
    if (!caseId) return;
    const s = caseSituations[name];
    const reply = await send(cell, world.staff[role], 'GET', `/v1/cases/${caseId}/customer`);
    const allowed = oracle.mayView(role, s);
    expectOutcome(reply, oracle.caseRoute(role, s, allowed), cell);
    if (allowed) assertMasked(reply.body, world.customer[role], cell);
  },

  async 'PATCH /v1/cases/:caseId/customer'(role, situation, cell) {
    const name = situation as CaseSituationName;
    const caseId = caseFor(role, name, cell);
    if (!caseId) return;
    const s = caseSituations[name];
    const reply = await send(cell, world.staff[role], 'PATCH', `/v1/cases/${caseId}/customer`, {
      birth_date: '1985-06-15',
    });
    const allowed = oracle.mayView(role, s);
    expectOutcome(reply, oracle.caseRoute(role, s, allowed), cell);
    if (allowed) assertMasked(reply.body, world.customer[role], cell);
  },

  async 'POST /v1/cases/:caseId/reveal'(role, situation, cell) {
    const name = situation as CaseSituationName;
    const caseId = caseFor(role, name, cell);
    if (!caseId) return;
    const s = caseSituations[name];
    const person = world.customer[role];
    const failures: string[] = [];
    for (const { field, fieldClass } of revealProbes) {
      const allowed = oracle.mayReveal(role, s, field, fieldClass);
      const reply = await send(
        cell,
        world.staff[role],
        'POST',
        `/v1/cases/${caseId}/reveal`,
        { fields: [field], reason: REASON },
        allowed ? [field] : [],
      );
      try {
        expectOutcome(reply, oracle.caseRoute(role, s, allowed), `${field} (${fieldClass})`);
        if (allowed) {
          assert.deepEqual(
            Object.keys(reply.body.revealed),
            [field],
            `${field}: exactly the field asked for`,
          );
          assert.equal(reply.body.revealed[field], person[field], `${field}: the real value`);
          assert.equal(reply.body.caseId, caseId);
          assertMasked(reply.body.customer, person, `${field}: the rest`);
        }
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    assert.deepEqual(failures, [], cell);
  },

  async 'PUT /v1/cases/:caseId/consents/:purpose'(role, situation, cell) {
    const name = situation as CaseSituationName;
    const caseId = caseFor(role, name, cell);
    if (!caseId) return;
    const s = caseSituations[name];
    const reply = await send(
      cell,
      world.staff[role],
      'PUT',
      `/v1/cases/${caseId}/consents/third_party_sharing`,
      {
        granted: false,
      },
    );
    const allowed = oracle.mayView(role, s);
    expectOutcome(reply, oracle.caseRoute(role, s, allowed), cell);
    if (allowed) {
      assert.deepEqual(Object.keys(reply.body), ['consents']);
      for (const c of reply.body.consents)
        assert.deepEqual(Object.keys(c).sort(), ['granted', 'purpose', 'source', 'updatedAt']);
      assert.equal(
        reply.body.consents.find((c: { purpose: string }) => c.purpose === 'third_party_sharing').granted,
        false,
      );
    }
  },

  async 'POST /v1/exports/:id/run'(role, situation, cell) {
    const me = world.staff[role];
    const run = (id: string) => send(cell, me, 'POST', `/v1/exports/${id}/run`);
    const name = situation as ExportSituationName;
    if (name === "another's approved export") {
      expectOutcome(await run(world.anotherExport), refused(403, 'ACCESS_DENIED'), cell);
      return;
    }
    if (name === 'no export') {
      expectOutcome(await run(randomUUID()), refused(404, 'EXPORT_NOT_FOUND'), cell);
      return;
    }
    const kind = name === 'own records export' ? 'records' : 'aggregate';
    const body =
      kind === 'records'
        ? {
            kind,
            purpose: 'legal_obligation',
            customerIds: [world.customer[role].id],
            fields: ['name', 'phone', 'national_id'],
          }
        : { kind, purpose: 'marketing', dimensions: ['birth_decade'] };
    const requested = await send(cell, me, 'POST', '/v1/exports', body);
    const mayRequest = oracle.mayRequestExport(role, kind);
    if (requested.status === 201) {
      // Follow it through whatever the oracle says, so that a wrongly accepted request shows what leaves.
      const id = requested.body.id as string;
      if (name !== 'own pending export') {
        const verb = name === 'own rejected export' ? 'reject' : 'approve';
        expectOutcome(
          await send(cell, world.approver, 'POST', `/v1/exports/${id}/${verb}`),
          ok,
          `${cell}: ${verb}`,
        );
      }
      const first = await run(id);
      if (name === 'own pending export' || name === 'own rejected export') {
        expectOutcome(first, refused(403, 'APPROVAL_REQUIRED'), cell);
      } else {
        expectOutcome(first, mayRequest ? ok : refused(403, 'ACCESS_DENIED'), `${cell}: run`);
        if (kind === 'aggregate') {
          assert.deepEqual(Object.keys(first.body).sort(), [
            'budgetRemaining',
            'dimensions',
            'epsilon',
            'exportId',
            'groups',
            'k',
            'kind',
            'suppressedGroups',
            'suppressedPeople',
            'threshold',
          ]);
          assert.ok(first.body.k >= 10);
        }
      }
      if (name === 'own export already run') {
        // An approval is good for one run; a second is refused as not approved.
        expectOutcome(await run(id), refused(403, 'APPROVAL_REQUIRED'), `${cell}: second run`);
      }
    }
    expectOutcome(
      requested,
      mayRequest ? { status: 201 } : refused(403, 'ACCESS_DENIED'),
      `${cell}: request`,
    );
  },
};

// ─── The tests ──────────────────────────────────────────────────────────────────────────────────────

describe('access matrix: every customer-data route × role × situation', { timeout: 120_000 }, () => {
  before(async () => {
    await setUp();
  });
  after(async () => {
    await world?.f.close();
  });

  test('the matrix lists exactly the routes flagged customerData, and every customer route is flagged', () => {
    const routes = world.routes.filter((r) => r.method !== 'HEAD');
    const key = (r: RouteOptions) => `${([] as string[]).concat(r.method).join(',')} ${r.url}`;
    // What a route answers besides its error answers, which are the shared `Error` body (http/error-schema.ts).
    const answers = (r: RouteOptions | undefined) =>
      Object.entries((r?.schema?.response ?? {}) as Record<string, { $ref?: string }>)
        .filter(([status, schema]) => !(Number(status) >= 400 && schema.$ref === 'Error#'))
        .map(([, schema]) => schema);
    assert.ok(
      routes.some((r) => r.url === '/v1/cases/:caseId/reveal'),
      'routes were collected',
    );
    const registered = new Set(routes.map(key));
    const flagged = routes.filter((r) => r.config?.customerData === true).map(key);

    const problems: string[] = [];
    for (const r of flagged.filter((r) => !(r in matrix)))
      problems.push(`${r}: flagged customerData but missing from the access matrix`);
    for (const r of Object.keys(matrix).filter((r) => !registered.has(r)))
      problems.push(`${r}: in the access matrix but no longer a route`);
    for (const r of Object.keys(matrix).filter((r) => registered.has(r) && !flagged.includes(r)))
      problems.push(`${r}: in the access matrix but not flagged customerData`);

    const customerRoute = (r: RouteOptions) =>
      r.url.startsWith('/v1/cases/:caseId/') ||
      r.url.startsWith('/v1/customers') ||
      r.url === '/v1/exports/:id/run';
    for (const r of routes.filter((r) => customerRoute(r) && r.config?.customerData !== true).map(key)) {
      if (!caseOnlyRoutes.includes(r) && !revealApprovalRoutes.includes(r) && !(r in exemptRoutes))
        problems.push(`${r}: a customer route without config.customerData`);
    }
    for (const [list, names, shape] of [
      ['caseOnlyRoutes', caseOnlyRoutes, 'Case'],
      ['revealApprovalRoutes', revealApprovalRoutes, 'RevealApproval'],
    ] as const) {
      for (const name of names) {
        const route = routes.find((r) => key(r) === name);
        const responses = answers(route) as { $id?: string }[];
        if (!route) problems.push(`${name}: no longer a route (drop it from ${list})`);
        else if (responses.length === 0 || responses.some((schema) => schema.$id !== shape))
          problems.push(
            `${name}: answers more than a ${shape}: flag it customerData and add it to the matrix`,
          );
      }
    }
    for (const [name, { schema }] of Object.entries(exemptRoutes)) {
      const route = routes.find((r) => key(r) === name);
      const responses = answers(route) as { $id?: string; additionalProperties?: boolean }[];
      if (!route) problems.push(`${name}: no longer a route (drop it from exemptRoutes)`);
      else if (
        responses.length === 0 ||
        responses.some((s) => s.$id !== schema || s.additionalProperties !== false)
      )
        problems.push(
          `${name}: answers more than a closed ${schema}: flag it customerData and add it to the matrix`,
        );
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  for (const [route, situations] of Object.entries(matrix)) {
    describe(route, () => {
      for (const role of roles) {
        for (const situation of situations) {
          const cell = label(route, role, situation);
          test(`${role} × ${situation}`, async () => {
            const probe = probes[route];
            assert.ok(probe, `no probe for ${route}`);
            await probe(role, situation, cell);
          });
        }
      }
    });
  }

  /** Every real value of every test customer, with where it may legitimately appear (an allowed reveal). */
  function leaks(): string[] {
    const found: string[] = [];
    const secrets = world.people.flatMap((p) => [
      ...(['name', 'phone', 'email', 'account_id', 'national_id', 'address'] as const).map((field) => ({
        field,
        value: p[field].toLowerCase(),
      })),
      { field: 'phone digits', value: p.phone.slice(3) },
    ]);
    for (const heard of world.heard) {
      const body = structuredClone(heard.body) as { revealed?: Record<string, unknown> } | undefined;
      if (body?.revealed) for (const field of heard.allowedReveals) delete body.revealed[field];
      const text = JSON.stringify(body ?? null).toLowerCase();
      for (const secret of secrets) {
        if (text.includes(secret.value))
          found.push(`${heard.cell}: ${heard.request} → ${heard.status} carries a real ${secret.field}`);
      }
    }
    return found;
  }

  test('zero leaks: no response carries a real value except an allowed reveal', () => {
    assert.ok(world.heard.length > 300, 'responses were collected');
    assert.deepEqual(leaks(), []);
  });
});
