/**
 * The witness's HTTP face: C2SP tlog-witness `POST /add-checkpoint`, plus `GET /vkey` with its cosigner
 * verifier key. Bodies are the protocol's plain text, not the main app's JSON errors: a 200 carries the
 * cosignature line(s), a 409 the witness's size as `text/x.tlog.size`, other refusals a one-line reason.
 * Any internal failure (for example the state could not be written) is a bare 500: nothing was cosigned.
 */
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { uuidv7 } from '../../platform/ids.ts';
import { TREE_SIZE_MEDIA_TYPE } from './add-checkpoint-request.ts';
import type { Witness } from './witness.ts';

/** Largest request body accepted: a checkpoint with many signatures and 63 proof hashes fits easily. */
export const WITNESS_BODY_LIMIT = 64 * 1024;

const TEXT = 'text/plain; charset=utf-8';

/** Options for `buildWitnessServer`. */
export interface WitnessServerOptions {
  /** Where request and refusal logs go; silent when absent. */
  readonly logger?: FastifyBaseLogger;
}

/**
 * Builds (and readies) the Fastify app of `witness`; `listen` on it, or drive it with `inject` in tests.
 *
 * @example const app = await buildWitnessServer(witness); await app.listen({ host: '127.0.0.1', port: 0 });
 */
export async function buildWitnessServer(
  witness: Pick<Witness, 'addCheckpoint' | 'vkey'>,
  options: WitnessServerOptions = {},
): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    genReqId: () => uuidv7(),
    bodyLimit: WITNESS_BODY_LIMIT,
  });
  // The protocol names no media type, so every body is taken as raw bytes and parsed strictly by us.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/add-checkpoint', async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const outcome = await witness.addCheckpoint(body);
    if (outcome.ok) {
      request.log.info({ size: outcome.checkpoint.size }, 'checkpoint cosigned');
      return reply.code(200).type(TEXT).send(outcome.cosignatures);
    }
    const level = outcome.reason === 'fork' || outcome.reason === 'bad_proof' ? 'warn' : 'info';
    request.log[level]({ reason: outcome.reason, status: outcome.status }, 'checkpoint refused');
    if (outcome.status === 409) {
      return reply
        .code(409)
        .type(TREE_SIZE_MEDIA_TYPE)
        .send(`${outcome.witnessSize ?? 0}\n`);
    }
    return reply.code(outcome.status).type(TEXT).send(`${outcome.message}\n`);
  });

  app.get('/vkey', async (_request, reply) => reply.type(TEXT).send(`${witness.vkey}\n`));

  app.setNotFoundHandler((_request, reply) => reply.code(404).type(TEXT).send('No such endpoint\n'));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).type(TEXT).send(`${error.message}\n`);
    request.log.error({ err: error }, 'add-checkpoint failed');
    return reply.code(500).type(TEXT).send('Internal error; nothing was cosigned\n');
  });
  await app.ready();
  return app;
}
