// The POS matrix: a slip, a check and the terminal's verdict, and every way for them to be wrong,
// each with its typed code (src/protocol/pos.ts, acceptance.ts, built on a PKI from pki.ts).
import { describe, expect, it } from 'vitest';
import { type AcceptancePolicy, acceptCheck, type Verdict } from '../../src/protocol/acceptance.ts';
import { CertificateCache, issueCertificate, revocationKey } from '../../src/protocol/certificate.ts';
import { sign1 } from '../../src/protocol/cose.ts';
import { ErrorCode, errorDescriptions, ProtocolError } from '../../src/protocol/errors.ts';
import { type DigitalCheck, digitalCheck, type RevocationList } from '../../src/protocol/messages.ts';
import { anchorsOf, certifyBank, certifyParty, createRoot, newSerial, type Party } from '../../src/protocol/pki.ts';
import { checkFor, makeSlip, signCheck, verifyCheck, verifySlip } from '../../src/protocol/pos.ts';
import { Channel, Role } from '../../src/protocol/registry.ts';
import { signMessage, type VerifyContext } from '../../src/protocol/signed.ts';
import { DAY, LIMITS, LONG, makePki, NOW, purchase, seed, slipBody } from '../support/protocol-pki.ts';
import { prng, toHex } from '../support/vectors.ts';

const pki = makePki();
const context: VerifyContext = { anchors: pki.anchors, now: NOW };
const list = (overrides: Partial<RevocationList> = {}): RevocationList => ({
  bankId: pki.bank.id,
  issuedAt: NOW - 600,
  nextUpdate: NOW + DAY,
  revoked: [],
  listNumber: 7,
  ...overrides,
});
const policy = (overrides: Partial<AcceptancePolicy> = {}): AcceptancePolicy => ({
  anchors: pki.anchors,
  now: NOW,
  revocationLists: [list()],
  revocationMaxAgeS: 3_600,
  terminalMaxPerCheck: 50_000,
  seen: () => false,
  ...overrides,
});

function errorCode(f: () => unknown): number | string {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    return `not a ProtocolError: ${String(e)}`;
  }
  return 'no error';
}

/** A refusal: decision refuse, the code, and never an accept. */
function expectRefused(verdict: Verdict, code: ErrorCode, genuine: boolean) {
  expect({ decision: verdict.decision, code: verdict.code, genuine: verdict.genuine }).toEqual({
    decision: 'refuse',
    code,
    genuine,
  });
}

/** A purse certified with other validity dates or by another bank. */
function purseWith(o: {
  notBefore?: number;
  notAfter?: number;
  bank?: Party;
  id?: string;
  limits?: typeof LIMITS;
}): Party {
  return certifyParty(o.bank ?? pki.bank, o.id ?? pki.purse.id, Role.Purse, {
    notBefore: o.notBefore ?? LONG.notBefore,
    notAfter: o.notAfter ?? LONG.notAfter,
    seed: seed(60),
    limits: o.limits ?? LIMITS,
  });
}

/** The purse's check for a fresh slip of `pki.merchant`, signed by `signer` with `edit` applied to the body. */
function checkBy(signer: Party, edit: (body: DigitalCheck) => DigitalCheck = (x) => x, slipOverrides = {}) {
  const slipBytes = makeSlip(pki.merchant, slipBody(pki.merchant, slipOverrides));
  const slip = verifySlip(slipBytes, context);
  const body = edit(checkFor(slip, signer.id, 1, NOW));
  return { slip, check: signMessage(digitalCheck, body, signer) };
}

