/**
 * SQL for accounts and what hangs off them: invitations, TOTP credentials, recovery codes — as the records
 * of accounts.types.ts.
 */
import { type Kysely, sql, type Updateable } from 'kysely';
import type { DialectName } from '../../platform/database/database.ts';
import type { AccountsTable, Database, TotpCredentialsTable } from '../../platform/database/schema.ts';
import type { Realm } from '../sessions/sessions.types.ts';
import type {
  AccountChange,
  AccountRecord,
  InvitationRecord,
  RecoveryCodeRecord,
  TotpCredential,
} from './accounts.types.ts';

const orNull = (value: number | null): number | null => (value === null ? null : Number(value));

function toAccount(row: AccountsTable): AccountRecord {
  return {
    id: row.id,
    realm: row.realm as Realm,
    subjectId: row.subject_id,
    login: row.login,
    displayName: row.display_name,
    displaySealed: row.display_sealed ?? null,
    passwordHash: row.password_hash,
    status: row.status,
    enrolledAt: orNull(row.enrolled_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** An account's row; the SSO store provisions accounts with it too. */
export function toAccountRow(account: AccountRecord): AccountsTable {
  return {
    id: account.id,
    realm: account.realm,
    subject_id: account.subjectId,
    login: account.login,
    display_name: account.displayName,
    display_sealed: account.displaySealed,
    password_hash: account.passwordHash,
    status: account.status,
    enrolled_at: account.enrolledAt,
    created_at: account.createdAt,
    updated_at: account.updatedAt,
  };
}

function toTotp(row: TotpCredentialsTable): TotpCredential {
  return {
    accountId: row.account_id,
    secretSealed: row.secret_sealed,
    lastStep: Number(row.last_step),
    confirmedAt: orNull(row.confirmed_at),
    createdAt: Number(row.created_at),
    pending:
      row.pending_secret_sealed === null || row.pending_created_at === null
        ? null
        : { secretSealed: row.pending_secret_sealed, createdAt: Number(row.pending_created_at) },
  };
}

export function createAccountStore(db: Kysely<Database>) {
  return {
    async insertAccount(account: AccountRecord): Promise<void> {
      await db.insertInto('accounts').values(toAccountRow(account)).execute();
    },
    async byId(id: string): Promise<AccountRecord | undefined> {
      const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toAccount(row);
    },
    async byLogin(realm: string, login: string): Promise<AccountRecord | undefined> {
      const row = await db
        .selectFrom('accounts')
        .selectAll()
        .where('realm', '=', realm)
        .where('login', '=', login)
        .executeTakeFirst();
      return row && toAccount(row);
    },
    async bySubject(realm: string, subjectId: string): Promise<AccountRecord | undefined> {
      const row = await db
        .selectFrom('accounts')
        .selectAll()
        .where('realm', '=', realm)
        .where('subject_id', '=', subjectId)
        .executeTakeFirst();
      return row && toAccount(row);
    },
    /** Customer accounts whose login is not yet a keyed index (stored before logins were indexed). */
    async customerAccountsWithClearLogin(indexPrefix: string): Promise<AccountRecord[]> {
      const rows = await db
        .selectFrom('accounts')
        .selectAll()
        .where('realm', '=', 'customer')
        .where('login', 'not like', `${indexPrefix}%`)
        .execute();
      return rows.map(toAccount);
    },
    /** Replace a clear login (only if it is still `clearLogin`) by its index, and the name by the sealed contact. */
    async protectLogin(
      id: string,
      clearLogin: string,
      to: { login: string; displaySealed: Buffer | null },
    ): Promise<boolean> {
      const result = await db
        .updateTable('accounts')
        .set({ login: to.login, display_name: '', display_sealed: to.displaySealed })
        .where('id', '=', id)
        .where('login', '=', clearLogin)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /**
     * Drop the old versions of rewritten account rows from storage: PostgreSQL keeps them until a VACUUM
     * (FULL rewrites the table, so they are not merely marked free); SQLite zeroes them (secure_delete) and
     * keeps them only in the WAL, which a truncating checkpoint empties.
     */
    async reclaimAccountSpace(dialect: DialectName): Promise<void> {
      if (dialect === 'postgres') await sql`vacuum full accounts`.execute(db);
      else await sql`pragma wal_checkpoint(truncate)`.execute(db);
    },
    /**
     * Remove an account and everything that hangs off it (sessions, second factors, invitations, SSO link),
     * in one transaction. Returns how many live sessions it ended.
     */
    async eraseAccount(id: string, now: number): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const live = await trx
          .selectFrom('sessions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_id', '=', id)
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirstOrThrow();
        for (const table of [
          'sessions',
          'totp_credentials',
          'recovery_codes',
          'passkeys',
          'invitations',
          'sso_identities',
        ] as const) {
          await trx.deleteFrom(table).where('account_id', '=', id).execute();
        }
        await trx.deleteFrom('accounts').where('id', '=', id).execute();
        return Number(live.n);
      });
    },
    async update(id: string, change: AccountChange): Promise<void> {
      const set: Updateable<AccountsTable> = {};
      if (change.passwordHash !== undefined) set.password_hash = change.passwordHash;
      if (change.status !== undefined) set.status = change.status;
      if (change.enrolledAt !== undefined) set.enrolled_at = change.enrolledAt;
      if (change.updatedAt !== undefined) set.updated_at = change.updatedAt;
      await db.updateTable('accounts').set(set).where('id', '=', id).execute();
    },

    /** Status `from` → `to`; false when the account was not in `from` (someone else changed it first). */
    async changeStatus(id: string, from: string, to: string, at: number): Promise<boolean> {
      const result = await db
        .updateTable('accounts')
        .set({ status: to, updated_at: at })
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async insertInvitation(invitation: InvitationRecord): Promise<void> {
      await db
        .insertInto('invitations')
        .values({
          token_hash: invitation.tokenHash,
          account_id: invitation.accountId,
          expires_at: invitation.expiresAt,
          used_at: invitation.usedAt,
          created_at: invitation.createdAt,
        })
        .execute();
    },
    /** The account an invitation is for, if it is still usable (does not use it). */
    async pendingInvitation(hash: Buffer, now: number): Promise<string | undefined> {
      const row = await db
        .selectFrom('invitations')
        .select('account_id')
        .where('token_hash', '=', hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row?.account_id;
    },
    /** Use an invitation once: true only for the first caller, before it expires. */
    async useInvitation(hash: Buffer, now: number): Promise<string | undefined> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('invitations')
          .selectAll()
          .where('token_hash', '=', hash)
          .where('used_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (!row) return undefined;
        const used = await trx
          .updateTable('invitations')
          .set({ used_at: now })
          .where('token_hash', '=', hash)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        return Number(used.numUpdatedRows) === 1 ? row.account_id : undefined;
      });
    },

    async totp(accountId: string): Promise<TotpCredential | undefined> {
      const row = await db
        .selectFrom('totp_credentials')
        .selectAll()
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return row && toTotp(row);
    },
    /** A first enrolment's credential (unconfirmed); never overwrites a confirmed one. */
    async putTotp(credential: TotpCredential): Promise<boolean> {
      const row: TotpCredentialsTable = {
        account_id: credential.accountId,
        secret_sealed: credential.secretSealed,
        last_step: credential.lastStep,
        confirmed_at: credential.confirmedAt,
        created_at: credential.createdAt,
        pending_secret_sealed: null,
        pending_created_at: null,
      };
      const result = await db
        .insertInto('totp_credentials')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('account_id')
            .doUpdateSet({
              secret_sealed: row.secret_sealed,
              last_step: row.last_step,
              confirmed_at: row.confirmed_at,
              created_at: row.created_at,
              pending_secret_sealed: null,
              pending_created_at: null,
            })
            .where('totp_credentials.confirmed_at', 'is', null),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    /** A re-enrolment's new secret beside the confirmed one (replacing any earlier pending one). */
    async putPendingTotp(accountId: string, secretSealed: Buffer, createdAt: number): Promise<boolean> {
      const result = await db
        .updateTable('totp_credentials')
        .set({ pending_secret_sealed: secretSealed, pending_created_at: createdAt })
        .where('account_id', '=', accountId)
        .where('confirmed_at', 'is not', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /**
     * The pending secret takes the confirmed one's place, once: only while it is still the one the caller
     * checked the code against, so two confirmations (or a confirmation racing a new enrolment) cannot both win.
     */
    async promotePendingTotp(
      accountId: string,
      pendingSealed: Buffer,
      step: number,
      confirmedAt: number,
    ): Promise<boolean> {
      const result = await db
        .updateTable('totp_credentials')
        .set({
          secret_sealed: pendingSealed,
          last_step: step,
          confirmed_at: confirmedAt,
          created_at: confirmedAt,
          pending_secret_sealed: null,
          pending_created_at: null,
        })
        .where('account_id', '=', accountId)
        .where('pending_secret_sealed', '=', pendingSealed)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Accept a TOTP step once: only if it is newer than the last accepted (replays lose the race too). */
    async advanceTotpStep(accountId: string, step: number, confirmedAt?: number): Promise<boolean> {
      const result = await db
        .updateTable('totp_credentials')
        .set(confirmedAt === undefined ? { last_step: step } : { last_step: step, confirmed_at: confirmedAt })
        .where('account_id', '=', accountId)
        .where('last_step', '<', step)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async replaceRecoveryCodes(accountId: string, hashes: Buffer[]): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
        const rows = hashes.map((codeHash, idx) => ({
          account_id: accountId,
          idx,
          code_hash: codeHash,
          used_at: null,
        }));
        if (rows.length > 0) await trx.insertInto('recovery_codes').values(rows).execute();
      });
    },
    async unusedRecoveryCodes(accountId: string): Promise<RecoveryCodeRecord[]> {
      const rows = await db
        .selectFrom('recovery_codes')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('used_at', 'is', null)
        .orderBy('idx')
        .execute();
      return rows.map((row) => ({
        accountId: row.account_id,
        index: Number(row.idx),
        codeHash: row.code_hash,
        usedAt: orNull(row.used_at),
      }));
    },
    async useRecoveryCode(accountId: string, idx: number, now: number): Promise<boolean> {
      const result = await db
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('account_id', '=', accountId)
        .where('idx', '=', idx)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type AccountStore = ReturnType<typeof createAccountStore>;
