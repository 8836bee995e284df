// The Rust batch check verifier (core-rs/checks through src/protocol/verifier/checks.ts) against the
// TypeScript one (src/protocol/pos.ts verifyCheck for POS checks, src/protocol/internet.ts
// verifyInternetCheck for Internet checks, COSE_Sign): the same verdict on every protocol vector and on
// thousands of mutated vectors, whole batches at a time, so that a bad certificate or signature
// found by bisection is charged to exactly the checks that carry it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CheckVectors, type VectorCase, verifyAnyCheck } from '../../scripts/gen-protocol-vectors.ts';
import { RUST_PATH } from '../../scripts/gen-wire.ts';
import { revocationKey } from '../../src/protocol/certificate.ts';
import { parseSign1, sign1, signMulti } from '../../src/protocol/cose.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { digitalCheck } from '../../src/protocol/messages.ts';
import { anchorsOf, certifyBank, certifyParty, createRoot } from '../../src/protocol/pki.ts';
import { Role } from '../../src/protocol/registry.ts';
import { type CheckVerdict, verifyChecks } from '../../src/protocol/verifier/index.ts';
import { hex, prng, toHex, vectors } from '../support/vectors.ts';

const file = vectors<CheckVectors>('protocol/checks.json');
const anchors = new Map(file.anchors.map((a) => [a.id, hex(a.publicKey)]));
const options = { anchors, now: file.now, revoked: file.revoked };
const tsContext = { anchors, now: file.now, revoked: new Set(file.revoked) };

/** Mutates bytes with a seeded PRNG: flip a bit, replace, truncate, insert or delete a byte. */
function mutator(seed: number) {
  const rnd = prng(seed);
  const mutate = (input: Uint8Array): Uint8Array => {
    let b = input.slice();
    const rounds = rnd.next() < 0.1 ? 2 : 1;
    for (let r = 0; r < rounds; r++) {
      const pos = rnd.int(b.length || 1);
      const kind = rnd.next();
      if (kind < 0.45)
        b[pos] = (b[pos] as number) ^ (1 << rnd.int(8)); // flip a bit
      else if (kind < 0.65)
        b[pos] = rnd.int(256); // replace a byte
      else if (kind < 0.8)
        b = b.slice(0, pos); // truncate
      else if (kind < 0.9)
        b = new Uint8Array([...b.subarray(0, pos), rnd.int(256), ...b.subarray(pos)]); // insert
      else b = new Uint8Array([...b.subarray(0, pos), ...b.subarray(pos + 1)]); // delete
    }
    return b;
  };
  return { rnd, mutate };
}

type Expected = VectorCase['expected'];

function tsVerdict(check: Uint8Array): Expected {
  try {
    const { body, hash } = verifyAnyCheck(check, tsContext);
    const { purseId, serial, amount, currency, merchantId, channel } = body;
    return {
      ok: {
        purseId,
        serial,
        amount,
        currency,
        merchantId,
        slipHash: toHex(body.slipHash),
        channel,
        checkHash: toHex(hash),
      },
    };
  } catch (error) {
    if (error instanceof ProtocolError) return { error: error.code };
    throw error;
  }
}

function asExpected(v: CheckVerdict): Expected {
  if (!v.ok) return { error: v.code };
  const { purseId, serial, amount, currency, merchantId, channel } = v;
  return {
    ok: {
      purseId,
      serial,
      amount,
      currency,
      merchantId,
      slipHash: toHex(v.slipHash),
      channel,
      checkHash: toHex(v.checkHash),
    },
  };
}

const rust = (checks: Uint8Array[]) => verifyChecks(checks, options).map(asExpected);

