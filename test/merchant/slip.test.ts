// The terminal does not verify its own slip (issue 11): a sale signs the slip and knows it good at
// once (makeVerifiedSlip); the one verification of the slip's signature is the card's. The Ed25519
// verify binding is wrapped to record what it is asked to verify (the card's coprocessor uses it too).
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { equalBytes } from '../../src/bytes.ts';
import { Terminal } from '../../src/merchant/index.ts';
import { parseSign1, verifySlip } from '../../src/protocol/index.ts';
import { makeWorld, NOW, newCard, openBook, type World } from './support.ts';

/** Every message the Ed25519 verify binding was asked about (copied at call time: the card's are views of its memory). */
const verified = vi.hoisted(() => [] as Uint8Array[]);
vi.mock('../../bindings/ed25519.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../bindings/ed25519.ts')>();
  return {
    ...actual,
    verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) {
      verified.push(message.slice());
      return actual.verify(signature, message, publicKey);
    },
  };
});

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});

describe('a sale and its slip', () => {
  it('verifies the slip once, on the card: the terminal verifies the card’s check, not its own slip', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000 });
    const book = await openBook(w);
    await book.refreshRevocationList();
    const terminal = new Terminal(book, { terminalId: 'T-1' });
    await terminal.sell(rig.card, 1_000); // certificates now cached on both sides

    verified.length = 0;
    const sale = await terminal.sell(rig.card, 2_500);
    const slipSigned = parseSign1(sale.slip).toBeSigned;
    const checkSigned = parseSign1(sale.check).toBeSigned;
    expect(verified.filter((m) => equalBytes(m, slipSigned))).toHaveLength(1);
    expect(verified.filter((m) => equalBytes(m, checkSigned))).toHaveLength(1);
  });

  it('gives acceptCheck the slip verifySlip would give', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000 });
    const book = await openBook(w);
    await book.refreshRevocationList();
    const sale = await new Terminal(book, { terminalId: 'T-2' }).sell(rig.card, 4_000);
    const slip = verifySlip(sale.slip, { anchors: w.bank.anchors, now: w.now });
    expect(sale.verdict.check?.body.slipHash).toEqual(slip.hash);
    expect(book.slip('T-2', sale.terminalTxId)?.record.slipHash).toEqual(slip.hash);
  });
});
