// Money shown and typed as money: the digits of each currency's minor unit as ISO 4217 publishes
// them (the list's "Minor unit" column, checked here for currencies with 0, 2, 3 and 4 digits),
// exact conversions with no float in between, and typed amounts refused with a clear message.
import { describe, expect, it } from 'vitest';
import { formatMoney, minorDigits, parseMoney, toDecimal } from '../src/money.ts';

// From ISO 4217's published list (the "Minor unit" column).
const ISO_4217_MINOR_UNITS: Record<string, number> = {
  EUR: 2,
  USD: 2,
  GBP: 2,
  CHF: 2,
  JPY: 0,
  KRW: 0,
  ISK: 0,
  KWD: 3,
  BHD: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

describe('minor units', () => {
  it('gives each currency the digits ISO 4217 lists', () => {
    for (const [currency, digits] of Object.entries(ISO_4217_MINOR_UNITS))
      expect(minorDigits(currency), currency).toBe(digits);
  });

  it('refuses a currency that is not an ISO 4217 code', () => {
    for (const bad of ['eur', 'EURO', 'E1R', '', '€']) expect(() => minorDigits(bad), bad).toThrow(RangeError);
  });
});

describe('toDecimal and formatMoney', () => {
  it('writes minor units as the decimal people read', () => {
    expect(toDecimal(450, 'EUR')).toBe('4.50');
    expect(toDecimal(5, 'EUR')).toBe('0.05');
    expect(toDecimal(0, 'EUR')).toBe('0.00');
    expect(toDecimal(-2_200, 'EUR')).toBe('-22.00');
    expect(toDecimal(450, 'JPY')).toBe('450');
    expect(toDecimal(1, 'KWD')).toBe('0.001');
    expect(toDecimal(12_345, 'CLF')).toBe('1.2345');
    expect(toDecimal(Number.MAX_SAFE_INTEGER, 'EUR')).toBe('90071992547409.91');
    expect(toDecimal(12_345_678_901_234_567_890n, 'EUR')).toBe('123456789012345678.90');
    expect(() => toDecimal(1.5, 'EUR')).toThrow(RangeError);
  });

  it('formats with the code by default, with the symbol and the locale on request', () => {
    expect(formatMoney(450, 'EUR')).toBe('EUR 4.50');
    expect(formatMoney(450, 'JPY')).toBe('JPY 450');
    expect(formatMoney(1_234, 'KWD')).toBe('KWD 1.234');
    expect(formatMoney(123_456_789, 'EUR')).toBe('EUR 1,234,567.89');
    expect(formatMoney(450, 'EUR', { display: 'symbol' })).toBe('€4.50');
    expect(formatMoney(450, 'EUR', { display: 'symbol', locale: 'de-DE' })).toBe('4,50 €');
    expect(formatMoney(450, 'JPY', { display: 'symbol', locale: 'ja-JP' })).toBe('￥450');
    // Every digit kept at the top of the safe range: formatted from the decimal string, not a float.
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'EUR')).toBe('EUR 90,071,992,547,409.91');
  });
});

describe('parseMoney', () => {
  it('reads a typed amount in the currency’s own digits', () => {
    expect(parseMoney('200.00', 'EUR')).toBe(20_000);
    expect(parseMoney('7', 'EUR')).toBe(700);
    expect(parseMoney(' 0.5 ', 'EUR')).toBe(50);
    expect(parseMoney('0.01', 'EUR')).toBe(1);
    expect(parseMoney('450', 'JPY')).toBe(450);
    expect(parseMoney('1.234', 'KWD')).toBe(1_234);
    expect(parseMoney('123456789012.99', 'EUR')).toBe(12_345_678_901_299);
  });

  it('refuses what is not a positive amount in that currency, saying how to write one', () => {
    for (const bad of ['0', '0.00', '-1', '1.005', '1e3', 'ten', '', '1,50', '.5', '1.', '+1'])
      expect(() => parseMoney(bad, 'EUR'), bad).toThrow(RangeError);
    expect(() => parseMoney('4.5', 'JPY')).toThrow('amount: write it as 1234 (JPY has 0 decimals), got "4.5"');
    expect(() => parseMoney('1.2345', 'KWD')).toThrow('write it as 1234.500 (KWD has 3 decimals)');
    expect(() => parseMoney('999999999999999', 'EUR')).toThrow('too large');
  });

  it('round-trips with toDecimal', () => {
    for (const currency of Object.keys(ISO_4217_MINOR_UNITS))
      for (const minor of [1, 99, 100, 4_520, 17_800, 1_000_000])
        expect(parseMoney(toDecimal(minor, currency), currency), `${minor} ${currency}`).toBe(minor);
  });
});
