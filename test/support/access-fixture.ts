/**
 * An in-process Custos with its HTTP app and staff of any role signed in the way people are, for access
 * tests: `as(staff)` sends requests with that staff member's session; customers are created through the
 * vault service directly (as an import would), so tests start from data without going through a case.
 */
import type { RiskSettings } from '../../src/watch/risk/risk-model.ts';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { systemActor } from '../../src/platform/actor.ts';
import { type TestCustos, testCustos } from './custos.ts';
import { signInStaff } from './staff-session.ts';

export interface Staff {
  token: string;
  staffId: string;
  accountId: string;
  secret: Buffer;
  /** The sign-in login (email) of this staff member. */
  login: string;
  role: string;
}

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface AccessFixture {
  t: TestCustos;
  app: FastifyInstance;
  /** A signed-in staff member of `role`, at `site` (default `east-call-centre`). */
  staff(role: string, site?: string): Promise<Staff>;
  send(who: Staff | null, method: string, url: string, body?: object): Promise<Reply>;
  customer(input?: Record<string, string>): Promise<string>;
  openCase(who: Staff, customerId: string, purpose?: string, extra?: object): Promise<string>;
  close(): Promise<void>;
}

let serial = 0;

export async function accessFixture(
  dialect: 'sqlite' | 'postgres' = 'sqlite',
  options: { clock?: Clock; env?: Record<string, string>; risk?: Partial<RiskSettings> } = {},
): Promise<AccessFixture> {
  const t = await testCustos(dialect, options);
  const app = await buildServer(t.custos.server());
  const now = options.clock?.now ?? Date.now;
  const send = async (who: Staff | null, method: string, url: string, body?: object): Promise<Reply> => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      ...(body === undefined ? {} : { payload: body }),
      headers: who ? { authorization: `Bearer ${who.token}` } : {},
    });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
  return {
    t,
    app,
    send,
    async staff(role: string, site?: string) {
      const signed = await signInStaff(
        async (method, url, body, headers) => {
          const res = await app.inject({ method: method as 'POST', url, payload: body, headers });
          return { status: res.statusCode, body: res.body ? res.json() : undefined };
        },
        t.adminToken,
        { role, now, ...(site === undefined ? {} : { site }) },
      );
      return { ...signed, role };
    },
    async customer(input = {}) {
      serial++;
      const view = await t.custos.vault.createCustomer(systemActor, {
        name: `Test Customer ${serial}`,
        phone: `+86 139 ${String(10_000_000 + serial * 7919).slice(0, 8)}`,
        email: `customer${serial}.${process.pid}@example.com`,
        account_id: `T${process.pid}X${serial}`,
        national_id: '11010519491231002X',
        address: `${serial} Test Road, Beijing`,
        birth_date: '1985-06-15',
        ...input,
      });
      return view.id;
    },
    async openCase(who, customerId, purpose = 'repair', extra = {}) {
      const res = await send(who, 'POST', '/v1/cases', { customerId, purpose, channel: 'counter', ...extra });
      if (res.status !== 201) throw new Error(`open case: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    },
    async close() {
      await app.close();
      await t.cleanup();
    },
  };
}