describe('core verify_checks on the protocol vectors', () => {
  const checks = file.cases.map((c) => hex(c.check));

  it(`all ${file.cases.length} cases in one batch: the expected verdicts`, () => {
    const got = rust(checks);
    file.cases.forEach((c, i) => {
      expect(got[i], c.name).toEqual(c.expected);
    });
  });

  it('each case alone, and each bad case among good checks sharing its certificates', () => {
    const good = checks.filter((_, i) => 'ok' in (file.cases[i] as VectorCase).expected);
    file.cases.forEach((c, i) => {
      const check = checks[i] as Uint8Array;
      expect(rust([check])[0], c.name).toEqual(c.expected);
      const got = rust([...good, check, ...good]);
      expect(got[good.length], c.name).toEqual(c.expected);
      got.forEach((v, j) => {
        if (j !== good.length) expect('ok' in v, `${c.name}: good check ${j}`).toBe(true);
      });
    });
  });

  it('an empty batch, and the same check many times', () => {
    expect(verifyChecks([], options)).toEqual([]);
    const first = file.cases[0] as VectorCase;
    expect(rust(Array.from({ length: 50 }, () => hex(first.check)))).toEqual(
      Array.from({ length: 50 }, () => first.expected),
    );
  });
});

describe('core verify_checks = TS verifyCheck on mutated checks', () => {
  const MUTATIONS = 2400;
  const { rnd, mutate } = mutator(0x5eed_c43c);
  const valid = file.cases.filter((c) => 'ok' in c.expected).map((c) => hex(c.check));
  const all = file.cases.map((c) => hex(c.check));

  it(`${MUTATIONS} mutations (seeded), in batches of 400 with valid checks mixed in`, () => {
    const mutated = Array.from({ length: MUTATIONS }, () =>
      mutate((rnd.next() < 0.75 ? valid[rnd.int(valid.length)] : all[rnd.int(all.length)]) as Uint8Array),
    );
    const codes = new Map<string, number>();
    let compared = 0;
    for (let start = 0; start < mutated.length; start += 400) {
      const batch = [...mutated.slice(start, start + 400), ...valid];
      const got = rust(batch);
      batch.forEach((check, i) => {
        const want = tsVerdict(check);
        expect(got[i], `mutation ${start + i}: ${toHex(check)}`).toEqual(want);
        const key = 'ok' in want ? 'ok' : String(want.error);
        codes.set(key, (codes.get(key) ?? 0) + 1);
        compared++;
      });
    }
    expect(compared).toBeGreaterThanOrEqual(MUTATIONS);
    // the mutations reach deep: structure, encoding, certificates and signatures all show up
    for (const code of ['100', '101', '106', '107', '200', '201'])
      expect(codes.get(code) ?? 0, `code ${code}: ${JSON.stringify([...codes])}`).toBeGreaterThan(0);
  });

  it('1200 mutations of Internet checks (COSE_Sign), in batches with valid POS and Internet checks', () => {
    const isInternet = (c: VectorCase) => c.check.startsWith('d862');
    const internetValid = file.cases.filter((c) => isInternet(c) && 'ok' in c.expected).map((c) => hex(c.check));
    const internetAll = file.cases.filter(isInternet).map((c) => hex(c.check));
    expect(internetValid.length).toBeGreaterThan(0);
    const mutated = Array.from({ length: 1200 }, () =>
      mutate(
        (rnd.next() < 0.75
          ? internetValid[rnd.int(internetValid.length)]
          : internetAll[rnd.int(internetAll.length)]) as Uint8Array,
      ),
    );
    const codes = new Map<string, number>();
    for (let start = 0; start < mutated.length; start += 400) {
      const batch = [...mutated.slice(start, start + 400), ...valid];
      const got = rust(batch);
      batch.forEach((check, i) => {
        const want = tsVerdict(check);
        expect(got[i], `Internet mutation ${start + i}: ${toHex(check)}`).toEqual(want);
        const key = 'ok' in want ? 'ok' : String(want.error);
        codes.set(key, (codes.get(key) ?? 0) + 1);
      });
    }
    for (const code of ['100', '101', '107', '200', '201'])
      expect(codes.get(code) ?? 0, `code ${code}: ${JSON.stringify([...codes])}`).toBeGreaterThan(0);
  });
});

