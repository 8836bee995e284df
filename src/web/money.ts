// Amounts on the page: in the browser's language with the currency's symbol ("€4.50", "4,50 €"),
// with the digits ISO 4217 gives the currency (src/money.ts).
import { formatMoney } from '../money.ts';

/** 450 EUR → "€4.50" (en-US), "4,50 €" (de-DE); 450 JPY → "¥450". */
export function money(minor: number, currency: string): string {
  return formatMoney(minor, currency, { locale: navigator.language, display: 'symbol' });
}
