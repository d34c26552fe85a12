/**
 * The staff side of the HTTP benchmark, set up through the API as people would: support clerks signed in
 * (TOTP, stepped up at sign-in for five minutes), their reveal and search quotas raised by an administrator and
 * approved by security, and for each of a sample of customers a call the customer made (reported by the
 * telephony integration) and the repair case the clerk who took it opened — so every reveal has evidence the
 * customer started it, as at a real help desk. Then the three scenarios Custos is measured on: reveal, masked
 * view, search, each request a random clerk and case.
 */
import { fetchSend, signInStaff } from '../../test/support/staff-session.ts';
import { note, pickFrom } from './bench-setup.ts';
import type { Scenario } from './load.ts';

const QUOTAS = ['reveal_hour', 'reveal_day', 'reveal_week', 'search_hour', 'search_day'] as const;
const QUOTA_MAX = 100_000;
export const STEP_UP_WINDOW_MS = 5 * 60_000;
const REASON = 'customer asked on the phone';

interface Clerk {
  token: string;
  staffId: string;
}
interface Work {
  token: string;
  caseId: string;
}

export interface StaffWorkload {
  signedInAt: number;
  clerks: number;
  cases: number;
  setupSeconds: number;
  scenarios: { reveal: Scenario; view: Scenario; search: Scenario };
}

/** Run `work` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function expectStatus(r: { status: number; body: unknown }, status: number, what: string) {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Record<string, unknown>;
}

/**
 * Prepare `clerkCount` clerks and one case for each phone of `casePhones` (spread over the clerks);
 * `searchPhones` are what the search scenario looks up (all exist).
 */
export async function prepareStaffWorkload(options: {
  url: string;
  adminToken: string;
  telephonyToken: string;
  clerkCount: number;
  casePhones: readonly string[];
  searchPhones: readonly string[];
}): Promise<StaffWorkload> {
  const { url } = options;
  const started = performance.now();
  const send = fetchSend(url);
  const admin = await signInStaff(send, options.adminToken, { role: 'admin' });
  const security = await signInStaff(send, options.adminToken, { role: 'security' });
  note(`signing in ${options.clerkCount} support clerks`);
  const clerks: Clerk[] = [];
  const signedInAt = Date.now();
  await inParallel(
    Array.from({ length: options.clerkCount }, (_, i) => i),
    4,
    async () => {
      clerks.push(await signInStaff(send, options.adminToken, { role: 'support' }));
    },
  );
  await inParallel(clerks, 8, async (clerk) => {
    for (const quota of QUOTAS) {
      const asked = expectStatus(
        await send(
          'PUT',
          `/v1/staff/${clerk.staffId}/quotas/${quota}`,
          { max: QUOTA_MAX },
          {
            authorization: `Bearer ${admin.token}`,
          },
        ),
        202,
        `raise ${quota}`,
      );
      expectStatus(
        await send('POST', `/v1/quota-raises/${asked.id as string}/approve`, undefined, {
          authorization: `Bearer ${security.token}`,
        }),
        200,
        `approve ${quota}`,
      );
    }
  });
  note(`${options.casePhones.length} customers call in; the clerk who takes each call opens a case`);
  const work: Work[] = [];
  const telephony = { authorization: `Bearer ${options.telephonyToken}` };
  await inParallel(
    options.casePhones.map((phone, i) => ({ phone, clerk: clerks[i % clerks.length] as Clerk })),
    options.clerkCount,
    async ({ phone, clerk }) => {
      const auth = { authorization: `Bearer ${clerk.token}` };
      const found = expectStatus(
        await send('POST', '/v1/customers/search', { by: 'phone', value: phone }, auth),
        200,
        'search',
      );
      const customerId = (found.results as Array<{ id: string }>)[0]?.id;
      if (!customerId) throw new Error(`no customer has the phone ${phone}`);
      expectStatus(
        await send(
          'POST',
          '/v1/integrations/inbound-calls',
          { from: phone, agentStaffId: clerk.staffId },
          telephony,
        ),
        202,
        'inbound call',
      );
      const opened = expectStatus(
        await send('POST', '/v1/cases', { customerId, purpose: 'repair', channel: 'customer_call' }, auth),
        201,
        'open case',
      );
      work.push({ token: clerk.token, caseId: opened.id as string });
    },
  );
  const as = (w: { token: string }) => ({
    authorization: `Bearer ${w.token}`,
    'content-type': 'application/json',
  });
  const revealBody = JSON.stringify({ fields: ['phone'], reason: REASON });
  return {
    signedInAt,
    clerks: clerks.length,
    cases: work.length,
    setupSeconds: (performance.now() - started) / 1000,
    scenarios: {
      reveal: {
        name: 'reveal (POST /v1/cases/:caseId/reveal, phone)',
        url,
        method: 'POST',
        nextRequest: () => {
          const w = pickFrom(work);
          return { path: `/v1/cases/${w.caseId}/reveal`, body: revealBody, headers: as(w) };
        },
        isWrongAnswer: (body) => !/"revealed":\{"phone":"\+/.test(body),
      },
      view: {
        name: 'masked view (GET /v1/cases/:caseId/customer)',
        url,
        method: 'GET',
        nextRequest: () => {
          const w = pickFrom(work);
          return { path: `/v1/cases/${w.caseId}/customer`, headers: as(w) };
        },
        isWrongAnswer: (body) => !body.includes('"phone"'),
      },
      search: {
        name: 'search (POST /v1/customers/search, by phone)',
        url,
        method: 'POST',
        nextRequest: () => ({
          path: '/v1/customers/search',
          body: JSON.stringify({ by: 'phone', value: pickFrom(options.searchPhones) }),
          headers: as(pickFrom(clerks)),
        }),
        isWrongAnswer: (body) => body.includes('"results":[]'),
      },
    },
  };
}
