/**
 * The compliance commands: `custos compliance ropa`, `custos compliance stats` and `custos incident open`.
 * The operator on the host acts as `system:operator` (no staff session); an incident's opening is ledgered
 * like one opened over the API.
 */
import { createCustos } from '../app.ts';
import { recordsAsMarkdown } from '../compliance/records-of-processing.ts';
import { loadConfig } from '../platform/config.ts';
import { CustosError } from '../platform/errors.ts';

const operator = { operator: true } as const;

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

async function withCompliance<T>(
  job: (c: Awaited<ReturnType<typeof createCustos>>) => Promise<T>,
): Promise<T> {
  const custos = await createCustos({ ...loadConfig(), logLevel: 'warn' });
  try {
    return await job(custos);
  } finally {
    await custos.close();
  }
}

function formatOf(format: string | undefined): 'md' | 'json' {
  if (format === undefined || format === 'md' || format === 'json') return format ?? 'md';
  throw new CustosError('VALIDATION_FAILED', '--format must be md or json');
}

export async function ropaCommand(options: { format?: string }): Promise<void> {
  const format = formatOf(options.format);
  await withCompliance(async (custos) => {
    const records = await custos.compliance.recordsOfProcessing(operator);
    out(format === 'json' ? JSON.stringify(records, null, 2) : recordsAsMarkdown(records));
  });
}

export async function statisticsCommand(options: { from?: string; to?: string }): Promise<void> {
  await withCompliance(async (custos) => {
    const stats = await custos.compliance.statistics(operator, options);
    out(JSON.stringify(stats, null, 2));
  });
}

export async function incidentOpenCommand(options: {
  staff: string;
  from: string;
  to?: string;
  known?: string;
  format?: string;
}): Promise<void> {
  const format = formatOf(options.format);
  await withCompliance(async (custos) => {
    const report = await custos.compliance.openIncident(operator, {
      staffId: options.staff,
      from: options.from,
      ...(options.to === undefined ? {} : { to: options.to }),
      ...(options.known === undefined ? {} : { knownAt: options.known }),
    });
    if (format === 'json') return out(JSON.stringify(report, null, 2));
    out(
      [
        `# Incident ${report.incidentId} (${report.jurisdiction})`,
        '',
        `Staff member ${report.staffId}, ${report.from} to ${report.to}; known at ${report.knownAt}.`,
        `Affected customers (${report.customers.length}):`,
        ...report.customers.map((id) => `- ${id}`),
        '',
        `Regulator notice due: ${report.deadlines.regulator.immediately ? 'immediately' : report.deadlines.regulator.dueAt} (${report.deadlines.regulator.basis})`,
        `Customer notice due: ${report.deadlines.customers.immediately ? 'immediately' : report.deadlines.customers.dueAt} (${report.deadlines.customers.basis})`,
        '',
        '## Draft: regulator notice',
        '',
        report.notices.regulator,
        '',
        '## Draft: customer notice',
        '',
        report.notices.customer,
      ].join('\n'),
    );
  });
}
