// The emulated card (core-as applet + src/card emulator): a purchase APDU end to end — verify the
// merchant's chain and slip, deduct through the journal, sign the check — with the applet's
// compute (execute) and the EEPROM persistence (memory copy; file with fsync and rename) timed
// apart; the other commands; the crypto the coprocessor does per purchase; the applet's size.
// Every timed closure first proves a correct result (9000 and a check that verifies).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '../bindings/index.ts';
import { command, Ins, parseResponse, SW } from '../src/card/apdu.ts';
import { loadApplet } from '../src/card/applet.ts';
import { EmulatedCard } from '../src/card/emulator.ts';
import { FileEeprom } from '../src/card/file-store.ts';
import { PurseCard, personalise } from '../src/card/purse.ts';
import { type EepromStore, MemoryEeprom } from '../src/card/store.ts';
import {
  anchorsOf,
  Channel,
  certifyBank,
  certifyParty,
  createRoot,
  issueValueToken,
  MessageType,
  makeSlip,
  type OfflineLimits,
  openLoadRequest,
  Role,
  sealEnvelope,
  verifyCheck,
} from '../src/protocol/index.ts';
import { envelope } from '../src/protocol/messages.ts';
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
export const TARGET_COMPUTE_US = 300;

const u64 = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
};

async function world(store: EepromStore) {
  const root = createRoot('ROOT-B');
  const bank = certifyBank(root, 'BANK-B', VALIDITY);
  const merchant = certifyParty(bank, 'M-BENCH', Role.Merchant, VALIDITY);
  const anchors = anchorsOf(root);
  const emulator = await EmulatedCard.create({ store });
  const card = new PurseCard(emulator);
  await personalise(card, {
    ...VALIDITY,
    bank,
    roots: [{ id: root.id, publicKey: root.publicKey }],
    purseId: 'P-BENCH',
    limits: LIMITS,
    pin: '1234',
  });
  await card.verifyPin('1234');
  const loadOnce = async (amount: number) => {
    const request = await card.loadRequest(amount, NOW);
    const verified = openLoadRequest(bank, sealEnvelope(MessageType.ValueTokenRequest, bank.kx!.publicKey, request), {
      anchors,
      now: NOW,
      nonceSeen: () => false,
      maxSkewS: 60,
    });
    return issueValueToken(bank, verified, crypto.getRandomValues(new Uint8Array(16)), NOW);
  };
  await card.applyToken(await loadOnce(1_000_000_000_000), NOW);
  const slip = makeSlip(merchant, {
    merchantId: merchant.id,
    amount: 1,
    currency: 'EUR',
    time: NOW,
    terminalId: 'T-B',
    terminalTxId: 1,
    terminalNonce: new Uint8Array(16),
    channel: Channel.Pos,
  });
  return { root, bank, merchant, anchors, emulator, card, slip, loadOnce };
}

