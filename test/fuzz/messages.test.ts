// Fuzz: the CBOR reader and the body codec of every message type in the registry
// (src/protocol/registry.ts, messages.ts). Type 6, the Internet check, is a COSE_Sign with no body
// codec of its own: cose.test.ts fuzzes it (parseMulti, verifyInternetCheck).
import { expect, it } from 'vitest';
import { decode } from '../../src/protocol/cbor.ts';
import type { MessageCodec } from '../../src/protocol/message.ts';
import * as messages from '../../src/protocol/messages.ts';
import { MessageType } from '../../src/protocol/registry.ts';
import { fuzzFamily, type Target } from './support/harness.ts';
import { bodies, everything } from './support/world.ts';

const codecs = (Object.entries(messages) as [string, unknown][]).filter(
  (e): e is [string, MessageCodec<unknown>] => typeof e[1] === 'object' && e[1] !== null && 'decode' in e[1],
);

it('every registered message type has a body codec here, or is a COSE_Sign fuzzed in cose.test.ts', () => {
  const covered = new Set(codecs.map(([, c]) => c.type as number));
  for (const type of Object.values(MessageType))
    if (type !== MessageType.InternetCheck) expect(covered, `type ${type}`).toContain(type);
  for (const [name] of codecs) expect(bodies[name], name).toBeInstanceOf(Uint8Array);
});

const targets: Target[] = [
  { name: 'cbor.decode', seeds: everything, budget: 25_000, slowFactor: 150, run: (b) => void decode(b) },
  ...codecs.map(([name, codec]): Target => {
    const own = bodies[name] as Uint8Array;
    return {
      name: `messages.${name}`,
      seeds: [own, own, own, own, ...Object.values(bodies)],
      budget: 2_000,
      slowFactor: 150,
      run: (b) => void codec.decode(b),
    };
  }),
];

fuzzFamily('messages', targets);
