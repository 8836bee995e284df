// Renders docs/apdu.md, the purse applet's APDU specification, from the command table
// (src/protocol/apdu-commands.ts) and the codes and records of src/protocol/purse-apdu.ts: enough
// for a Java Card developer to build a card the smartcheck terminal and wallet work with.
import { COMMANDS, COMMON_SW, type CommandSpec } from '../../src/protocol/apdu-commands.ts';
import {
  AID,
  ATR,
  DataTag,
  HISTORICAL_BYTES,
  Lifecycle,
  LOG_RECORD_SIZE,
  LogKind,
  LogRecordField,
  STATUS_SIZE,
  StatusField,
  VALUE_BLOCK_SIZE,
  ValueBlock,
} from '../../src/protocol/purse-apdu.ts';

const h2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
const h4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
const bytes = (b: Uint8Array) => [...b].map(h2).join(' ');
const cell = (s: string) => s.replace(/\|/g, '\\|');
const param = (p: number | string) => (typeof p === 'number' ? h2(p) : p);
const sw = (word: number) => (word === 0x6100 ? '61xx' : word === 0x63c0 ? '63Cx' : h4(word));

/** Offsets of a record: each field to the next one (the last to `size`). */
function offsets(fields: Readonly<Record<string, number>>, size: number, sizes: Record<string, string> = {}): string[] {
  const list = Object.entries(fields).sort((a, b) => a[1] - b[1]);
  return list.map(([name, at], i) => {
    const end = i + 1 < list.length ? (list[i + 1]?.[1] as number) : size;
    return `| ${at} | ${end - at} | \`${name}\` | ${sizes[name] ?? ''} |`;
  });
}

function command(c: CommandSpec): string[] {
  return [
    `### ${c.name}`,
    '',
    `\`${h2(c.cla)} ${h2(c.ins)} ${param(c.p1)} ${param(c.p2)}\``,
    '',
    `- **data**: ${c.data}`,
    `- **answer**: ${c.response}`,
    `- **needs**: ${c.needs}`,
    `- **writes**: ${c.writes}`,
    ...(c.sw.length ? ['- **status words**:', ...c.sw.map(([w, why]) => `  - \`${sw(w)}\` ${why}`)] : []),
    '',
  ];
}