describe('happy path', () => {
  it('accepts a genuine check for the slip: verdict lists the limits checked and the list age', () => {
    const { slip, check, body } = purchase(pki);
    const verdict = acceptCheck(check, slip, policy());
    expect(verdict.decision).toBe('accept');
    expect(verdict.code).toBeUndefined();
    expect(verdict.genuine).toBe(true);
    expect(verdict.revocationListAgeS).toBe(600);
    expect(verdict.limits).toEqual([
      { name: 'certified max per check', limit: LIMITS.maxPerCheck, amount: 1_234, ok: true },
      { name: 'terminal max per check', limit: 50_000, amount: 1_234, ok: true },
    ]);
    expect(verdict.check?.body).toEqual(body);
    expect(verdict.check?.signer.subject).toBe(pki.purse.id);
    expect(verdict.check?.signer.limits).toEqual(LIMITS);
    expect(toHex(verdict.check?.hash as Uint8Array)).toHaveLength(64);
    expect(body.slipHash).toEqual(slip.hash);
  });

  it('without a list or limits in the policy: age null, only the certified limit', () => {
    const { slip, check } = purchase(pki);
    const verdict = acceptCheck(check, slip, { anchors: pki.anchors, now: NOW });
    expect(verdict.decision).toBe('accept');
    expect(verdict.revocationListAgeS).toBeNull();
    expect(verdict.limits.map((l) => l.name)).toEqual(['certified max per check']);
  });

  it('boundaries are inclusive: amount = both limits, list age = max age, now = notAfter and = notBefore', () => {
    const { slip, check } = purchase(pki, { amount: LIMITS.maxPerCheck });
    expect(
      acceptCheck(
        check,
        slip,
        policy({ terminalMaxPerCheck: LIMITS.maxPerCheck, revocationLists: [list({ issuedAt: NOW - 3_600 })] }),
      ).decision,
    ).toBe('accept');
    for (const [notBefore, notAfter] of [
      [NOW, NOW + DAY],
      [NOW - DAY, NOW],
    ]) {
      const purse = purseWith({ notBefore, notAfter });
      const c = checkBy(purse);
      expect(acceptCheck(c.check, c.slip, policy()).decision, `${notBefore}..${notAfter}`).toBe('accept');
    }
  });

  it('a verified-signature cache gives the same verdicts and does not skip validity', () => {
    const cache = new CertificateCache();
    const { slip, check } = purchase(pki);
    expect(acceptCheck(check, slip, policy({ verifiedCache: cache })).decision).toBe('accept');
    expect(cache.size).toBe(2);
    expect(acceptCheck(check, slip, policy({ verifiedCache: cache })).decision).toBe('accept');
    const later = acceptCheck(
      check,
      slip,
      policy({ verifiedCache: cache, now: LONG.notAfter + 1, revocationLists: [list({ issuedAt: LONG.notAfter })] }),
    );
    expectRefused(later, ErrorCode.CertificateExpired, false);
  });
});

