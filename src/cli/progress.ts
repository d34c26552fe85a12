/**
 * A progress bar on stderr for long jobs (imports, demo seeding, key rotation). On a terminal it redraws in
 * place; elsewhere (CI logs, pipes) it prints a line at most every two seconds, so progress stays visible.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, detail?: Record<string, number | string>): void;
  stop(): void;
}

export function progressBar(label: string, total: number, unit: string): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {detail} | eta {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { detail: '' });
    return {
      update: (done, detail) => bar.update(done, { detail: formatDetail(detail) }),
      stop: () => bar.stop(),
    };
  }
  let lastPrint = 0;
  return {
    update(done, detail) {
      const now = Date.now();
      if (now - lastPrint < 2000) return;
      lastPrint = now;
      const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
      process.stderr.write(`${label}: ${pct}% (${done}/${total} ${unit}) ${formatDetail(detail)}\n`);
    },
    stop() {},
  };
}

function formatDetail(detail?: Record<string, number | string>): string {
  return detail
    ? Object.entries(detail)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')
    : '';
}