export function renderApduDoc(): string {
  const lines = [
    '# The smartcheck purse applet: APDU specification',
    '',
    'What a card must answer for the smartcheck terminal (`smartcheck pos`) and wallet to use it: the',
    'ATR, the AID, every command with its data, answer, state and EEPROM writes, the status words and',
    "the records the card returns. The emulated card (`core-as/`, the applet's design and decisions in",
    '[core-as/README.md](../core-as/README.md)) implements exactly this; a Java Card applet that does the',
    'same works in any PC/SC reader with `--reader`. Message formats (COSE, CBOR, certificates) are in',
    '[src/protocol/WIRE.md](../src/protocol/WIRE.md), error codes in [errors.md](errors.md).',
    '',
    'Generated from the command table `src/protocol/apdu-commands.ts` and the codes of',
    "`src/protocol/purse-apdu.ts` (which the applet's constants are generated from too) by",
    '`npx tsx scripts/gen-wire.ts`; do not edit by hand. `npm run check` fails while it is stale.',
    '',
    '## Card and application',
    '',
    `- **ATR**: \`${bytes(ATR)}\`: TS 3B (direct convention), T0 ${h2(ATR[1] as number)} (TD1 follows, ${HISTORICAL_BYTES.length} historical bytes), TD1 01 (T=1 only, default rates and IFSC), TCK ${h2(ATR[ATR.length - 1] as number)}.`,
    `- **Historical bytes** (ISO 7816-4 §8.1.1): \`${bytes(HISTORICAL_BYTES)}\`: category 80, COMPACT-TLV; 31 81 card service data (selection by full DF name, no MF); 73 80 01 C0 card capabilities (selection by full DF name; data coding 01; command chaining and extended Lc/Le); F${AID.length} the AID.`,
    `- **AID**: \`${bytes(AID)}\`: F0 (a proprietary AID, not registered with ISO/IEC 7816-5: "F" category), "SMCHK", version 01. Selected by SELECT by DF name; the applet is not the default one.`,
    "- **Protocol**: T=1. Integers in command data are big-endian; GET DATA C1 and log records are little-endian (the card's own layout).",
    '',
    '## Long commands and responses',
    '',
    '- **Extended length** (ISO 7816-4 §5.1): Lc and Le of 3 and 2 bytes (00 then 2 bytes), up to 8192 bytes of command.',
    '- **Command chaining** (§5.3.3), for readers limited to short APDUs: every part but the last has CLA bit b5 (10 / 90) and is answered 9000 with no data; all parts have the same INS, P1 and P2; the card joins their data (up to 7.5 KiB) and runs the command on the last part. Another command in between: 6883, and the chain is dropped.',
    "- **Response chaining / GET RESPONSE** (§5.3.4, and T=0 readers): the card sends at most Ne bytes (Le 00 short: 256; Le absent: 256, or 65536 after an extended Lc, as Java Card's `setOutgoing` does); when more remain it answers `61xx` (xx bytes left, 00 for 256 or more) and `00 C0 00 00 Le` reads on. The largest answers: the purse certificate (GET DATA C3), checks and signed requests (a few hundred bytes).",
    '',
    '## Status words',
    '',
    'Every command may answer:',
    '',
    '| SW | meaning |',
    '|---|---|',
    ...COMMON_SW.map(([w, why]) => `| \`${sw(w)}\` | ${cell(why)} |`),
    '',
    'and the ones listed with each command. After `6A80`, `6A84`, `6A88`, `9401` and `9402` the protocol',
    'error code of the refusal is in GET DATA C4 (a u16, docs/errors.md). `9401` (insufficient funds)',
    'and `9402` (a certified limit) are proprietary words in the e-purse tradition (PBOC, JR/T 0025).',
    '',
    '## Life cycle',
    '',
    `${Object.entries(Lifecycle)
      .map(([name, v]) => `${v} \`${name}\``)
      .join(' → ')}: GENERATE KEYS, INSTALL ROOT (×1–4), INSTALL CERTIFICATE, SET PIN, in that order; then`,
    'the value commands, each behind VERIFY in the same session (SELECT or a power cycle forgets it).',
    'Every write that changes value is one journaled transaction: a power cut leaves all of it or none.',
    '',
    '## Commands',
    '',
    '| command | CLA INS P1 P2 | needs |',
    '|---|---|---|',
    ...COMMANDS.map(
      (c) => `| ${c.name} | \`${h2(c.cla)} ${h2(c.ins)} ${param(c.p1)} ${param(c.p2)}\` | ${cell(c.needs)} |`,
    ),
    '',
    ...COMMANDS.flatMap(command),
    '## GET DATA tags',
    '',
    '| tag | name |',
    '|---|---|',
    ...Object.entries(DataTag).map(([name, tag]) => `| \`${h2(tag)}\` | \`${name}\` |`),
    '',
    `## GET DATA C1: status (${STATUS_SIZE} bytes)`,
    '',
    '| offset | bytes | field | |',
    '|---:|---:|---|---|',
    ...offsets(StatusField, STATUS_SIZE, {
      lifecycle: 'u8, the life cycle above',
      pinTries: 'u8',
      pinVerified: 'u8: 1 once VERIFY succeeded in this session',
      roots: 'u8',
      valueBlock: 'the value block below',
      refundedTotal: 'u128 LE (lo, hi)',
    }),
    '',
    `### The value block (${VALUE_BLOCK_SIZE} bytes, little-endian)`,
    '',
    '| offset | bytes | field | |',
    '|---:|---:|---|---|',
    ...offsets(ValueBlock, VALUE_BLOCK_SIZE, {
      balance: 'u64',
      serial: 'u64: the last check serial signed (0: none)',
      loadedTotal: 'u128 (lo, hi)',
      spentTotal: 'u128 (lo, hi), net of refunds',
      loadCounter: 'u64: loads requested',
      offlineChecks: 'u64: checks since the last load',
      offlineAmount: 'u64: amount since the last load',
      logTotal: 'u32: log records ever written',
      appliedTotal: 'u32: value tokens ever applied',
    }),
    '',
    `## Log record (READ LOG, ${LOG_RECORD_SIZE} bytes, little-endian)`,
    '',
    `Kinds: ${Object.entries(LogKind)
      .map(([name, v]) => `${v} \`${name}\``)
      .join(', ')}.`,
    '',
    '| offset | bytes | field | |',
    '|---:|---:|---|---|',
    ...offsets(LogRecordField, LOG_RECORD_SIZE, {
      kind: 'u8',
      channel: 'u8: 0 POS, 1 Internet',
      idLength: 'u8: length of `id`',
      refunded: 'u8: purchase refunded',
      serial: 'u64: check serial (load: request counter)',
      amount: 'u64',
      time: 'u64',
      hash: 'the slip hash (load: token id ‖ nonce; refund: the check hash)',
      nonce: 'load: the request nonce',
      id: 'merchant (load: bank)',
      currency: 'ISO 4217, 3 ASCII letters',
    }),
  ];
  return `${lines.join('\n')}\n`;
}
