// Decoders never throw anything but ProtocolError: random bytes and mutations of valid messages
// (bit flips, byte insert/delete/overwrite, truncation, splicing two messages), from a seeded PRNG.
// Default run: ≥ 100,000 cases. SMARTCHECK_SLOW=1 multiplies every budget by 100.
// Replay a run with SMARTCHECK_FUZZ_SEED=<seed printed on failure>.
import { afterAll, describe, expect, it } from 'vitest';
import { decode, encode, equalBytes, Tagged } from '../../src/protocol/cbor.ts';
import { parseMulti, parseSign1, signMulti } from '../../src/protocol/cose.ts';
import { parseCertificate } from '../../src/protocol/certificate.ts';
import { acceptCheck } from '../../src/protocol/acceptance.ts';
import { open, seal } from '../../src/protocol/envelope.ts';
import { ErrorCode, ProtocolError, errorDescriptions } from '../../src/protocol/errors.ts';
import type { MessageCodec } from '../../src/protocol/message.ts';
import * as messages from '../../src/protocol/messages.ts';
import { verifyCheck } from '../../src/protocol/pos.ts';
import { Channel, MessageType } from '../../src/protocol/registry.ts';
import { DAY, NOW, makePki, purchase } from '../support/protocol-pki.ts';
import { prng, toHex } from '../support/vectors.ts';

const SLOW = process.env.SMARTCHECK_SLOW === '1';
const SCALE = SLOW ? 100 : 1;
const SEED = Number(process.env.SMARTCHECK_FUZZ_SEED ?? 20_261_124);
const TIMEOUT_MS = SLOW ? 6 * 3_600_000 : 60_000;

// ------------------------------------------------------------------ a corpus of valid messages

const pki = makePki();
const { check, slipBytes, slip, body } = purchase(pki);
const bytes16 = new Uint8Array(16).fill(7);
const bytes32 = new Uint8Array(32).fill(9);
const bodies: Record<string, Uint8Array> = {
  valueTokenRequest: messages.valueTokenRequest.encode({ purseId: pki.purse.id, bankId: pki.bank.id, amount: 5_000, currency: 'EUR', nonce: bytes16, purseCounter: 3, time: NOW }),
  valueToken: messages.valueToken.encode({ purseId: pki.purse.id, bankId: pki.bank.id, amount: 5_000, currency: 'EUR', nonce: bytes16, tokenId: bytes16, time: NOW }),
  purchaseSlip: messages.purchaseSlip.encode(slip.body),
  digitalCheck: messages.digitalCheck.encode(body),
  digitalCheckRequest: messages.digitalCheckRequest.encode({ slip: slipBytes, cardholderId: pki.cardholder.id }),
  depositBatch: messages.depositBatch.encode({ merchantId: pki.merchant.id, batchId: bytes16, checks: [check, check], time: NOW }),
  captureReceipt: messages.captureReceipt.encode({ merchantId: pki.merchant.id, batchId: bytes16, outcomes: [[bytes32, 0, 1_234], [bytes32, 308, 0]], totalCredited: 1_234, time: NOW }),
  revocationList: messages.revocationList.encode({ bankId: pki.bank.id, issuedAt: NOW, nextUpdate: NOW + DAY, revoked: ['purse-x', 'purse-y'], listNumber: 4 }),
  refund: messages.refund.encode({ checkHash: bytes32, purseId: pki.purse.id, amount: 1_234, currency: 'EUR', merchantId: pki.merchant.id, serial: 1, time: NOW }),
  fraudProof: messages.fraudProof.encode({ first: check, second: check }),
};
const internetBody = messages.digitalCheck.encode({ ...body, channel: Channel.Internet });
const multi = signMulti(internetBody, [pki.purse, pki.cardholder]);
const bankKx = pki.bank.kx as { secretKey: Uint8Array; publicKey: Uint8Array };
const sealed = seal(MessageType.DepositBatch, bankKx.publicKey, bodies.depositBatch as Uint8Array);
bodies.envelope = sealed;
const certificates = [pki.purse.certificate, pki.merchant.certificate, pki.bank.certificate, pki.cardholder.certificate];
const everything = [...Object.values(bodies), check, slipBytes, multi, ...certificates, encode([1, 'two', new Uint8Array(3), new Map([[4, new Tagged(18, [])]])])];

