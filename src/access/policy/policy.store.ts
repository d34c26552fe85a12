/**
 * SQL for the policy set: its stored versions (the highest is in force) and the proposals to change it,
 * as `PolicyVersionRecord`s and `PolicyProposalRecord`s (policy.types.ts).
 *
 * Invariant: a version is only ever added, never changed, and only as live + 1 from a pending proposal
 * written against the live version, in one transaction with marking that proposal approved — so two
 * approvals racing for the same next version cannot both win (the version is the primary key).
 */
import type { Kysely, Transaction } from 'kysely';
import { isUniqueViolation } from '../../platform/database/constraint.ts';
import type { Database, PolicyProposalsTable, PolicyVersionsTable } from '../../platform/database/schema.ts';
import type { PolicyProposalRecord, PolicyProposalStatus, PolicyVersionRecord } from './policy.types.ts';

type Db = Kysely<Database> | Transaction<Database>;

const orNull = (value: number | null): number | null => (value === null ? null : Number(value));

function toVersion(row: PolicyVersionsTable): PolicyVersionRecord {
  return {
    version: Number(row.version),
    text: row.text,
    proposalId: row.proposal_id,
    approvedBy: row.approved_by,
    createdAt: Number(row.created_at),
  };
}

function toProposal(row: PolicyProposalsTable): PolicyProposalRecord {
  return {
    id: row.id,
    baseVersion: Number(row.base_version),
    text: row.text,
    proposedBy: row.proposed_by,
    proposedAt: Number(row.proposed_at),
    status: row.status as PolicyProposalStatus,
    decidedBy: row.decided_by,
    decidedAt: orNull(row.decided_at),
    version: orNull(row.version),
  };
}

/** Thrown inside the approval transaction to roll it back when the proposal was decided meanwhile. */
class DecidedMeanwhile extends Error {}

export type ActivationResult = 'activated' | 'not_pending' | 'stale';

export function createPolicyStore(db: Kysely<Database>) {
  async function liveVersion(trx: Db = db): Promise<number | undefined> {
    const row = await trx
      .selectFrom('policy_versions')
      .select((eb) => eb.fn.max('version').as('version'))
      .executeTakeFirst();
    return row?.version === null || row?.version === undefined ? undefined : Number(row.version);
  }

  return {
    /** The version in force, without its text: the cheap check other nodes poll. */
    liveVersion,

    async live(trx: Db = db): Promise<PolicyVersionRecord | undefined> {
      const row = await trx
        .selectFrom('policy_versions')
        .selectAll()
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toVersion(row);
    },

    async version(version: number, trx: Db = db): Promise<PolicyVersionRecord | undefined> {
      const row = await trx
        .selectFrom('policy_versions')
        .selectAll()
        .where('version', '=', version)
        .executeTakeFirst();
      return row && toVersion(row);
    },

    /** Store `text` as version 1 unless there is one already; true if this call stored it. */
    async installInitial(text: string, at: number, trx: Db = db): Promise<boolean> {
      const result = await trx
        .insertInto('policy_versions')
        .values({ version: 1, text, proposal_id: null, approved_by: null, created_at: at })
        .onConflict((oc) => oc.column('version').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    async insertProposal(proposal: PolicyProposalRecord, trx: Db = db): Promise<void> {
      await trx
        .insertInto('policy_proposals')
        .values({
          id: proposal.id,
          base_version: proposal.baseVersion,
          text: proposal.text,
          proposed_by: proposal.proposedBy,
          proposed_at: proposal.proposedAt,
          status: proposal.status,
          decided_by: proposal.decidedBy,
          decided_at: proposal.decidedAt,
          version: proposal.version,
        })
        .execute();
    },

    async proposal(id: string, trx: Db = db): Promise<PolicyProposalRecord | undefined> {
      const row = await trx
        .selectFrom('policy_proposals')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toProposal(row);
    },

    async pendingProposals(limit = 100, trx: Db = db): Promise<PolicyProposalRecord[]> {
      const rows = await trx
        .selectFrom('policy_proposals')
        .selectAll()
        .where('status', '=', 'pending')
        .orderBy('proposed_at')
        .limit(limit)
        .execute();
      return rows.map(toProposal);
    },

    /**
     * Put a pending proposal in force as version `baseVersion + 1`: `stale` if the live version is no
     * longer its base (or another approval got there first), `not_pending` if it was decided meanwhile.
     */
    async activate(
      change: { proposalId: string; approvedBy: string; at: number },
      trx?: Transaction<Database>,
    ): Promise<ActivationResult> {
      const run = async (t: Transaction<Database>): Promise<ActivationResult> => {
        const proposal = await t
          .selectFrom('policy_proposals')
          .selectAll()
          .where('id', '=', change.proposalId)
          .executeTakeFirst();
        if (!proposal || proposal.status !== 'pending') return 'not_pending';
        if ((await liveVersion(t)) !== proposal.base_version) return 'stale';
        const version = proposal.base_version + 1;
        await t
          .insertInto('policy_versions')
          .values({
            version,
            text: proposal.text,
            proposal_id: proposal.id,
            approved_by: change.approvedBy,
            created_at: change.at,
          })
          .execute();
        const decided = await t
          .updateTable('policy_proposals')
          .set({ status: 'approved', decided_by: change.approvedBy, decided_at: change.at, version })
          .where('id', '=', change.proposalId)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(decided.numUpdatedRows) !== 1) throw new DecidedMeanwhile();
        return 'activated';
      };
      try {
        return trx ? await run(trx) : await db.transaction().execute(run);
      } catch (error) {
        if (error instanceof DecidedMeanwhile) return 'not_pending';
        if (isUniqueViolation(error)) return 'stale';
        throw error;
      }
    },

    /** Mark a pending proposal rejected; false if it was not pending. */
    async reject(
      change: { proposalId: string; rejectedBy: string; at: number },
      trx: Db = db,
    ): Promise<boolean> {
      const result = await trx
        .updateTable('policy_proposals')
        .set({ status: 'rejected', decided_by: change.rejectedBy, decided_at: change.at })
        .where('id', '=', change.proposalId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type PolicyStore = ReturnType<typeof createPolicyStore>;
