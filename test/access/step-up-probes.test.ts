/**
 * A stale step-up is refused at every place src/ asks for one. The call sites are found by scanning src/ for
 * `.requireStepUp(` and naming each by its file and enclosing function; every one must have a probe here,
 * and every probe a call site, so a new call site without a probe (or a probe left behind by a removed
 * check) fails the first test.
 *
 * A probe prepares what its act needs with a fresh second factor, lets the step-up window pass on a manual
 * clock (the session itself stays live), and sends the act: it must be refused with 401
 * `STEP_UP_REQUIRED`. Then the same staff member steps up and sends the same act again: now it must get
 * past the check (any answer but `STEP_UP_REQUIRED`), which shows the probe reaches the check it is
 * about and was not refused for another reason. Most probes go over HTTP; a check behind another one (the
 * identity service's own check under the portal invitation route) is probed at its service.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeBase32 } from '../../src/identity/second-factor/base32.ts';
import { totp } from '../../src/identity/second-factor/totp.ts';
import { defaultPolicies } from '../../src/identity/sessions/sessions.ts';
import { systemActor } from '../../src/platform/actor.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { isCustosError } from '../../src/platform/errors.ts';
import { type AccessFixture, accessFixture, type Reply, type Staff } from '../support/access-fixture.ts';
import { portalCustomer } from '../support/portal-customer.ts';

const repo = new URL('../../', import.meta.url).pathname;

/** `src/…/file.ts#enclosingFunction` of every `.requireStepUp(` call in src/. */
function stepUpCallSites(): string[] {
  const sites = new Set<string>();
  const src = join(repo, 'src');
  for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    const lines = readFileSync(join(src, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!/\.requireStepUp\(/.test(line)) return;
      const indent = line.search(/\S/);
      for (let j = i - 1; j >= 0; j--) {
        const above = lines[j] as string;
        if (above.trim() === '' || above.search(/\S/) >= indent) continue;
        const named = /^\s*(?:export\s+)?(?:async\s+)?(?:function\s+)?([A-Za-z_$][\w$]*)\s*[(<]/.exec(above);
        if (named && !['if', 'for', 'while', 'switch', 'catch', 'return'].includes(named[1] as string)) {
          sites.add(`${relative(repo, join(src, file))}#${named[1]}`);
          return;
        }
      }
      throw new Error(`${file}:${i + 1}: a requireStepUp call outside any named function`);
    });
  }
  return [...sites].sort();
}

