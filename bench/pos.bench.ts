// The offline POS terminal (src/merchant/): accepting one check offline (compute only: chain,
// signature, binding to the slip, limits, revocation list, replay), making signed slips, a whole
// sale against the emulated card (certificate read, slip journalled, PURCHASE APDU, acceptance,
// check journalled) with the journal in memory and on disk, and the durable append (fsync) alone.
// Every timed closure first proves a correct result. Writes bench/results/pos.{json,md}.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '../bindings/index.ts';
import { EmulatedCard } from '../src/card/emulator.ts';
import { PurseCard, personalise } from '../src/card/purse.ts';
import { MemoryEeprom } from '../src/card/store.ts';
import { FileCheckStore } from '../src/merchant/file-store.ts';
import {
  type CheckStore,
  type JournalRecord,
  MemoryCheckStore,
  MerchantBook,
  Terminal,
} from '../src/merchant/index.ts';
import {
  acceptCheck,
  anchorsOf,
  CertificateCache,
  Channel,
  certifyBank,
  certifyParty,
  createRoot,
  issueValueToken,
  MessageType,
  makeRevocationList,
  makeSlip,
  type OfflineLimits,
  openLoadRequest,
  parseCertificate,
  parseSign1,
  Role,
  sealEnvelope,
  verifySlip,
} from '../src/protocol/index.ts';
import { measure, measureAsync, mustBe, type Row, type RunOptions, type SuiteResult, table } from './harness.ts';

const NOW = 1_780_000_000;
const VALIDITY = { notBefore: NOW - 86_400, notAfter: NOW + 365 * 86_400 };
const MAX = Number.MAX_SAFE_INTEGER;
const LIMITS: OfflineLimits = {
  currency: 'EUR',
  maxBalance: MAX,
  maxPerCheck: 1_000_000,
  maxOfflineChecks: MAX,
  maxOfflineAmount: MAX,
};
export const TARGET_ACCEPT_US = 200;
/** Issue 13's targets: a returning card (its chain known to the terminal), a first-seen one. */
export const TARGET_RETURNING_US = 150;
export const TARGET_FIRST_SEEN_US = 300;
const REVOKED = 10_000;

async function world() {
  const root = createRoot('ROOT-POS');
  const bank = certifyBank(root, 'BANK-POS', VALIDITY);
  const merchant = certifyParty(bank, 'M-POS', Role.Merchant, VALIDITY);
  const anchors = anchorsOf(root);
  const card = new PurseCard(await EmulatedCard.create({ store: new MemoryEeprom() }));
  await personalise(card, {
    ...VALIDITY,
    bank,
    roots: [{ id: root.id, publicKey: root.publicKey }],
    purseId: 'P-POS',
    limits: LIMITS,
    pin: '1234',
  });
  await card.verifyPin('1234');
  const request = await card.loadRequest(1_000_000_000_000, NOW);
  const verified = openLoadRequest(bank, sealEnvelope(MessageType.ValueTokenRequest, bank.kx!.publicKey, request), {
    anchors,
    now: NOW,
    nonceSeen: () => false,
    maxSkewS: 60,
  });
  await card.applyToken(issueValueToken(bank, verified, crypto.getRandomValues(new Uint8Array(16)), NOW), NOW);
  // a realistic list: 10,000 revoked purses, none of them this one
  const list = makeRevocationList(bank, {
    revoked: Array.from({ length: REVOKED }, (_, i) => `P-REVOKED-${i}`),
    issuedAt: NOW - 60,
    nextUpdate: NOW + 3_600,
    listNumber: 1,
  });
  const open = async (store: CheckStore) => {
    const book = await MerchantBook.open({
      merchant,
      bankCertificate: bank.certificate,
      anchors,
      store,
      clock: () => NOW,
      policy: { currency: 'EUR', revocationMaxAgeS: 86_400, terminalMaxPerCheck: 500_000 },
    });
    await book.setRevocationList(list);
    return book;
  };
  return { root, bank, merchant, anchors, card, open };
}

