/**
 * The report's charts as SVG, drawn by Apache ECharts' server-side renderer (no DOM, no canvas): records
 * exposed over time per strategy, risk scores over time against the tier thresholds, and honest friction
 * and alerts per day.
 */
import * as echarts from 'echarts';
import type { SimulationResult } from './metrics.ts';
import { defaultRiskSettings } from '../src/watch/risk/risk-model.ts';

const width = 860;
const height = 420;

function render(option: echarts.EChartsCoreOption): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, backgroundColor: '#ffffff', ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

const dayAxis = (hours: number) => ({
  type: 'value',
  name: 'day',
  nameLocation: 'middle',
  nameGap: 28,
  min: 0,
  max: hours / 24,
});

const byDay = (values: number[]) => values.map((v, h) => [(h + 1) / 24, v]);

/** Distinct customers exposed by each strategy, hour by hour. */
export function exposedChart(result: SimulationResult): string {
  const series = Object.entries(result.series.exposedByHour);
  const hours = series[0]?.[1].length ?? 0;
  return render({
    title: { text: 'Records exposed over time, per strategy', left: 'center' },
    legend: { top: 28 },
    grid: { top: 70, left: 60, right: 30, bottom: 50 },
    xAxis: dayAxis(hours),
    yAxis: { type: 'value', name: 'customers exposed' },
    series: series.map(([name, values]) => ({ name, type: 'line', showSymbol: false, data: byDay(values) })),
  });
}

/** The risk score of one attacker of each kind and the median honest staff member, against the tiers. */
export function scoreChart(result: SimulationResult): string {
  const series = Object.entries(result.series.scoreByHour);
  const hours = series[0]?.[1].length ?? 0;
  const t = defaultRiskSettings.thresholds;
  return render({
    title: { text: 'Risk score over time: one member of each strategy vs the honest median', left: 'center' },
    legend: { top: 28 },
    grid: { top: 70, left: 60, right: 30, bottom: 50 },
    xAxis: dayAxis(hours),
    yAxis: { type: 'value', name: 'score', min: 0, max: 100 },
    series: series.map(([name, values], i) => ({
      name,
      type: 'line',
      showSymbol: false,
      data: byDay(values),
      ...(i === 0
        ? {
            markLine: {
              symbol: 'none',
              lineStyle: { type: 'dashed', color: '#999' },
              label: { formatter: '{b}' },
              data: [
                { name: 'elevated', yAxis: t.elevated },
                { name: 'high', yAxis: t.high },
                { name: 'critical', yAxis: t.critical },
              ],
            },
          }
        : {}),
    })),
  });
}

/** Honest staff-days with friction (share) and honest alerts, per day. */
export function frictionChart(result: SimulationResult): string {
  const days = result.series.frictionByDay.map((_, d) => `${d + 1}`);
  return render({
    title: { text: 'Honest staff: friction and alerts per day', left: 'center' },
    legend: { top: 28 },
    grid: { top: 70, left: 60, right: 60, bottom: 50 },
    xAxis: { type: 'category', name: 'day', nameLocation: 'middle', nameGap: 28, data: days },
    yAxis: [
      { type: 'value', name: '% staff-days with friction' },
      { type: 'value', name: 'alerts', minInterval: 1 },
    ],
    series: [
      {
        name: '% staff-days with friction',
        type: 'bar',
        data: result.series.frictionByDay.map((f) => Math.round(f * 10_000) / 100),
      },
      { name: 'alerts', type: 'line', yAxisIndex: 1, data: result.series.alertsByDay },
    ],
  });
}
