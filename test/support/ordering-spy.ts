/**
 * Watches, in order, the ledger appends of some entry types and every customer field the keyring opens, on
 * a running test Custos: for tests of DESIGN.md §6.1 that must tell "opened after the append resolved" from
 * "opened before, returned after". `refuse` makes the watched appends fail with LEDGER_UNAVAILABLE.
 */
import type { CustomerCipher, Keyring } from '../../src/crypto/keyring.ts';
import type { Ledger } from '../../src/ledger/ledger.service.ts';
import { CustosError } from '../../src/platform/errors.ts';
import { fieldNames } from '../../src/vault/customer-fields.ts';
import type { TestCustos } from './custos.ts';

export interface OrderingSpy {
  /** `append:called`, `append:resolved`, `append:refused`, `open:<field>`, as they happened. */
  events: string[];
  refuse: boolean;
  restore(): void;
}

export function spyOnAppendsAndOpens(t: TestCustos, types: readonly string[]): OrderingSpy {
  const spy: OrderingSpy = { events: [], refuse: false, restore: () => {} };
  const ledger = t.custos.ledger as { append: Ledger['append'] };
  const append = ledger.append;
  ledger.append = (async (input: Parameters<Ledger['append']>[0]) => {
    if (!types.includes(input.type)) return append(input);
    spy.events.push('append:called');
    if (spy.refuse) {
      spy.events.push('append:refused');
      throw new CustosError('LEDGER_UNAVAILABLE', 'The ledger refused the append');
    }
    const index = await append(input);
    spy.events.push('append:resolved');
    return index;
  }) as Ledger['append'];

  const keyring = t.custos.keyring as { cipher: Keyring['cipher'] };
  const cipher = keyring.cipher;
  keyring.cipher = async (id: string) => {
    const inner = await cipher(id);
    if (!inner) return inner;
    const spied: CustomerCipher = {
      customerId: inner.customerId,
      seal: (field, plaintext) => inner.seal(field, plaintext),
      open: (field, sealed) => {
        if ((fieldNames as readonly string[]).includes(field)) spy.events.push(`open:${field}`);
        return inner.open(field, sealed);
      },
    };
    return spied;
  };
  spy.restore = () => {
    ledger.append = append;
    keyring.cipher = cipher;
  };
  return spy;
}
