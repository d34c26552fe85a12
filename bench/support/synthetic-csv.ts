/**
 * The benchmark's import file: N synthetic customers as CSV, from the same deterministic generator as the
 * demo organisation. Because the generator is seeded, the phones of any rows can be regenerated later
 * without keeping the file or reading the vault, which is how the search scenario finds values that exist.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { type SyntheticCustomer, seededRandom, syntheticCustomer } from '../../src/demo/synthetic-people.ts';

/** The file's columns, in order (the CRM baseline stores the same). */
export const columns = [
  'name',
  'phone',
  'email',
  'account_id',
  'national_id',
  'address',
  'birth_date',
  'region',
] as const satisfies readonly (keyof SyntheticCustomer)[];

/** The customers of the file, in row order (row 1 is the first after the header). */
function* syntheticCustomers(count: number, seed: number): Generator<SyntheticCustomer> {
  const random = seededRandom(seed);
  for (let i = 1; i <= count; i++) yield syntheticCustomer(random, i);
}

/** RFC 4180 quoting, only where a cell needs it (addresses contain a comma). */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Write `count` synthetic customers to a CSV file with the import header row. */
export async function writeCustomerCsv(path: string, count: number, seed: number): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  let lines = [columns.join(',')];
  const write = async () => {
    if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
    lines = [];
  };
  for (const customer of syntheticCustomers(count, seed)) {
    lines.push(columns.map((c) => csvCell(customer[c])).join(','));
    if (lines.length >= 1000) await write();
  }
  if (lines.length > 0) await write();
  out.end();
  await once(out, 'finish');
}

/** The phones of `sample` distinct random rows of the file written with the same count and seed. */
export function samplePhones(count: number, seed: number, sample: number): string[] {
  const wanted = new Set<number>();
  while (wanted.size < Math.min(sample, count)) wanted.add(1 + Math.floor(Math.random() * count));
  const phones: string[] = [];
  let row = 0;
  for (const customer of syntheticCustomers(count, seed)) {
    row++;
    if (wanted.has(row)) phones.push(customer.phone);
  }
  return phones;
}
