/**
 * Separation of duties: who invited and who approved each staff member (the invitation chain an approval
 * must be independent of), when a role was granted (cooling-off), admin API tokens with an owner, scopes
 * and an expiry, quota raises that wait for security and expire, and announcements of approvals to the
 * rest of the approving role. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function separationOfDuties(_context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('staff').addColumn('invited_by', 'text').execute();
      await db.schema.alterTable('staff').addColumn('role_approved_by', 'text').execute();
      await db.schema.alterTable('staff').addColumn('role_granted_at', 'bigint').execute();
      await db.schema.alterTable('api_tokens').addColumn('owner_staff_id', 'text').execute();
      await db.schema
        .alterTable('api_tokens')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('operator'))
        .execute();
      await db.schema
        .alterTable('api_tokens')
        .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('staff_invite staff_suspend setup'))
        .execute();
      await db.schema.alterTable('api_tokens').addColumn('expires_at', 'bigint').execute();
      await db.schema.alterTable('quota_overrides').addColumn('expires_at', 'bigint').execute();
      await db.schema
        .createTable('quota_raises')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('quota', 'text', (c) => c.notNull())
        .addColumn('max', 'integer', (c) => c.notNull())
        .addColumn('hours', 'integer', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('announcements')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text')
        .addColumn('decided_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('announcements_by_role')
        .on('announcements')
        .columns(['role', 'created_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('announcements').execute();
      await db.schema.dropTable('quota_raises').execute();
      await db.schema.alterTable('quota_overrides').dropColumn('expires_at').execute();
      for (const column of ['expires_at', 'scopes', 'kind', 'owner_staff_id'])
        await db.schema.alterTable('api_tokens').dropColumn(column).execute();
      for (const column of ['role_granted_at', 'role_approved_by', 'invited_by'])
        await db.schema.alterTable('staff').dropColumn(column).execute();
    },
  };
}
