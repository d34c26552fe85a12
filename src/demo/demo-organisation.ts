/**
 * The demo organisation: a phone maker's service network in four regions (the four provinces of the 2017
 * case), about 60 staff across stores, support, an outsourced contractor, marketing, security and admin
 * (each with a current training record, so it works with `CUSTOS_TRAINING_REQUIRED`), and ten thousand
 * synthetic customers.
 */
import type { StaffDirectory } from '../identity/staff/staff-directory.ts';
import type { StaffMember, StaffRole } from '../identity/staff/staff.types.ts';
import type { Training } from '../identity/staff/training.service.ts';
import { systemActor } from '../platform/actor.ts';
import type { Clock } from '../platform/clock.ts';
import { uuidv7 } from '../platform/ids.ts';
import type { Importer, ImportSummary } from '../vault/import/importer.ts';
import type { SourceRecord } from '../vault/import/records.ts';
import { type Random, regions, seededRandom, syntheticCustomer } from './synthetic-people.ts';

/** Staff per region: role, site, how many. 15 × 4 regions = 60. */
const staffPlan: { role: StaffRole; site: string; count: number }[] = [
  { role: 'store', site: 'store-1', count: 4 },
  { role: 'store', site: 'store-2', count: 2 },
  { role: 'support', site: 'call-centre', count: 4 },
  { role: 'contractor', site: 'outsourced-service', count: 2 },
  { role: 'marketing', site: 'regional-office', count: 1 },
  { role: 'security', site: 'regional-office', count: 1 },
];
const headOffice: { role: StaffRole; count: number } = { role: 'admin', count: 1 };

const staffNames = [
  'Chen Jing',
  'Li Wei',
  'Wang Fang',
  'Zhang Min',
  'Liu Yang',
  'Huang Lei',
  'Zhao Na',
  'Wu Tao',
];

function demoStaff(random: Random, now: number): StaffMember[] {
  const rows: StaffMember[] = [];
  let n = 0;
  for (const region of regions) {
    const regionStart = rows.length;
    for (const { role, site, count } of [...staffPlan, { ...headOffice, site: 'head-office' }]) {
      for (let i = 0; i < count; i++) {
        n++;
        rows.push({
          id: uuidv7(now),
          displayName: `${random.pick(staffNames)} ${n}`,
          email: `staff${n}.${region.code}@custos.example`,
          role,
          region: region.code,
          site: `${region.code}-${site}`,
          managerId: null,
          shift: random.next() < 0.6 ? 'day' : 'evening',
          status: 'active',
          createdAt: now,
        });
      }
    }
    const manager = rows.find((r, i) => i >= regionStart && r.role === 'security') ?? rows[regionStart];
    for (let i = regionStart; i < rows.length; i++) {
      const row = rows[i] as StaffMember;
      if (row !== manager) row.managerId = manager?.id ?? null;
    }
  }
  return rows;
}

/** The `index`-th synthetic customer as a record to import: its fields, its region and segment as attributes. */
export function syntheticCustomerRecord(random: Random, index: number): Record<string, unknown> {
  const { region, ...fields } = syntheticCustomer(random, index);
  return { ...fields, attributes: { region, segment: random.pick(['retail', 'online', 'vip']) } };
}

/** Synthetic customers as an import source, so the demo goes through the same path as a real import. */
export async function* syntheticCustomerRecords(count: number, seed = 2017): AsyncGenerator<SourceRecord> {
  const random = seededRandom(seed);
  for (let i = 1; i <= count; i++) yield { line: i, record: syntheticCustomerRecord(random, i) };
}

export async function seedDemoOrganisation(
  deps: {
    importer: Importer;
    staff: Pick<StaffDirectory, 'add'>;
    /** Each member's training in `course`, current for a year less a month (as HR's feed would say). */
    training?: { course: string; record: Training['recordFromHr'] };
    clock: Clock;
  },
  options: { customers: number; onBatch?: (summary: ImportSummary) => void },
): Promise<{ staff: number; customers: ImportSummary }> {
  const random = seededRandom(60);
  const now = deps.clock.now();
  const staff = demoStaff(random, now);
  await deps.staff.add(staff);
  const { training } = deps;
  if (training) {
    for (const member of staff) {
      await training.record({ actor: systemActor, ownerStaffId: null }, member.id, {
        course: training.course,
        completedAt: now - 30 * 86_400_000,
        expiresAt: now + 335 * 86_400_000,
      });
    }
  }
  const customers = await deps.importer.importRecords(
    systemActor,
    syntheticCustomerRecords(options.customers),
    {
      onBatch: options.onBatch,
    },
  );
  return { staff: staff.length, customers };
}
