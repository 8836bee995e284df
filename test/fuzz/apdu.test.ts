// Fuzz: the card's APDU decoder (the AssemblyScript applet through EmulatedCard.transmit) and the
// host's response splitter (parseResponse, src/card/apdu.ts). Seeds: every command APDU of a real
// session (recorded: SELECT, VERIFY, GET DATA of each tag, LOAD REQUEST and LOAD APPLY, PURCHASE,
// INTERNET CHECK, READ LOG, REISSUE CHECK, REFUND, RESET RETRY COUNTER, RENEW CERTIFICATE both ways). The mutants go to one
// personalised, loaded card in sequence, so they meet every state the earlier ones leave.
// Properties: transmit always answers a response APDU with a known status word (never throws,
// never traps); the EEPROM region equals the durable image after each command (EmulatedCard checks
// it); and after every batch the card still works: balance = loaded - spent, the PIN verifies, a
// purchase signs a check a terminal accepts. parseResponse splits any response of 2+ bytes and
// refuses a shorter one with a RangeError.
import { beforeAll } from 'vitest';
import { ed25519 } from '../../bindings/index.ts';
import { command, DataTag, Ins, parseResponse, SW } from '../../src/card/apdu.ts';
import { PurseCard } from '../../src/card/purse.ts';
import { makeCheckRequest, makeInternetSlip } from '../../src/protocol/internet.ts';
import { verifyCheck } from '../../src/protocol/pos.ts';
import { makeRefund } from '../../src/protocol/refund.ts';
import { unblockMessage } from '../../src/protocol/unblock.ts';
import { bankAnswer, load, NOW, newCard, PIN, PURSE_ID, type Rig, renewal, slip, verify } from '../card/support.ts';
import { fuzzFamily } from './support/harness.ts';

const KNOWN_SW = new Set<number>([...Object.values(SW), 0x63c0, 0x63c1, 0x63c2, 0x63c3]);
const recorded: Uint8Array[] = [];
let rig: Rig;
let unblockCounter = 100;

beforeAll(async () => {
  rig = await newCard();
  const recorder = new PurseCard({
    transmit: (apdu) => {
      recorded.push(apdu.slice());
      return rig.emulator.transmit(apdu);
    },
  });
  await recorder.select();
  await recorder.verifyPin(PIN);
  const request = await recorder.loadRequest(200_000, NOW);
  await recorder.applyToken(bankAnswer(rig.w, request), NOW);
  await recorder.status();
  await recorder.publicKeys();
  await recorder.certificate();
  await recorder.outstandingLoads();
  for (const tag of [DataTag.lastError, DataTag.purseId])
    await recorder.send('GET DATA', command(0x00, Ins.getData, 0, tag, undefined, true));
  const check = await recorder.purchase(slip(rig.w, 700), NOW);
  await recorder.readLog(0);
  await recorder.reissueCheck(1);
  await recorder.refund(makeRefund(rig.w.merchant, verifyCheck(check, { anchors: rig.w.anchors, now: NOW }), NOW), NOW);
  const internetSlip = makeInternetSlip(rig.w.merchant, {
    merchantId: rig.w.merchant.id,
    amount: 900,
    currency: 'EUR',
    time: NOW,
    terminalId: 'SHOP-WEB',
    terminalTxId: 1,
    terminalNonce: new Uint8Array(16).fill(5),
  });
  await recorder.internetCheck(makeCheckRequest(internetSlip, 'CH-1'), NOW);
  await recorder.unblock(
    ++unblockCounter,
    ed25519.sign(unblockMessage(PURSE_ID, unblockCounter), rig.w.bank.secretKey),
  );
  await recorder.verifyPin(PIN);
  await recorder.renewalSignature(new Uint8Array(16).fill(3));
  await recorder.renewCertificate(renewal(rig));
});