describe('core verify_checks = TS verifyCheck on mutated bodies and certificates, re-signed', () => {
  // Flipping bytes of a signed check mostly stops at a signature. Here the mutated check body is
  // signed again by the purse, and the mutated purse certificate claims again by the bank, so the
  // mutations reach body and claim parsing, validity and role checks.
  const seed = (label: string) =>
    new Uint8Array(32).fill(label.length).map((x, i) => x ^ (label.charCodeAt(i % label.length) + i));
  const root = createRoot('ROOT-T', seed('ROOT-T'));
  const validity = { notBefore: file.now - 1000, notAfter: file.now + 1000 };
  const bank = certifyBank(root, 'BANK-T', { ...validity, seed: seed('BANK-T') });
  const purse = certifyParty(bank, 'P-T1', Role.Purse, {
    ...validity,
    seed: seed('P-T1'),
    limits: { currency: 'EUR', maxBalance: 100, maxPerCheck: 50, maxOfflineChecks: 3, maxOfflineAmount: 100 },
  });
  const cardholder = certifyParty(bank, 'C-T1', Role.Cardholder, { ...validity, seed: seed('C-T1') });
  const local = { anchors: anchorsOf(root), now: file.now, revoked: [revocationKey('BANK-T', 'P-T2')] };
  const localTs = { anchors: local.anchors, now: file.now, revoked: new Set(local.revoked) };
  const body = digitalCheck.encode({
    slipHash: new Uint8Array(32).fill(7),
    amount: 1234,
    currency: 'EUR',
    merchantId: 'M-T',
    purseId: purse.id,
    serial: 9,
    time: file.now,
    channel: 0,
  });
  const purseClaims = parseSign1(purse.certificate).payload;
  const reissue = (claims: Uint8Array) => sign1(claims, bank.secretKey, bank.certificate);
  const { mutate } = mutator(0xb0d1e5);

  const tsLocal = (check: Uint8Array): Expected => {
    try {
      const { body: b, hash } = verifyAnyCheck(check, localTs);
      return {
        ok: {
          purseId: b.purseId,
          serial: b.serial,
          amount: b.amount,
          currency: b.currency,
          merchantId: b.merchantId,
          slipHash: toHex(b.slipHash),
          channel: b.channel,
          checkHash: toHex(hash),
        },
      };
    } catch (error) {
      if (error instanceof ProtocolError) return { error: error.code };
      throw error;
    }
  };

  it('1000 body mutations and 1000 certificate-claim mutations, all re-signed', () => {
    expect(tsLocal(sign1(body, purse.secretKey, purse.certificate))).toHaveProperty('ok');
    expect(tsLocal(sign1(body, purse.secretKey, reissue(purseClaims)))).toHaveProperty('ok');
    const checks: Uint8Array[] = [];
    for (let i = 0; i < 1000; i++) checks.push(sign1(mutate(body), purse.secretKey, purse.certificate));
    for (let i = 0; i < 1000; i++) checks.push(sign1(body, purse.secretKey, reissue(mutate(purseClaims))));
    const codes = new Map<string, number>();
    for (let start = 0; start < checks.length; start += 500) {
      const batch = checks.slice(start, start + 500);
      const got = verifyChecks(batch, local).map(asExpected);
      batch.forEach((check, i) => {
        const want = tsLocal(check);
        expect(got[i], `re-signed mutation ${start + i}: ${toHex(check)}`).toEqual(want);
        const key = 'ok' in want ? 'ok' : String(want.error);
        codes.set(key, (codes.get(key) ?? 0) + 1);
      });
    }
    for (const code of ['ok', '100', '101', '102', '103', '105', '106', '200', '203', '204', '207', '209'])
      expect(codes.get(code) ?? 0, `code ${code}: ${JSON.stringify([...codes])}`).toBeGreaterThan(0);
  });

  it('Internet checks: 600 body mutations signed by purse and cardholder, 600 cardholder-claim mutations re-issued', () => {
    const netBody = digitalCheck.encode({ ...digitalCheck.decode(body), channel: 1 });
    const cardholderClaims = parseSign1(cardholder.certificate).payload;
    const net = (payload: Uint8Array, cardholderCertificate = cardholder.certificate) =>
      signMulti(payload, [purse, { secretKey: cardholder.secretKey, certificate: cardholderCertificate }]);
    expect(tsLocal(net(netBody))).toHaveProperty('ok');
    expect(verifyChecks([net(netBody)], local).map(asExpected)[0]).toEqual(tsLocal(net(netBody)));
    expect(tsLocal(net(netBody, reissue(cardholderClaims)))).toHaveProperty('ok');
    const checks: Uint8Array[] = [];
    for (let i = 0; i < 600; i++) checks.push(net(mutate(netBody)));
    for (let i = 0; i < 600; i++) checks.push(net(netBody, reissue(mutate(cardholderClaims))));
    const codes = new Map<string, number>();
    for (let start = 0; start < checks.length; start += 400) {
      const batch = [
        ...checks.slice(start, start + 400),
        sign1(body, purse.secretKey, purse.certificate),
        net(netBody),
      ];
      const got = verifyChecks(batch, local).map(asExpected);
      batch.forEach((check, i) => {
        const want = tsLocal(check);
        expect(got[i], `re-signed Internet mutation ${start + i}: ${toHex(check)}`).toEqual(want);
        const key = 'ok' in want ? 'ok' : String(want.error);
        codes.set(key, (codes.get(key) ?? 0) + 1);
      });
    }
    for (const code of ['ok', '100', '101', '102', '105', '106', '200', '204', '207', '209'])
      expect(codes.get(code) ?? 0, `code ${code}: ${JSON.stringify([...codes])}`).toBeGreaterThan(0);
  });
});

