/**
 * SQL for what each requester was released by aggregates: one row per aggregate run, with the ε it spent
 * (in millionths, so sums are exact) and the groups it released.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';

export function createPrivacyBudgetStore(db: Kysely<Database>) {
  return {
    /** ε (millionths) this requester spent on aggregates released at or after `since`. */
    async spentSince(requestedBy: string, since: number): Promise<number> {
      const row = await db
        .selectFrom('aggregate_releases')
        .select((eb) => eb.fn.sum<number>('epsilon_micro').as('spent'))
        .where('requested_by', '=', requestedBy)
        .where('released_at', '>=', since)
        .executeTakeFirst();
      return Number(row?.spent ?? 0);
    },

    /** Charge a release before it is computed (its groups follow with `remember`). */
    async charge(release: {
      exportId: string;
      requestedBy: string;
      epsilonMicro: number;
      releasedAt: number;
      dimensions: string[];
    }): Promise<void> {
      await db
        .insertInto('aggregate_releases')
        .values({
          export_id: release.exportId,
          requested_by: release.requestedBy,
          epsilon_micro: release.epsilonMicro,
          released_at: release.releasedAt,
          dimensions: JSON.stringify(release.dimensions),
          groups: null,
        })
        .execute();
    },

    /** What the release let out: its noisy groups (counts and dimension values, no identifier). */
    async remember(exportId: string, groups: unknown): Promise<void> {
      await db
        .updateTable('aggregate_releases')
        .set({ groups: JSON.stringify(groups) })
        .where('export_id', '=', exportId)
        .execute();
    },

    /** The releases of one requester since `since`, oldest first. */
    async releasesOf(
      requestedBy: string,
      since: number,
    ): Promise<Array<{ exportId: string; epsilonMicro: number; releasedAt: number; groups: unknown }>> {
      const rows = await db
        .selectFrom('aggregate_releases')
        .selectAll()
        .where('requested_by', '=', requestedBy)
        .where('released_at', '>=', since)
        .orderBy('released_at')
        .execute();
      return rows.map((r) => ({
        exportId: r.export_id,
        epsilonMicro: Number(r.epsilon_micro),
        releasedAt: Number(r.released_at),
        groups: r.groups === null ? null : (JSON.parse(r.groups) as unknown),
      }));
    },
  };
}

export type PrivacyBudgetStore = ReturnType<typeof createPrivacyBudgetStore>;
