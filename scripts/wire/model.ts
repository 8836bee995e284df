// The wire format's constants as one list of groups, read from the protocol registry: what the
// Rust and AssemblyScript renderers turn into wire.rs and wire.ts. Nothing here declares a value:
// each comes from src/protocol/ (registry.ts, errors.ts, messages.ts, cbor.ts, purse-apdu.ts), and
// the byte patterns are encoded by the protocol's own CBOR encoder from those values.
import { Tag as CborTag, compareBytes, encode, MAX_DEPTH } from '../../src/protocol/cbor.ts';
import { ErrorCode, errorDescriptions } from '../../src/protocol/errors.ts';
import { ed25519Key, x25519Key } from '../../src/protocol/keys.ts';
import type { MessageCodec } from '../../src/protocol/message.ts';
import * as messages from '../../src/protocol/messages.ts';
import * as apdu from '../../src/protocol/purse-apdu.ts';
import * as registry from '../../src/protocol/registry.ts';

/** A constant: a number, or bytes (a byte array and its length in each language). */
export interface Constant {
  /** As in TypeScript: the AssemblyScript name; Rust's is its SCREAMING_SNAKE_CASE. */
  name: string;
  value: number | Uint8Array;
  /** One line (Rust requires docs on every public item); may be empty for the applet's alone. */
  doc: string;
  /** Types for this constant when they differ from the group's; a language without one skips it. */
  rust?: string;
  as?: string;
}

export interface Group {
  /** As in TypeScript: the AssemblyScript namespace; Rust's module is its snake_case. Empty: top level. */
  name: string;
  doc: string;
  /** The constants' type in each language; a language without one skips the group. */
  rust?: string;
  as?: string;
  /** Write the numbers in hex (status words, instructions, tags). */
  hex?: boolean;
  /** Also `ALL` (Rust) or `all` (AssemblyScript): every value, in this order. */
  all?: boolean;
  constants: Constant[];
}

const SOURCE = { registry: 'src/protocol/registry.ts', apdu: 'src/protocol/purse-apdu.ts' };

/** A frozen `{ name: number }` object of the registry as constants, each with a doc made from its name. */
function entries(object: Readonly<Record<string, number>>, doc: (name: string, value: number) => string): Constant[] {
  return Object.entries(object).map(([name, value]) => ({ name, value, doc: doc(name, value) }));
}

const words = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
const utf8 = (text: string) => new TextEncoder().encode(text);
/** VALUE_TOKEN for message type 2. */
const typeName = (type: number) =>
  words(Object.entries(registry.MessageType).find(([, t]) => t === type)?.[0] ?? String(type))
    .replace(/ /g, '_')
    .toUpperCase();
/** Deterministic CBOR order of integer map keys (WIRE.md § Encoding). */
const cborOrder = (a: Constant, b: Constant) => compareBytes(encode(a.value as number), encode(b.value as number));

/** The message codecs, by type: every value messages.ts exports is one. */
type Codec = Pick<MessageCodec<object>, 'type' | 'name'> & { keys: Readonly<Record<string, number>> };
const codecs = (Object.entries(messages) as [string, Codec][]).sort(([, a], [, b]) => a.type - b.type);
const codecOfType = new Map(codecs.map(([, codec]) => [codec.type as number, codec]));

function errorCodes(): Group {
  return {
    name: 'ErrorCode',
    doc: 'A protocol outcome code (`ErrorCode`, src/protocol/errors.ts; docs/errors.md).',
    rust: 'enum',
    as: 'i32',
    constants: entries(ErrorCode, (_, code) => errorDescriptions[code as ErrorCode]),
  };
}

