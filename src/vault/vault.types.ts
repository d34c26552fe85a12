/** The vault's public shapes. */
import type { FieldName, SensitivityClass } from './customer-fields.ts';

/** What a client sends to create or correct a customer. Empty strings and nulls clear a field on update. */
export type CustomerInput = { [K in FieldName]?: string | null } & {
  attributes?: Record<string, string> | null;
};

/** A validated, normalised customer (or patch). `null` means "clear this field". */
export type NormalisedCustomer = { [K in FieldName]?: string | null } & {
  attributes?: Record<string, string> | null;
};

/** The masked view: the default, and the only shape staff get without a reveal. */
export interface MaskedCustomer {
  id: string;
  version: number;
  fields: { [K in FieldName]?: string };
  /** Attribute keys with masked values. */
  attributes: Record<string, string>;
  /** The sensitivity class of each field present, so a client knows what a reveal would need. */
  classes: { [K in FieldName]?: SensitivityClass };
  createdAt: string;
  updatedAt: string;
}
