/**
 * Records of processing (GDPR art. 30, PIPL arts. 54–56) as a document: per stored data category, its
 * sensitivity, purposes with their legal basis under the installation's jurisdiction, the roles that can
 * reach it (from the policy in force), retention and recipients; plus the ledger's retention floor. As JSON
 * (`recordsOfProcessing`) and as Markdown (`recordsAsMarkdown`). Pure: the inputs come from the vault, the
 * policy engine and config through the composition root.
 *
 * Invariant: a stored field without a declaration is an error, not a silent gap in the record.
 */
import type { Jurisdiction } from '../platform/jurisdiction.ts';
import { categoryDeclarations, processingPurposes } from './processing-register.ts';

/** Who may reach a field, as the policy in force answers (access/policy/field-access.ts). */
export interface FieldReach {
  reveal: Array<{ role: string; purposes: string[] }>;
  breakGlass: string[];
  masked: string[];
}

export interface StoredField {
  field: string;
  sensitivity: string;
}

export interface RecordsOfProcessing {
  jurisdiction: Jurisdiction;
  generatedAt: string;
  controller: string;
  ledgerRetentionFloorDays: number;
  categories: Array<{
    field: string;
    category: string;
    sensitivity: string;
    purposes: Array<{ purpose: string; description: string; legalBasis: string }>;
    roles: FieldReach;
    retention: string;
    recipients: string[];
  }>;
}

export function recordsOfProcessing(input: {
  fields: readonly StoredField[];
  reach: (field: StoredField) => FieldReach;
  jurisdiction: Jurisdiction;
  retentionFloorMs: number;
  controller: string;
  now: number;
}): RecordsOfProcessing {
  return {
    jurisdiction: input.jurisdiction,
    generatedAt: new Date(input.now).toISOString(),
    controller: input.controller,
    ledgerRetentionFloorDays: Math.ceil(input.retentionFloorMs / 86_400_000),
    categories: input.fields.map((stored) => {
      const declared = categoryDeclarations[stored.field];
      if (!declared)
        throw new Error(`records of processing: the stored field ${stored.field} is not declared`);
      return {
        field: stored.field,
        category: declared.category,
        sensitivity: stored.sensitivity,
        purposes: declared.purposes.map((purpose) => ({
          purpose,
          description: processingPurposes[purpose].description,
          legalBasis: processingPurposes[purpose].legalBasis[input.jurisdiction],
        })),
        roles: input.reach(stored),
        retention: declared.retention,
        recipients: [...declared.recipients],
      };
    }),
  };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The same record as Markdown: one section per category, for a regulator or an auditor to read. */
export function recordsAsMarkdown(records: RecordsOfProcessing): string {
  const lines = [
    '# Records of processing',
    '',
    `Controller: ${records.controller} · jurisdiction: ${records.jurisdiction} · generated ${records.generatedAt}`,
    '',
    `Every access is recorded in the ledger (ids and field names, never values), kept at least ${records.ledgerRetentionFloorDays} days.`,
  ];
  for (const c of records.categories) {
    const revealers = c.roles.reveal.map((r) => `${r.role} (${r.purposes.join(', ')})`).join('; ');
    lines.push(
      '',
      `## ${cell(c.category)} (\`${c.field}\`, ${c.sensitivity})`,
      '',
      '| purpose | legal basis |',
      '| --- | --- |',
      ...c.purposes.map((p) => `| ${cell(p.description)} (\`${p.purpose}\`) | ${cell(p.legalBasis)} |`),
      '',
      `- Roles that may reveal it: ${revealers || 'none'}`,
      `- Under break-glass: ${c.roles.breakGlass.join(', ') || 'none'}`,
      `- Roles that see it masked: ${c.roles.masked.join(', ') || 'none'}`,
      `- Retention: ${c.retention}`,
      `- Recipients: ${c.recipients.join('; ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
