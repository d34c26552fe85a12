/** The customer asks for a presence code in the portal; staff open an identity case with it; staff cannot mint one. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accessFixture, type AccessFixture } from '../../support/access-fixture.ts';
import { signInCustomer } from '../../support/customer-session.ts';

let f: AccessFixture;
before(async () => {
  f = await accessFixture();
});
after(() => f?.close());

test('a portal presence code proves the customer asked, once, for their own record', async () => {
  const clerk = await f.staff('support');
  const send = async (
    method: string,
    url: string,
    body: object | undefined,
    headers: Record<string, string>,
  ) => {
    const res = await f.app.inject({ method: method as 'POST', url, payload: body, headers });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
  const customer = await signInCustomer(send, clerk, { inbox: f.t });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  const issued = await send('POST', '/v1/portal/presence-code', undefined, bearer(customer.token));
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  assert.match(issued.body.code, /^[0-9]{8}$/);
  const staffTry = await send('POST', '/v1/portal/presence-code', undefined, bearer(clerk.token));
  assert.equal(staffTry.status, 401, 'a staff session cannot mint a presence code');

  const open = (code: string) =>
    f.send(clerk, 'POST', '/v1/cases', {
      customerId: customer.customerId,
      purpose: 'account_recovery',
      channel: 'customer_call',
      presenceCode: code,
    });
  const opened = await open(issued.body.code);
  assert.equal(opened.status, 201, JSON.stringify(opened.body));
  assert.equal(opened.body.customerPresent, true);
  const again = await open(issued.body.code);
  assert.equal(again.body.error.code, 'CUSTOMER_PRESENCE_REQUIRED', 'used once');
});
