/**
 * Identity: staff and customer accounts (one table, two realms), invitations, second factors (TOTP,
 * recovery codes, passkeys), sessions and sign-in throttling. Secrets are stored hashed or sealed, never
 * in plaintext. Never edit after landing.
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationContext } from './context.ts';

export function identity({ binary }: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('realm', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('login', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('enrolled_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('accounts_realm_login', ['realm', 'login'])
        .execute();
      await db.schema
        .createIndex('accounts_subject')
        .on('accounts')
        .columns(['realm', 'subject_id'])
        .execute();
      await db.schema
        .createTable('invitations')
        .addColumn('token_hash', binary, (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('totp_credentials')
        .addColumn('account_id', 'text', (c) => c.primaryKey())
        .addColumn('secret_sealed', binary, (c) => c.notNull())
        .addColumn('last_step', 'bigint', (c) => c.notNull())
        .addColumn('confirmed_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('recovery_codes')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('code_hash', binary, (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addPrimaryKeyConstraint('recovery_codes_pk', ['account_id', 'idx'])
        .execute();
      await db.schema
        .createTable('passkeys')
        .addColumn('credential_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('public_key', binary, (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema.createIndex('passkeys_account').on('passkeys').column('account_id').execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', binary, (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('realm', 'text', (c) => c.notNull())
        .addColumn('csrf_hash', binary, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('second_factor_at', 'bigint')
        .addColumn('step_up_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();
      await db.schema
        .createTable('auth_throttle')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('next_allowed_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        'auth_throttle',
        'sessions',
        'passkeys',
        'recovery_codes',
        'totp_credentials',
        'invitations',
        'accounts',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
