// The layer rules hold over the real import graph; the checker itself is shown to catch each kind
// of break, so a rule that matched nothing could not pass silently.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph, LAYER_RULES, violations } from './layers.ts';

const root = join(import.meta.dirname, '..', '..');

describe('layer rules', () => {
  const edges = importGraph(root, ['src', 'bindings']);

  it('reads the real graph (relative and package imports)', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges).toContainEqual({ from: 'src/protocol/index.ts', to: 'src/protocol/errors.ts' });
    expect(edges.some((e) => e.from.startsWith('src/bank/') && e.to === 'fastify')).toBe(true);
  });

  it('no file breaks a rule', () => {
    expect(violations(edges, LAYER_RULES)).toEqual([]);
  });

  it.each([
    ['src/protocol/pos.ts', 'src/bank/ledger.ts', 'the protocol layer imports no role and no I/O'],
    ['src/protocol/pos.ts', 'node:fs', 'the protocol layer imports no role and no I/O'],
    ['bindings/hash.ts', 'src/protocol/errors.ts', 'bindings import nothing from src'],
    ['src/bank/server.ts', 'src/card/purse.ts', 'the bank imports no card, merchant or wallet'],
    ['src/merchant/terminal.ts', 'src/bank/service.ts', 'the merchant reaches the bank only through src/net'],
    ['src/card/applet.ts', 'pg', 'the card knows no ledger'],
    ['src/card/purse.ts', 'src/protocol/verifier/index.ts', 'the card loads no check verifier'],
  ])('catches %s importing %s', (from, to, rule) => {
    expect(violations([{ from, to }], LAYER_RULES)).toEqual([`${rule}: ${from} imports ${to}`]);
  });

  it('lets the allowed edges through', () => {
    const allowed = [
      { from: 'src/merchant/terminal.ts', to: 'src/net/bank-link.ts' },
      { from: 'src/protocol/pos.ts', to: 'bindings/index.ts' },
      { from: 'src/bank/capture/index.ts', to: 'src/protocol/capture.ts' },
    ];
    expect(violations(allowed, LAYER_RULES)).toEqual([]);
  });
});
