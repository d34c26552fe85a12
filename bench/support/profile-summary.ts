/**
 * Where a profiled window's main-thread time went, from a V8 CPU profile (`.cpuprofile`): each sample is given
 * to the deepest frame of Custos's own code on its stack (its folder under src/, e.g. `ledger`,
 * `identity/sessions`) — so a module's share includes the libraries and native calls it made — or, when no
 * Custos frame is on the stack, to what ran instead (Fastify and Node's HTTP, idle, garbage collection). Also
 * the functions with the most self time, wherever they live.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of the window by where it went, largest first. */
  areas: Array<{ area: string; ms: number; share: number }>;
  /** Functions with the most self time. */
  hottest: Array<{ fn: string; ms: number; share: number }>;
}

function areaOfUrl(url: string): string | undefined {
  const src = /\/src\/(.+)\/[^/]+\.ts$/.exec(url) ?? /\/src\/([^/]+)\.ts$/.exec(url);
  if (src) return src[1];
  return undefined;
}

/** What a sample without Custos code on its stack was doing: its leaf, else the nearest library frame. */
function outsideArea(stack: readonly ProfileNode['callFrame'][]): string {
  const leaf = stack[0]?.functionName;
  if (leaf === '(idle)') return 'idle (waiting: I/O, fsync in other threads, timers)';
  if (leaf === '(garbage collector)') return 'garbage collection';
  if (leaf === '(program)') return 'V8 / native, outside JavaScript';
  for (const { url } of stack) {
    if (/node_modules\/kysely/.test(url)) return 'SQL through Kysely (its caller lost across awaits)';
    if (/node_modules\/(pg|pg-pool|pg-protocol)\//.test(url)) return 'pg driver';
    if (/node_modules\/(fastify|find-my-way|light-my-request|avvio|@fastify)/.test(url)) return 'Fastify';
    if (url.startsWith('node:')) return 'Node.js core (HTTP, streams, timers)';
  }
  return 'other';
}

function place(frame: ProfileNode['callFrame']): string {
  const url = frame.url.replace(/^.*\/(src|node_modules)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${url ? `${url}:${frame.lineNumber + 1}` : '(native)'}`;
}

export function summariseProfile(profile: CpuProfile, top = 12): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // The area of each node: the deepest Custos frame from it up to the root, else what the leaf is.
  const areaOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = areaOf.get(id);
    if (known !== undefined) return known;
    let area: string | undefined;
    const stack: ProfileNode['callFrame'][] = [];
    for (let at: number | undefined = id; at !== undefined && area === undefined; at = parent.get(at)) {
      const frame = (byId.get(at) as ProfileNode).callFrame;
      stack.push(frame);
      area = areaOfUrl(frame.url);
    }
    const result = area ?? outsideArea(stack);
    areaOf.set(id, result);
    return result;
  };
  const areaMs = new Map<string, number>();
  const selfMs = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const area = resolve(id);
    areaMs.set(area, (areaMs.get(area) ?? 0) + ms);
    const fn = place((byId.get(id) as ProfileNode).callFrame);
    selfMs.set(fn, (selfMs.get(fn) ?? 0) + ms);
  });
  const ranked = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([key, ms]) => ({ key, ms, share: ms / totalMs }));
  return {
    totalMs,
    areas: ranked(areaMs).map(({ key, ms, share }) => ({ area: key, ms, share })),
    hottest: ranked(selfMs)
      .filter((f) => !f.key.startsWith('(idle)') && !f.key.startsWith('(program)'))
      .slice(0, top)
      .map(({ key, ms, share }) => ({ fn: key, ms, share })),
  };
}
