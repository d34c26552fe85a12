/**
 * The mask budget (docs/MASKS.md), attacked through the API: for every front-line role and purpose (and
 * break-glass), everything that role can see of one customer at once — the masked record plus every field
 * the purpose lets it reveal without a second approver — must leave the customer's national ID at least
 * 10,000 candidates. Candidates = regions × birth dates × sequences, each counted from what was seen:
 * the district (1 region) when the address is seen whole, ≥ 16 when only the province; one date when the
 * birth date is seen, the year's days otherwise; the 1,000 sequences narrowed by any character the ID's
 * mask shows (the check character recomputed for each).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../../src/platform/actor.ts';
import { type AccessFixture, accessFixture } from '../support/access-fixture.ts';

const PROVINCE_FLOOR = 16;
const BUDGET = 10_000;
let serial = 0;

function check(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * (weights[i] as number), 0);
  return '10X98765432'[sum % 11] as string;
}

const truth = {
  name: 'Zhang Wei',
  phone: '+86 138 0013 8000',
  email: 'zhang.wei@example.com',
  account_id: 'MI0000000042',
  national_id: '440305198806123452',
  address: '广东省深圳市南山区,科技园路12号',
  birth_date: '1988-06-12',
};
truth.national_id = truth.national_id.slice(0, 17) + check(truth.national_id.slice(0, 17));

/** The national-ID candidates left by what was seen. */
function candidates(seen: Record<string, string>): number {
  const address = seen.address as string;
  const regions =
    address === truth.address ? 1 : address.includes('区') || address.includes('市,') ? 1 : PROVINCE_FLOOR;
  const birth = seen.birth_date as string;
  const dates = birth === truth.birth_date ? 1 : /^\d{4}-\*\*-\*\*$/.test(birth) ? 365 : 1;
  const mask = seen.national_id as string;
  assert.equal(mask.length, 18);
  assert.ok(/^\*{14}/.test(mask), 'region and birth date positions hidden');
  let sequences = 0;
  const stem = truth.national_id.slice(0, 14);
  for (let s = 0; s < 1000; s++) {
    const first17 = stem + String(s).padStart(3, '0');
    const id = first17 + check(first17);
    if ([...mask].every((c, i) => c === '*' || c === id[i])) sequences++;
  }
  return regions * dates * sequences;
}

describe('mask budget: what a role sees at once leaves a national ID ≥ 10,000 candidates', () => {
  let f: AccessFixture;
  before(async () => {
    f = await accessFixture('sqlite');
  });
  after(() => f?.close());

  const situations = [
    ...['repair', 'delivery', 'complaint', 'billing', 'account_recovery', 'identity_check'].map(
      (purpose) => ({
        purpose,
        breakGlass: false,
      }),
    ),
    { purpose: 'repair', breakGlass: true },
  ];

  for (const role of ['store', 'support', 'contractor']) {
    test(role, async () => {
      const staff = await f.staff(role);
      for (const { purpose, breakGlass } of situations) {
        const customerId = await f.customer({
          ...truth,
          account_id: `MI${String(++serial).padStart(10, '0')}`,
        });
        let caseId: string;
        if (breakGlass) {
          const res = await f.send(staff, 'POST', '/v1/break-glass', {
            customerId,
            purpose,
            reason: 'The customer is locked out and the case system is down',
          });
          if (res.status !== 201) continue; // contractors may not break glass
          caseId = res.body.id;
        } else {
          const present = ['identity_check', 'account_recovery'].includes(purpose)
            ? { presenceCode: (await f.t.custos.access.presenceCodes.issue(systemActor, customerId)).code }
            : {};
          caseId = await f.openCase(staff, customerId, purpose, present);
        }
        const view = await f.send(staff, 'GET', `/v1/cases/${caseId}/customer`);
        assert.equal(view.status, 200);
        const seen: Record<string, string> = { ...view.body.fields };
        for (const field of Object.keys(truth)) {
          if (field === 'national_id') continue; // needs a second approver: the ID itself, by design
          const res = await f.send(staff, 'POST', `/v1/cases/${caseId}/reveal`, {
            fields: [field],
            reason: 'Checking the mask budget',
          });
          if (res.status === 200) seen[field] = res.body.revealed[field];
        }
        const n = candidates(seen);
        assert.ok(n >= BUDGET, `${role} ${purpose}${breakGlass ? ' (break-glass)' : ''}: ${n} candidates`);
      }
    });
  }
});
