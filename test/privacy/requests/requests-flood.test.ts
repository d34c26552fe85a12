/**
 * Flooding the requests (review of step 7): a customer may have at most MAX_PENDING_PER_CUSTOMER requests
 * waiting. Filed one after another the cap held; filed in parallel every filing passed the count before any
 * was stored, so a script could queue as many as it liked (and as many overdue alerts for security later).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_PENDING_PER_CUSTOMER } from '../../../src/privacy/requests/requests.service.ts';
import { type AccessFixture, accessFixture } from '../../support/access-fixture.ts';
import { dialects } from '../../support/databases.ts';
import { portalCustomer } from '../../support/portal-customer.ts';

for (const { dialect, skip } of await dialects())
  describe(`requests filed in parallel (${dialect})`, { skip }, () => {
    let f: AccessFixture;
    before(async () => {
      f = await accessFixture(dialect);
    });
    after(() => f?.close());

    test('the cap on waiting requests holds', async () => {
      const c = await portalCustomer(f, Date.now);
      const replies = await Promise.all(
        Array.from({ length: 3 * MAX_PENDING_PER_CUSTOMER }, () =>
          c.send('POST', '/v1/portal/privacy-requests', { kind: 'access' }),
        ),
      );
      const filed = replies.filter((r) => r.status === 201).length;
      assert.equal(filed, MAX_PENDING_PER_CUSTOMER, replies.map((r) => r.status).join(','));
      for (const r of replies.filter((x) => x.status !== 201)) {
        assert.equal(r.status, 429, JSON.stringify(r.body));
        assert.equal(r.body.error.code, 'RATE_LIMITED');
      }
      const mine = await c.send('GET', '/v1/portal/privacy-requests');
      assert.equal(mine.body.requests.length, MAX_PENDING_PER_CUSTOMER);
    });
  });
