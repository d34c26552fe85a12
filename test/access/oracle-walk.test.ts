/**
 * The oracle walk: no route answers differently depending on a sealed value the caller has not revealed.
 *
 * Every route of the server is enumerated (Fastify's onRoute); a route "accepts a contact or identifier"
 * when its body, query or params name one (`contactKeys`, one level into nested objects). Each such route
 * must have a probe below, or the first test fails naming it: a new route taking a phone, email, account
 * ID, national ID or login answers differently for a right and a wrong value → add it here, and make it not.
 *
 * Each probe sends the route the same request twice — once with a value on file (another customer's, or
 * the customer's own), once with one that is not — and asserts the same status and the same body (ids and
 * timestamps aside). Search is the one sanctioned lookup: it exists to answer "is this on file?", so the
 * walk does not compare its answers; it asserts instead that search is metered (hour and day quotas) and
 * that a national ID is searched only with the customer present. Account IDs are unique: registering or
 * correcting to one already on file is refused (409 DUPLICATE_CUSTOMER), so the walk probes phone, email
 * and national ID on those routes, not the account ID — a known difference that confirms no more than a
 * search by account ID would, but unmetered (see README, what is left).
 */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { systemActor } from '../../src/platform/actor.ts';
import { type AccessFixture, accessFixture, type Reply, type Staff } from '../support/access-fixture.ts';
import { portalCustomer } from '../support/portal-customer.ts';

/** A PRC ID with its check character. */
function prcId(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * (weights[i] as number), 0);
  return first17 + '10X98765432'[sum % 11];
}

/** Request keys that carry a customer's contact or identifier, or name one on file (`channel`). */
const contactKeys = ['login', 'phone', 'email', 'account_id', 'national_id', 'value', 'channel'];

/** Routes with a contact key that is no customer's contact: staff's own, or a case's channel. */
const notCustomerContacts: Record<string, string> = {
  'POST /v1/cases':
    "`channel` is how the case came (counter, call…), not a contact; it takes a customer's id",
  'POST /v1/staff/invitations': 'an administrator (API token) invites staff by their work email',
  'POST /v1/auth/sign-in': 'staff sign-in: same answer whether or not the login exists (sign-in tests)',
  'POST /v1/integrations/hr-signals':
    "the HR system (an `hr` token an administrator minted) names staff by id or work email, never a customer's contact",
};

/** Answers compared without what differs per request anyway (ids, times, and the masks of what was sent). */
function comparable(reply: Reply): unknown {
  return JSON.parse(
    JSON.stringify(reply.body ?? null, (key, value) =>
      ['id', 'requestId', 'createdAt', 'updatedAt', 'openedAt', 'expiresAt', 'customerId', 'fields'].includes(
        key,
      )
        ? '-'
        : value,
    ),
  );
}

function keysOf(schema: unknown, depth = 0): string[] {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  return Object.entries(props).flatMap(([k, v]) => [k, ...(depth < 1 ? keysOf(v, depth + 1) : [])]);
}

let f: AccessFixture;
let routes: RouteOptions[] = [];
let clerk: Staff;

