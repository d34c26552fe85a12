/**
 * Entity versions (platform/cache/change-versions.ts): one row, one counter per watched table, bumped by a
 * trigger on every write to that table — by this process, another node, the CLI or a DBA's UPDATE alike.
 * In-memory caches read the row once per lookup and drop what a moved counter covers.
 *
 * Inserts are not watched on tables whose caches hold only rows that exist (a new row cannot make a cached
 * one stale); they are on tables cached as collections (a case's assignees, a member's quota overrides).
 * A session's last-seen touch is not watched (the sessions cache keeps it itself; see sessions.ts).
 * PostgreSQL: the triggers are deferred to commit, so the one row is locked only while committing, after
 * every other lock of the transaction is held (no deadlock on it). Never edit after landing.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { MigrationContext } from './context.ts';

/** Each watched table, and the events that bump its counter. */
const watched: Record<string, { insert: boolean; updateOf?: string[] }> = {
  sessions: {
    insert: false,
    updateOf: [
      'token_hash',
      'id',
      'account_id',
      'realm',
      'csrf_hash',
      'created_at',
      'expires_at',
      'second_factor_at',
      'step_up_at',
      'revoked_at',
    ],
  },
  accounts: { insert: false },
  staff: { insert: false },
  cases: { insert: false },
  case_assignees: { insert: true },
  quota_overrides: { insert: true },
  policy_versions: { insert: true },
};

export function changeVersions(context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      let table = db.schema
        .createTable('change_versions')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`));
      for (const name of Object.keys(watched)) {
        table = table.addColumn(name, 'bigint', (c) => c.notNull().defaultTo(0));
      }
      await table.execute();
      await sql`insert into change_versions (id) values (1)`.execute(db);
      if (context.dialect === 'postgres') {
        // The schema of the written table, not the writer's search path: a DBA's session bumps ours too.
        await sql`
          create function custos_bump_change_version() returns trigger language plpgsql as $$
          begin
            execute format('update %I.change_versions set %I = %I + 1', tg_table_schema, tg_argv[0], tg_argv[0]);
            return null;
          end $$`.execute(db);
      }
      for (const [name, events] of Object.entries(watched)) {
        const update = events.updateOf ? `update of ${events.updateOf.join(', ')}` : 'update';
        const kinds = [...(events.insert ? ['insert'] : []), update, 'delete'];
        if (context.dialect === 'postgres') {
          await sql
            .raw(
              `create constraint trigger change_versions_${name} after ${kinds.join(' or ')} on ${name} ` +
                `deferrable initially deferred for each row execute function custos_bump_change_version('${name}')`,
            )
            .execute(db);
        } else {
          for (const kind of kinds) {
            await sql
              .raw(
                `create trigger change_versions_${name}_${kind.split(' ')[0]} after ${kind} on ${name} ` +
                  `begin update change_versions set ${name} = ${name} + 1; end`,
              )
              .execute(db);
          }
        }
      }
    },
    async down(db: Kysely<unknown>) {
      for (const [name, events] of Object.entries(watched)) {
        const kinds = [...(events.insert ? ['insert'] : []), 'update', 'delete'];
        if (context.dialect === 'postgres') {
          await sql.raw(`drop trigger change_versions_${name} on ${name}`).execute(db);
        } else {
          for (const kind of kinds) await sql.raw(`drop trigger change_versions_${name}_${kind}`).execute(db);
        }
      }
      if (context.dialect === 'postgres') await sql`drop function custos_bump_change_version()`.execute(db);
      await db.schema.dropTable('change_versions').execute();
    },
  };
}
