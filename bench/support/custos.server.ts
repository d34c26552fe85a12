/**
 * `custos serve` for the benchmark, with one addition: its main thread can be CPU-profiled for a window the
 * benchmark chooses. Started by `npm run bench` (bench/bench.ts) as a child process with an IPC channel; it
 * does what `serveCommand` does (create, initialise, start, listen) and answers two messages:
 * `{ profile: 'start' }` and `{ profile: 'stop', file }` (the V8 CPU profile of the window, written to `file`).
 * Profiling a window instead of the whole life keeps set-up (sign-ins, argon2, case openings) out of it.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createCustos } from '../../src/app.ts';
import { buildServer } from '../../src/http/server.ts';
import { loadConfig } from '../../src/platform/config.ts';

const custos = await createCustos(loadConfig());
await custos.initialise();
custos.start();
const app = await buildServer(custos.server());
const address = await app.listen({ host: custos.config.host, port: custos.config.port });

const inspector = new Session();
inspector.connect();
process.on('message', (message: { profile?: 'start' | 'stop'; file?: string }) => {
  void (async () => {
    if (message.profile === 'start') {
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.setSamplingInterval', { interval: 200 });
      await inspector.post('Profiler.start');
      process.send?.({ profile: 'started' });
    } else if (message.profile === 'stop' && message.file) {
      const { profile } = await inspector.post('Profiler.stop');
      writeFileSync(message.file, JSON.stringify(profile));
      process.send?.({ profile: 'stopped' });
    }
  })();
});

process.stdout.write(`Custos (benchmark) listening on ${address}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    await custos.close();
    process.exit(0);
  })();
});
