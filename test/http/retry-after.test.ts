/**
 * Every 429 carries Retry-After (issue 13, finding 6): the seconds the error names, rounded up and at least
 * one, or a default minute for a limit that does not say when; never on other statuses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { DEFAULT_RETRY_AFTER_SECONDS, installErrorHandling } from '../../src/http/error-handler.ts';
import { CustosError } from '../../src/platform/errors.ts';

test('Retry-After on every 429, from the error or the default; none elsewhere', async () => {
  const app = Fastify();
  installErrorHandling(app);
  const errors: Record<string, CustosError> = {
    throttled: new CustosError('RATE_LIMITED', 'Too many attempts', { retryAfterSeconds: 7 }),
    fraction: new CustosError('RATE_LIMITED', 'Too many attempts', { retryAfterSeconds: 0.2 }),
    quota: new CustosError('QUOTA_EXCEEDED', 'Quota reached', { retryAfterSeconds: 3600 }),
    unsaid: new CustosError('RATE_LIMITED', 'Too many wrong codes on this case'),
    forbidden: new CustosError('FORBIDDEN', 'No', { retryAfterSeconds: 5 }),
  };
  app.get('/:name', async (request) => {
    throw errors[(request.params as { name: string }).name];
  });
  const answer = async (name: string) => {
    const res = await app.inject({ method: 'GET', url: `/${name}` });
    return [res.statusCode, res.headers['retry-after']];
  };
  assert.deepEqual(await answer('throttled'), [429, '7']);
  assert.deepEqual(await answer('fraction'), [429, '1']);
  assert.deepEqual(await answer('quota'), [429, '3600']);
  assert.deepEqual(await answer('unsaid'), [429, String(DEFAULT_RETRY_AFTER_SECONDS)]);
  assert.deepEqual(await answer('forbidden'), [403, undefined]);
  await app.close();
});