describe('oracle walk: every route that accepts a contact or identifier', () => {
  before(async () => {
    const collected: RouteOptions[] = [];
    const onInit = (message: unknown) => {
      (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', (r) => {
        collected.push(r);
      });
    };
    diagnostics.subscribe('fastify.initialization', onInit);
    try {
      f = await accessFixture('sqlite');
    } finally {
      diagnostics.unsubscribe('fastify.initialization', onInit);
    }
    routes = collected;
    clerk = await f.staff('store');
  });
  after(() => f?.close());

  const key = (r: RouteOptions) => `${([] as string[]).concat(r.method).join(',')} ${r.url}`;
  const contactRoutes = () =>
    routes
      .filter((r) => r.method !== 'HEAD')
      .filter((r) => {
        const s = r.schema as { body?: unknown; querystring?: unknown; params?: unknown } | undefined;
        return [s?.body, s?.querystring, s?.params]
          .flatMap((x) => keysOf(x))
          .some((k) => contactKeys.includes(k));
      })
      .map(key);

  /** Two customers: one whose contacts are "on file", and one to act on. */
  const twoCustomers = async () => {
    const onFile = {
      phone: `+86 137 ${String(Date.now()).slice(-8)}`,
      email: `on.file.${Date.now()}@example.com`,
      national_id: '11010519491231002X',
    };
    const existing = await f.customer(onFile);
    const target = await f.customer({ email: `target.${Date.now()}@example.com` });
    return { onFile, existing, target };
  };
  const notOnFile = {
    phone: '+86 137 9999 0000',
    email: 'nobody.at.all@example.com',
    national_id: prcId('44030519880612346'),
  };

  const same = (a: Reply, b: Reply, what: string) => {
    assert.equal(a.status, b.status, `${what}: ${JSON.stringify(a.body)} vs ${JSON.stringify(b.body)}`);
    assert.deepEqual(comparable(a), comparable(b), what);
  };

  const probes: Record<string, () => Promise<void>> = {
    async 'POST /v1/customers'() {
      const { onFile } = await twoCustomers();
      for (const field of ['phone', 'email', 'national_id'] as const) {
        const register = (value: string) =>
          f.send(clerk, 'POST', '/v1/customers', {
            customer: { name: 'Walk Probe', [field]: value },
            case: { purpose: 'repair', channel: 'counter' },
          });
        same(await register(onFile[field]), await register(notOnFile[field]), `register with ${field}`);
      }
    },
    async 'PATCH /v1/cases/:caseId/customer'() {
      const { onFile, target } = await twoCustomers();
      const code = (await f.t.custos.access.presenceCodes.issue(systemActor, target)).code;
      const caseId = await f.openCase(clerk, target, 'repair', { presenceCode: code });
      const withoutPresence = await f.openCase(clerk, target, 'repair');
      for (const field of ['phone', 'email', 'national_id'] as const) {
        for (const c of [caseId, withoutPresence]) {
          const correct = (value: string) =>
            f.send(clerk, 'PATCH', `/v1/cases/${c}/customer`, { [field]: value });
          const a = await correct(onFile[field]);
          const b = await correct(notOnFile[field]);
          // Accepted alike (the masks differ as the values do), or refused alike.
          if (a.status === 200) assert.equal(b.status, 200, `correct ${field}: ${JSON.stringify(b.body)}`);
          else same(a, b, `correct ${field}`);
        }
      }
    },
    async 'PATCH /v1/portal/me/data'() {
      // The customer correcting their own contact to one on file (another customer's) or to a new one.
      const { onFile } = await twoCustomers();
      const customer = await portalCustomer(f, Date.now);
      const correct = (field: string, value: string) =>
        customer.send('PATCH', '/v1/portal/me/data', { changes: { [field]: value } });
      for (const field of ['phone', 'email', 'national_id'] as const) {
        const a = await correct(field, onFile[field]);
        const b = await correct(field, notOnFile[field]);
        assert.equal(a.status, 200, `correct ${field}: ${JSON.stringify(a.body)}`);
        assert.equal(b.status, 200, `correct ${field}: ${JSON.stringify(b.body)}`);
        assert.equal(b.body.version, a.body.version + 1, 'each answer is the new version, nothing else');
      }
    },
    async 'POST /v1/cases/:caseId/portal-invitation'() {
      // A customer with an email on file and one without: the same answer.
      const withEmail = await f.customer();
      const without = await f.customer({ email: null as unknown as string });
      const a = await f.openCase(clerk, withEmail, 'repair');
      const b = await f.openCase(clerk, without, 'repair');
      const invite = (c: string) =>
        f.send(clerk, 'POST', `/v1/cases/${c}/portal-invitation`, { channel: 'email' });
      same(await invite(a), await invite(b), 'invite with and without an email on file');
    },
    async 'POST /v1/portal/sign-in'() {
      const { onFile } = await twoCustomers();
      const signIn = (login: string) =>
        f.send(null, 'POST', '/v1/portal/sign-in', { login, password: 'not the password at all' });
      same(await signIn(onFile.email), await signIn(notOnFile.email), 'portal sign-in');
    },
    async 'POST /v1/customers/search'() {
      // The sanctioned lookup: metered, and a national ID only with the customer present.
      const { onFile } = await twoCustomers();
      const limited = await f.staff('store');
      const admin = await f.staff('admin');
      await f.send(admin, 'PUT', `/v1/staff/${limited.staffId}/quotas/search_day`, { max: 2 });
      const search = (body: object) => f.send(limited, 'POST', '/v1/customers/search', body);
      assert.equal((await search({ by: 'email', value: onFile.email })).status, 200);
      assert.equal((await search({ by: 'email', value: notOnFile.email })).status, 200);
      same(
        await search({ by: 'email', value: onFile.email }),
        await search({ by: 'email', value: notOnFile.email }),
        'search past its quota',
      );
      const bare = await f.send(clerk, 'POST', '/v1/customers/search', {
        by: 'national_id',
        value: onFile.national_id,
      });
      assert.equal(bare.body.error.code, 'CUSTOMER_PRESENCE_REQUIRED');
    },
  };

  test('every route that accepts a contact or identifier is walked', () => {
    const found = contactRoutes();
    assert.ok(found.includes('POST /v1/customers/search'), 'routes were collected');
    const unwalked = found.filter((r) => !(r in probes) && !(r in notCustomerContacts));
    assert.deepEqual(
      unwalked,
      [],
      `routes taking a contact or identifier without a probe: ${unwalked.join(', ')}`,
    );
    const stale = Object.keys(probes).filter((r) => !found.includes(r));
    assert.deepEqual(stale, [], 'probes of routes that no longer take a contact');
  });

  for (const route of [
    'POST /v1/customers',
    'PATCH /v1/cases/:caseId/customer',
    'PATCH /v1/portal/me/data',
    'POST /v1/cases/:caseId/portal-invitation',
    'POST /v1/portal/sign-in',
    'POST /v1/customers/search',
  ]) {
    test(`${route}: a right and a wrong value answer alike`, async () => {
      await probes[route]!();
    });
  }
});