/** The card still works: consistent counters, PIN, and a purchase a terminal accepts. */
async function cardWorks(): Promise<void> {
  const { card } = rig;
  await card.select();
  let status = await card.status();
  if (status.pinTries === 0)
    await card.unblock(++unblockCounter, ed25519.sign(unblockMessage(PURSE_ID, unblockCounter), rig.w.bank.secretKey));
  await card.verifyPin(PIN);
  status = await card.status();
  if (BigInt(status.balance) !== status.loadedTotal - status.spentTotal)
    throw new Error(`balance ${status.balance} ≠ loaded ${status.loadedTotal} - spent ${status.spentTotal}`);
  if (status.balance < 10_000) await load(rig, 100_000);
  const check = await card.purchase(slip(rig.w, 10), NOW);
  verify(rig.w, check);
}

async function transmitChecked(apdu: Uint8Array): Promise<number> {
  const response = await rig.emulator.transmit(apdu);
  if (response.length < 2) throw new Error(`response of ${response.length} bytes`);
  const { sw } = parseResponse(response);
  // 61XX (ISO 7816-4: XX more bytes for GET RESPONSE) is a family: the card answers it whenever
  // a response is longer than the command's Le.
  const family = (sw & 0xff00) === SW.bytesRemaining;
  if (!KNOWN_SW.has(sw) && !family) throw new Error(`unknown status word ${sw.toString(16)}`);
  return sw === SW.ok ? 0 : sw;
}

/** A command APDU as CLA INS P1 P2 ‖ Le flag ‖ data (the recorded commands are all well framed). */
function unframe(apdu: Uint8Array): Uint8Array {
  const le = apdu.length > 4 && (apdu.length === 5 || apdu[apdu.length - 1] === 0) ? 1 : 0;
  let data: Uint8Array = new Uint8Array(0);
  if (apdu.length > 5) {
    const extended = apdu[4] === 0 && apdu.length > 7;
    const n = extended ? ((apdu[5] as number) << 8) | (apdu[6] as number) : (apdu[4] as number);
    const start = extended ? 7 : 5;
    data = apdu.subarray(start, start + n);
  }
  return Uint8Array.from([...apdu.subarray(0, 4), le, ...data]);
}
const frame = (b: Uint8Array) =>
  command(b[0] ?? 0, b[1] ?? 0, b[2] ?? 0, b[3] ?? 0, b.subarray(5, 5 + 65_535), ((b[4] ?? 0) & 1) === 1);

fuzzFamily('apdu', [
  {
    name: 'card.transmit',
    get seeds() {
      return recorded;
    },
    budget: 2_500,
    slowBudget: 50_000,
    async: true,
    maxRandom: 300,
    run: transmitChecked,
    typed: () => false,
    codeOf: () => undefined,
    minRefused: 0.5,
    reaches: [SW.wrongLength, SW.claNotSupported, SW.insNotSupported, SW.wrongP1P2, SW.wrongData],
    sanity: cardWorks,
    sanityEvery: 250,
  },
  {
    // The same commands with their framing kept right: the mutator works on CLA INS P1 P2, an Le
    // flag and the data field (CBOR-aware behind the data's u64 time), and the input is re-framed
    // with a correct Lc, so the mutants reach each command's data parser instead of stopping at 6700.
    name: 'card.transmit.framed',
    get seeds() {
      return recorded.map(unframe);
    },
    budget: 2_500,
    slowBudget: 50_000,
    async: true,
    maxRandom: 300,
    run: async (b) => transmitChecked(frame(b)),
    typed: () => false,
    codeOf: () => undefined,
    minRefused: 0.3,
    reaches: [SW.wrongData, SW.wrongP1P2],
    sanity: cardWorks,
    sanityEvery: 250,
  },
  {
    name: 'card.parseResponse',
    get seeds() {
      return [Uint8Array.of(0x90, 0x00), Uint8Array.of(0x01, 0x02, 0x6a, 0x80), ...recorded];
    },
    budget: 4_000,
    run: (b) => {
      const { data, sw } = parseResponse(b);
      if (data.length !== b.length - 2 || sw !== (((b[b.length - 2] as number) << 8) | (b[b.length - 1] as number)))
        throw new Error('split wrong');
      return 0;
    },
    typed: (e) => e instanceof RangeError,
    codeOf: () => -1,
    minRefused: 0,
  },
]);
