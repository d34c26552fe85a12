/** SQL for breach incidents (compliance.service.ts says what they mean); the customers are in the ledger. */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/database/schema.ts';
import type { Jurisdiction } from '../platform/jurisdiction.ts';

export interface IncidentRecord {
  id: string;
  staffId: string;
  from: number;
  to: number;
  knownAt: number;
  jurisdiction: Jurisdiction;
  affected: number;
  openedBy: string;
}

export function createIncidentStore(db: Kysely<Database>) {
  return {
    async insert(r: IncidentRecord): Promise<void> {
      await db
        .insertInto('incidents')
        .values({
          id: r.id,
          staff_id: r.staffId,
          from_at: r.from,
          to_at: r.to,
          known_at: r.knownAt,
          jurisdiction: r.jurisdiction,
          affected: r.affected,
          opened_by: r.openedBy,
        })
        .execute();
    },
  };
}

export type IncidentStore = ReturnType<typeof createIncidentStore>;
