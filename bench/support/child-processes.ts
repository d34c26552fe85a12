/**
 * The processes the benchmark starts: the `custos` CLI run to completion, and servers kept running until
 * stopped. Every child is tracked, so that `killAll` (called on exit, on a signal or when the benchmark
 * throws) leaves nothing running behind it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

const running = new Set<ChildProcess>();

/** Kill every child still running. Synchronous, so it is safe in an `exit` handler. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** The last `limit` characters a child wrote, to explain a failure. */
function outputTail(child: ChildProcess, limit = 4000): () => string {
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-limit);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail;
}

export interface ChildOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CliRun {
  stdout: string;
  exitCode: number | null;
}

/**
 * Run `node <args>` to completion and return what it printed on stdout. Its stderr (progress bars,
 * errors) goes to ours, so a long import shows its progress.
 */
export async function runToCompletion(args: string[], options: ChildOptions): Promise<CliRun> {
  const child = track(spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'inherit'] }));
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  return { stdout, exitCode };
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** What the server has written lately (logs), for a report of errors. */
  output(): string;
  stop(): Promise<void>;
  /** Send a message over the IPC channel and wait for the first answer (servers started with `ipc`). */
  ask(message: object): Promise<unknown>;
}

/**
 * Start `node <args>` as a server and wait until it prints `listening on http://…`. It should listen on
 * port 0, so that no two runs or scenarios fight over a port.
 */
export async function startServer(
  args: string[],
  options: ChildOptions & { ipc?: boolean },
  timeoutMs = 60_000,
) {
  const { ipc, ...spawnOptions } = options;
  const stdio = ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const child = track(
    spawn(process.execPath, args, { ...spawnOptions, stdio: stdio as ['ignore', 'pipe', 'pipe'] }),
  );
  const output = outputTail(child);
  const url = await new Promise<string>((resolve, reject) => {
    const settle = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
    };
    const fail = (why: string) => {
      settle();
      child.kill('SIGKILL');
      reject(new Error(`server \`node ${args.join(' ')}\` ${why}:\n${output()}`));
    };
    const onExit = (code: number | null) => fail(`exited with code ${code}`);
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output());
      if (!match) return;
      settle();
      resolve(match[1] as string);
    };
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    child.once('exit', onExit);
    child.stdout?.on('data', onData);
  });
  const ask = (message: object) => {
    if (!child.send) return Promise.reject(new Error('the server was started without an IPC channel'));
    const answer = once(child, 'message').then(([reply]) => reply as unknown);
    child.send(message);
    return answer;
  };
  const server: RunningServer = { url, output, stop: () => stopGracefully(child), ask };
  return server;
}

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`. */
async function stopGracefully(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