function scalars(): Group {
  const empty = new Uint8Array(0);
  const protectedEdDsa = encode(new Map([[registry.Cose.alg, registry.Cose.algEdDSA]]));
  const key = new Uint8Array(registry.ByteLength.key);
  /** The encoding of `value` up to the `tail` bytes it ends with (a payload or key left out). */
  const prefix = (value: Parameters<typeof encode>[0], tail: number) => encode(value).slice(0, -tail || undefined);
  return {
    name: '',
    doc: '',
    constants: [
      {
        name: 'FORMAT_VERSION',
        value: registry.FORMAT_VERSION,
        doc: 'The format version (body key 1).',
        rust: 'i64',
        as: 'u8',
      },
      {
        name: 'AMOUNT_MAX',
        value: registry.AMOUNT_MAX,
        doc: 'The largest integer, amount or sum: 2^53 - 1.',
        rust: 'u64',
        as: 'u64',
      },
      {
        name: 'MAX_DEPTH',
        value: MAX_DEPTH,
        doc: 'The deepest CBOR nesting a decoder accepts.',
        rust: 'usize',
        as: 'i32',
      },
      {
        name: 'MAX_CHAIN',
        value: registry.MAX_CHAIN,
        doc: 'Certificates in a chain: the leaf and the bank that certified it.',
        rust: 'usize',
        as: 'usize',
      },
      {
        name: 'ID_MAX_LENGTH',
        value: registry.ID_MAX_LENGTH,
        doc: 'The longest identifier, in characters of [A-Za-z0-9._:-].',
        rust: 'usize',
        as: 'usize',
      },
      {
        name: 'PROTECTED_EDDSA',
        value: protectedEdDsa,
        doc: 'The protected header `{1: -8}` (alg EdDSA), the only one a signature has.',
        rust: 'bytes',
      },
      {
        name: 'PROTECTED_EDDSA_BSTR',
        value: encode(protectedEdDsa),
        doc: 'The protected header as it stands in a COSE structure: a byte string.',
        as: 'bytes',
      },
      {
        name: 'SIG_STRUCTURE1_PREFIX',
        value: prefix([registry.SigContext.sign1, protectedEdDsa, empty, empty], 1),
        doc: "Sig_structure of a COSE_Sign1 up to the payload: [\"Signature1\", h'a10127', h'', payload].",
        rust: 'bytes',
        as: 'bytes',
      },
      {
        name: 'SIG_STRUCTURE_PREFIX',
        value: prefix([registry.SigContext.sign, empty, protectedEdDsa, empty, empty], 1),
        doc: "Sig_structure of a COSE_Sign signature up to the payload: [\"Signature\", h'', h'a10127', h'', payload].",
        rust: 'bytes',
        as: 'bytes',
      },
      {
        name: 'CNF_ED25519_PREFIX',
        value: prefix(new Map([[registry.Cose.cnfCoseKey, ed25519Key(key)]]), key.length),
        doc: "Claim `cnf` up to the key bytes: {1: {1: 1, 3: -8, -1: 6, -2: h'<32 bytes>'}}.",
        as: 'bytes',
      },
      {
        name: 'X25519_KEY_PREFIX',
        value: prefix(x25519Key(key), key.length),
        doc: "An X25519 COSE_Key up to the key bytes: {1: 1, -1: 4, -2: h'<32 bytes>'}.",
        as: 'bytes',
      },
      {
        name: 'UNBLOCK_DOMAIN',
        value: utf8(registry.UNBLOCK_DOMAIN),
        doc: 'What the bank signs to unblock a PIN starts with this.',
        as: 'bytes',
      },
      {
        name: 'RENEWAL_DOMAIN',
        value: utf8(registry.RENEWAL_DOMAIN),
        doc: 'What the purse signs over a bank nonce to ask for a renewed certificate starts with this.',
        as: 'bytes',
      },
      ...Object.entries(registry.EnvelopeInfo).map(([step, info]) => ({
        name: `INFO_${typeName(Number(step))}`,
        value: utf8(info),
        doc: `HPKE info of an envelope of message type ${step}.`,
        as: 'bytes',
      })),
    ],
  };
}

