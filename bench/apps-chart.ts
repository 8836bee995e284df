// The apps' plot: bench/results/apps.svg from the POS and web-shop result files (pos.json,
// shop.json), one bar per measured row, coloured by suite, so a vendor sees at a glance where a
// sale's time goes (compute, fsync, the card, HTTP). Run by bench/run.ts after `pos` or `shop`,
// or by hand: `npx tsx bench/apps-chart.ts`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Row } from './harness.ts';
import { barChart } from './svg.ts';

const SUITES = [
  { file: 'pos.json', label: 'POS terminal' },
  { file: 'shop.json', label: 'web shop (loopback HTTP)' },
];

export function writeAppsChart(dir: URL): string | undefined {
  const rows: Row[] = [];
  for (const suite of SUITES) {
    const url = new URL(suite.file, dir);
    if (!existsSync(url)) continue;
    const result = JSON.parse(readFileSync(url, 'utf8')) as { suites: { rows: Row[] }[] };
    for (const r of result.suites.flatMap((s) => s.rows))
      rows.push({ ...r, op: `${r.op}: ${r.impl}`.slice(0, 70), impl: suite.label });
  }
  if (rows.length === 0) return undefined;
  writeFileSync(
    new URL('apps.svg', dir),
    barChart(rows, 'POS terminal and web shop, µs per operation, log scale; shorter is faster', { labelWidth: 430 }),
  );
  return 'bench/results/apps.svg';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(
    `wrote ${writeAppsChart(new URL('./results/', import.meta.url)) ?? 'nothing (no pos.json or shop.json)'}`,
  );
}