export async function run(opts: RunOptions): Promise<SuiteResult> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const row = table('POS', rows);
  const w = await world();
  const book = await w.open(new MemoryCheckStore());
  const terminal = new Terminal(book, { terminalId: 'T-BENCH' });

  // one real sale: its slip and check are what the acceptance rows verify
  const sale = await terminal.sell(w.card, 250);
  mustBe(sale.verdict.decision === 'accept' && sale.amount === 250, 'a sale through the terminal');
  const slip = verifySlip(sale.slip, { anchors: w.anchors, now: NOW });
  // acceptance of a check not yet in the book (a fresh policy object per call, as a sale makes)
  const unseen = () => ({ ...book.acceptancePolicy(NOW), seen: () => false });
  mustBe(acceptCheck(sale.check, slip, unseen()).decision === 'accept', 'the check is accepted offline');
  const tampered = sale.check.slice();
  tampered[tampered.length - 1]! ^= 1;
  mustBe(acceptCheck(tampered, slip, unseen()).decision === 'refuse', 'a tampered check is refused');
  mustBe(
    acceptCheck(sale.check, slip, book.acceptancePolicy(NOW)).decision === 'refuse',
    'the same check again is a replay',
  );

  row(
    'accept one check offline (compute)',
    `warm certificate cache, ${REVOKED.toLocaleString('en')} revoked`,
    await measure(() => acceptCheck(sale.check, slip, unseen()), opts),
  );
  row(
    'accept one check offline (compute)',
    'cold: purse and bank certificates verified too',
    await measure(() => acceptCheck(sale.check, slip, { ...unseen(), verifiedCache: new CertificateCache(8) }), opts),
  );
  // The floor under every acceptance, timed in the same run: the check's own signature.
  const signed = parseSign1(sale.check);
  const purseKey = parseCertificate(signed.certificate as Uint8Array).signingKey;
  mustBe(ed25519.verify(signed.signature, signed.toBeSigned, purseKey), "the check's signature verifies");
  row(
    "the check's Ed25519 signature alone",
    'one verification (every acceptance makes it; first-seen cards two or three)',
    await measure(() => ed25519.verify(signed.signature, signed.toBeSigned, purseKey), opts),
  );
  // A card the terminal has not seen, of a bank it has (the steady state of a terminal that has
  // sold before): the purse certificate and the check are verified, the bank's certificate
  // signature is known. Making the fresh cache that knows it (~2 µs) is timed too.
  const bankCertificate = parseCertificate(w.bank.certificate);
  const knowsBank = () => {
    const cache = new CertificateCache(8);
    cache.add(bankCertificate, w.root.publicKey);
    return cache;
  };
  mustBe(
    acceptCheck(sale.check, slip, { ...unseen(), verifiedCache: knowsBank() }).decision === 'accept',
    'a first-seen card of a known bank is accepted',
  );
  row(
    'accept one check offline (compute)',
    "first-seen card of a known bank: purse certificate and check verified, the bank's certificate known",
    await measure(() => acceptCheck(sale.check, slip, { ...unseen(), verifiedCache: knowsBank() }), opts),
  );

  let tx = 1_000;
  const nonce = new Uint8Array(16);
  const slipBody = () => ({
    merchantId: w.merchant.id,
    amount: 250,
    currency: 'EUR',
    time: NOW,
    terminalId: 'T-BENCH',
    terminalTxId: ++tx,
    terminalNonce: crypto.getRandomValues(nonce),
    channel: Channel.Pos,
  });
  mustBe(
    verifySlip(makeSlip(w.merchant, slipBody()), { anchors: w.anchors, now: NOW }).body.merchantId === w.merchant.id,
    'a slip verifies',
  );
  row(
    'make a signed purchase slip',
    'fresh nonce, Ed25519 sign, with the merchant certificate',
    await measure(() => makeSlip(w.merchant, slipBody()), opts),
  );

  const before = (await w.card.status()).balance;
  const memorySale = await terminal.sell(w.card, 1);
  mustBe(
    memorySale.verdict.decision === 'accept' && (await w.card.status()).balance === before - 1,
    'a whole sale debits the card by its amount',
  );
  row(
    'a whole sale, emulated card',
    'journal in memory (2 APDUs, 2 records)',
    await measureAsync(() => terminal.sell(w.card, 1), opts),
  );

  const dir = mkdtempSync(join(os.tmpdir(), 'smartcheck-pos-bench-'));
  try {
    const fileStore = new FileCheckStore(dir);
    const fileBook = await w.open(fileStore);
    const fileTerminal = new Terminal(fileBook, { terminalId: 'T-FILE' });
    mustBe((await fileTerminal.sell(w.card, 1)).verdict.decision === 'accept', 'a file-journalled sale');
    row(
      'a whole sale, emulated card',
      'journal on disk (2 APDUs, 2 records, 2 fsyncs)',
      await measureAsync(() => fileTerminal.sell(w.card, 1), opts),
    );

    const record = {
      kind: 'check',
      check: sale.check,
      checkHash: sale.checkHash,
      purseId: sale.purseId,
      serial: 1,
      amount: 250,
      currency: 'EUR',
      channel: 0,
      slipHash: slip.hash,
      terminalId: 'T-FILE',
      terminalTxId: 1,
      time: NOW,
    } satisfies JournalRecord;
    const journal = new FileCheckStore(join(dir, 'append'));
    await journal.load();
    await journal.append(record);
    const reader = new FileCheckStore(join(dir, 'append'));
    mustBe((await reader.load()).length === 1, 'an appended record reads back');
    await reader.close();
    row(
      'durable append',
      `one check record (${sale.check.length + 150} B), write + fsync`,
      await measureAsync(() => journal.append(record), opts),
    );
    const memory = new MemoryCheckStore();
    row(
      'durable append',
      'memory store (encode only), for comparison',
      await measureAsync(() => memory.append(record), opts),
    );
    await journal.close();
    await fileStore.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  notes.push(
    `revocation list of ${REVOKED.toLocaleString('en')} purses held by the book; its key set is built once per list, not per check`,
  );
  notes.push(
    '"compute" rows exclude I/O: acceptCheck on the terminal (chain, purse signature, slip binding, certified and terminal limits, revocation, replay)',
  );
  notes.push(
    'a whole sale = GET DATA certificate + pre-check, slip signed and journalled, PURCHASE APDU on the emulated card (applet compute included), acceptCheck, check journalled',
  );
  notes.push('fsync cost depends on the disk under the temp directory; the machine is shared, compare rows of one run');
  return { name: 'pos', rows, notes };
}

