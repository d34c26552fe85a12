/**
 * Break-glass reviews: when an overdue review's alert was raised, so each overdue review raises one alert
 * however many nodes look. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function reviewAlerts(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('cases').addColumn('review_alerted_at', 'bigint').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('cases').dropColumn('review_alerted_at').execute();
    },
  };
}
