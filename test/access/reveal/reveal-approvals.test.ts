/**
 * Reveal approvals (PIPL art. 28; LAW.md row 15) on both dialects: asked through a case, decided by a
 * second person of the security role with a fresh step-up, used once by the reveal path — only by its
 * requester, on its case, for fields it names, before it expires, when approved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StaffPrincipal } from '../../../src/identity/sessions/principal.ts';
import { REVEAL_APPROVAL_TTL_MS } from '../../../src/access/reveal/reveal-approvals.service.ts';
import type { Session } from '../../../src/identity/sessions/sessions.ts';
import { totp } from '../../../src/identity/second-factor/totp.ts';
import type { LedgerEntry } from '../../../src/ledger/entry-types.ts';
import { systemActor } from '../../../src/platform/actor.ts';
import { manualClock } from '../../../src/platform/clock.ts';
import { type AccessFixture, accessFixture, type Staff } from '../../support/access-fixture.ts';
import { dialects } from '../../support/databases.ts';

const NATIONAL_ID = '11010519491231002X';

for (const { dialect, skip } of await dialects()) {
  describe(`reveal approvals (${dialect})`, { skip }, () => {
    let f: AccessFixture;
    const clock = manualClock(Date.now());
    let sam: Staff;
    let sec: Staff;

    /** The reveal path's view of a staff member (consume reads nothing from the session). */
    const principal = (who: Staff): StaffPrincipal => ({
      staffId: who.staffId,
      role: who.role as StaffPrincipal['role'],
      region: 'east',
      site: 'east-call-centre',
      actor: { type: 'staff', id: who.staffId },
      session: {} as Session,
    });
    const consume = (who: Staff, caseId: string, approvalId: string, fields = ['national_id']) =>
      f.t.custos.access.revealApprovals.consume(principal(who), caseId, approvalId, fields);
    const ask = (who: Staff, caseId: string, fields = ['national_id']) =>
      f.send(who, 'POST', `/v1/cases/${caseId}/reveal-approvals`, {
        fields,
        reason: 'customer at the counter asked to check their ID',
      });
    const decide = (who: Staff, id: string, verb: 'approve' | 'reject') =>
      f.send(who, 'POST', `/v1/reveal-approvals/${id}/${verb}`);
    const stepUp = async (who: Staff) => {
      const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clock.now()) });
      assert.equal(res.status, 204, JSON.stringify(res.body));
    };
    /** An identity_check case with the customer present (the only purpose the default policy lets reveal the sensitive class). */
    const identityCase = async (who: Staff, customerId?: string) => {
      const id = customerId ?? (await f.customer());
      const { code } = await f.t.custos.access.presenceCodes.issue(systemActor, id);
      return f.openCase(who, id, 'identity_check', { presenceCode: code });
    };
    /** An approved approval of `who` on a new identity_check case. */
    const approved = async (who: Staff) => {
      const caseId = await identityCase(who);
      const asked = await ask(who, caseId);
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const decided = await decide(sec, asked.body.id, 'approve');
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
      return { caseId, approvalId: asked.body.id as string };
    };
    async function entriesSince(from: number): Promise<LedgerEntry[]> {
      const out: LedgerEntry[] = [];
      for (let i = from; i < f.t.custos.ledger.size(); i++) {
        const { entry } = await f.t.custos.ledger.entry(i);
        if (entry) out.push(entry);
      }
      return out;
    }

    before(async () => {
      f = await accessFixture(dialect, { clock });
      sam = await f.staff('support');
      sec = await f.staff('security');
    });
    after(() => f?.close());

    test('asked, approved by security, then consumed exactly once; every step ledgered without personal data', async () => {
      const from = f.t.custos.ledger.size();
      const caseId = await identityCase(sam);
      const withoutApprover = await f.send(sam, 'POST', `/v1/cases/${caseId}/reveal`, {
        fields: ['national_id'],
        reason: 'customer asked to check their ID',
      });
      assert.equal(withoutApprover.status, 403, 'a national-ID reveal without an approver fails');

      const asked = await ask(sam, caseId);
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      assert.equal(asked.body.status, 'pending');
      assert.equal(asked.body.caseId, caseId);
      assert.deepEqual(asked.body.fields, ['national_id']);
      assert.equal(asked.body.evidence, 'presence_code', 'the approver sees the customer is there');
      assert.equal(asked.body.requestedBy, sam.staffId);
      assert.equal(
        Date.parse(asked.body.expiresAt) - Date.parse(asked.body.createdAt),
        REVEAL_APPROVAL_TTL_MS,
      );
      const id = asked.body.id as string;

      assert.equal(await consume(sam, caseId, id), false, 'not before approval');
      const pending = await f.send(sec, 'GET', '/v1/reveal-approvals/pending');
      assert.equal(pending.status, 200);
      assert.ok(pending.body.approvals.some((a: { id: string }) => a.id === id));
      assert.equal((await f.send(sam, 'GET', `/v1/reveal-approvals/${id}`)).body.status, 'pending');

      const decided = await decide(sec, id, 'approve');
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
      assert.equal(decided.body.status, 'approved');
      assert.equal(decided.body.decidedBy, sec.staffId);
      assert.equal((await decide(sec, id, 'reject')).body.error.code, 'APPROVAL_NOT_PENDING');
      assert.ok(
        !(await f.send(sec, 'GET', '/v1/reveal-approvals/pending')).body.approvals.some(
          (a: { id: string }) => a.id === id,
        ),
      );

      assert.equal(await consume(sam, caseId, id), true);
      assert.equal(await consume(sam, caseId, id), false, 'single use');
      assert.equal((await f.send(sam, 'GET', `/v1/reveal-approvals/${id}`)).body.status, 'used');

      const entries = await entriesSince(from);
      const types = entries.map((e) => e.type);
      for (const type of ['reveal_approval.requested', 'reveal_approval.decided', 'reveal_approval.used']) {
        assert.equal(types.filter((t) => t === type).length, 1, type);
      }
      const decidedEntry = entries.find((e) => e.type === 'reveal_approval.decided');
      assert.equal(decidedEntry?.actor, `staff:${sec.staffId}`);
      assert.deepEqual(decidedEntry?.data, { approvalId: id, caseId, approved: true });
      const usedEntry = entries.find((e) => e.type === 'reveal_approval.used');
      assert.deepEqual(usedEntry?.data, { approvalId: id, caseId, fields: ['national_id'] });
      const text = JSON.stringify(entries);
      assert.ok(
        !text.includes(NATIONAL_ID) && !text.includes('check their ID'),
        'no personal data, no reason',
      );
    });

    test('two concurrent reveals with one approval: one uses it', async () => {
      const { caseId, approvalId } = await approved(sam);
      const results = await Promise.all([0, 1, 2].map(() => consume(sam, caseId, approvalId)));
      assert.deepEqual([...results].sort(), [false, false, true], JSON.stringify(results));
    });

    test('only for its requester, its case and fields it names; a refusal does not use it up', async () => {
      const { caseId, approvalId } = await approved(sam);
      const colleague = await f.staff('support');
      assert.equal(
        (await f.send(sam, 'POST', `/v1/cases/${caseId}/assignees`, { staffId: colleague.staffId })).status,
        200,
      );
      const otherCase = await identityCase(sam);
      const before = f.t.custos.ledger.size();

      assert.equal(await consume(sam, otherCase, approvalId), false, 'wrong case');
      assert.equal(await consume(colleague, caseId, approvalId), false, 'a co-assignee is not the requester');
      assert.equal(
        await consume(sam, caseId, approvalId, ['national_id', 'phone']),
        false,
        'a field not approved',
      );
      assert.equal(await consume(sam, caseId, approvalId, []), false);
      assert.equal(await consume(sam, caseId, 'not-an-id'), false);
      assert.equal(await consume(sam, caseId, '01900000-0000-7000-8000-000000000000'), false);
      assert.equal(f.t.custos.ledger.size(), before, 'a refusal is decided before anything is ledgered');
      assert.equal(await consume(sam, caseId, approvalId), true, 'still usable after the refusals');
    });

    test('the requester cannot approve, nor can support; an approver cannot approve their own request', async () => {
      const caseId = await identityCase(sam);
      const asked = await ask(sam, caseId);
      assert.equal(asked.status, 201);
      const own = await decide(sam, asked.body.id, 'approve');
      assert.equal(own.status, 403);
      const otherSupport = await f.staff('support');
      const bySupport = await decide(otherSupport, asked.body.id, 'approve');
      assert.equal(bySupport.status, 403);
      assert.equal(bySupport.body.error.code, 'ACCESS_DENIED');
      for (const who of [sam, otherSupport]) {
        assert.equal((await f.send(who, 'GET', '/v1/reveal-approvals/pending')).status, 403);
      }
      assert.equal((await f.send(otherSupport, 'GET', `/v1/reveal-approvals/${asked.body.id}`)).status, 403);

      // Promoted to security in the directory (read on every request), the requester still cannot decide.
      await f.t.custos.database.db
        .updateTable('staff')
        .set({ role: 'security' })
        .where('id', '=', sam.staffId)
        .execute();
      try {
        const promoted = await decide(sam, asked.body.id, 'approve');
        assert.equal(promoted.status, 403);
        assert.equal(promoted.body.error.code, 'SAME_PERSON');
        const ownRejection = await decide(sam, asked.body.id, 'reject');
        assert.equal(ownRejection.status, 403, 'nor reject it');
        assert.equal(ownRejection.body.error.code, 'SAME_PERSON');
      } finally {
        await f.t.custos.database.db
          .updateTable('staff')
          .set({ role: 'support' })
          .where('id', '=', sam.staffId)
          .execute();
      }
      assert.equal(await consume(sam, caseId, asked.body.id), false, 'still pending');
    });

    test('a row edited to look approved without a second person is not honoured', async () => {
      const db = f.t.custos.database.db;
      for (const decidedBy of [null, 'requester'] as const) {
        const caseId = await identityCase(sam);
        const asked = await ask(sam, caseId);
        assert.equal(asked.status, 201, JSON.stringify(asked.body));
        await db
          .updateTable('reveal_approvals')
          .set({
            status: 'approved',
            decided_by: decidedBy === null ? null : sam.staffId,
            decided_at: clock.now(),
          })
          .where('id', '=', asked.body.id)
          .execute();
        assert.equal(await consume(sam, caseId, asked.body.id), false, `decided by ${decidedBy}`);
      }
    });

    test('an approval is announced to the rest of the security role, by whom and for whom; a rejection is not', async () => {
      const colleague = await f.staff('security');
      const { approvalId } = await approved(sam);
      const told = await f.send(colleague, 'GET', '/v1/announcements');
      assert.equal(told.status, 200, JSON.stringify(told.body));
      const mine = (told.body as Array<{ kind: string; subjectId: string }>).filter(
        (a) => a.subjectId === approvalId,
      );
      assert.deepEqual(
        mine.map((a) => ({ ...a, id: undefined, createdAt: undefined })),
        [
          {
            id: undefined,
            createdAt: undefined,
            role: 'security',
            kind: 'reveal_approval.approved',
            subjectId: approvalId,
            requestedBy: sam.staffId,
            decidedBy: sec.staffId,
          },
        ],
      );
      const asked = await ask(sam, await identityCase(sam));
      assert.equal((await decide(sec, asked.body.id, 'reject')).status, 200);
      const after = (await f.send(colleague, 'GET', '/v1/announcements')).body as Array<{
        subjectId: string;
      }>;
      assert.ok(!after.some((a) => a.subjectId === asked.body.id), 'rejections are not announced');
    });

    test('an approver the requester invited cannot approve their reveal', async () => {
      const puppet = await f.staff('security');
      await f.t.custos.database.db
        .updateTable('staff')
        .set({ invited_by: sam.staffId })
        .where('id', '=', puppet.staffId)
        .execute();
      const caseId = await identityCase(sam);
      const asked = await ask(sam, caseId);
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      const byPuppet = await decide(puppet, asked.body.id, 'approve');
      assert.deepEqual([byPuppet.status, byPuppet.body.error?.code], [403, 'APPROVER_NOT_INDEPENDENT']);
      assert.equal(await consume(sam, caseId, asked.body.id), false, 'still pending');
    });

    test('a rejected approval is refused', async () => {
      const caseId = await identityCase(sam);
      const asked = await ask(sam, caseId);
      const rejected = await decide(sec, asked.body.id, 'reject');
      assert.equal(rejected.status, 200);
      assert.equal(rejected.body.status, 'rejected');
      assert.equal(await consume(sam, caseId, asked.body.id), false);
      assert.equal((await decide(sec, asked.body.id, 'approve')).status, 409);
    });

    test('deciding needs a fresh step-up', async () => {
      const caseId = await identityCase(sam);
      const asked = await ask(sam, caseId);
      clock.advance(5 * 60_000 + 1000);
      const stale = await decide(sec, asked.body.id, 'approve');
      assert.equal(stale.status, 401);
      assert.equal(stale.body.error.code, 'STEP_UP_REQUIRED');
      await stepUp(sec);
      assert.equal((await decide(sec, asked.body.id, 'approve')).status, 200);
      await stepUp(sam);
    });

    test('an expired approval is refused: neither decided nor used after 30 minutes', async () => {
      const early = await approved(sam);
      const caseId = await identityCase(sam);
      const late = await ask(sam, caseId);
      assert.equal(late.status, 201);
      clock.advance(REVEAL_APPROVAL_TTL_MS);
      // Sessions idle out after 15 minutes: a new security officer decides.
      const fresh = await f.staff('security');
      const from = f.t.custos.ledger.size();
      assert.equal(await consume(sam, early.caseId, early.approvalId), false, 'approved, then expired');
      const decided = await decide(fresh, late.body.id, 'approve');
      assert.equal(decided.status, 409);
      assert.equal(decided.body.error.code, 'APPROVAL_NOT_PENDING');
      const ledgered = (await entriesSince(from)).map((e) => e.type);
      assert.ok(
        !ledgered.some((t) => t.startsWith('reveal_approval.') || t === 'act.failed'),
        `refused at the expiry itself, before the ledger: ${ledgered.join(', ')}`,
      );
      assert.ok(
        !(await f.send(fresh, 'GET', '/v1/reveal-approvals/pending')).body.approvals.some(
          (a: { id: string }) => a.id === late.body.id,
        ),
      );
      assert.equal(
        (await f.send(fresh, 'GET', `/v1/reveal-approvals/${early.approvalId}`)).body.status,
        'expired',
      );
      sam = await f.staff('support');
      sec = fresh;
    });

    test('asking needs a case the policy lets you view, and fields the policy would reveal once approved', async () => {
      const contractor = await f.staff('contractor');
      const customerId = await f.customer();
      const repair = await f.openCase(sam, customerId, 'repair');
      const refused = await ask(sam, repair);
      assert.equal(refused.status, 403, 'a repair case never reveals the national ID');
      assert.equal(refused.body.error.code, 'ACCESS_DENIED');
      const notMine = await ask(contractor, await identityCase(sam));
      assert.equal(notMine.status, 403);
      assert.equal(notMine.body.error.code, 'CASE_NOT_ASSIGNED');
      assert.equal((await ask(contractor, await identityCase(contractor))).status, 403, 'contractors never');
      assert.equal((await ask(sec, repair)).status, 403);
      const closed = await identityCase(sam);
      assert.equal((await f.send(sam, 'POST', `/v1/cases/${closed}/close`)).status, 200);
      assert.equal((await ask(sam, closed)).body.error.code, 'CASE_CLOSED');
      assert.equal((await ask(sam, await identityCase(sam), ['shoe_size'])).status, 400);
      assert.equal((await ask(sam, '01900000-0000-7000-8000-000000000000')).status, 404);
      const noReason = await f.send(sam, 'POST', `/v1/cases/${repair}/reveal-approvals`, {
        fields: ['name'],
        reason: 'x',
      });
      assert.equal(noReason.status, 400);
    });
  });
}
