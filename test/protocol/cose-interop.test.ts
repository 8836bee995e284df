// An independent COSE implementation, pycose 1.1.0 (Python, with cbor2 and the `cryptography`
// package's Ed25519), verifies our COSE_Sign1 messages and certificates and our two-signer
// COSE_Sign, and signs the same payloads to the very same bytes. The venv comes from
// scripts/lib/python-tools.mjs (run by scripts/setup.mjs); the script is test/support/cose_interop.py.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ed25519 } from '../../bindings/index.ts';
import { parseCertificate } from '../../src/protocol/certificate.ts';
import { parseMulti, parseSign1, sign1, signMulti } from '../../src/protocol/cose.ts';
import { digitalCheck } from '../../src/protocol/messages.ts';
import { Channel } from '../../src/protocol/registry.ts';
import { makePki, purchase, seed } from '../support/protocol-pki.ts';
import { prng, toHex } from '../support/vectors.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const python = `${root}.tools/pyvenv/bin/python`;
const script = fileURLToPath(new URL('../support/cose_interop.py', import.meta.url));

type Case = Record<string, unknown>;
type Result = { ok?: boolean; error?: string; message?: string; each?: boolean[]; [k: string]: unknown };

/** Runs every case through pycose in one Python process; results in order. */
function pycose(cases: Case[]): { versions: string; results: Result[] } {
  const run = spawnSync(python, [script], {
    input: JSON.stringify({ cases }),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`cose_interop.py failed (${run.status}): ${run.stderr}`);
  const out = JSON.parse(run.stdout) as { pycose: string; cbor2: string; results: Result[] };
  expect(out.results).toHaveLength(cases.length);
  return { versions: `pycose ${out.pycose}, cbor2 ${out.cbor2}`, results: out.results };
}

const flip = (b: Uint8Array, at: number) => {
  const c = b.slice();
  c[at] = (c[at] as number) ^ 0x01;
  return c;
};

const pki = makePki();
const { check, slipBytes, body } = purchase(pki);
const hexKey = (p: { publicKey: Uint8Array }) => toHex(p.publicKey);

// Random payloads and keys: ours signs, pycose verifies; pycose signs, ours verifies.
const rand = prng(0xc05e);
const randomSigned = Array.from({ length: 40 }, () => {
  const keys = ed25519.keygen(rand.bytes(32));
  const payload = rand.bytes(rand.int(300));
  return { keys, payload, ours: sign1(payload, keys.secretKey) };
});

const internetCheck = signMulti(digitalCheck.encode({ ...body, channel: Channel.Internet }), [
  pki.purse,
  pki.cardholder,
]);
const multiPayload = new Uint8Array([1, 2, 3]);

interface Named {
  name: string;
  case: Case;
  expect: (r: Result) => void;
}

const named: Named[] = [
  // --- COSE_Sign1 messages
  {
    name: 'a POS check (COSE_Sign1 with kcwt) verifies with the purse key',
    case: { kind: 'sign1', message: toHex(check), key: hexKey(pki.purse) },
    expect: (r) =>
      expect(r).toMatchObject({ ok: true, alg: -8, uhdrLabels: [13], payload: toHex(digitalCheck.encode(body)) }),
  },
  {
    name: 'a purchase slip verifies with the merchant key',
    case: { kind: 'sign1', message: toHex(slipBytes), key: hexKey(pki.merchant) },
    expect: (r) => expect(r).toMatchObject({ ok: true, alg: -8 }),
  },
  // --- certificates
  ...(['purse', 'merchant', 'cardholder'] as const).map(
    (who): Named => ({
      name: `the ${who} certificate verifies with the bank key, and cbor2 reads its claims as we do`,
      case: { kind: 'sign1', message: toHex(pki[who].certificate), key: hexKey(pki.bank), cwt: true },
      expect: (r) => {
        const cert = parseCertificate(pki[who].certificate);
        expect(r).toMatchObject({ ok: true, alg: -8, uhdrLabels: [13] });
        expect(r.claims).toEqual({
          iss: cert.issuer,
          sub: cert.subject,
          exp: cert.notAfter,
          nbf: cert.notBefore,
          role: cert.role,
          cnf: { kty: 1, alg: -8, crv: 6, x: toHex(cert.signingKey) },
        });
      },
    }),
  ),
  {
    name: 'the bank certificate verifies with the root key',
    case: { kind: 'sign1', message: toHex(pki.bank.certificate), key: hexKey(pki.root), cwt: true },
    expect: (r) =>
      expect(r).toMatchObject({ ok: true, uhdrLabels: [], claims: { iss: pki.root.id, sub: pki.bank.id, role: 2 } }),
  },
  // --- negative controls: the check is not vacuous
  {
    name: 'control: the check with the merchant key fails',
    case: { kind: 'sign1', message: toHex(check), key: hexKey(pki.merchant) },
    expect: (r) => expect(r.ok).toBe(false),
  },
  {
    name: 'control: the bank certificate with the bank key fails',
    case: { kind: 'sign1', message: toHex(pki.bank.certificate), key: hexKey(pki.bank) },
    expect: (r) => expect(r.ok).toBe(false),
  },
  {
    name: 'control: a flipped signature bit fails',
    case: { kind: 'sign1', message: toHex(flip(check, check.length - 1)), key: hexKey(pki.purse) },
    expect: (r) => expect(r.ok).toBe(false),
  },
  {
    name: 'control: a flipped payload bit fails',
    case: { kind: 'sign1', message: toHex(flip(check, check.length - 64 - 10)), key: hexKey(pki.purse) },
    expect: (r) => expect(r.ok).toBe(false),
  },
  // --- COSE_Sign, two signers
  {
    name: 'an Internet check (COSE_Sign, purse then cardholder) verifies, each signature with its key',
    case: { kind: 'sign', message: toHex(internetCheck), keys: [hexKey(pki.purse), hexKey(pki.cardholder)] },
    expect: (r) =>
      expect(r).toMatchObject({
        ok: true,
        each: [true, true],
        algs: [-8, -8],
        uhdrLabels: [[13], [13]],
        payload: toHex(parseMulti(internetCheck, 2).payload),
      }),
  },
  {
    name: 'control: the signers swapped fail, each one',
    case: { kind: 'sign', message: toHex(internetCheck), keys: [hexKey(pki.cardholder), hexKey(pki.purse)] },
    expect: (r) => expect(r).toMatchObject({ ok: false, each: [false, false] }),
  },
  {
    name: 'control: a flipped bit in the second signature fails that one only',
    case: {
      kind: 'sign',
      message: toHex(flip(internetCheck, internetCheck.length - 1)),
      keys: [hexKey(pki.purse), hexKey(pki.cardholder)],
    },
    expect: (r) => expect(r).toMatchObject({ ok: false, each: [true, false] }),
  },
  // --- pycose signs, we compare bytes and verify
  {
    name: 'pycose signs a COSE_Sign1 to the same bytes as ours, which parseSign1 + ed25519 verify',
    case: {
      kind: 'make_sign1',
      payload: toHex(digitalCheck.encode(body)),
      secret: toHex(pki.purse.secretKey),
      key: hexKey(pki.purse),
    },
    expect: (r) => {
      const theirs = Buffer.from(r.message as string, 'hex');
      expect(r.message).toBe(toHex(sign1(digitalCheck.encode(body), pki.purse.secretKey)));
      const parsed = parseSign1(new Uint8Array(theirs));
      expect(ed25519.verify(parsed.signature, parsed.toBeSigned, pki.purse.publicKey)).toBe(true);
    },
  },
  {
    name: 'pycose signs a two-signer COSE_Sign with kcwt headers to the same bytes as signMulti',
    case: {
      kind: 'make_sign',
      payload: toHex(multiPayload),
      signers: [pki.purse, pki.cardholder].map((p) => ({
        secret: toHex(p.secretKey),
        key: hexKey(p),
        kcwt: toHex(p.certificate),
      })),
    },
    expect: (r) => {
      expect(r.message).toBe(toHex(signMulti(multiPayload, [pki.purse, pki.cardholder])));
      const parsed = parseMulti(new Uint8Array(Buffer.from(r.message as string, 'hex')), 2);
      parsed.signers.forEach((s, i) => {
        expect(ed25519.verify(s.signature, s.toBeSigned, [pki.purse, pki.cardholder][i]!.publicKey)).toBe(true);
      });
    },
  },
];

describe('COSE interop with pycose (independent implementation)', () => {
  let versions = '';
  let results: Result[] = [];
  let randomResults: Result[] = [];
  let madeResults: Result[] = [];

  beforeAll(() => {
    if (!existsSync(python))
      throw new Error(`${python} is missing: run \`node scripts/setup.mjs\` (it creates the pycose venv)`);
    const all = pycose([
      ...named.map((n) => n.case),
      ...randomSigned.map((s) => ({ kind: 'sign1', message: toHex(s.ours), key: toHex(s.keys.publicKey) })),
      ...randomSigned.map((s) => ({
        kind: 'make_sign1',
        payload: toHex(s.payload),
        secret: toHex(s.keys.secretKey),
        key: toHex(s.keys.publicKey),
      })),
    ]);
    versions = all.versions;
    results = all.results.slice(0, named.length);
    randomResults = all.results.slice(named.length, named.length + randomSigned.length);
    madeResults = all.results.slice(named.length + randomSigned.length);
  }, 60_000);

  it('runs pycose 1.1.0', () => {
    expect(versions).toMatch(/^pycose 1\.1\.0, cbor2 5\./);
    console.log(`cose interop: ${versions}, ${named.length + 2 * randomSigned.length} cases`);
  });

  named.forEach((n, i) => {
    it(n.name, () => n.expect(results[i] as Result));
  });

  it(`${randomSigned.length} random payloads and keys: ours verify in pycose, and pycose's equal ours byte for byte`, () => {
    randomSigned.forEach((s, i) => {
      expect(randomResults[i], `case ${i}`).toMatchObject({ ok: true, payload: toHex(s.payload) });
      expect(madeResults[i]?.message, `case ${i}`).toBe(toHex(s.ours));
    });
  });

  it('the key seeds are fixed, so a failure replays', () => {
    expect(toHex(pki.purse.publicKey)).toBe(toHex(ed25519.keygen(seed(6)).publicKey));
  });
});