// ------------------------------------------------------------------ inputs

type Rand = ReturnType<typeof prng>;
const INTERESTING = [0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x3b, 0x40, 0x5f, 0x60, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xd2, 0xd8, 0xf4, 0xf6, 0xf9, 0xfb, 0xff];
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[rand.int(xs.length)] as T;

function mutate(rand: Rand, input: Uint8Array, corpus: readonly Uint8Array[]): Uint8Array {
  let b = Array.from(input);
  const rounds = 1 + rand.int(3);
  for (let r = 0; r < rounds; r++) {
    const at = rand.int(b.length + 1);
    switch (rand.int(8)) {
      case 0: // bit flip
        if (b.length) b[at % b.length] = (b[at % b.length] as number) ^ (1 << rand.int(8));
        break;
      case 1: // interesting byte
        if (b.length) b[at % b.length] = pick(rand, INTERESTING);
        break;
      case 2: // insert
        b.splice(at, 0, rand.int(2) ? rand.int(256) : pick(rand, INTERESTING));
        break;
      case 3: // delete a run
        b.splice(at, 1 + rand.int(4));
        break;
      case 4: // truncate
        b = b.slice(0, at);
        break;
      case 5: {
        // splice: a prefix of this and a suffix of another message
        const other = pick(rand, corpus);
        b = [...b.slice(0, at), ...other.subarray(rand.int(other.length + 1))];
        break;
      }
      case 6: {
        // duplicate a chunk
        const from = rand.int(b.length + 1);
        b.splice(at, 0, ...b.slice(from, from + 1 + rand.int(16)));
        break;
      }
      default: // overwrite a chunk with random bytes
        for (let i = at, n = 1 + rand.int(8); i < Math.min(b.length, at + n); i++) b[i] = rand.int(256);
    }
  }
  return Uint8Array.from(b);
}

function input(rand: Rand, corpus: readonly Uint8Array[]): Uint8Array {
  const roll = rand.int(100);
  if (roll < 12) return rand.bytes(rand.int(81));
  if (roll < 20) return Uint8Array.from([pick(rand, INTERESTING), ...rand.bytes(rand.int(40))]);
  return mutate(rand, pick(rand, corpus), corpus);
}

// ------------------------------------------------------------------ targets

interface Target {
  name: string;
  budget: number;
  corpus: Uint8Array[];
  /** Throws what the decoder throws; may assert on what it returns, or return a verdict's code. */
  run(bytes: Uint8Array): number | void;
  /** Codes the mutations must reach at least once (the deep layers, not only the CBOR parser). */
  reaches?: number[];
}

const codecs = (Object.entries(messages) as [string, unknown][]).filter((e): e is [string, MessageCodec<unknown>] => typeof e[1] === 'object' && e[1] !== null && 'decode' in e[1]);
const policy = { anchors: pki.anchors, now: NOW, terminalMaxPerCheck: 50_000 };

