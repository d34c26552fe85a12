/**
 * The benchmark's chart: one horizontal bar per measured route (database, connections, scenario), its
 * throughput as a ratio to the hello-world measured in the same run, with the targets (0.5 for a reveal, 0.6
 * for the masked view and search) drawn as dashed lines. Plain SVG, no dependencies, readable on GitHub.
 */

export interface ChartBar {
  group: string;
  label: string;
  ratio: number;
  /** The scenario's target ratio, if it has one. */
  target?: number;
}

const escape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function ratioChart(title: string, bars: readonly ChartBar[]): string {
  const labelWidth = 330;
  const plotWidth = 460;
  const barHeight = 16;
  const gap = 5;
  const groupGap = 22;
  const top = 46;
  const max = Math.max(1, ...bars.map((b) => b.ratio));
  const x = (ratio: number) => labelWidth + (ratio / max) * plotWidth;
  const parts: string[] = [];
  let y = top;
  let group: string | undefined;
  for (const bar of bars) {
    if (bar.group !== group) {
      group = bar.group;
      y += group === bars[0]?.group ? 0 : groupGap - gap;
      parts.push(`<text x="8" y="${y + 12}" font-weight="bold">${escape(bar.group)}</text>`);
      y += barHeight + gap;
    }
    const colour = bar.target === undefined ? '#8c8c8c' : bar.ratio >= bar.target ? '#2f7d32' : '#c0392b';
    parts.push(
      `<text x="20" y="${y + 12}">${escape(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${Math.max(1, x(bar.ratio) - labelWidth).toFixed(1)}" height="${barHeight}" fill="${colour}"/>`,
      `<text x="${(x(bar.ratio) + 4).toFixed(1)}" y="${y + 12}">${bar.ratio.toFixed(2)}×</text>`,
    );
    if (bar.target !== undefined) {
      const tx = x(bar.target).toFixed(1);
      parts.push(
        `<line x1="${tx}" x2="${tx}" y1="${y - 2}" y2="${y + barHeight + 2}" stroke="#222" stroke-dasharray="3,2"/>`,
      );
    }
    y += barHeight + gap;
  }
  const height = y + 30;
  const width = labelWidth + plotWidth + 70;
  const ticks = Array.from({ length: Math.floor(max / 0.25) + 1 }, (_, i) => i * 0.25)
    .map(
      (t) =>
        `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${top - 6}" y2="${y}" stroke="#ddd"/>` +
        `<text x="${x(t).toFixed(1)}" y="${y + 16}" text-anchor="middle">${t.toFixed(2)}</text>`,
    )
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="8" y="20" font-size="14" font-weight="bold">${escape(title)}</text>
<text x="8" y="36" fill="#555">throughput ÷ Fastify hello-world in the same run; dashed: target; green met, red missed, grey no target</text>
${ticks}
${parts.join('\n')}
</svg>
`;
}
