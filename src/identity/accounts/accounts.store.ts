/** SQL for accounts and what hangs off them: invitations, TOTP credentials, recovery codes. */
import type { Kysely } from 'kysely';
import type {
  AccountsTable,
  Database,
  InvitationsTable,
  RecoveryCodesTable,
  TotpCredentialsTable,
} from '../../platform/database/schema.ts';

export function createAccountStore(db: Kysely<Database>) {
  return {
    async insertAccount(row: AccountsTable): Promise<void> {
      await db.insertInto('accounts').values(row).execute();
    },
    async byId(id: string): Promise<AccountsTable | undefined> {
      return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async byLogin(realm: string, login: string): Promise<AccountsTable | undefined> {
      return db
        .selectFrom('accounts')
        .selectAll()
        .where('realm', '=', realm)
        .where('login', '=', login)
        .executeTakeFirst();
    },
    async bySubject(realm: string, subjectId: string): Promise<AccountsTable | undefined> {
      return db
        .selectFrom('accounts')
        .selectAll()
        .where('realm', '=', realm)
        .where('subject_id', '=', subjectId)
        .executeTakeFirst();
    },
    async update(id: string, change: Partial<AccountsTable>): Promise<void> {
      await db.updateTable('accounts').set(change).where('id', '=', id).execute();
    },

    async insertInvitation(row: InvitationsTable): Promise<void> {
      await db.insertInto('invitations').values(row).execute();
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

    async totp(accountId: string): Promise<TotpCredentialsTable | undefined> {
      return db
        .selectFrom('totp_credentials')
        .selectAll()
        .where('account_id', '=', accountId)
        .executeTakeFirst();
    },
    async putTotp(row: TotpCredentialsTable): Promise<void> {
      await db
        .insertInto('totp_credentials')
        .values(row)
        .onConflict((oc) =>
          oc.column('account_id').doUpdateSet({
            secret_sealed: row.secret_sealed,
            last_step: row.last_step,
            confirmed_at: row.confirmed_at,
            created_at: row.created_at,
          }),
        )
        .execute();
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
        const rows: RecoveryCodesTable[] = hashes.map((code_hash, idx) => ({
          account_id: accountId,
          idx,
          code_hash,
          used_at: null,
        }));
        if (rows.length > 0) await trx.insertInto('recovery_codes').values(rows).execute();
      });
    },
    async unusedRecoveryCodes(accountId: string): Promise<RecoveryCodesTable[]> {
      return db
        .selectFrom('recovery_codes')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('used_at', 'is', null)
        .orderBy('idx')
        .execute();
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