const targets: Target[] = [
  { name: 'cbor.decode', budget: 56_000, corpus: everything, run: (b) => void decode(b) },
  ...codecs.map(([name, codec]): Target => ({
    name: `messages.${name}.decode`,
    budget: 4_000,
    corpus: [bodies[name] as Uint8Array, bodies[name] as Uint8Array, bodies[name] as Uint8Array, ...Object.values(bodies)],
    run: (b) => void codec.decode(b),
  })),
  { name: 'cose.parseSign1', budget: 14_000, corpus: [check, slipBytes, ...certificates, multi], run: (b) => void parseSign1(b) },
  { name: 'cose.parseMulti', budget: 10_000, corpus: [multi, multi, multi, check], run: (b) => void parseMulti(b, 2) },
  { name: 'certificate.parseCertificate', budget: 14_000, corpus: [...certificates, check], run: (b) => void parseCertificate(b) },
  {
    name: 'pos.verifyCheck',
    budget: 5_000,
    corpus: [check, check, check, slipBytes, multi],
    run: (b) => void verifyCheck(b, policy),
    reaches: [ErrorCode.MalformedCbor, ErrorCode.BadCoseStructure, ErrorCode.BadField, ErrorCode.BadCertificateSignature, ErrorCode.BadSignature],
  },
  {
    name: 'acceptance.acceptCheck',
    budget: 5_000,
    corpus: [check, check, check, slipBytes, multi],
    run: (b) => {
      const verdict = acceptCheck(b, slip, policy);
      if (equalBytes(b, check)) return;
      if (verdict.decision !== 'refuse') throw new Error(`accepted a mutated check`);
      if (!(verdict.code !== undefined && errorDescriptions[verdict.code as ErrorCode])) throw new Error(`refused without a registered code: ${verdict.code}`);
      return verdict.code;
    },
    reaches: [ErrorCode.MalformedCbor, ErrorCode.NotDeterministic, ErrorCode.BadCoseStructure, ErrorCode.BadField, ErrorCode.BadCertificateSignature, ErrorCode.BadSignature],
  },
  {
    name: 'envelope.open',
    budget: 6_000,
    corpus: [sealed, sealed, sealed, ...Object.values(bodies)],
    run: (b) => void open(MessageType.DepositBatch, bankKx.secretKey, b),
    reaches: [ErrorCode.MalformedCbor, ErrorCode.BadField, ErrorCode.WrongMessageType, ErrorCode.EnvelopeOpenFailed],
  },
];

const counts = new Map<string, number>();
afterAll(() => {
  const total = [...counts.values()].reduce((a, n) => a + n, 0);
  console.log(`fuzz: ${total} cases (${SLOW ? 'slow suite, ×100' : 'default budget'}; seed ${SEED})\n` + [...counts].map(([n, c]) => `  ${n}: ${c}`).join('\n'));
});

describe(`fuzz: decoders throw only ProtocolError (seed ${SEED}${SLOW ? ', slow ×100' : ''})`, () => {
  it('the default budget is at least 100,000 cases', () => {
    expect(targets.reduce((a, t) => a + t.budget, 0)).toBeGreaterThanOrEqual(100_000);
    expect(codecs).toHaveLength(11);
  });

  it('the corpus is valid: each message decodes and the check is accepted', () => {
    for (const t of targets) for (const c of t.corpus.slice(0, 1)) expect(() => t.run(c), t.name).not.toThrow();
    expect(acceptCheck(check, slip, policy).decision).toBe('accept');
  });

  targets.forEach((target, index) => {
    const seed = (SEED + index * 7_919) >>> 0;
    it(`${target.name}: ${target.budget * SCALE} cases`, { timeout: TIMEOUT_MS }, () => {
      const rand = prng(seed);
      const n = target.budget * SCALE;
      let failure: string | undefined;
      let refused = 0;
      const codes = new Map<number, number>();
      const saw = (code: number) => codes.set(code, (codes.get(code) ?? 0) + 1);
      for (let i = 0; i < n && !failure; i++) {
        const bytes = input(rand, target.corpus);
        try {
          const code = target.run(bytes);
          if (code !== undefined) saw(code);
        } catch (error) {
          if (error instanceof ProtocolError && errorDescriptions[error.code]) {
            refused++;
            saw(error.code);
          }
          else failure = `${target.name}: case ${i} of seed ${seed} (SMARTCHECK_FUZZ_SEED=${SEED}) threw ${String(error)}\ninput: ${toHex(bytes)}`;
        }
        counts.set(target.name, i + 1);
      }
      expect(failure).toBeUndefined();
      // Most mutated inputs are refused; if almost none were, the mutations are not reaching the decoder.
      if (target.name !== 'acceptance.acceptCheck') expect(refused).toBeGreaterThan(n * 0.5);
      if (target.reaches) console.log(`fuzz: ${target.name} codes: ${[...codes].sort((a, c) => a[0] - c[0]).map(([c, k]) => `${c}×${k}`).join(' ')}`);
      const seen = [...codes.keys()];
      for (const code of target.reaches ?? []) expect(seen, `${target.name} codes seen`).toContain(code);
    });
  });
});