function protocolGroups(): Group[] {
  return [
    {
      name: 'MessageType',
      doc: `Message types (\`MessageType\`, ${SOURCE.registry}).`,
      rust: 'i64',
      as: 'u8',
      constants: entries(
        registry.MessageType,
        (name, type) => `Type ${type}: ${codecOfType.get(type)?.name ?? words(name)}.`,
      ),
    },
    {
      name: 'BodyKey',
      doc: `The two keys every message body has (\`BodyKey\`, ${SOURCE.registry}).`,
      rust: 'i64',
      as: 'u8',
      constants: entries(registry.BodyKey, (name) => `Key of the ${name}.`),
    },
    ...codecs.map(
      ([name, codec]): Group => ({
        name: name.replace(/^./, (c) => c.toUpperCase()),
        doc: `Keys of the ${codec.name} body (message type ${codec.type}; \`${name}\`, src/protocol/messages.ts).`,
        rust: 'i64',
        as: 'u8',
        constants: [
          ...entries(codec.keys, (field) => `Key of \`${field}\`.`),
          {
            name: 'entries',
            value: Object.keys(codec.keys).length + 2,
            doc: 'Entries in the body map, type and version included: its keys are 0 to entries - 1.',
            as: 'u64',
          },
        ],
      }),
    ),
    {
      name: 'Role',
      doc: `Certificate roles (\`Role\`, ${SOURCE.registry}).`,
      rust: 'u64',
      as: 'u32',
      all: true,
      constants: entries(registry.Role, (name) => `Role ${words(name)}.`),
    },
    {
      name: 'Channel',
      doc: `Payment channels of a slip and a check (\`Channel\`, ${SOURCE.registry}).`,
      rust: 'u64',
      as: 'u8',
      all: true,
      constants: entries(registry.Channel, (name) => `Channel ${name === 'Pos' ? 'POS' : name}.`),
    },
    {
      name: 'Claim',
      doc: `Certificate claim labels in deterministic key order (\`Claim\`, ${SOURCE.registry}).`,
      rust: 'i64',
      as: 'i64',
      all: true,
      constants: entries(registry.Claim, (name) => `Claim \`${name}\`.`).sort(cborOrder),
    },
    {
      name: 'BankRole',
      doc: `What a bank certificate lets its bank certify, bits of claim \`bankRoles\` (\`BankRole\`, ${SOURCE.registry}).`,
      rust: 'u64',
      as: 'u32',
      all: true,
      constants: entries(registry.BankRole, (name) => `Bank role ${words(name)}.`),
    },
    {
      name: 'LimitKey',
      doc: `Keys of the offline-limits map, claim \`limits\` (\`LimitKey\`, ${SOURCE.registry}).`,
      rust: 'i64',
      as: 'u64',
      all: true,
      constants: entries(registry.LimitKey, (name) => `Key of \`${name}\`.`),
    },
    {
      name: 'Cose',
      doc: `COSE header labels, key labels and values (\`Cose\`, ${SOURCE.registry}).`,
      rust: 'i64',
      as: 'i64',
      constants: entries(registry.Cose, (name) => `COSE \`${name}\`.`),
    },
    {
      name: 'Tag',
      doc: 'CBOR tags (`Tag`, src/protocol/cbor.ts).',
      rust: 'u64',
      as: 'u64',
      constants: entries(CborTag, (name) => `Tag of a COSE_${name}.`),
    },
    {
      name: 'ByteLength',
      doc: `Byte strings of a fixed length (\`ByteLength\`, ${SOURCE.registry}).`,
      rust: 'usize',
      as: 'usize',
      constants: entries(registry.ByteLength, (name) => `Bytes of a ${words(name)}.`),
    },
  ];
}

/** The card's APDU interface: the applet's alone (Rust has no card). */
function appletGroups(): Group[] {
  const of = (name: string, doc: string, type: string, object: Readonly<Record<string, number>>, hex = false) => ({
    name,
    doc: `${doc} (\`${name}\`, ${SOURCE.apdu}).`,
    as: type,
    hex,
    constants: entries(object, () => ''), // named well enough; purse-apdu.ts says more
  });
  return [
    {
      name: '',
      doc: '',
      constants: [
        { name: 'AID', value: apdu.AID, doc: 'The applet AID.', as: 'bytes' },
        { name: 'VALUE_BLOCK_SIZE', value: apdu.VALUE_BLOCK_SIZE, doc: 'Bytes of the value block.', as: 'usize' },
        { name: 'STATUS_SIZE', value: apdu.STATUS_SIZE, doc: 'Bytes of GET DATA C1.', as: 'usize' },
        { name: 'LOG_RECORD_SIZE', value: apdu.LOG_RECORD_SIZE, doc: 'Bytes of a log record.', as: 'usize' },
      ],
    },
    of('Cla', 'Command classes', 'u8', apdu.Cla, true),
    of('Ins', 'Instructions', 'u8', apdu.Ins, true),
    of('Param', 'P1 and P2 values', 'u8', apdu.Param, true),
    of('DataTag', 'GET DATA tags', 'u8', apdu.DataTag, true),
    of('FciTag', 'SELECT FCI tags', 'u8', apdu.FciTag, true),
    of('SW', 'Status words', 'i32', apdu.SW, true),
    of('Lifecycle', 'Life-cycle states', 'u8', apdu.Lifecycle),
    of('ValueBlock', 'Offsets in the value block', 'usize', apdu.ValueBlock),
    of('StatusField', 'Offsets in GET DATA C1', 'usize', apdu.StatusField),
    of('LogKind', 'Log record kinds', 'u8', apdu.LogKind),
    of('LogRecordField', 'Offsets in a log record', 'usize', apdu.LogRecordField),
  ];
}

/** Every group, in the order both files list them. */
export const wireGroups = (): Group[] => [errorCodes(), scalars(), ...protocolGroups(), ...appletGroups()];
