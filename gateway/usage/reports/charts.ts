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

/**
 * Daily counts as bars, one bar per day with the series stacked in it (librarians read daily counts
 * as bars; a line over mostly-zero days reads as a spike), a legend, and a y scale of round steps.
 */
export function dailyBarChart(text: ChartText, days: readonly string[], series: readonly { name: string; values: readonly number[] }[]): Html {
  const id = ids();
  const width = 640;
  const plotTop = 10;
  const plotHeight = 180;
  const left = 48;
  const right = width - 10;
  const legendTop = plotTop + plotHeight + 34;
  const height = legendTop + series.length * 20 + 4;
  const totals = days.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const scale = niceScale(Math.max(0, ...totals));
  const slot = (right - left) / Math.max(1, days.length);
  const barWidth = Math.max(1, slot * 0.8);
  const y = (v: number) => plotTop + plotHeight - (v / scale.max) * plotHeight;
  const ticks = [...new Set([0, Math.floor((days.length - 1) / 2), days.length - 1])].filter((i) => i >= 0 && i < days.length);
  return html`<svg class="chart" role="img" aria-labelledby="${id.title} ${id.desc}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">
<title id="${id.title}">${text.title}</title><desc id="${id.desc}">${text.description}</desc>
${scale.steps.map((v) => html`<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${right}" y2="${y(v).toFixed(1)}" stroke="${v === 0 ? '#57606a' : '#d0d7de'}"></line>
<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="12" fill="#57606a">${v}</text>`)}
${days.map((_, i) => {
    let base = 0;
    return series.map((s, n) => {
      const v = s.values[i] ?? 0;
      if (v <= 0) return '';
      const top = y(base + v);
      const bar = html`<rect x="${(left + i * slot + (slot - barWidth) / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(base) - top).toFixed(1)}" fill="${COLOURS[n % COLOURS.length]!}"></rect>`;
      base += v;
      return bar;
    });
  })}
${ticks.map((i) => html`<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${plotTop + plotHeight + 18}" text-anchor="${days.length > 1 && i === 0 ? 'start' : days.length > 1 && i === days.length - 1 ? 'end' : 'middle'}" font-size="12" fill="#57606a">${days[i] ?? ''}</text>`)}
${series.map((s, n) => html`<rect x="${left}" y="${legendTop + n * 20}" width="14" height="14" fill="${COLOURS[n % COLOURS.length]!}"></rect>
<text x="${left + 20}" y="${legendTop + n * 20 + 12}" font-size="13" fill="#1b1f24">${truncate(s.name, 60)}</text>`)}
</svg>`;
}

/** A y scale whose top is a round number (1, 2 or 5 times a power of ten) at or above `max`, in at most five steps. */
export function niceScale(max: number): { max: number; steps: number[] } {
  if (max <= 0) return { max: 1, steps: [0, 1] };
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!);
  const top = Math.ceil(max / step) * step;
  return { max: top, steps: Array.from({ length: top / step + 1 }, (_, i) => i * step) };
}

function truncate(text: string, length: number): string {
  return [...text].length > length ? `${[...text].slice(0, length - 1).join('')}…` : text;
}
