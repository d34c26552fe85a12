/**
 * Portability: the signed-in customer takes their data away, as JSON that validates against the published
 * schema (export-schema.ts) or as CSV — both read back by `custos import`, into this or another installation.
 *
 * Invariants: only the customer's own record (the customer is the session's, never an input); the export is
 * ledgered (`customer.self_exported`) before any field is opened; values are exactly as stored, so an import
 * of the export gives the same values.
 */
import type { Ledger } from '../../ledger/ledger.service.ts';
import { type Actor, actorRef, customerIdOf } from '../../platform/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import { ATTRIBUTES_FIELD, fieldNames } from '../../vault/customer-fields.ts';
import type { VaultService } from '../../vault/vault.service.ts';
import type { Consents } from '../consents.service.ts';
import type { Notices } from '../notices/notices.service.ts';
import { PORTABILITY_FORMAT, type PortabilityDocument } from './export-schema.ts';

export const portabilityFormats = ['json', 'csv'] as const;
export type PortabilityFormat = (typeof portabilityFormats)[number];

/** One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * The record as CSV: a header row of the fields and the attributes' keys, and one row. An attribute whose
 * key is also a field's name cannot be a column of its own: it is left out of the CSV (the JSON has it).
 */
export function portabilityCsv(customer: PortabilityDocument['customer']): string {
  const known = new Set<string>([...fieldNames, ATTRIBUTES_FIELD]);
  const attributeKeys = Object.keys(customer.attributes)
    .filter((k) => !known.has(k))
    .sort();
  const header = [...fieldNames, ...attributeKeys];
  const row = [
    ...fieldNames.map((f) => customer[f] ?? ''),
    ...attributeKeys.map((k) => customer.attributes[k] ?? ''),
  ];
  return `${header.map(csvCell).join(',')}\r\n${row.map(csvCell).join(',')}\r\n`;
}

export function createPortability(deps: {
  vault: Pick<VaultService, 'unsealFields'>;
  consents: Pick<Consents, 'forCustomer'>;
  notices: Pick<Notices, 'modeOf'>;
  ledger: Pick<Ledger, 'record'>;
  clock: Clock;
}) {
  return {
    /** The signed-in customer's own data, ledgered ahead: the document (JSON) or its CSV text. */
    async exportOwn(
      actor: Actor,
      format: PortabilityFormat,
    ): Promise<{ format: 'json'; document: PortabilityDocument } | { format: 'csv'; text: string }> {
      const customerId = customerIdOf(actor);
      const opened = await deps.ledger.record(
        {
          type: 'customer.self_exported',
          actor: actorRef(actor),
          subject: customerId,
          data: { customerId, format },
        },
        () => deps.vault.unsealFields(customerId, [...fieldNames, ATTRIBUTES_FIELD]),
      );
      const text = (f: string) => {
        const value = opened[f];
        return typeof value === 'string' ? value : null;
      };
      const attributes = opened[ATTRIBUTES_FIELD];
      const customer: PortabilityDocument['customer'] = {
        name: text('name') ?? '',
        phone: text('phone'),
        email: text('email'),
        account_id: text('account_id'),
        national_id: text('national_id'),
        address: text('address'),
        birth_date: text('birth_date'),
        attributes: typeof attributes === 'object' && attributes !== null ? { ...attributes } : {},
      };
      if (format === 'csv') return { format, text: portabilityCsv(customer) };
      return {
        format,
        document: {
          format: PORTABILITY_FORMAT,
          exportedAt: new Date(deps.clock.now()).toISOString(),
          customerId,
          customer,
          consents: (await deps.consents.forCustomer(customerId)).map((c) => ({
            purpose: c.purpose,
            granted: c.granted,
            updatedAt: c.updatedAt,
          })),
          notices: { mode: await deps.notices.modeOf(customerId) },
        },
      };
    },
  };
}

export type Portability = ReturnType<typeof createPortability>;
