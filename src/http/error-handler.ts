/**
 * One mapping from errors to HTTP answers: `{ error: { code, message, requestId, details? } }`.
 *
 * CustosErrors carry their own code and status. Fastify's own client errors (bad JSON, wrong media type,
 * body too large, schema violations) get catalogue codes. Anything else is ours: logged with its cause,
 * answered as a masked 500 (or 503 for an unavailable dependency) that says nothing about internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  CustosError,
  type ErrorCode,
  errorCatalogue,
  type FieldProblem,
  validationFailed,
} from '../platform/errors.ts';

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

function schemaProblems(error: FastifyError): FieldProblem[] {
  return (error.validation ?? []).map((v) => {
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const extra = (v.params as { additionalProperty?: string }).additionalProperty;
    const base = `${error.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`;
    if (missing) return { path: `${base}.${missing}`, problem: 'is required' };
    if (extra) return { path: `${base}.${extra}`, problem: 'is not allowed' };
    return { path: base, problem: v.message ?? 'is invalid' };
  });
}

export function toCustosError(error: unknown): CustosError {
  if (error instanceof CustosError) return error;
  const e = error as FastifyError;
  if (e?.validation) {
    const details = schemaProblems(e);
    return new CustosError(
      'VALIDATION_FAILED',
      `Invalid input (${details.map((d) => `${d.path}: ${d.problem}`).join('; ')})`,
      {
        details,
      },
    );
  }
  const mapped = e?.code ? fastifyCodes[e.code] : undefined;
  if (mapped) return new CustosError(mapped, e.message, { cause: error });
  if (e instanceof SyntaxError && (e as { statusCode?: number }).statusCode === 400) {
    return new CustosError('BAD_REQUEST', 'The request body is not valid JSON', { cause: error });
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new CustosError('BAD_REQUEST', 'The request is malformed', { cause: error });
  }
  return new CustosError('INTERNAL', 'Something went wrong on our side', { cause: error });
}

/** 503s whose code a client may see: a dependency is down, say which, so it can retry (fail closed, not silent). */
const unavailableCodes = new Set<string>([
  'DATABASE_UNAVAILABLE',
  'KEYRING_UNAVAILABLE',
  'KEYRING_MISMATCH',
  'LEDGER_UNAVAILABLE',
  'POLICY_UNAVAILABLE',
]);

export function errorBody(error: CustosError, requestId: string) {
  const masked = error.status >= 500 && !unavailableCodes.has(error.code);
  return {
    error: {
      code: masked ? 'INTERNAL' : error.code,
      message: masked ? 'Something went wrong on our side' : error.message,
      requestId,
      ...(error.details && !masked ? { details: error.details } : {}),
    },
  };
}

/**
 * `Retry-After` for a 429 that does not say when (a limit counted over a window): a minute. Every 429 carries
 * the header, so a client never has to guess or hammer.
 */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

/**
 * Fastify's router refuses some URLs before any route or hook runs (bad percent-encoding, a parameter
 * longer than the router keeps); this answers them in the same shape, through `frameworkErrors`.
 */
export function answerFrameworkError(raw: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const error =
    raw.code === 'FST_ERR_BAD_URL'
      ? new CustosError('BAD_REQUEST', 'The URL is not validly percent-encoded UTF-8', { cause: raw })
      : raw.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? validationFailed([{ path: 'params', problem: 'is too long' }])
        : toCustosError(raw);
  if (error.status >= 500) request.log.error({ err: raw, code: error.code }, 'request failed');
  return reply.status(error.status).send(errorBody(error, request.id));
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const error = toCustosError(raw);
    if (error.status >= 500) request.log.error({ err: raw, code: error.code }, 'request failed');
    if (error.status === 429)
      reply.header('retry-after', String(error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
    return reply.status(error.status).send(errorBody(error, request.id));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(errorCatalogue.NOT_FOUND)
      .send(errorBody(new CustosError('NOT_FOUND', 'No such route'), request.id)),
  );
}
