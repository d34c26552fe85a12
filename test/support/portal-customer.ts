/**
 * A customer signed in to the privacy portal through an access fixture's app (registered and invited by a
 * support clerk of their own, the way it happens for real: customer-session.ts), and a sender as them.
 */
import type { AccessFixture, Reply } from './access-fixture.ts';
import { signInCustomer } from './customer-session.ts';

export type PortalReply = Reply & { text: string; type: string };

export async function portalCustomer(f: AccessFixture, now: () => number) {
  const registrar = await f.staff('support');
  const c = await signInCustomer(
    async (method, url, body, headers) => {
      const res = await f.app.inject({ method: method as 'POST', url, payload: body, headers });
      return { status: res.statusCode, body: res.body ? res.json() : undefined };
    },
    registrar,
    { inbox: f.t, now },
  );
  /** A request with the customer's session; `body` is the parsed JSON answer (undefined for other types). */
  const send = async (method: string, url: string, body?: object): Promise<PortalReply> => {
    const res = await f.app.inject({
      method: method as 'POST',
      url,
      ...(body === undefined ? {} : { payload: body }),
      headers: { authorization: `Bearer ${c.token}` },
    });
    const type = String(res.headers['content-type'] ?? '');
    return {
      status: res.statusCode,
      type,
      text: res.body,
      body: res.body && type.startsWith('application/json') ? res.json() : undefined,
    };
  };
  return { ...c, send };
}
