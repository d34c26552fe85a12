/**
 * Write-ahead for a batch of acts done together (one database transaction): every act's entry is appended
 * first — concurrently, so they share the ledger's group commit — and the acts start only once all are durable.
 * If the acts fail, each entry is followed by an `act.failed` naming it, as `ledger.record` does for one act.
 * For background work that would otherwise commit once per item (reveal notices, outbox deliveries).
 */
import { CustosError } from '../platform/errors.ts';
import type { EntryInput, EntryType } from './entry-types.ts';
import type { Ledger } from './ledger.service.ts';

export async function recordAll<T extends EntryType, R>(
  ledger: Pick<Ledger, 'append'>,
  inputs: readonly EntryInput<T>[],
  act: (indexes: number[]) => Promise<R>,
): Promise<R> {
  const indexes = await Promise.all(inputs.map((input) => ledger.append(input)));
  try {
    return await act(indexes);
  } catch (error) {
    const code = error instanceof CustosError ? error.code : 'INTERNAL';
    await failedAll(ledger, inputs, indexes, code);
    throw error;
  }
}

/** Say in the ledger that the acts of these entries did not happen (`code`: why). */
export async function failedAll(
  ledger: Pick<Ledger, 'append'>,
  inputs: readonly EntryInput[],
  indexes: readonly number[],
  code: string,
): Promise<void> {
  await Promise.all(
    inputs.map((input, i) =>
      ledger.append({
        type: 'act.failed',
        actor: input.actor,
        ...(input.subject === undefined ? {} : { subject: input.subject }),
        data: { ref: indexes[i] as number, code },
      }),
    ),
  );
}
