// Money as people read and type it. The protocol counts integers of a currency's minor unit (cents
// for EUR, yen for JPY, fils for KWD); how many digits follow the decimal point is ISO 4217's, which
// Intl knows from CLDR (EUR 2, JPY 0, KWD 3, CLF 4), so no table of ours can go stale. Conversions
// go through decimal strings, never through floating point, so no amount is ever rounded.

/** An ISO 4217 code: three capital letters. */
const CODE = /^[A-Z]{3}$/;

function checkCode(currency: string): void {
  if (!CODE.test(currency))
    throw new RangeError(`currency: an ISO 4217 code like EUR, got ${JSON.stringify(currency)}`);
}

/** Digits after the decimal point in `currency`'s minor unit: EUR 2, JPY 0, KWD 3. */
export function minorDigits(currency: string): number {
  checkCode(currency);
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** 450 EUR → "4.50"; 450 JPY → "450"; -1 KWD → "-0.001". Exact for every safe integer and bigint (card totals). */
export function toDecimal(minor: number | bigint, currency: string): string {
  if (typeof minor === 'number' && !Number.isSafeInteger(minor))
    throw new RangeError(`amount: an integer of minor units, got ${minor}`);
  const digits = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const units = String(minor < 0 ? -minor : minor).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${units}` : `${sign}${units.slice(0, -digits)}.${units.slice(-digits)}`;
}

export interface MoneyFormat {
  /** A BCP 47 locale; default English, so logs and terminals read the same everywhere. */
  locale?: string;
  /** "EUR 4.50" (`code`, the default: unambiguous in a terminal) or "€4.50" (`symbol`, for a page). */
  display?: 'code' | 'symbol';
}

/** 450 EUR → "EUR 4.50" (or "€4.50", "4,50 €" by locale); 450 JPY → "JPY 450". */
export function formatMoney(minor: number | bigint, currency: string, o: MoneyFormat = {}): string {
  const decimal = toDecimal(minor, currency);
  const format = new Intl.NumberFormat(o.locale ?? 'en', {
    style: 'currency',
    currency,
    currencyDisplay: o.display ?? 'code',
  });
  // A numeric string keeps every digit (Intl.NumberFormat v3): no float in between.
  return format.format(decimal as unknown as number).replace(/\u00a0/g, ' ');
}

/**
 * formatMoney in `currency` when it is known; a card not yet certified has no currency, and then an
 * amount (always 0 there) shows as the bare number.
 */
export function moneyOf(currency: string | undefined, o: MoneyFormat = {}): (minor: number | bigint) => string {
  return (minor) => (currency ? formatMoney(minor, currency, o) : String(minor));
}

/**
 * "4.50" EUR → 450; "7" → 700; "450" JPY → 450. Refuses signs, more digits than the currency has,
 * anything that is not a plain decimal, zero, and more than a safe integer of minor units.
 */
export function parseMoney(text: string, currency: string): number {
  const digits = minorDigits(currency);
  const m = /^\s*(\d{1,15})(?:\.(\d+))?\s*$/.exec(text);
  const fraction = m?.[2] ?? '';
  if (!m || fraction.length > digits) {
    const example = toDecimal(1234 * 10 ** digits + (digits ? 5 * 10 ** (digits - 1) : 0), currency);
    throw new RangeError(
      `amount: write it as ${example} (${currency} has ${digits} decimals), got ${JSON.stringify(text)}`,
    );
  }
  const minor = Number(`${m[1]}${fraction.padEnd(digits, '0')}`);
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount: ${text} ${currency} is too large`);
  if (minor < 1) throw new RangeError(`amount: must be more than ${toDecimal(0, currency)}`);
  return minor;
}
