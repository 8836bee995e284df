// A hand-written SVG bar chart: one group per operation, one bar per implementation (or variant).
// Log scale, because tweetnacl is two orders of magnitude slower than the rest, and an HTTP round
// trip three orders above a signature check: a linear axis would flatten every other bar.
import type { Row } from './harness.ts';

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#7f7f7f'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function ed25519Chart(rows: Row[]): string {
  return barChart(rows, 'Ed25519, µs per operation (per signature for batches), log scale; shorter is faster');
}

export function barChart(rows: Row[], title: string, o: { labelWidth?: number } = {}): string {
  const ops = [...new Set(rows.map((r) => r.op))];
  const impls = [...new Set(rows.map((r) => r.impl))];
  const bar = 13;
  const gap = 14;
  const left = o.labelWidth ?? 250;
  const width = 560;
  const top = 50;
  const groupH = impls.length * bar + gap;
  const height = top + ops.length * groupH + 40;
  const values = rows.map((r) => r.usPerOp).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const x = (v: number) => left + ((Math.log10(v) - lo) / Math.max(1, hi - lo)) * width;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 90}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  // Legend, then a vertical grid line per power of ten.
  impls.forEach((impl, i) => {
    const step = Math.max(120, ...impls.map((name) => name.length * 6 + 30));
    out.push(`<rect x="${10 + i * step}" y="30" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`);
    out.push(`<text x="${24 + i * step}" y="39">${esc(impl)}</text>`);
  });
  for (let p = lo; p <= hi; p++) {
    const gx = x(10 ** p);
    out.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${height - 30}" stroke="#ddd"/>`);
    out.push(
      `<text x="${gx}" y="${height - 16}" text-anchor="middle">${10 ** p >= 1 ? 10 ** p : (10 ** p).toFixed(-p)} µs</text>`,
    );
  }
  ops.forEach((op, g) => {
    const gy = top + g * groupH;
    out.push(`<text x="${left - 8}" y="${gy + (impls.length * bar) / 2 + 4}" text-anchor="end">${esc(op)}</text>`);
    impls.forEach((impl, i) => {
      const r = rows.find((row) => row.op === op && row.impl === impl);
      if (!r) return;
      const y = gy + i * bar;
      const w = Math.max(1, x(r.usPerOp) - left);
      out.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${COLORS[i % COLORS.length]}"><title>${esc(`${impl} ${op}: ${r.usPerOp.toFixed(2)} µs`)}</title></rect>`,
      );
      out.push(
        `<text x="${(left + w + 4).toFixed(1)}" y="${y + bar - 3}">${r.usPerOp.toFixed(r.usPerOp >= 100 ? 0 : 1)}</text>`,
      );
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
