/** SQL for passkeys: the `PasskeyStore` the passkey service needs, scoped to the owning account for changes. */
import type { Kysely } from 'kysely';
import type { Database, PasskeysTable } from '../../platform/database/schema.ts';
import type { PasskeyRow, PasskeyStore } from './passkeys.ts';

function toRow(row: PasskeysTable): PasskeyRow {
  return {
    credentialId: row.credential_id,
    accountId: row.account_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: JSON.parse(row.transports) as string[],
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export function createPasskeyStore(db: Kysely<Database>): PasskeyStore {
  return {
    async byAccount(accountId) {
      const rows = await db
        .selectFrom('passkeys')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at')
        .execute();
      return rows.map(toRow);
    },
    async byCredentialId(credentialId) {
      const row = await db
        .selectFrom('passkeys')
        .selectAll()
        .where('credential_id', '=', credentialId)
        .executeTakeFirst();
      return row && toRow(row);
    },
    async insert(row) {
      await db
        .insertInto('passkeys')
        .values({
          credential_id: row.credentialId,
          account_id: row.accountId,
          public_key: row.publicKey,
          counter: row.counter,
          transports: JSON.stringify(row.transports),
          name: row.name,
          created_at: row.createdAt,
          last_used_at: row.lastUsedAt,
        })
        .execute();
    },
    async updateCounter(credentialId, counter, lastUsedAt) {
      await db
        .updateTable('passkeys')
        .set({ counter, last_used_at: lastUsedAt })
        .where('credential_id', '=', credentialId)
        .execute();
    },
    async rename(accountId, credentialId, name) {
      const result = await db
        .updateTable('passkeys')
        .set({ name })
        .where('credential_id', '=', credentialId)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async remove(accountId, credentialId) {
      const result = await db
        .deleteFrom('passkeys')
        .where('credential_id', '=', credentialId)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}
