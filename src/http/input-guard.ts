/**
 * The first look at every request's input, before authentication, schema validation or any SQL: no string
 * in the path parameters, the query, the cookies or the JSON body — object keys included — may hold NUL or
 * another control character, or be ill-formed UTF-16 (a lone surrogate). Such input answers
 * 400 VALIDATION_FAILED naming where it was, never its value.
 *
 * Why here and not only in each schema: PostgreSQL refuses NUL in text (a 500 if it got that far) and SQLite
 * truncates or stores it, a control character in an identifier is never legitimate, and one rule in front of
 * every route cannot be forgotten by the next route. Free text in a body (a policy, a reason) keeps tab, line
 * feed and carriage return; identifiers in the path and query keep none. Route schemas still say what each
 * value must look like (`platform/input-schemas.ts`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type FieldProblem, validationFailed } from '../platform/errors.ts';

/** Any control character (C0, DEL, C1): none belongs in a path segment, a query value or a cookie. */
const ANY_CONTROL = /\p{Cc}/u;
/** Control characters other than tab, line feed and carriage return: none belongs in JSON text either. */
const BODY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** In unicode mode a surrogate pair is one code point, so this matches only a lone (ill-formed) surrogate. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

function badString(value: string, control: RegExp): string | undefined {
  if (control.test(value)) return 'contains a control character';
  if (LONE_SURROGATE.test(value)) return 'is not well-formed Unicode';
  return undefined;
}

/** Paths stop growing past this many characters, so a deep body costs no more than its size to walk. */
const MAX_PATH = 200;

function child(path: string, segment: string): string {
  if (path.length > MAX_PATH) return path.endsWith('…') ? path : `${path}…`;
  return `${path}${segment}`;
}

/**
 * The first bad string in `root` (keys and values, at any depth), walked without recursion so that a deeply
 * nested body cannot exhaust the stack.
 */
export function findControlCharacter(
  root: unknown,
  where: string,
  control: RegExp,
): FieldProblem | undefined {
  const pending: Array<[unknown, string]> = [[root, where]];
  while (pending.length > 0) {
    const [value, path] = pending.pop() as [unknown, string];
    if (typeof value === 'string') {
      const problem = badString(value, control);
      if (problem) return { path, problem };
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push([item, child(path, `[${i}]`)]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const problem = badString(key, ANY_CONTROL);
        if (problem) return { path: `${path} (a key)`, problem };
        pending.push([item, child(path, `.${key}`)]);
      }
    }
  }
  return undefined;
}

function problemIn(request: FastifyRequest): FieldProblem | undefined {
  const cookies = (request as { cookies?: Record<string, unknown> }).cookies;
  return (
    findControlCharacter(request.params, 'params', ANY_CONTROL) ??
    findControlCharacter(request.query, 'query', ANY_CONTROL) ??
    findControlCharacter(cookies ?? {}, 'cookies', ANY_CONTROL) ??
    findControlCharacter(request.body, 'body', BODY_CONTROL)
  );
}

/** Install on the root app, after the cookie parser and before any route plugin (their hooks run later). */
export function installInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const problem = problemIn(request);
    if (problem) throw validationFailed([problem]);
  });
}
