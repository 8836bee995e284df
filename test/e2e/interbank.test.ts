// Presentment and settlement together, over loopback HTTP: banks A and B of one scheme, each issuing
// and acquiring, each its own BankService and database. Cards of A (EUR) pay a merchant of B, cards
// of B (USD) pay a merchant of A, and a clone of an A card spent at A's and B's merchants is paid by
// A under the guarantee; each acquirer presents, each issuer answers. Then the operator closes the
// settlement cycle at A over those real presentments: both banks sign mirrored statements, book
// their nets (interbank accounts back to 0), the nets across the scheme sum to 0, and both banks'
// invariants and audits are clean, with nothing left out.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/bank/audit/index.ts';
import { createCredential } from '../../src/bank/back-office/credentials.ts';
import type { Database } from '../../src/bank/db.ts';
import { presentmentReference } from '../../src/bank/interbank/postings.ts';
import { type Bank, fund, personalisePurse, registerCardholder, registerMerchant } from '../../src/bank/issuing.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { balance, checkInvariants } from '../../src/bank/ledger.ts';
import type { PeerBank } from '../../src/bank/relay.ts';
import { createScheme } from '../../src/bank/scheme.ts';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { BankClient } from '../../src/net/bank-client.ts';
import { makeDeposit } from '../../src/protocol/capture.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { applyValueToken, newPurseState, requestValue } from '../../src/protocol/load.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { checkFor, makeSlip, signCheck, verifySlip } from '../../src/protocol/pos.ts';
import { BankRole, Channel } from '../../src/protocol/registry.ts';
import { verifyStatement } from '../../src/protocol/settlement.ts';
import { checkSchemePositions } from '../../src/protocol/settlement-scheme.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { DRIVERS, freshDatabase } from '../bank/support.ts';
import { listen } from '../wallet/support.ts';

interface BankNode {
  id: string;
  currency: string;
  db: Database;
  service: BankService;
  app: FastifyInstance;
  peers: PeerBank[];
  url: string;
  admin: BankClient;
  merchant: Party;
}

const u8 = (b: unknown) => new Uint8Array(b as Uint8Array);