describe('every way to be wrong has its code', () => {
  it('each byte of the check flipped: always refused with a protocol code, never accepted, never thrown', () => {
    const { slip, check } = purchase(pki);
    const rand = prng(0x5eed);
    const seenCodes = new Set<number>();
    const positions = [
      ...Array.from({ length: check.length }, (_, i) => i).filter(
        (i) => i % 3 === 0 || i < 40 || i > check.length - 80,
      ),
    ];
    let cases = 0;
    for (const i of positions) {
      for (const mask of [0xff, 1 << rand.int(8)]) {
        const bad = check.slice();
        bad[i] = (bad[i] as number) ^ mask;
        const verdict = acceptCheck(bad, slip, policy());
        expect(verdict.decision, `byte ${i} ^ ${mask}`).toBe('refuse');
        expect(errorDescriptions[verdict.code as ErrorCode], `byte ${i} ^ ${mask}: code ${verdict.code}`).toBeDefined();
        seenCodes.add(verdict.code as number);
        expect(typeof errorCode(() => verifyCheck(bad, context)), `byte ${i}`).toBe('number');
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(500);
    // The flips reach every layer: CBOR, COSE, claims, certificate and message signatures, body.
    for (const code of [
      ErrorCode.MalformedCbor,
      ErrorCode.BadCoseStructure,
      ErrorCode.BadSignature,
      ErrorCode.BadCertificateSignature,
      ErrorCode.BadField,
    ]) {
      expect(seenCodes, `codes seen: ${[...seenCodes].join(', ')}`).toContain(code);
    }
  });

  it('truncated at every byte: refused, MalformedCbor', () => {
    const { slip, check } = purchase(pki);
    for (let n = 0; n < check.length; n++) {
      const verdict = acceptCheck(check.subarray(0, n), slip, policy());
      expectRefused(verdict, ErrorCode.MalformedCbor, false);
    }
    expect(errorCode(() => verifyCheck(check.subarray(0, check.length - 1), context))).toBe(ErrorCode.MalformedCbor);
    expectRefused(acceptCheck(new Uint8Array([...check, 0]), slip, policy()), ErrorCode.MalformedCbor, false);
  });

  const cases: [
    name: string,
    code: ErrorCode,
    genuine: boolean,
    make: () => { check: Uint8Array; slip: ReturnType<typeof verifySlip>; policy?: AcceptancePolicy },
  ][] = [
    ['a merchant signs the check', ErrorCode.WrongRole, false, () => checkBy(pki.merchant)],
    ['a cardholder signs the check', ErrorCode.WrongRole, false, () => checkBy(pki.cardholder)],
    ['the bank signs the check', ErrorCode.WrongRole, false, () => checkBy(pki.bank)],
    [
      'purse certificate expired',
      ErrorCode.CertificateExpired,
      false,
      () => checkBy(purseWith({ notBefore: NOW - 2 * DAY, notAfter: NOW - 1 })),
    ],
    [
      'purse certificate not yet valid',
      ErrorCode.CertificateNotYetValid,
      false,
      () => checkBy(purseWith({ notBefore: NOW + 1, notAfter: NOW + DAY })),
    ],
    [
      'bank certificate expired',
      ErrorCode.CertificateExpired,
      false,
      () =>
        checkBy(
          purseWith({
            bank: certifyBank(pki.root, pki.bank.id, { notBefore: NOW - 2 * DAY, notAfter: NOW - 1, seed: seed(2) }),
          }),
        ),
    ],
    [
      'bank certificate not yet valid',
      ErrorCode.CertificateNotYetValid,
      false,
      () =>
        checkBy(
          purseWith({
            bank: certifyBank(pki.root, pki.bank.id, { notBefore: NOW + 1, notAfter: NOW + DAY, seed: seed(2) }),
          }),
        ),
    ],
    [
      'purse revoked',
      ErrorCode.Revoked,
      false,
      () => ({ ...purchase(pki), policy: policy({ revocationLists: [list({ revoked: ['a', pki.purse.id] })] }) }),
    ],
    [
      'trusted root unknown to the terminal',
      ErrorCode.UnknownIssuer,
      false,
      () => ({ ...purchase(pki), policy: policy({ anchors: anchorsOf(createRoot('root-b', seed(99))) }) }),
    ],
    [
      'purse of a bank under an unknown root',
      ErrorCode.UnknownIssuer,
      false,
      () => {
        const other = makePki('b', 40);
        const c = checkBy(other.purse);
        return c;
      },
    ],
    [
      'bank certified by an impostor root with the trusted root id',
      ErrorCode.BadCertificateSignature,
      false,
      () =>
        checkBy(
          purseWith({ bank: certifyBank(createRoot(pki.root.id, seed(98)), pki.bank.id, { ...LONG, seed: seed(2) }) }),
        ),
    ],
    [
      'purse certificate signed by another key than its bank',
      ErrorCode.BadCertificateSignature,
      false,
      () => checkBy(purseWith({ bank: { ...pki.bank, secretKey: seed(97) } })),
    ],
    [
      'purse certified by a merchant (end entities do not certify): a chain of three',
      ErrorCode.BadCoseStructure,
      false,
      () => checkBy(purseWith({ bank: pki.merchant, id: 'purse-fake' })),
    ],
    [
      'purse certified by a bank under a bank: a chain of three',
      ErrorCode.BadCoseStructure,
      false,
      () =>
        checkBy(
          purseWith({
            bank: certifyParty(pki.bank, 'bank-sub', Role.Bank as never, { ...LONG, seed: seed(96) }),
            id: 'purse-sub',
          }),
        ),
    ],
    [
      'purse certificate names another issuer',
      ErrorCode.IssuerMismatch,
      false,
      () => {
        const certificate = issueCertificate(
          {
            issuer: 'bank-other',
            subject: 'purse-x',
            role: Role.Purse,
            notBefore: LONG.notBefore,
            notAfter: LONG.notAfter,
            issuedAt: LONG.notBefore,
            serial: newSerial(),
            signingKey: pki.purse.publicKey,
            limits: LIMITS,
          },
          pki.bank.secretKey,
          pki.bank.certificate,
        );
        return checkBy({ ...pki.purse, id: 'purse-x', certificate });
      },
    ],
    [
      'check without the signer certificate',
      ErrorCode.MissingCertificate,
      false,
      () => {
        const { slip, body } = purchase(pki);
        return { slip, check: sign1(digitalCheck.encode(body), pki.purse.secretKey) };
      },
    ],
    [
      'check signed with another key than the certified one',
      ErrorCode.BadSignature,
      false,
      () => checkBy({ ...pki.purse, secretKey: seed(95) }),
    ],
    [
      'check names another purse than its signer',
      ErrorCode.SubjectMismatch,
      false,
      () => checkBy(pki.purse, (b) => ({ ...b, purseId: 'purse-other' })),
    ],
    ['serial 0', ErrorCode.BadField, false, () => checkBy(pki.purse, (b) => ({ ...b, serial: 0 }))],
    [
      'check for another merchant',
      ErrorCode.WrongMerchant,
      true,
      () => {
        const { slip } = purchase(pki);
        const other = certifyParty(pki.bank, 'merchant-b', Role.Merchant, { ...LONG, seed: seed(94) });
        const otherSlip = verifySlip(makeSlip(other, slipBody(other)), context);
        return { slip, check: signCheck(pki.purse, checkFor(otherSlip, pki.purse.id, 1, NOW)) };
      },
    ],
    [
      'check bound to another slip of the same merchant',
      ErrorCode.SlipMismatch,
      true,
      () => ({ slip: purchase(pki).slip, check: purchase(pki).check }),
    ],
    [
      'check amount differs from the slip',
      ErrorCode.SlipMismatch,
      true,
      () => checkBy(pki.purse, (b) => ({ ...b, amount: b.amount - 1 })),
    ],
    [
      'check currency differs from the slip',
      ErrorCode.CurrencyMismatch,
      true,
      () => checkBy(pki.purse, (b) => ({ ...b, currency: 'USD' })),
    ],
    [
      'purse limits in another currency',
      ErrorCode.CurrencyMismatch,
      true,
      () => checkBy(purseWith({ limits: { ...LIMITS, currency: 'USD' } })),
    ],
    [
      'check made for the Internet channel at a POS',
      ErrorCode.WrongChannel,
      false,
      () => checkBy(pki.purse, (b) => ({ ...b, channel: Channel.Internet })),
    ],
    [
      'slip and check both for the Internet channel, at a POS (single-signed)',
      ErrorCode.WrongChannel,
      false,
      () => purchase(pki, { channel: Channel.Internet }),
    ],
    [
      'amount above the certified max per check',
      ErrorCode.LimitExceeded,
      true,
      () => ({
        ...purchase(pki, { amount: LIMITS.maxPerCheck + 1 }),
        policy: policy({ terminalMaxPerCheck: undefined }),
      }),
    ],
    [
      "amount above the terminal's limit",
      ErrorCode.LimitExceeded,
      true,
      () => ({ ...purchase(pki, { amount: 1_001 }), policy: policy({ terminalMaxPerCheck: 1_000 }) }),
    ],
    [
      'replay: the terminal has seen this purse and serial',
      ErrorCode.DuplicateCheck,
      true,
      () => ({ ...purchase(pki), policy: policy({ seen: (p, s) => p === pki.purse.id && s === 1 }) }),
    ],
    [
      'revocation list older than policy',
      ErrorCode.StaleRevocationList,
      false,
      () => ({ ...purchase(pki), policy: policy({ revocationLists: [list({ issuedAt: NOW - 3_601 })] }) }),
    ],
    [
      'no revocation list while policy wants one',
      ErrorCode.StaleRevocationList,
      false,
      () => ({ ...purchase(pki), policy: policy({ revocationLists: undefined }) }),
    ],
  ];

  for (const [name, code, genuine, make] of cases) {
    it(`${name}: ${code}`, () => {
      const { check, slip, policy: p } = make();
      const verdict = acceptCheck(check, slip, p ?? policy());
      expectRefused(verdict, code, genuine);
      expect(verdict.detail).toBeDefined();
      if (!genuine) expect(verdict.check).toBeUndefined();
      // verifyCheck alone throws the same code for the faults it covers (chain, role, signature, body).
      if (!genuine && code !== ErrorCode.StaleRevocationList && !p?.revocationLists?.some((l) => l.revoked.length)) {
        expect(errorCode(() => verifyCheck(check, { anchors: (p ?? policy()).anchors, now: NOW }))).toBe(code);
      }
    });
  }

  it('the limits in a LimitExceeded verdict say which one failed', () => {
    const { slip, check } = purchase(pki, { amount: LIMITS.maxPerCheck + 1 });
    const verdict = acceptCheck(check, slip, policy());
    expect(verdict.limits).toEqual([
      { name: 'certified max per check', limit: LIMITS.maxPerCheck, amount: LIMITS.maxPerCheck + 1, ok: false },
      { name: 'terminal max per check', limit: 50_000, amount: LIMITS.maxPerCheck + 1, ok: true },
    ]);
  });

  it('a stale list is reported with its age, before anything else is checked', () => {
    const verdict = acceptCheck(
      new Uint8Array([0xff]),
      purchase(pki).slip,
      policy({ revocationLists: [list({ issuedAt: NOW - 7_200 })] }),
    );
    expectRefused(verdict, ErrorCode.StaleRevocationList, false);
    expect(verdict.revocationListAgeS).toBe(7_200);
  });
});

describe('verifySlip (the card checks the terminal)', () => {
  it('accepts a merchant slip and returns its body, signer and hash', () => {
    const body = slipBody(pki.merchant);
    const verified = verifySlip(makeSlip(pki.merchant, body), context);
    expect(verified.body).toEqual(body);
    expect(verified.signer.role).toBe(Role.Merchant);
  });

  it('refuses a slip signed by a purse, a cardholder or a bank: WrongRole', () => {
    for (const signer of [pki.purse, pki.cardholder, pki.bank]) {
      expect(
        errorCode(() => verifySlip(makeSlip(signer, slipBody(signer)), context)),
        signer.id,
      ).toBe(ErrorCode.WrongRole);
    }
  });

  it('refuses a slip from a merchant of an unknown root, an expired merchant, a revoked merchant', () => {
    const other = makePki('c', 70);
    expect(errorCode(() => verifySlip(makeSlip(other.merchant, slipBody(other.merchant)), context))).toBe(
      ErrorCode.UnknownIssuer,
    );
    const slip = makeSlip(pki.merchant, slipBody(pki.merchant));
    expect(errorCode(() => verifySlip(slip, { ...context, now: LONG.notAfter + 1 }))).toBe(
      ErrorCode.CertificateExpired,
    );
    expect(
      errorCode(() =>
        verifySlip(slip, { ...context, revoked: new Set([revocationKey(pki.bank.id, pki.merchant.id)]) }),
      ),
    ).toBe(ErrorCode.Revoked);
  });

  it('refuses tampered slips (every byte flipped) and truncated slips, always with a protocol code', () => {
    const slip = makeSlip(pki.merchant, slipBody(pki.merchant));
    for (let i = 0; i < slip.length; i += 2) {
      const bad = slip.slice();
      bad[i] = (bad[i] as number) ^ 0x04;
      expect(typeof errorCode(() => verifySlip(bad, context)), `byte ${i}`).toBe('number');
    }
    for (let n = 0; n < slip.length; n += 7)
      expect(errorCode(() => verifySlip(slip.subarray(0, n), context))).toBe(ErrorCode.MalformedCbor);
  });

  it('a slip whose merchant id is not its signer yields no check (checkFor: SubjectMismatch)', () => {
    const slip = verifySlip(makeSlip(pki.merchant, slipBody(pki.merchant, { merchantId: 'merchant-other' })), context);
    expect(errorCode(() => checkFor(slip, pki.purse.id, 1, NOW))).toBe(ErrorCode.SubjectMismatch);
  });
});