export async function run(opts: RunOptions): Promise<SuiteResult> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const row = table('Card', rows);
  const applet = await loadApplet();
  const w = await world(new MemoryEeprom());
  const purchase = command(0x80, Ins.purchase, 0, 0, new Uint8Array([...u64(NOW), ...w.slip]), true);

  // correctness first: 9000 and a check the protocol layer accepts
  const first = parseResponse(w.emulator.execute(purchase));
  mustBe(
    first.sw === SW.ok && verifyCheck(first.data, { anchors: w.anchors, now: NOW }).body.amount === 1,
    'purchase APDU returns a valid check',
  );
  mustBe(parseResponse(w.emulator.execute(purchase)).sw === SW.ok, 'second purchase');
  const writesPerPurchase = w.emulator.lastCommandWrites;

  row(
    'purchase APDU',
    'compute (applet + coprocessor), certificates remembered',
    await measure(() => w.emulator.execute(purchase), opts),
  );
  // cold: a merchant the card has not met (a fresh card each sample would also time personalisation,
  // so the certificate cache is cleared instead, through a power cycle of an image with it zeroed)
  const cold = await world(new MemoryEeprom());
  const coldApdu = command(0x80, Ins.purchase, 0, 0, new Uint8Array([...u64(NOW), ...cold.slip]), true);
  const CACHE = 0x1ef0; // layout.ts E_CACHE_NEXT - EE, cache through the end of EEPROM
  const forget = () => {
    const image = cold.emulator.image;
    image.fill(0, CACHE);
    return (cold.emulator as unknown as { instance: { memory(): Uint8Array } }).instance
      .memory()
      .fill(0, 0x8000 + CACHE, 0xa000);
  };
  forget();
  mustBe(
    parseResponse(cold.emulator.execute(coldApdu)).sw === SW.ok && cold.emulator.lastCommandWrites === 10,
    'cold purchase verifies both certificates (2 cache writes each)',
  );
  row(
    'purchase APDU',
    'compute (applet + coprocessor), certificates not remembered',
    await measure(() => {
      forget();
      return cold.emulator.execute(coldApdu);
    }, opts),
  );
  const image = w.emulator.image;
  const memory = new MemoryEeprom();
  row('purchase APDU', 'persist: memory copy', await measureAsync(() => memory.save(image), opts));
  const dir = mkdtempSync(join(os.tmpdir(), 'smartcheck-bench-'));
  try {
    const file = new FileEeprom(join(dir, 'card.eeprom'), applet.buildHash);
    row(
      'purchase APDU',
      'persist: file (write, fsync, rename, fsync dir)',
      await measureAsync(() => file.save(image), opts),
    );
    const onFile = await world(new FileEeprom(join(dir, 'card2.eeprom'), applet.buildHash));
    const apdu = command(0x80, Ins.purchase, 0, 0, new Uint8Array([...u64(NOW), ...onFile.slip]), true);
    mustBe(parseResponse(await onFile.emulator.transmit(apdu)).sw === SW.ok, 'purchase on a file-backed card');
    row(
      'purchase APDU',
      'end to end, file-backed (transmit)',
      await measureAsync(() => onFile.emulator.transmit(apdu), opts),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // what the coprocessor does per purchase: three verifications (bank cert, merchant cert, slip) and one signature
  const keys = ed25519.keygen();
  const msg = new Uint8Array(400);
  const sig = ed25519.sign(msg, keys.secretKey);
  row(
    'coprocessor, per purchase',
    'ed25519 verify (× 3 per purchase)',
    await measure(() => ed25519.verify(sig, msg, keys.publicKey), opts),
  );
  row(
    'coprocessor, per purchase',
    'ed25519 sign (× 1 per purchase)',
    await measure(() => ed25519.sign(msg, keys.secretKey), opts),
  );

  // other commands, compute only
  const getData = command(0x00, Ins.getData, 0, 0xc1, undefined, true);
  mustBe(parseResponse(w.emulator.execute(getData)).sw === SW.ok, 'GET DATA');
  row('other commands', 'GET DATA status', await measure(() => w.emulator.execute(getData), opts));
  const verifyPin = command(0x00, Ins.verify, 0, 0x80, new TextEncoder().encode('1234'));
  row('other commands', 'VERIFY PIN (2 EEPROM writes)', await measure(() => w.emulator.execute(verifyPin), opts));
  const reissue = command(0x80, Ins.reissueCheck, 0, 0, u64((await w.card.status()).serial), true);
  mustBe(parseResponse(w.emulator.execute(reissue)).sw === SW.ok, 'REISSUE CHECK');
  row('other commands', 'REISSUE CHECK (re-sign from the log)', await measure(() => w.emulator.execute(reissue), opts));
  // a load: request then apply; each sample needs a fresh token, so both are measured together with the bank's part outside
  let tokens: Uint8Array[] = [];
  const refill = async () => {
    tokens = [];
    for (let i = 0; i < 8; i++) tokens.push(await w.loadOnce(1));
  };
  await refill();
  const applyApdus = () =>
    tokens.map((t) => {
      const { enc, ciphertext } = envelopeParts(t);
      return command(0x80, Ins.loadApply, 0, 0, new Uint8Array([...u64(NOW), ...enc, ...ciphertext]), true);
    });
  let pending = applyApdus();
  row(
    'other commands',
    'LOAD APPLY (open HPKE, verify bank chain and token, credit)',
    await measureAsync(async () => {
      if (!pending.length) {
        await refill();
        pending = applyApdus();
      }
      const r = parseResponse(w.emulator.execute(pending.pop()!));
      mustBe(r.sw === SW.ok, 'LOAD APPLY');
    }, opts),
  );

  notes.push(`applet: core-as/build/purse.wasm, ${applet.size.toLocaleString('en')} bytes`);
  notes.push(
    `EEPROM writes per purchase: ${writesPerPurchase} (journal, length, commit flag, 2 entries, flag cleared), 4 more the first time the card meets a bank or merchant certificate (cache entry and index, twice); image ${image.length.toLocaleString('en')} bytes`,
  );
  notes.push(
    'the machine is shared: compare rows of one run, not runs; the coprocessor rows give the Ed25519 cost in the same run',
  );
  notes.push(
    'the same signed slip is paid again in every sample (the card does not remember terminal nonces; the terminal does)',
  );
  notes.push(
    'LOAD APPLY samples include refilling tokens every 8 applies (the bank side, outside the card), so read it as an upper bound',
  );
  return { name: 'card', rows, notes };
}

function envelopeParts(sealed: Uint8Array) {
  const e = envelope.decode(sealed);
  return { enc: e.enc, ciphertext: e.ciphertext };
}

export function writeCard(dir: URL, meta: object, suite: SuiteResult): string {
  const out = [
    '# Card benchmark',
    '',
    `${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}`,
    '',
  ];
  out.push('| what | how | µs | ± % |', '|---|---|---:|---:|');
  for (const r of suite.rows)
    out.push(`| ${r.op} | ${r.impl} | ${r.usPerOp.toFixed(1)} | ${r.raw.rmePct.toFixed(1)} |`);
  const compute = suite.rows.find((r) => r.impl.startsWith('compute'));
  out.push('', '## Targets (reported, not enforced)', '');
  if (compute)
    out.push(
      `- ${compute.usPerOp <= TARGET_COMPUTE_US ? '✅ reached' : '❌ missed'}: purchase APDU compute ≤ ${TARGET_COMPUTE_US} µs: ${compute.usPerOp.toFixed(1)} µs`,
    );
  if (suite.notes.length) out.push('', '## Notes', '', ...suite.notes.map((n) => `- ${n}`));
  const md = `${out.join('\n')}\n`;
  writeFileSync(new URL('card.md', dir), md);
  writeFileSync(new URL('card.json', dir), `${JSON.stringify({ meta, suites: [suite] }, null, 2)}\n`);
  return md;
}
