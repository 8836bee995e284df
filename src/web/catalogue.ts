// The demo shop's items as the page lists them (minor units). The shop server prices orders from
// its own catalogue (createShopServer's `catalogue`) and signs the slip; the wallet checks that the
// signed amount is the one shown here before asking the cardholder.
export interface CatalogueEntry {
  item: string;
  label: string;
  amount: number;
}

export const CATALOGUE: readonly CatalogueEntry[] = [
  { item: 'coffee-250g', label: 'Coffee beans, 250 g', amount: 1_250 },
  { item: 'tea-green', label: 'Green tea, 100 g', amount: 480 },
  { item: 'mug', label: 'Enamel mug', amount: 2_200 },
];

/** The same list in the shop server's form, for one currency. */
export function shopCatalogue(currency: string): Record<string, { amount: number; currency: string }> {
  return Object.fromEntries(CATALOGUE.map((e) => [e.item, { amount: e.amount, currency }]));
}