describe.each(DRIVERS)('presentment and settlement between two banks on $driver', ({ driver, skip, reason }) => {
  const now = Math.floor(Date.now() / 1000);
  const scheme = createScheme('SCHEME-INTERBANK');
  let a: BankNode;
  let b: BankNode;
  let serial = 0;

  async function startBank(id: string, currency: string, merchantId: string, peer: string): Promise<BankNode> {
    const { db } = await freshDatabase(driver);
    // The service takes its issuers to present to at its opening; the peer's address once it listens.
    const peers: PeerBank[] = [{ bankId: peer, url: '' }];
    const service = await BankService.open(db, createInThreadVerifier(), {
      bankId: id,
      keys: memoryKeyStore(),
      clock: () => now,
      scheme: scheme.member(BankRole.Issuer | BankRole.Acquirer),
      peers,
      peerRefreshS: 0,
      // Sent on demand: the test says when each presentment goes.
      presentEveryS: 3_600,
    });
    const app = await buildServer(service);
    const url = await listen(app);
    const { token } = await createCredential(db, { name: 'interbank test', roles: ['operator'] });
    await registerCardholder(db, service.bank, `holder-${id}`, { now });
    await fund(db, `holder-${id}`, 1_000_000, currency);
    const merchant = await registerMerchant(db, service.bank, merchantId, { now });
    return {
      id,
      currency,
      db,
      service,
      app,
      peers,
      url,
      admin: new BankClient(url, { timeoutMs: 5_000, token }),
      merchant,
    };
  }

  /** A purse of `issuer`, loaded with `amount` of its currency through its load service. */
  async function loadedPurse(issuer: BankNode, id: string, amount: number): Promise<Party> {
    const { currency } = issuer;
    const limits = {
      currency,
      maxBalance: 500_000,
      maxPerCheck: 100_000,
      maxOfflineChecks: 100,
      maxOfflineAmount: 500_000,
    };
    const purse = await personalisePurse(issuer.db, issuer.service.bank as Bank, id, {
      cardholderId: `holder-${issuer.id}`,
      limits,
      now,
    });
    const nonce = crypto.getRandomValues(new Uint8Array(16));
    const r = requestValue(newPurseState(currency), purse, { amount, currency, now, nonce });
    const token = await issuer.service.load(r.envelope);
    applyValueToken(r.state, purse, token.token, { anchors: scheme.anchors, now });
    return purse;
  }

  function posCheck(purse: Party, currency: string, merchant: Party, amount: number, s = ++serial): Uint8Array {
    const slip = makeSlip(merchant, {
      merchantId: merchant.id,
      amount,
      currency,
      time: now,
      terminalId: 't-1',
      terminalTxId: s,
      terminalNonce: crypto.getRandomValues(new Uint8Array(16)),
      channel: Channel.Pos,
    });
    return signCheck(purse, checkFor(verifySlip(slip, { anchors: scheme.anchors, now }), purse.id, s, now));
  }

  function depositAt(node: BankNode, checks: Uint8Array[]) {
    const id = crypto.getRandomValues(new Uint8Array(16));
    return node.service.deposit(makeDeposit(node.merchant, node.service.bank.party.certificate, checks, id, now));
  }

  const interbank = (node: BankNode, other: BankNode, currency: string) =>
    balance(node.db, 'interbank', other.id, currency);

  async function assertClean(): Promise<void> {
    for (const node of [a, b]) {
      expect((await checkInvariants(node.db)).violations).toEqual([]);
      expect((await audit(node.db, node.service.bank)).differences).toEqual([]);
    }
  }

  beforeAll(async () => {
    if (skip) return;
    a = await startBank('BANK-A', 'EUR', 'cafe', 'BANK-B');
    b = await startBank('BANK-B', 'USD', 'taxi', 'BANK-A');
    (a.peers[0] as PeerBank).url = b.url;
    (b.peers[0] as PeerBank).url = a.url;
  });
  afterAll(async () => {
    if (skip) return;
    for (const node of [b, a]) {
      await node?.app.close();
      await node?.db.close();
    }
  });

  it.skipIf(skip)(
    `cards of each bank pay the other's merchant; each issuer answers${skip ? ` (${reason})` : ''}`,
    async () => {
      const ofA = await loadedPurse(a, 'PA-1', 50_000);
      const ofB = await loadedPurse(b, 'PB-1', 50_000);
      // A's card at B's taxi, B's card at A's cafe: presented (337) until the issuer answers.
      const atTaxi = await depositAt(b, [
        posCheck(ofA, 'EUR', b.merchant, 3_000),
        posCheck(ofA, 'EUR', b.merchant, 700),
      ]);
      const atCafe = await depositAt(a, [posCheck(ofB, 'USD', a.merchant, 1_200)]);
      for (const r of [...atTaxi.outcomes, ...atCafe.outcomes])
        expect(r).toEqual({ code: ErrorCode.PresentedToIssuer, credited: 0 });
      // A clone of A's card: the genuine check at the cafe (A), the copy with the same serial in the taxi (B).
      const clone = await loadedPurse(a, 'PA-2', 20_000);
      const s = ++serial;
      expect((await depositAt(a, [posCheck(clone, 'EUR', a.merchant, 800, s)])).outcomes).toEqual([
        { code: 0, credited: 800 },
      ]);
      await depositAt(b, [posCheck(clone, 'EUR', b.merchant, 900, s)]);

      await b.service.sendPresentments();
      await a.service.sendPresentments();
      // The clone's check was paid by A under the guarantee, owed to B like an accepted check.
      const [paid] = await a.db.query<{ amount: number }>("select amount from guarantees where purse_id = 'PA-2'");
      expect(Number(paid?.amount)).toBe(900);
      expect(await balance(b.db, 'merchant', 'taxi', 'EUR')).toBe(4_600);
      expect(await balance(a.db, 'merchant', 'cafe', 'USD')).toBe(1_200);
      expect(await interbank(a, b, 'EUR')).toBe(4_600);
      expect(await interbank(b, a, 'EUR')).toBe(-4_600);
      expect(await interbank(b, a, 'USD')).toBe(1_200);
      expect(await interbank(a, b, 'USD')).toBe(-1_200);

      // Both ends book each presentment under one reference: presentment:<id>.
      for (const [acquirer, issuer] of [
        [b, a],
        [a, b],
      ] as const) {
        const sent = await acquirer.db.query<{ presentment_id: Uint8Array }>('select presentment_id from presentments');
        const references = sent.map((p) => presentmentReference(u8(p.presentment_id))).sort();
        const booked = async (node: BankNode) =>
          (
            await node.db.query<{ reference: string }>(
              "select distinct reference from transactions where kind in ('presentment', 'guarantee') and reference like 'presentment:%' order by reference",
            )
          ).map((t) => t.reference);
        expect(await booked(acquirer)).toEqual(expect.arrayContaining(references));
        expect(await booked(issuer)).toEqual(expect.arrayContaining(references));
      }
      await assertClean();
    },
  );

  it.skipIf(skip)('the operator closes the cycle at A over those presentments: both agree, 0 left', async () => {
    expect(await a.admin.closeSettlement()).toEqual([{ bankId: 'BANK-B', cycle: 1 }]);
    for (const [node, other] of [
      [a, b],
      [b, a],
    ] as const)
      for (const currency of ['EUR', 'USD']) expect(await interbank(node, other, currency)).toBe(0);
    const statements = async (node: BankNode) =>
      (
        await node.db.query<{ statement: Uint8Array; peer_statement: Uint8Array | null; status: string }>(
          'select statement, peer_statement, status from settlement_cycles order by cycle',
        )
      )[0];
    const [ofA, ofB] = [await statements(a), await statements(b)];
    expect([ofA?.status, ofB?.status]).toEqual(['agreed', 'agreed']);
    expect(u8(ofA?.peer_statement)).toEqual(u8(ofB?.statement));
    expect(u8(ofB?.peer_statement)).toEqual(u8(ofA?.statement));
    const ctx = { anchors: scheme.anchors, now };
    // A owes B 4 600 EUR (its card's checks and the clone it guaranteed), B owes A 1 200 USD.
    expect(verifyStatement(u8(ofA?.statement), ctx).body.lines).toEqual([
      ['EUR', 4_600, 0, 4_600],
      ['USD', 0, 1_200, -1_200],
    ]);
    const positions = checkSchemePositions([u8(ofA?.statement), u8(ofB?.statement)], ctx);
    expect(Object.fromEntries(positions.banks.get('BANK-A') ?? [])).toEqual({ EUR: 4_600, USD: -1_200 });
    expect(Object.fromEntries(positions.banks.get('BANK-B') ?? [])).toEqual({ EUR: -4_600, USD: 1_200 });
    await assertClean();
    // Nothing left to settle on either side.
    expect(await b.admin.closeSettlement()).toEqual([{ bankId: 'BANK-A', nothing: true }]);
  });
});
