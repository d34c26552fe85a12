/**
 * Turning a normalised customer into a stored row and back into a masked view: the one place that knows
 * the stored form's columns (`CustomerRow`, vault.store.ts).
 *
 * The masked view is computed once, when a value is written, and stored sealed beside the fields. Showing
 * a customer therefore opens one small value and never decrypts a real field: the default path holds no
 * plaintext at all.
 */
import type { BlindIndexKind } from '../crypto/blind-index.ts';
import type { CustomerCipher, Keyring } from '../crypto/keyring.ts';
import { ATTRIBUTES_FIELD, type FieldName, fieldNames, fieldSpecs } from './customer-fields.ts';
import type { CustomerRow } from './vault.store.ts';
import type { MaskedCustomer, NormalisedCustomer } from './vault.types.ts';

const MASKED_FIELD = '_masked';

interface MaskedBody {
  f: { [K in FieldName]?: string };
  a: Record<string, string>;
}

type SealedColumns = Pick<
  CustomerRow,
  | 'name_sealed'
  | 'phone_sealed'
  | 'email_sealed'
  | 'account_id_sealed'
  | 'national_id_sealed'
  | 'address_sealed'
  | 'birth_date_sealed'
  | 'attributes_sealed'
  | 'phone_bidx'
  | 'email_bidx'
  | 'account_id_bidx'
  | 'national_id_bidx'
>;

export function sealedColumn(field: FieldName): keyof SealedColumns {
  return `${field}_sealed` as keyof SealedColumns;
}

function maskAttributes(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(attributes).map((k) => [k, '***']));
}

/** What a change writes: sealed values, blind indexes and the new sealed masked view. */
export type SealedChange = Partial<SealedColumns> & { masked_sealed: Buffer };

/**
 * The columns a change writes: sealed values, blind indexes and the new sealed masked view.
 * `previousMasked` is the current masked body for an update (unchanged fields keep their masks).
 */
export function sealChange(
  cipher: CustomerCipher,
  keyring: Pick<Keyring, 'blindIndex'>,
  change: NormalisedCustomer,
  previousMasked?: MaskedBody,
): SealedChange {
  const columns: Partial<Record<keyof SealedColumns, Buffer | null>> = {};
  const body: MaskedBody = { f: { ...previousMasked?.f }, a: { ...previousMasked?.a } };
  for (const field of fieldNames) {
    const value = change[field];
    if (value === undefined) continue;
    const spec = fieldSpecs[field];
    columns[sealedColumn(field)] = value === null ? null : cipher.seal(field, value);
    if ('index' in spec) {
      columns[`${field}_bidx` as keyof SealedColumns] =
        value === null ? null : keyring.blindIndex(spec.index, value);
    }
    if (value === null) delete body.f[field];
    else body.f[field] = spec.mask(value);
  }
  if (change.attributes !== undefined) {
    const attributes = change.attributes;
    const empty = attributes === null || Object.keys(attributes).length === 0;
    columns.attributes_sealed = empty ? null : cipher.seal(ATTRIBUTES_FIELD, JSON.stringify(attributes));
    body.a = empty ? {} : maskAttributes(attributes);
  }
  return { ...columns, masked_sealed: cipher.seal(MASKED_FIELD, JSON.stringify(body)) };
}

/** A new customer's stored row: every given field sealed, the rest empty, at version 1. */
export function sealNewCustomer(
  cipher: CustomerCipher,
  keyring: Pick<Keyring, 'blindIndex'>,
  customer: NormalisedCustomer,
  id: string,
  now: number,
): CustomerRow {
  const sealed = sealChange(cipher, keyring, customer);
  return { ...emptyColumns, ...sealed, id, version: 1, created_at: now, updated_at: now };
}

/** The row as it is once `sealed` (from `sealChange`) is applied at `now`: the next version. */
export function withSealedChange(row: CustomerRow, sealed: SealedChange, now: number): CustomerRow {
  return { ...row, ...sealed, version: row.version + 1, updated_at: now };
}

/** The stored blind index of one searchable field of a customer; null when the field is empty. */
export function storedBlindIndex(row: CustomerRow, kind: BlindIndexKind): Buffer | null {
  return row[`${kind}_bidx` as const];
}

export function openMaskedBody(cipher: CustomerCipher, row: Pick<CustomerRow, 'masked_sealed'>): MaskedBody {
  return JSON.parse(cipher.open(MASKED_FIELD, row.masked_sealed)) as MaskedBody;
}

export function maskedView(
  cipher: CustomerCipher,
  row: Pick<CustomerRow, 'id' | 'version' | 'masked_sealed' | 'created_at' | 'updated_at'>,
): MaskedCustomer {
  const body = openMaskedBody(cipher, row);
  const classes: MaskedCustomer['classes'] = {};
  for (const field of Object.keys(body.f) as FieldName[]) classes[field] = fieldSpecs[field].sensitivity;
  return {
    id: row.id,
    version: row.version,
    fields: body.f,
    attributes: body.a,
    classes,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Open the real values of some fields. Only a reveal that was decided and ledgered may call this. */
export function openFields(
  cipher: CustomerCipher,
  row: Partial<CustomerRow>,
  fields: readonly (FieldName | typeof ATTRIBUTES_FIELD)[],
): Record<string, string | Record<string, string> | null> {
  const out: Record<string, string | Record<string, string> | null> = {};
  for (const field of fields) {
    if (field === ATTRIBUTES_FIELD) {
      out[field] = row.attributes_sealed
        ? (JSON.parse(cipher.open(field, row.attributes_sealed)) as Record<string, string>)
        : null;
      continue;
    }
    const sealed = row[sealedColumn(field)];
    out[field] = sealed ? cipher.open(field, sealed) : null;
  }
  return out;
}

/** Every sealed and index column, empty; a new row starts from this. */
const emptyColumns: SealedColumns = {
  name_sealed: null,
  phone_sealed: null,
  email_sealed: null,
  account_id_sealed: null,
  national_id_sealed: null,
  address_sealed: null,
  birth_date_sealed: null,
  attributes_sealed: null,
  phone_bidx: null,
  email_bidx: null,
  account_id_bidx: null,
  national_id_bidx: null,
};