export function writePos(dir: URL, meta: { quick: boolean; loadavgStart: number[] }, suite: SuiteResult): string {
  const load = `load average ${meta.loadavgStart.join(' ')} at start, ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} at end`;
  const out = [
    '# POS terminal benchmark',
    '',
    `${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, ${meta.quick ? 'quick run' : 'full run'}; ${load}`,
    '',
  ];
  out.push('| what | how | µs | per second | ± % |', '|---|---|---:|---:|---:|');
  for (const r of suite.rows)
    out.push(
      `| ${r.op} | ${r.impl} | ${r.usPerOp.toFixed(1)} | ${Math.round(1e6 / r.usPerOp).toLocaleString('en')} | ${r.raw.rmePct.toFixed(1)} |`,
    );
  const accept = (impl: string) => suite.rows.find((r) => r.op.startsWith('accept') && r.impl.startsWith(impl));
  const target = (what: string, limit: number, r: Row | undefined) =>
    r && `- ${r.usPerOp <= limit ? '✅ reached' : '❌ missed'}: ${what} ≤ ${limit} µs: ${r.usPerOp.toFixed(1)} µs`;
  out.push(
    '',
    '## Targets (reported, not enforced)',
    '',
    ...[
      target('accept one check offline', TARGET_ACCEPT_US, accept('warm')),
      target('issue 13, a returning card (warm)', TARGET_RETURNING_US, accept('warm')),
      target('issue 13, a first-seen card of a known bank', TARGET_FIRST_SEEN_US, accept('first-seen')),
      target('issue 13, a first-seen card, bank certificate verified too (cold)', TARGET_FIRST_SEEN_US, accept('cold')),
    ].filter((line) => line !== undefined),
  );
  if (suite.notes.length) out.push('', '## Notes', '', ...suite.notes.map((n) => `- ${n}`));
  const md = `${out.join('\n')}\n`;
  writeFileSync(new URL('pos.md', dir), md);
  writeFileSync(new URL('pos.json', dir), `${JSON.stringify({ meta, suites: [suite] }, null, 2)}\n`);
  return md;
}

/** The suite as registered in bench/run.ts: measures, then writes its own report files. */
export async function runAndWrite(opts: RunOptions): Promise<SuiteResult> {
  const loadavgStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const suite = await run(opts);
  console.log(`\n${writePos(new URL('./results/', import.meta.url), { quick: opts.quick, loadavgStart }, suite)}`);
  console.log('wrote bench/results/pos.{json,md}');
  return suite;
}