describe('core error codes', () => {
  it('every variant of the Rust ErrorCode has the number of the code of the same name in errors.ts', () => {
    const rustSource = readFileSync(RUST_PATH, 'utf8');
    const variants = [...rustSource.matchAll(/^\s+(\w+) = (\d+),$/gm)].map(
      (m) => [m[1] as string, Number(m[2])] as const,
    );
    expect(variants.length).toBeGreaterThanOrEqual(30);
    for (const [name, code] of variants) expect((ErrorCode as Record<string, number>)[name], name).toBe(code);
  });
});

describe('verifyChecks arguments', () => {
  const check = hex((file.cases[0] as VectorCase).check);
  it('refuses programmer mistakes at once, naming the argument', () => {
    expect(() => verifyChecks('x' as never, options)).toThrow(TypeError);
    expect(() => verifyChecks([check, [1, 2] as never], options)).toThrow(/checks\[1\]/);
    expect(() => verifyChecks([check], { ...options, anchors: {} as never })).toThrow(/anchors/);
    expect(() => verifyChecks([check], { ...options, anchors: new Map([['ROOT-1', new Uint8Array(31)]]) })).toThrow(
      RangeError,
    );
    for (const now of [-1, 1.5, Number.NaN, 2 ** 53])
      expect(() => verifyChecks([check], { ...options, now })).toThrow(/now/);
    expect(() => verifyChecks([check], { ...options, revoked: [1] as never })).toThrow(/revoked/);
    for (const bare of ['P-A-REVOKED', '/P-A-REVOKED', 'BANK-A/', 'A/B/C'])
      expect(() => verifyChecks([check], { ...options, revoked: [bare] }), bare).toThrow(/issuer\/subject/);
  });
  it('no anchors: every check chains to an unknown root; revoked omitted: nothing is revoked', () => {
    expect(verifyChecks([check], { anchors: new Map(), now: file.now })[0]).toEqual({
      ok: false,
      code: ErrorCode.UnknownIssuer,
    });
    const revokedCase = file.cases.find(
      (c) => 'error' in c.expected && c.expected.error === ErrorCode.Revoked,
    ) as VectorCase;
    expect(verifyChecks([hex(revokedCase.check)], { anchors, now: file.now })[0]?.ok).toBe(true);
  });
});
