/**
 * The baseline server: plain Fastify with one JSON route, nothing else. Run as a child process by the
 * vault benchmark; what Custos achieves is reported as a fraction of what this achieves on the same
 * machine in the same run.
 */
import Fastify from 'fastify';

const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`Hello-world baseline listening on ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
