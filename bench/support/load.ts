/**
 * Load generation: autocannon, in this process, against one running server. Each scenario gets a warm-up
 * run that is thrown away (JIT, caches, connection set-up), then the measured run; every scenario uses the
 * same connections and duration, so the only thing that differs between them is the server.
 */
import autocannon from 'autocannon';

export interface LoadSettings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

export interface Scenario {
  name: string;
  /** Base URL of the server, e.g. `http://127.0.0.1:40123`. */
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /**
   * The next request's path, body and any headers of its own (added to `headers`, e.g. another staff
   * member's session); called for every request, so that each one can differ.
   */
  nextRequest(): { path: string; body?: string; headers?: Record<string, string> };
  /** True when a 2xx answer is nonetheless wrong (a search for a phone that exists finding nothing). */
  isWrongAnswer?(body: string): boolean;
}

export interface Measurement {
  scenario: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx, by class, e.g. `{ '4xx': 3 }`. */
  non2xx: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
  wrongAnswers: number;
}

/** Everything that went wrong in a measurement, as a phrase; empty when nothing did. */
export function problemsOf(m: Measurement): string {
  const problems = Object.entries(m.non2xx).map(([status, n]) => `${n} × ${status}`);
  if (m.errors > 0) problems.push(`${m.errors} connection errors or timeouts`);
  if (m.wrongAnswers > 0) problems.push(`${m.wrongAnswers} wrong answers`);
  return problems.join(', ');
}

async function fire(scenario: Scenario, connections: number, seconds: number, onWrong: () => void) {
  return autocannon({
    url: scenario.url,
    connections,
    duration: seconds,
    requests: [
      {
        method: scenario.method,
        headers: scenario.headers,
        setupRequest: (request) => {
          const next = scenario.nextRequest();
          return { ...request, ...next, headers: { ...request.headers, ...next.headers } };
        },
        onResponse: (status, body) => {
          if (status < 300 && scenario.isWrongAnswer?.(body)) onWrong();
        },
      },
    ],
  });
}

/** Warm up, then measure one scenario. */
export async function measure(scenario: Scenario, settings: LoadSettings): Promise<Measurement> {
  if (settings.warmupSeconds > 0)
    await fire(scenario, settings.connections, settings.warmupSeconds, () => {});
  let wrongAnswers = 0;
  const result = await fire(scenario, settings.connections, settings.durationSeconds, () => {
    wrongAnswers++;
  });
  const non2xx: Record<string, number> = {};
  for (const status of ['1xx', '3xx', '4xx', '5xx'] as const)
    if (result[status] > 0) non2xx[status] = result[status];
  return {
    scenario: scenario.name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx,
    errors: result.errors,
    wrongAnswers,
  };
}
