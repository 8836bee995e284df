// Writes the seed corpus (test/fuzz/corpus/<decoder>/seed-*.hex): minimised hostile variants of
// the valid messages that every default run replays. For each decoder's first valid message: a
// truncation at each CBOR item boundary (each field cut off where it starts, and where its head
// ends), which must be refused, and each of the first items with its major type changed, which
// must be refused or decoded (`# expect: any`: an integer made negative is still CBOR). Found cases (found-*.hex, from
// SMARTCHECK_FUZZ_SAVE=1) are never touched. Run: npx tsx test/fuzz/support/seed-corpus.ts
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { AID, command, Ins } from '../../../src/card/apdu.ts';
import { heads } from './mutate.ts';
import * as w from './world.ts';

const CORPUS = new URL('../corpus/', import.meta.url);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function write(decoder: string, cases: [name: string, why: string, bytes: Uint8Array][]): void {
  const dir = new URL(`${decoder}/`, CORPUS);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.startsWith('seed-')) rmSync(new URL(f, dir));
  const seen = new Set<string>();
  for (const [name, why, bytes] of cases) {
    if (seen.has(hex(bytes))) continue;
    seen.add(hex(bytes));
    writeFileSync(new URL(`seed-${name}.hex`, dir), `# ${why}\n${hex(bytes)}\n`);
  }
}

/** Truncations at item boundaries and changed major types, for one valid message. */
function hostile(valid: Uint8Array, maxHeads = 12): [string, string, Uint8Array][] {
  const out: [string, string, Uint8Array][] = [['empty', 'no bytes at all', new Uint8Array(0)]];
  const all = heads(valid);
  for (const h of all.slice(0, 24)) {
    if (h.at > 0)
      out.push([
        `cut-${h.at}`,
        `truncated where the item at offset ${h.at} (major ${h.major}) starts`,
        valid.subarray(0, h.at),
      ]);
    if (h.size > 1)
      out.push([
        `cut-head-${h.at}`,
        `truncated inside the head of the item at offset ${h.at}`,
        valid.subarray(0, h.at + h.size - 1),
      ]);
  }
  for (const h of all.slice(0, maxHeads)) {
    const major =
      h.major === 4
        ? 5
        : h.major === 5
          ? 4
          : h.major === 2
            ? 3
            : h.major === 3
              ? 2
              : h.major === 0
                ? 1
                : (h.major + 1) % 8;
    const b = valid.slice();
    b[h.at] = (major << 5) | ((b[h.at] as number) & 0x1f);
    out.push([
      `major-${h.at}`,
      `the item at offset ${h.at}: major type ${h.major} → ${major} (may still be valid CBOR)\n# expect: any`,
      b,
    ]);
  }
  out.push(['trailing', 'one trailing byte after the message', Uint8Array.from([...valid, 0])]);
  return out;
}

write('cbor.decode', hostile(w.check));
for (const [name, body] of Object.entries(w.bodies)) write(`messages.${name}`, hostile(body, 6));
write('cose.parseSign1', hostile(w.check));
write('cose.parseMulti', hostile(w.internetCheck));
write('certificate.parseCertificate', hostile(w.pki.purse.certificate));
write('pos.verifyCheck', hostile(w.check));
write('internet.verifyInternetCheck', hostile(w.internetCheck, 6));
write('core.verifyChecks', hostile(w.check));
write('envelope.open', hostile(w.deposit, 8));
write('revocation.verifyRevocationList', hostile(w.revocationList, 6));
write('capture.verifyReceipt', hostile(w.receipt, 6));
write('fraud.verifyFraudProof', hostile(w.fraudProof, 6));
write('card.transmit', [
  ['short-header', 'three bytes: no complete header', Uint8Array.of(0x00, 0xa4, 0x04)],
  ['lc-too-long', 'SELECT with Lc 9 and 7 bytes of data', Uint8Array.from([0x00, 0xa4, 0x04, 0x00, 9, ...AID])],
  ['extended-lc-zero', 'extended Lc of 0 followed by data', Uint8Array.from([0x00, 0xa4, 0x04, 0x00, 0, 0, 0, ...AID])],
  ['extended-truncated', 'extended Lc cut after its first byte', Uint8Array.of(0x80, Ins.purchase, 0, 0, 0, 0x01)],
  [
    'purchase-no-slip',
    'PURCHASE with only the 8-byte time',
    command(0x80, Ins.purchase, 0, 0, new Uint8Array(8), true),
  ],
  [
    'purchase-cut-slip',
    'PURCHASE with a slip cut in half',
    command(
      0x80,
      Ins.purchase,
      0,
      0,
      Uint8Array.from([...new Uint8Array(8), ...w.slipBytes.subarray(0, w.slipBytes.length >> 1)]),
      true,
    ),
  ],
  [
    'load-apply-short',
    'LOAD APPLY with a 10-byte envelope',
    command(0x80, Ins.loadApply, 0, 0, new Uint8Array(10), true),
  ],
  ['read-log-far', 'READ LOG of record 255', command(0x80, Ins.readLog, 0, 255, undefined, true)],
  ['get-data-unknown', 'GET DATA of an unknown tag', command(0x00, Ins.getData, 0, 0xff, undefined, true)],
]);
write('bank.http.body', [
  ['empty-cbor', 'an empty CBOR body to /v1/load', Uint8Array.of(0)],
  [
    'json-not-base64',
    'JSON with a non-base64 envelope',
    Uint8Array.from([2, ...new TextEncoder().encode('{"envelope":"!!"}')]),
  ],
  ['json-array', 'a JSON array', Uint8Array.from([2, ...new TextEncoder().encode('[1,2]')])],
  ['json-broken', 'broken JSON', Uint8Array.from([2, ...new TextEncoder().encode('{"envelope":')])],
  ['text-plain', 'a text/plain body', Uint8Array.from([3, ...new TextEncoder().encode('hello')])],
  ['deposit-garbage', 'CBOR garbage to /v1/deposit', Uint8Array.of(0x80, 0xff, 0xff)],
]);
console.log('seed corpus written');
