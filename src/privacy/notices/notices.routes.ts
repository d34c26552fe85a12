/**
 * Reveal notices over HTTP: the signed-in customer reads and sets how they hear of staff reveals (portal);
 * security lists the outbox's dead letters — ids, kind, channel, attempts and the last error's code, never
 * an address or a body.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { StaffPrincipal } from '../../identity/sessions/principal.ts';
import { principalOf } from '../../identity/sessions/principal.ts';
import { sessionOf } from '../../identity/sessions/route-auth.ts';
import type { Outbox } from '../outbox/outbox.service.ts';
import type { Notices } from './notices.service.ts';
import { noticeModes } from './notices.types.ts';

const DEAD_LETTER_LIMIT = 200;

const Preference = Type.Object(
  {
    mode: Type.Union(
      noticeModes.map((m) => Type.Literal(m)),
      { description: 'immediate: a message per reveal (the default); daily: one digest a day' },
    ),
  },
  { additionalProperties: false },
);
const DeadLetter = Type.Object(
  {
    messageId: Type.String(),
    customerId: Type.String(),
    kind: Type.String(),
    channel: Type.String(),
    attempts: Type.Integer(),
    lastError: Type.Union([Type.String(), Type.Null()], { description: "The last failure's error code" }),
    createdAt: Type.String(),
  },
  { additionalProperties: false },
);

export function noticeRoutes(
  app: FastifyInstance,
  deps: {
    notices: Notices;
    outbox: Pick<Outbox, 'deadLetters'>;
    /** Security reads dead letters as it reads alerts (the policy's `alert_read`), bound by the composition root. */
    authorize: (p: StaffPrincipal, action: 'alert_read') => Promise<void>;
  },
): void {
  app.get(
    '/v1/portal/me/notice-preference',
    {
      config: { auth: 'customer' },
      schema: {
        operationId: 'getNoticePreference',
        tags: ['portal'],
        summary: 'How you hear of staff viewing your data: at once, or in a daily digest',
        response: { 200: Preference },
      },
    },
    async (request) => deps.notices.preference(sessionOf(request).actor),
  );

  app.put<{ Body: Static<typeof Preference> }>(
    '/v1/portal/me/notice-preference',
    {
      config: { auth: 'customer' },
      schema: {
        operationId: 'setNoticePreference',
        tags: ['portal'],
        summary: 'Choose immediate notices of staff reveals or a daily digest',
        body: Preference,
        response: { 200: Preference },
      },
    },
    async (request) => deps.notices.choose(sessionOf(request).actor, request.body.mode),
  );

  app.get(
    '/v1/security/dead-letters',
    {
      config: { auth: 'staff', errors: ['ACCESS_DENIED'] },
      schema: {
        operationId: 'listDeadLetters',
        tags: ['security'],
        summary: 'Messages to customers the outbox gave up on (no addresses, no bodies)',
        response: {
          200: Type.Object({ deadLetters: Type.Array(DeadLetter) }, { additionalProperties: false }),
        },
      },
    },
    async (request) => {
      await deps.authorize(principalOf(request), 'alert_read');
      return { deadLetters: await deps.outbox.deadLetters(DEAD_LETTER_LIMIT) };
    },
  );
}
