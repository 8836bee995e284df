// A small deterministic PKI for the protocol tests: one trusted root, a bank, a merchant, a purse
// with offline limits and a cardholder, plus helpers to make a slip and a check at a fixed time.

import type { OfflineLimits } from '../../src/protocol/certificate.ts';
import type { PurchaseSlip } from '../../src/protocol/messages.ts';
import { anchorsOf, certifyBank, certifyParty, createRoot, type Party, type Root } from '../../src/protocol/pki.ts';
import { checkFor, makeSlip, signCheck, verifySlip } from '../../src/protocol/pos.ts';
import { Channel, Role } from '../../src/protocol/registry.ts';

/** "Now" for every protocol test: 2023-11-14T22:13:20Z. */
export const NOW = 1_700_000_000;
export const DAY = 86_400;
export const LONG = { notBefore: NOW - 365 * DAY, notAfter: NOW + 365 * DAY };

export const LIMITS: OfflineLimits = {
  currency: 'EUR',
  maxBalance: 100_000,
  maxPerCheck: 20_000,
  maxOfflineChecks: 10,
  maxOfflineAmount: 50_000,
};

/** 32-byte seed whose bytes are all `n`: keys are the same on every run. */
export const seed = (n: number) => new Uint8Array(32).fill(n);

export interface Pki {
  root: Root;
  bank: Party;
  merchant: Party;
  purse: Party;
  cardholder: Party;
  anchors: ReturnType<typeof anchorsOf>;
}

export function makePki(tag = 'a', seedBase = 1): Pki {
  const root = createRoot(`root-${tag}`, seed(seedBase));
  const bank = certifyBank(root, `bank-${tag}`, { ...LONG, seed: seed(seedBase + 1), kxSeed: seed(seedBase + 2) });
  const merchant = certifyParty(bank, `merchant-${tag}`, Role.Merchant, {
    ...LONG,
    seed: seed(seedBase + 3),
    kxSeed: seed(seedBase + 4),
  });
  const purse = certifyParty(bank, `purse-${tag}`, Role.Purse, {
    ...LONG,
    seed: seed(seedBase + 5),
    kxSeed: seed(seedBase + 6),
    limits: LIMITS,
  });
  const cardholder = certifyParty(bank, `cardholder-${tag}`, Role.Cardholder, { ...LONG, seed: seed(seedBase + 7) });
  return { root, bank, merchant, purse, cardholder, anchors: anchorsOf(root) };
}

let nonceCounter = 0;
export function slipBody(merchant: Party, overrides: Partial<PurchaseSlip> = {}): PurchaseSlip {
  const terminalNonce = new Uint8Array(16);
  new DataView(terminalNonce.buffer).setUint32(12, ++nonceCounter);
  return {
    merchantId: merchant.id,
    amount: 1_234,
    currency: 'EUR',
    time: NOW,
    terminalId: 'terminal-1',
    terminalTxId: nonceCounter,
    terminalNonce,
    channel: Channel.Pos,
    ...overrides,
  };
}

/** A signed slip, verified as the card would, and the purse's check for it. */
export function purchase(pki: Pki, overrides: Partial<PurchaseSlip> = {}, serial = 1) {
  const slipBytes = makeSlip(pki.merchant, slipBody(pki.merchant, overrides));
  const slip = verifySlip(slipBytes, { anchors: pki.anchors, now: NOW });
  const body = checkFor(slip, pki.purse.id, serial, NOW);
  const check = signCheck(pki.purse, body);
  return { slipBytes, slip, body, check };
}
