// A personalised emulated card in a small world: root, bank, merchant, and helpers that play the
// bank (value tokens) and the terminal (slips) around the card.

import { EmulatedCard } from '../../src/card/emulator.ts';
import { PurseCard, personalise } from '../../src/card/purse.ts';
import { type EepromStore, MemoryEeprom } from '../../src/card/store.ts';
import {
  type CertificateClaims,
  issueCertificate,
  type OfflineLimits,
  parseCertificate,
} from '../../src/protocol/certificate.ts';
import { makeSlip, sealEnvelope, verifyCheck } from '../../src/protocol/index.ts';
import { issueValueToken, openLoadRequest } from '../../src/protocol/load.ts';
import type { PurchaseSlip } from '../../src/protocol/messages.ts';
import {
  anchorsOf,
  certifyBank,
  certifyParty,
  createRoot,
  newSerial,
  type Party,
  type Root,
} from '../../src/protocol/pki.ts';
import { Channel, MessageType, Role } from '../../src/protocol/registry.ts';

export const NOW = 1_700_000_000;
const DAY = 86_400;
export const VALIDITY = { notBefore: NOW - 365 * DAY, notAfter: NOW + 365 * DAY };
export const LIMITS: OfflineLimits = {
  currency: 'EUR',
  maxBalance: 1_000_000,
  maxPerCheck: 200_000,
  maxOfflineChecks: 1_000,
  maxOfflineAmount: 1_000_000,
};
export const PIN = '1234';
export const PURSE_ID = 'P-CARD-1';

const seed = (n: number) => new Uint8Array(32).fill(n);

export interface World {
  root: Root;
  bank: Party;
  merchant: Party;
  anchors: ReturnType<typeof anchorsOf>;
}

let world: World | undefined;
export function getWorld(): World {
  if (world) return world;
  const root = createRoot('ROOT-C', seed(41));
  const bank = certifyBank(root, 'BANK-C', { ...VALIDITY, seed: seed(42), kxSeed: seed(43) });
  const merchant = certifyParty(bank, 'M-CARD', Role.Merchant, { ...VALIDITY, seed: seed(44), kxSeed: seed(45) });
  world = { root, bank, merchant, anchors: anchorsOf(root) };
  return world;
}

export interface Rig {
  w: World;
  emulator: EmulatedCard;
  card: PurseCard;
  store: MemoryEeprom;
  certificate: Uint8Array;
}

/** A personalised, selected card with its PIN verified (unless `verify` is false). */
export async function newCard(o: { store?: EepromStore; verify?: boolean; limits?: OfflineLimits } = {}): Promise<Rig> {
  const w = getWorld();
  const store = (o.store ?? new MemoryEeprom()) as MemoryEeprom;
  const emulator = await EmulatedCard.create({ store });
  const card = new PurseCard(emulator);
  const certificate = await personalise(card, {
    ...VALIDITY,
    bank: w.bank,
    roots: [{ id: w.root.id, publicKey: w.root.publicKey }],
    purseId: PURSE_ID,
    limits: o.limits ?? LIMITS,
    pin: PIN,
  });
  if (o.verify !== false) await card.verifyPin(PIN);
  return { w, emulator, card, store, certificate };
}

let tokenCounter = 0;
/** The bank's side of a load: opens the card's request and seals a value token back. */
export function bankAnswer(w: World, signedRequest: Uint8Array, tokenId?: Uint8Array): Uint8Array {
  const envelope = sealEnvelope(MessageType.ValueTokenRequest, w.bank.kx!.publicKey, signedRequest);
  const verified = openLoadRequest(w.bank, envelope, {
    anchors: w.anchors,
    now: NOW,
    nonceSeen: () => false,
    maxSkewS: 300,
  });
  const id = tokenId ?? new Uint8Array(16);
  if (!tokenId) new DataView(id.buffer).setUint32(12, ++tokenCounter);
  return issueValueToken(w.bank, verified, id, NOW);
}

/** Loads `amount` onto the card through the whole protocol. */
export async function load(rig: Rig, amount: number): Promise<number> {
  const request = await rig.card.loadRequest(amount, NOW);
  return rig.card.applyToken(bankAnswer(rig.w, request), NOW);
}

let txCounter = 0;
export function slip(
  w: World,
  amount: number,
  over: Partial<PurchaseSlip> = {},
  merchant: Party = w.merchant,
): Uint8Array {
  const terminalNonce = new Uint8Array(16);
  new DataView(terminalNonce.buffer).setUint32(12, ++txCounter);
  return makeSlip(merchant, {
    merchantId: merchant.id,
    amount,
    currency: 'EUR',
    time: NOW,
    terminalId: 'T-1',
    terminalTxId: txCounter,
    terminalNonce,
    channel: Channel.Pos,
    ...over,
  });
}

export const verify = (w: World, check: Uint8Array) => verifyCheck(check, { anchors: w.anchors, now: NOW });

/** The bank's renewal of the rig's certificate (same keys, later expiry, a per-check limit of 300,000), with `over` changed, signed by `bank`. */
export function renewal(rig: Rig, over: Partial<CertificateClaims> = {}, bank: Party = rig.w.bank): Uint8Array {
  const old = parseCertificate(rig.certificate);
  const claims: CertificateClaims = {
    issuer: old.issuer,
    subject: old.subject,
    role: old.role,
    notBefore: NOW - DAY,
    notAfter: VALIDITY.notAfter + 700 * DAY,
    issuedAt: NOW - DAY,
    serial: newSerial(),
    signingKey: old.signingKey,
    ...(old.kxKey ? { kxKey: old.kxKey } : {}),
    limits: { ...LIMITS, maxPerCheck: 300_000 },
    ...over,
  };
  return issueCertificate(claims, bank.secretKey!, bank.certificate);
}
