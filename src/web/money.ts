// Amounts on the page: the protocol counts minor units (cents); people type and read major units.
const MINOR_DIGITS = 2;

/** 12345 → "123.45". */
export function formatAmount(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const unit = 10 ** MINOR_DIGITS;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(MINOR_DIGITS, '0')}`;
}

/** "123.45" → 12345; "7" → 700. Anything else (negative, three decimals, letters, zero) is refused. */
export function parseAmount(text: string): number {
  const m = /^\s*(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) throw new RangeError(`amount: write it as 12.34, got ${JSON.stringify(text)}`);
  const minor = Number(m[1]) * 10 ** MINOR_DIGITS + Number((m[2] ?? '').padEnd(MINOR_DIGITS, '0'));
  if (minor < 1) throw new RangeError('amount: must be more than 0.00');
  return minor;
}
