import { html, type Html } from '../../pages/html';

/** Colour-blind-safe palette (Okabe–Ito). */
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
let chartSeq = 0;

interface ChartText {
  /** Short title (the SVG <title>, read by screen readers). */
  title: string;
  /** The text alternative: what the chart shows, in words and numbers. */
  description: string;
}

const ids = () => {
  chartSeq = (chartSeq + 1) % 1_000_000;
  return { title: `chart-${chartSeq}-t`, desc: `chart-${chartSeq}-d` };
};

/** Horizontal bars, one per label; scales to the container (viewBox), readable on a phone. */
export function barChart(text: ChartText, bars: readonly { label: string; value: number }[]): Html {
  const id = ids();
  const rowHeight = 28;
  const labelWidth = 220;
  const width = 640;
  const height = Math.max(1, bars.length) * rowHeight + 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const barSpace = width - labelWidth - 70;
  return html`<svg class="chart" role="img" aria-labelledby="${id.title} ${id.desc}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">
<title id="${id.title}">${text.title}</title><desc id="${id.desc}">${text.description}</desc>
${bars.map((bar, i) => {
    const y = i * rowHeight + 4;
    const w = Math.max(bar.value > 0 ? 2 : 0, Math.round((bar.value / max) * barSpace));
    return html`<g><text x="${labelWidth - 8}" y="${y + 18}" text-anchor="end" font-size="14" fill="#1b1f24">${truncate(bar.label, 28)}</text>
<rect x="${labelWidth}" y="${y + 4}" width="${w}" height="${rowHeight - 10}" fill="${COLOURS[i % COLOURS.length]!}"></rect>
<text x="${labelWidth + w + 6}" y="${y + 18}" font-size="14" fill="#1b1f24">${bar.value}</text></g>`;
  })}
</svg>`;
}

/** Lines over days, one per series, with a legend; the x axis labels the first, middle and last day. */
export function lineChart(text: ChartText, days: readonly string[], series: readonly { name: string; values: readonly number[] }[]): Html {
  const id = ids();
  const width = 640;
  const plotTop = 10;
  const plotHeight = 180;
  const left = 44;
  const right = width - 10;
  const legendTop = plotTop + plotHeight + 34;
  const height = legendTop + series.length * 20 + 4;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number) => (days.length <= 1 ? left : left + (i * (right - left)) / (days.length - 1));
  const y = (v: number) => plotTop + plotHeight - (v / max) * plotHeight;
  const ticks = [...new Set([0, Math.floor((days.length - 1) / 2), days.length - 1])].filter((i) => i >= 0);
  return html`<svg class="chart" role="img" aria-labelledby="${id.title} ${id.desc}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">
<title id="${id.title}">${text.title}</title><desc id="${id.desc}">${text.description}</desc>
<line x1="${left}" y1="${plotTop + plotHeight}" x2="${right}" y2="${plotTop + plotHeight}" stroke="#57606a"></line>
<line x1="${left}" y1="${plotTop}" x2="${left}" y2="${plotTop + plotHeight}" stroke="#57606a"></line>
<text x="${left - 6}" y="${plotTop + 10}" text-anchor="end" font-size="12" fill="#57606a">${max}</text>
<text x="${left - 6}" y="${plotTop + plotHeight}" text-anchor="end" font-size="12" fill="#57606a">0</text>
${ticks.map((i) => html`<text x="${x(i)}" y="${plotTop + plotHeight + 18}" text-anchor="${i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle'}" font-size="12" fill="#57606a">${days[i] ?? ''}</text>`)}
${series.map((s, n) => html`<polyline fill="none" stroke-width="2.5" stroke="${COLOURS[n % COLOURS.length]!}" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"></polyline>
<rect x="${left}" y="${legendTop + n * 20}" width="14" height="14" fill="${COLOURS[n % COLOURS.length]!}"></rect>
<text x="${left + 20}" y="${legendTop + n * 20 + 12}" font-size="13" fill="#1b1f24">${truncate(s.name, 60)}</text>`)}
</svg>`;
}

function truncate(text: string, length: number): string {
  return [...text].length > length ? `${[...text].slice(0, length - 1).join('')}…` : text;
}
