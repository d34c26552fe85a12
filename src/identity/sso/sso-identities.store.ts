/**
 * SQL for staff single sign-on: the identity-provider subject → staff account link, the account and staff
 * member it signs in as, and first-sign-in provisioning of all three in one transaction.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/database/schema.ts';
import { toAccountRow } from '../accounts/accounts.store.ts';
import type { AccountRecord } from '../accounts/accounts.types.ts';
import { toStaffRow } from '../staff/staff.store.ts';
import type { StaffMember } from '../staff/staff.types.ts';

export interface LinkedStaff {
  accountId: string;
  accountStatus: string;
  staffId: string;
  role: string;
}

export function createSsoIdentityStore(db: Kysely<Database>) {
  return {
    /** The staff account an issuer's subject signs in as, with its status and role; undefined if none yet. */
    async linked(issuer: string, subject: string): Promise<LinkedStaff | undefined> {
      const row = await db
        .selectFrom('sso_identities')
        .innerJoin('accounts', 'accounts.id', 'sso_identities.account_id')
        .innerJoin('staff', 'staff.id', 'accounts.subject_id')
        .select([
          'accounts.id as accountId',
          'accounts.status as accountStatus',
          'staff.id as staffId',
          'staff.role as role',
        ])
        .where('sso_identities.issuer', '=', issuer)
        .where('sso_identities.subject', '=', subject)
        .where('accounts.realm', '=', 'staff')
        .executeTakeFirst();
      return row;
    },

    /** First sign-in: the staff member, their account and the identity link, all or nothing. */
    async provision(input: {
      staff: StaffMember;
      account: AccountRecord;
      issuer: string;
      subject: string;
    }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('staff').values(toStaffRow(input.staff)).execute();
        await trx.insertInto('accounts').values(toAccountRow(input.account)).execute();
        await trx
          .insertInto('sso_identities')
          .values({
            issuer: input.issuer,
            subject: input.subject,
            account_id: input.account.id,
            created_at: input.account.createdAt,
            last_sign_in_at: input.account.createdAt,
          })
          .execute();
      });
    },

    async recordSignIn(issuer: string, subject: string, at: number): Promise<void> {
      await db
        .updateTable('sso_identities')
        .set({ last_sign_in_at: at })
        .where('issuer', '=', issuer)
        .where('subject', '=', subject)
        .execute();
    },

    /** The IdP's group mapping changed the role: granted now (a privileged one starts its cooling-off). */
    async setRole(staffId: string, role: string, at: number): Promise<void> {
      await db.updateTable('staff').set({ role, role_granted_at: at }).where('id', '=', staffId).execute();
    },
  };
}

export type SsoIdentityStore = ReturnType<typeof createSsoIdentityStore>;