describe('a stale step-up is refused at every requireStepUp call site', () => {
  const clock = manualClock(Date.UTC(2026, 10, 23, 9));
  const STALE = defaultPolicies.staff.stepUpWindowMs + 1000;
  let f: AccessFixture;

  before(async () => {
    f = await accessFixture('sqlite', { clock });
  });
  after(() => f?.close());

  const stepUp = async (who: Staff) => {
    clock.advance(30_000); // a TOTP step not used yet
    const res = await f.send(who, 'POST', '/v1/auth/step-up', { code: totp(who.secret, clock.now()) });
    assert.equal(res.status, 204, JSON.stringify(res.body));
  };
  const code = (reply: Reply): string | undefined => reply.body?.error?.code;

  /** Let `who`'s step-up go stale, send the act (refused), step up, send it again (past the check). */
  async function staleThenFresh(who: Staff, act: () => Promise<Reply>): Promise<Reply> {
    clock.advance(STALE);
    const stale = await act();
    assert.deepEqual([stale.status, code(stale)], [401, 'STEP_UP_REQUIRED'], JSON.stringify(stale.body));
    await stepUp(who);
    const fresh = await act();
    assert.notEqual(code(fresh), 'STEP_UP_REQUIRED', JSON.stringify(fresh.body));
    return fresh;
  }

  /** `staleThenFresh` for a portal customer, who steps up at `/v1/portal/step-up`. */
  async function customerStaleThenFresh(
    who: Awaited<ReturnType<typeof portalCustomer>>,
    act: () => Promise<Reply>,
  ): Promise<Reply> {
    clock.advance(defaultPolicies.customer.stepUpWindowMs + 1000);
    const stale = await act();
    assert.deepEqual([stale.status, code(stale)], [401, 'STEP_UP_REQUIRED'], JSON.stringify(stale.body));
    clock.advance(30_000);
    const stepped = await who.send('POST', '/v1/portal/step-up', { code: totp(who.secret, clock.now()) });
    assert.equal(stepped.status, 204, JSON.stringify(stepped.body));
    const fresh = await act();
    assert.notEqual(code(fresh), 'STEP_UP_REQUIRED', JSON.stringify(fresh.body));
    return fresh;
  }

  const presentCase = async (who: Staff, purpose: string) => {
    const customerId = await f.customer();
    const { code: presenceCode } = await f.t.custos.access.presenceCodes.issue(systemActor, customerId);
    return f.openCase(who, customerId, purpose, { presenceCode });
  };
  const exportRequest = async (who: Staff) => {
    const asked = await f.send(who, 'POST', '/v1/exports', {
      kind: 'records',
      purpose: 'service_notice',
      customerIds: [await f.customer()],
      fields: ['name'],
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    return asked.body.id as string;
  };
  const proposal = async (who: Staff) => {
    const live = await f.send(who, 'GET', '/v1/policies');
    const proposed = await f.send(who, 'POST', '/v1/policies/proposals', {
      text: `${live.body.text}\n// probe ${Math.random()}\n`,
    });
    assert.equal(proposed.status, 201, JSON.stringify(proposed.body));
    return proposed.body.id as string;
  };

  /** Probes by call site; a call site reached by several acts has one probe per act. */
  const probes: Record<string, Record<string, () => Promise<void>>> = {
    'src/access/reveal/reveal.service.ts#reveal': {
      'POST /v1/cases/:id/reveal': async () => {
        const staff = await f.staff('support');
        const caseId = await f.openCase(staff, await f.customer());
        const fresh = await staleThenFresh(staff, () =>
          f.send(staff, 'POST', `/v1/cases/${caseId}/reveal`, { fields: ['name'], reason: 'customer asked' }),
        );
        assert.equal(fresh.status, 200);
      },
    },
    'src/access/reveal/reveal-approvals.service.ts#request': {
      'POST /v1/cases/:id/reveal-approvals': async () => {
        const staff = await f.staff('support');
        const caseId = await presentCase(staff, 'identity_check');
        const fresh = await staleThenFresh(staff, () =>
          f.send(staff, 'POST', `/v1/cases/${caseId}/reveal-approvals`, {
            fields: ['national_id'],
            reason: 'customer at the counter asked to check their ID',
          }),
        );
        assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
      },
    },
    'src/access/reveal/reveal-approvals.service.ts#decide': {
      'POST /v1/reveal-approvals/:id/approve': async () => {
        const staff = await f.staff('support');
        const security = await f.staff('security');
        const caseId = await presentCase(staff, 'identity_check');
        const asked = await f.send(staff, 'POST', `/v1/cases/${caseId}/reveal-approvals`, {
          fields: ['national_id'],
          reason: 'customer at the counter asked to check their ID',
        });
        assert.equal(asked.status, 201, JSON.stringify(asked.body));
        const fresh = await staleThenFresh(security, () =>
          f.send(security, 'POST', `/v1/reveal-approvals/${asked.body.id}/approve`),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
    },
    'src/privacy/consents.service.ts#setOwn': {
      // A customer's portal session: a grant needs a fresh second factor, a withdrawal never does.
      'PUT /v1/portal/me/consents/:purpose': async () => {
        const customer = await portalCustomer(f, clock.now);
        clock.advance(defaultPolicies.customer.stepUpWindowMs + 1000);
        const grant = () => customer.send('PUT', '/v1/portal/me/consents/sale', { granted: true });
        const stale = await grant();
        assert.deepEqual([stale.status, code(stale)], [401, 'STEP_UP_REQUIRED'], JSON.stringify(stale.body));
        const withdrawal = await customer.send('PUT', '/v1/portal/me/consents/sale', { granted: false });
        assert.equal(withdrawal.status, 200, 'a withdrawal needs no step-up');
        clock.advance(30_000);
        const stepped = await customer.send('POST', '/v1/portal/step-up', {
          code: totp(customer.secret, clock.now()),
        });
        assert.equal(stepped.status, 204, JSON.stringify(stepped.body));
        const fresh = await grant();
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
    },
    'src/access/cases/portal-invitations.service.ts#invite': {
      'POST /v1/cases/:id/portal-invitation': async () => {
        const staff = await f.staff('support');
        const caseId = await f.openCase(staff, await f.customer());
        const fresh = await staleThenFresh(staff, () =>
          f.send(staff, 'POST', `/v1/cases/${caseId}/portal-invitation`, { channel: 'email' }),
        );
        assert.ok(fresh.status < 300, JSON.stringify(fresh.body));
      },
    },
    'src/identity/accounts/invitations.service.ts#inviteCustomer': {
      // Behind the portal invitation route's own check: probed at the identity service.
      'identity.invitations.inviteCustomer': async () => {
        const staff = await f.staff('support');
        const customerId = await f.customer();
        const { identity } = f.t.custos;
        const act = async (): Promise<Reply> => {
          const session = await identity.sessions.authenticate(staff.token, 'staff');
          try {
            const outcome = await identity.invitations.inviteCustomer(session, {
              customerId,
              channel: 'email',
            });
            return { status: 200, body: outcome };
          } catch (error) {
            if (!isCustosError(error)) throw error;
            return { status: error.status, body: { error: { code: error.code } } };
          }
        };
        const fresh = await staleThenFresh(staff, act);
        assert.equal(fresh.body.outcome, 'invited');
      },
    },
    'src/access/policy/policy.service.ts#authoriseChange': {
      'POST /v1/policies/proposals': async () => {
        const admin = await f.staff('admin');
        const live = await f.send(admin, 'GET', '/v1/policies');
        const fresh = await staleThenFresh(admin, () =>
          f.send(admin, 'POST', '/v1/policies/proposals', { text: `${live.body.text}\n// probe\n` }),
        );
        assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
        await f.send(admin, 'POST', `/v1/policies/proposals/${fresh.body.id}/reject`);
      },
      'POST /v1/policies/proposals/:id/approve': async () => {
        const [proposer, approver] = [await f.staff('admin'), await f.staff('admin')];
        const id = await proposal(proposer);
        const fresh = await staleThenFresh(approver, () =>
          f.send(approver, 'POST', `/v1/policies/proposals/${id}/approve`),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
      'POST /v1/policies/proposals/:id/reject': async () => {
        const [proposer, approver] = [await f.staff('admin'), await f.staff('admin')];
        const id = await proposal(proposer);
        const fresh = await staleThenFresh(approver, () =>
          f.send(approver, 'POST', `/v1/policies/proposals/${id}/reject`),
        );
        assert.equal(fresh.status, 204, JSON.stringify(fresh.body));
      },
    },
    'src/access/exports/exports.service.ts#request': {
      'POST /v1/exports': async () => {
        const staff = await f.staff('support');
        const customerId = await f.customer();
        const fresh = await staleThenFresh(staff, () =>
          f.send(staff, 'POST', '/v1/exports', {
            kind: 'records',
            purpose: 'service_notice',
            customerIds: [customerId],
            fields: ['name'],
          }),
        );
        assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
      },
    },
    'src/access/exports/exports.service.ts#decide': {
      'POST /v1/exports/:id/approve': async () => {
        const [requester, security] = [await f.staff('support'), await f.staff('security')];
        const id = await exportRequest(requester);
        const fresh = await staleThenFresh(security, () =>
          f.send(security, 'POST', `/v1/exports/${id}/approve`),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
      'POST /v1/exports/:id/reject': async () => {
        const [requester, security] = [await f.staff('support'), await f.staff('security')];
        const id = await exportRequest(requester);
        const fresh = await staleThenFresh(security, () =>
          f.send(security, 'POST', `/v1/exports/${id}/reject`),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
    },
    'src/access/exports/exports.service.ts#run': {
      'POST /v1/exports/:id/run': async () => {
        const [requester, security] = [await f.staff('support'), await f.staff('security')];
        const id = await exportRequest(requester);
        assert.equal((await f.send(security, 'POST', `/v1/exports/${id}/approve`)).status, 200);
        const fresh = await staleThenFresh(requester, () =>
          f.send(requester, 'POST', `/v1/exports/${id}/run`),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
        assert.equal(fresh.body.records.length, 1);
      },
    },
    'src/access/customers/customers.service.ts#correct': {
      'PATCH /v1/cases/:id/customer': async () => {
        const staff = await f.staff('support');
        const caseId = await f.openCase(staff, await f.customer());
        const fresh = await staleThenFresh(staff, () =>
          f.send(staff, 'PATCH', `/v1/cases/${caseId}/customer`, { address: '9 Probe Road, Beijing' }),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
    },
    'src/access/break-glass/break-glass.service.ts#open': {
      'POST /v1/break-glass': async () => {
        const admin = await f.staff('admin');
        const customerId = await f.customer();
        const fresh = await staleThenFresh(admin, () =>
          f.send(admin, 'POST', '/v1/break-glass', {
            customerId,
            purpose: 'repair',
            reason: 'Customer locked out during an outage, manager away',
          }),
        );
        assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
      },
    },
    'src/access/break-glass/break-glass.service.ts#restore': {
      'POST /v1/break-glass/staff/:staffId/restore': async () => {
        const admin = await f.staff('admin');
        const [reviewer, restorer] = [await f.staff('security'), await f.staff('security')];
        await stepUp(admin);
        const opened = await f.send(admin, 'POST', '/v1/break-glass', {
          customerId: await f.customer(),
          purpose: 'repair',
          reason: 'Customer locked out during an outage, manager away',
        });
        assert.equal(opened.status, 201, JSON.stringify(opened.body));
        const reviewed = await f.send(reviewer, 'POST', `/v1/break-glass/${opened.body.id}/review`, {
          outcome: 'unjustified',
        });
        assert.equal(reviewed.status, 204, JSON.stringify(reviewed.body));
        const fresh = await staleThenFresh(restorer, () =>
          f.send(restorer, 'POST', `/v1/break-glass/staff/${admin.staffId}/restore`, {}),
        );
        assert.equal(fresh.status, 204, JSON.stringify(fresh.body));
      },
    },
    'src/access/quotas/quota-overrides.service.ts#decideRaise': {
      'POST /v1/quota-raises/:id/approve': async () => {
        const admin = await f.staff('admin');
        const clerk = await f.staff('store');
        const security = await f.staff('security');
        const asked = await f.send(admin, 'PUT', `/v1/staff/${clerk.staffId}/quotas/reveal_day`, {
          max: 500,
          hours: 8,
        });
        assert.equal(asked.status, 202, JSON.stringify(asked.body));
        const fresh = await staleThenFresh(security, () =>
          f.send(security, 'POST', `/v1/quota-raises/${asked.body.id}/approve`, {}),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
    },
    'src/identity/api-tokens/api-tokens.ts#createForStaff': {
      'POST /v1/api-tokens': async () => {
        const admin = await f.staff('admin');
        const fresh = await staleThenFresh(admin, () =>
          f.send(admin, 'POST', '/v1/api-tokens', { label: 'probe', scopes: ['staff_invite'] }),
        );
        assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
      },
    },
    'src/identity/staff/role-grants.ts#decide': {
      'POST /v1/staff/:staffId/role-grant/approve': async () => {
        const [inviter, approver] = [await f.staff('admin'), await f.staff('admin')];
        await stepUp(inviter);
        const minted = await f.send(inviter, 'POST', '/v1/api-tokens', {
          label: 'invites',
          scopes: ['staff_invite'],
        });
        assert.equal(minted.status, 201, JSON.stringify(minted.body));
        const invited = await f.app.inject({
          method: 'POST',
          url: '/v1/staff/invitations',
          headers: { authorization: `Bearer ${minted.body.token}` },
          payload: {
            email: `probe.security.${Date.now()}@custos.example`,
            displayName: 'Probe Security',
            role: 'security',
            region: 'east',
            site: 'east-call-centre',
            shift: 'day',
          },
        });
        assert.equal(invited.statusCode, 201, invited.body);
        assert.equal(invited.json().pending, true);
        const fresh = await staleThenFresh(approver, () =>
          f.send(approver, 'POST', `/v1/staff/${invited.json().staffId}/role-grant/approve`, {}),
        );
        assert.equal(fresh.status, 204, JSON.stringify(fresh.body));
      },
    },
    'src/identity/staff/training.service.ts#record': {
      'PUT /v1/staff/:staffId/training': async () => {
        const admin = await f.staff('admin');
        const clerk = await f.staff('store');
        const fresh = await staleThenFresh(admin, () =>
          f.send(admin, 'PUT', `/v1/staff/${clerk.staffId}/training`, {
            course: 'data_protection',
            completedAt: clock.now() - 86_400_000,
            expiresAt: clock.now() + 365 * 86_400_000,
          }),
        );
        assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
      },
    },
    'src/watch/suspensions/suspensions.service.ts#review': {
      'POST /v1/watch/suspensions/:id/review': async () => {
        const security = await f.staff('security');
        const clerk = await f.staff('support');
        await f.t.custos.identity.accounts.suspendStaff(systemActor, clerk.staffId);
        const suspensionId = await f.t.custos.watch.suspensions.opened(clerk.staffId);
        const fresh = await staleThenFresh(security, () =>
          f.send(security, 'POST', `/v1/watch/suspensions/${suspensionId}/review`, {
            outcome: 'confirm',
            reason: 'Probe: the suspension stands',
          }),
        );
        assert.equal(fresh.status, 204, JSON.stringify(fresh.body));
      },
    },
    'src/watch/marks/marks.service.ts#checked': {
      'PUT /v1/watch/marks/:customerId': async () => {
        const security = await f.staff('security');
        const customerId = await f.customer();
        const fresh = await staleThenFresh(security, () =>
          f.send(security, 'PUT', `/v1/watch/marks/${customerId}`, { kind: 'vip' }),
        );
        assert.equal(fresh.status, 204, JSON.stringify(fresh.body));
      },
      'DELETE /v1/watch/marks/:customerId': async () => {
        const security = await f.staff('security');
        const customerId = await f.customer();
        await stepUp(security);
        assert.equal(
          (await f.send(security, 'PUT', `/v1/watch/marks/${customerId}`, { kind: 'coworker' })).status,
          204,
        );
        const fresh = await staleThenFresh(security, () =>
          f.send(security, 'DELETE', `/v1/watch/marks/${customerId}`),
        );
        assert.equal(fresh.status, 204, JSON.stringify(fresh.body));
      },
    },
    'src/watch/triage/triage.service.ts#triageable': Object.fromEntries(
      (['assign', 'confirm', 'dismiss', 'unmask'] as const).map((verb) => [
        `POST /v1/alerts/:id/${verb}`,
        async () => {
          const [security, colleague, clerk] = [
            await f.staff('security'),
            await f.staff('security'),
            await f.staff('support'),
          ];
          const alertId = await f.t.custos.watch.alerts.raise(systemActor, {
            kind: 'break_glass',
            severity: 'high',
            staffId: clerk.staffId,
            data: {},
          });
          const body = {
            assign: { assignee: colleague.staffId },
            confirm: { reason: 'Probe: the watch was right' },
            dismiss: { reason: 'Probe: a false positive', falsePositive: true },
            unmask: { reason: 'Probe: who is this' },
          }[verb];
          const fresh = await staleThenFresh(security, () =>
            f.send(security, 'POST', `/v1/alerts/${alertId}/${verb}`, body),
          );
          assert.ok(fresh.status < 300, JSON.stringify(fresh.body));
        },
      ]),
    ),
    'src/identity/accounts/accounts.service.ts#beginTotpEnrolment': {
      'POST /v1/auth/totp/enrol (already enrolled)': async () => {
        const staff = await f.staff('support');
        const fresh = await staleThenFresh(staff, () => f.send(staff, 'POST', '/v1/auth/totp/enrol', {}));
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
    },
    'src/identity/accounts/accounts.service.ts#confirmTotpEnrolment': {
      'POST /v1/auth/totp/confirm (replacing a confirmed authenticator)': async () => {
        const staff = await f.staff('support');
        await stepUp(staff);
        const enrol = await f.send(staff, 'POST', '/v1/auth/totp/enrol', {});
        assert.equal(enrol.status, 200, JSON.stringify(enrol.body));
        const next = decodeBase32(
          new URL(enrol.body.otpauthUri as string).searchParams.get('secret') as string,
        ) as Buffer;
        const fresh = await staleThenFresh(staff, () =>
          f.send(staff, 'POST', '/v1/auth/totp/confirm', { code: totp(next, clock.now()) }),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
    },
    'src/identity/passkeys/account-passkeys.service.ts#registrationOptions': {
      'POST /v1/auth/passkeys/registration/options': async () => {
        const staff = await f.staff('support');
        const fresh = await staleThenFresh(staff, () =>
          f.send(staff, 'POST', '/v1/auth/passkeys/registration/options', {}),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
    },
    'src/identity/passkeys/account-passkeys.service.ts#register': {
      'POST /v1/auth/passkeys/registration/verify': async () => {
        const staff = await f.staff('support');
        const options = await f.send(staff, 'POST', '/v1/auth/passkeys/registration/options', {});
        assert.equal(options.status, 200, JSON.stringify(options.body));
        const response = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} };
        const fresh = await staleThenFresh(staff, () =>
          f.send(staff, 'POST', '/v1/auth/passkeys/registration/verify', {
            handle: options.body.handle,
            name: 'Probe',
            response,
          }),
        );
        // Past the check, the made-up credential is refused by verification: a 4xx, never a passkey.
        assert.equal(fresh.status, 400, JSON.stringify(fresh.body));
      },
    },
    'src/identity/passkeys/account-passkeys.service.ts#remove': {
      'DELETE /v1/auth/passkeys/:id': async () => {
        const staff = await f.staff('support');
        const fresh = await staleThenFresh(staff, () => f.send(staff, 'DELETE', '/v1/auth/passkeys/AAAA'));
        assert.equal(fresh.status, 404, JSON.stringify(fresh.body));
      },
    },
    'src/privacy/erasure/erasure.service.ts#freshSecondFactor': {
      'PUT /v1/customers/:id/legal-hold': async () => {
        const officer = await f.staff('security');
        const customerId = await f.customer();
        const fresh = await staleThenFresh(officer, () =>
          f.send(officer, 'PUT', `/v1/customers/${customerId}/legal-hold`, { reason: 'litigation pending' }),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
      'DELETE /v1/customers/:id/legal-hold': async () => {
        const officer = await f.staff('security');
        const customerId = await f.customer();
        await stepUp(officer);
        const placed = await f.send(officer, 'PUT', `/v1/customers/${customerId}/legal-hold`, {
          reason: 'litigation pending',
        });
        assert.equal(placed.status, 200, JSON.stringify(placed.body));
        const fresh = await staleThenFresh(officer, () =>
          f.send(officer, 'DELETE', `/v1/customers/${customerId}/legal-hold`),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
      'POST /v1/customers/:id/erasure': async () => {
        const officer = await f.staff('security');
        const customerId = await f.customer();
        const fresh = await staleThenFresh(officer, () =>
          f.send(officer, 'POST', `/v1/customers/${customerId}/erasure`),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
      'POST /v1/portal/me/erasure': async () => {
        const customer = await portalCustomer(f, clock.now);
        const fresh = await customerStaleThenFresh(customer, () =>
          customer.send('POST', '/v1/portal/me/erasure'),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
    },
    'src/privacy/my-data/my-data.service.ts#correct': {
      'PATCH /v1/portal/me/data': async () => {
        const customer = await portalCustomer(f, clock.now);
        const fresh = await customerStaleThenFresh(customer, () =>
          customer.send('PATCH', '/v1/portal/me/data', { changes: { name: 'Corrected Name' } }),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
    },
    'src/privacy/requests/requests.service.ts#decide': {
      'POST /v1/privacy-requests/:id/decision': async () => {
        const security = await f.staff('security');
        const customerId = await f.customer();
        const filed = await f.t.custos.rights.requests.file(
          { type: 'customer', id: customerId },
          { kind: 'access' },
        );
        const fresh = await staleThenFresh(security, () =>
          f.send(security, 'POST', `/v1/privacy-requests/${filed.id}/decision`, { outcome: 'fulfilled' }),
        );
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
      },
    },
    'src/compliance/compliance.service.ts#openIncident': {
      'POST /v1/incidents': async () => {
        const security = await f.staff('security');
        const insider = await f.staff('support');
        const fresh = await staleThenFresh(security, () =>
          f.send(security, 'POST', '/v1/incidents', { staffId: insider.staffId, from: '2026-11-01' }),
        );
        assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
      },
    },
  };

  test('every requireStepUp call site in src/ has a probe, and every probe a call site', () => {
    const sites = stepUpCallSites();
    assert.ok(sites.length >= 10, `found ${sites.length} call sites: is the scan still finding them?`);
    assert.deepEqual(sites, Object.keys(probes).sort());
  });

  for (const [site, acts] of Object.entries(probes)) {
    for (const [act, probe] of Object.entries(acts)) {
      test(`${site}: ${act}`, probe);
    }
  }
});
