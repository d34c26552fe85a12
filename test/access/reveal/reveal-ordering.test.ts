/**
 * DESIGN.md §6.1 from the inside: no field is *opened* before the reveal's `customer.revealed` entry is
 * durable, and none is opened at all when the append is refused. Tests that look only at what reaches the
 * client cannot tell "opened after the append" from "opened before, returned after"; here the ledger's
 * append and the keyring's field opening are both wrapped, and the order they ran in is what is checked.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { CustomerCipher, Keyring } from '../../../src/crypto/keyring.ts';
import type { Ledger } from '../../../src/ledger/ledger.service.ts';
import { CustosError } from '../../../src/platform/errors.ts';
import { fieldNames } from '../../../src/vault/customer-fields.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';

describe('reveal: the append resolves before any field is opened', () => {
  let f: AccessFixture;
  let staff: Staff;
  let customerId: string;
  let caseId: string;
  /** What happened, in order: `append:called`, `append:resolved`, `append:refused`, `open:<field>`. */
  const events: string[] = [];
  let refuseAppend = false;
  let restore: () => void = () => {};

  before(async () => {
    f = await accessFixture('sqlite');
    staff = await f.staff('support');
    customerId = await f.customer({ phone: '+86 138 0013 8111' });
    caseId = await f.openCase(staff, customerId);

    const ledger = f.t.custos.ledger as { append: Ledger['append'] };
    const append = ledger.append;
    ledger.append = (async (input: Parameters<Ledger['append']>[0]) => {
      if (input.type !== 'customer.revealed') return append(input);
      events.push('append:called');
      if (refuseAppend) {
        events.push('append:refused');
        throw new CustosError('LEDGER_UNAVAILABLE', 'The ledger refused the append');
      }
      const index = await append(input);
      events.push('append:resolved');
      return index;
    }) as Ledger['append'];

    const keyring = f.t.custos.keyring as { cipher: Keyring['cipher'] };
    const cipher = keyring.cipher;
    keyring.cipher = async (id: string) => {
      const inner = await cipher(id);
      if (!inner) return inner;
      const spied: CustomerCipher = {
        customerId: inner.customerId,
        seal: (field, plaintext) => inner.seal(field, plaintext),
        open: (field, sealed) => {
          if ((fieldNames as readonly string[]).includes(field)) events.push(`open:${field}`);
          return inner.open(field, sealed);
        },
      };
      return spied;
    };
    restore = () => {
      ledger.append = append;
      keyring.cipher = cipher;
    };
  });
  after(async () => {
    restore();
    await f?.close();
  });
  beforeEach(() => {
    events.length = 0;
    refuseAppend = false;
  });

  const reveal = (fields: string[]) =>
    f.send(staff, 'POST', `/v1/cases/${caseId}/reveal`, { fields, reason: 'customer asked at the counter' });

  test('a reveal opens its fields only after its entry is durable', async () => {
    const ok = await reveal(['phone', 'name']);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.revealed.phone, '+8613800138111');
    const resolved = events.indexOf('append:resolved');
    const firstOpen = events.findIndex((e) => e.startsWith('open:'));
    assert.deepEqual(events.slice(0, 2), ['append:called', 'append:resolved'], events.join(' '));
    assert.ok(firstOpen > resolved, `opened after the append: ${events.join(' ')}`);
    assert.deepEqual(events.filter((e) => e.startsWith('open:')).sort(), ['open:name', 'open:phone']);
  });

  test('a refused append opens nothing and answers nothing', async () => {
    refuseAppend = true;
    const refused = await reveal(['phone', 'name']);
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'LEDGER_UNAVAILABLE');
    assert.ok(!JSON.stringify(refused.body).includes('0013811'), 'no plaintext in the answer');
    assert.deepEqual(events, ['append:called', 'append:refused'], 'no field opened');
  });
});
