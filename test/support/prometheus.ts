// Reading a server's /metrics as a scraper does: the Prometheus text format, parsed by
// parse-prometheus-text-format (an independent parser), then one sample looked up by name and labels.
// That parser folds a histogram's labelled series into one (it keeps only the buckets of an
// unlabelled histogram), so a labelled histogram's count is read from its `_count` line instead.
import type { FastifyInstance } from 'fastify';
import parsePrometheusTextFormat, { type Family } from 'parse-prometheus-text-format';

export interface Scrape {
  families: Map<string, Family>;
  text: string;
}

export async function scrape(app: FastifyInstance): Promise<Scrape> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  if (res.statusCode !== 200) throw new Error(`/metrics: ${res.statusCode}`);
  if (!res.headers['content-type']?.toString().startsWith('text/plain'))
    throw new Error(`/metrics: ${res.headers['content-type']}`);
  return { families: new Map(parsePrometheusTextFormat(res.body).map((f) => [f.name, f])), text: res.body };
}

const matches = (labels: Record<string, string> | undefined, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([k, v]) => labels?.[k] === v);

/** A counter's or gauge's value; 0 when the labelled series was never touched. */
export function value(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  const family = s.families.get(name);
  if (!family) throw new Error(`no metric ${name}`);
  if (family.type !== 'COUNTER' && family.type !== 'GAUGE') throw new Error(`${name} is a ${family.type}`);
  const found = family.metrics.find((m) => matches(m.labels, labels));
  return found ? Number(found.value) : 0;
}

/** How many observations a histogram's series holds (its `_count` line). */
export function histogramCount(s: Scrape, name: string, labels: Record<string, string>): number {
  if (s.families.get(name)?.type !== 'HISTOGRAM') throw new Error(`no histogram ${name}`);
  for (const line of s.text.split('\n')) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== `${name}_count`) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (matches(have, labels)) return Number(m[3]);
  }
  return 0;
}
