// The page's amounts: what the cardholder types becomes minor units exactly, or a clear refusal.
import { describe, expect, it } from 'vitest';
import { formatAmount, parseAmount } from '../../src/web/money.ts';

describe('web wallet amounts', () => {
  it('reads major units with up to two decimals as minor units', () => {
    expect(parseAmount('200.00')).toBe(20_000);
    expect(parseAmount('7')).toBe(700);
    expect(parseAmount(' 0.5 ')).toBe(50);
    expect(parseAmount('0.01')).toBe(1);
    expect(parseAmount('123456789012.99')).toBe(12_345_678_901_299);
  });

  it('refuses zero, negatives, three decimals, exponents and words', () => {
    for (const bad of ['0', '0.00', '-1', '1.005', '1e3', 'ten', '', '1,50', '.5', '1.'])
      expect(() => parseAmount(bad), bad).toThrow(RangeError);
  });

  it('writes minor units back the way they are read', () => {
    expect(formatAmount(20_000)).toBe('200.00');
    expect(formatAmount(5)).toBe('0.05');
    expect(formatAmount(-2_200)).toBe('-22.00');
    for (const minor of [1, 99, 100, 4_520, 17_800, 1_000_000]) expect(parseAmount(formatAmount(minor))).toBe(minor);
  });
});
