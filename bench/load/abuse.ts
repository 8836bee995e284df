// The hostile requests: broken or forged variants of a deposit batch and of a load request,
// bodies that are no envelope at all, and one over the body limit. A correct bank refuses each
// with a 4xx and keeps nothing of it.
import { connect } from 'node:net';
import { makeDeposit } from '../../src/protocol/capture.ts';
import { seal } from '../../src/protocol/envelope.ts';
import { newPurseState, requestValue } from '../../src/protocol/load.ts';
import { depositBatch, valueTokenRequest } from '../../src/protocol/messages.ts';
import { MessageType } from '../../src/protocol/registry.ts';
import { signMessage } from '../../src/protocol/signed.ts';
import { type Item, type MerchantSim, now, random, type Sim, sleep } from './sim.ts';
import { CURRENCY } from './world.ts';

/** Broken or hostile variants of a deposit batch, of a load request, and bodies that are no envelope at all. */
export const BATCH_ABUSE = ['truncated', 'tampered', 'wrong key', 'wrong signer', 'load envelope'] as const;
export const LOAD_ABUSE = [
  'truncated',
  'tampered',
  'wrong key',
  'reused nonce',
  'deposit envelope',
  'garbage',
] as const;
export const DEPOSIT_ABUSE = ['garbage', 'empty', 'text/plain', 'bad base64 json', 'cbor map'] as const;
export type BatchAbuse = (typeof BATCH_ABUSE)[number];
export type LoadAbuse = (typeof LOAD_ABUSE)[number];
export type DepositAbuse = (typeof DEPOSIT_ABUSE)[number];

/** A broken or hostile variant of a batch whose checks are then deposited properly. */
export async function malformedBatch(
  sim: Sim,
  m: MerchantSim,
  items: readonly Item[],
  envelope: Uint8Array,
  kind: BatchAbuse,
): Promise<void> {
  let body: Uint8Array;
  if (kind === 'truncated') body = envelope.slice(0, Math.floor(sim.rng() * envelope.length));
  else if (kind === 'tampered') {
    body = envelope.slice();
    const at = Math.floor(sim.rng() * body.length);
    body[at] = (body[at] as number) ^ (1 + Math.floor(sim.rng() * 255));
  } else if (kind === 'wrong key')
    body = makeDeposit(
      m.party,
      sim.foreignBank.certificate,
      items.map((i) => i.bytes),
      random(16),
      now(),
    );
  else if (kind === 'wrong signer') {
    // Signed by m, claiming to be another merchant: the bank must see the subject mismatch.
    const other = sim.merchants.find((x) => x !== m) ?? m;
    const signed = signMessage(
      depositBatch,
      { merchantId: other.party.id, batchId: random(16), checks: items.map((i) => i.bytes), time: now() },
      m.party,
    );
    body = seal(MessageType.DepositBatch, sim.bank.party.kx!.publicKey, signed);
  } else body = sim.loadEnvelopeOf(sim.pick(sim.purses));
  if (body.length === 0) body = new Uint8Array([0xa0]);
  await sim.refused('POST /v1/deposit (malformed)', kind, '/v1/deposit', { body });
}

export async function malformedLoad(sim: Sim, kind: LoadAbuse): Promise<void> {
  const p = sim.pick(sim.purses);
  let body: Uint8Array;
  const good = sim.loadEnvelopeOf(p);
  if (kind === 'truncated') body = good.slice(0, 1 + Math.floor(sim.rng() * (good.length - 1)));
  else if (kind === 'tampered') {
    body = good.slice();
    const at = Math.floor(sim.rng() * body.length);
    body[at] = (body[at] as number) ^ (1 + Math.floor(sim.rng() * 255));
  } else if (kind === 'wrong key') {
    const r = requestValue(newPurseState(CURRENCY), p.party, {
      amount: 1_000,
      currency: CURRENCY,
      now: now(),
      nonce: random(16),
    });
    body = seal(
      MessageType.ValueTokenRequest,
      sim.foreignBank.kx!.publicKey,
      signMessage(valueTokenRequest, r.request, p.party),
    );
  } else if (kind === 'reused nonce') {
    // A new request (other time, amount 1,000) with the nonce of a load already served.
    const l = sim.recentLoads.length ? sim.pick(sim.recentLoads) : undefined;
    if (!l) return;
    body = sim.loadEnvelopeOf(l.purse, l.nonce);
  } else if (kind === 'deposit envelope') {
    const m = sim.pick(sim.merchants);
    body = makeDeposit(m.party, sim.bank.party.certificate, [new Uint8Array([0xa0])], random(16), now());
  } else body = random(1 + Math.floor(sim.rng() * 600));
  await sim.refused('POST /v1/load (malformed)', kind, '/v1/load', { body });
}

export async function malformedBody(sim: Sim, kind: DepositAbuse): Promise<void> {
  const route = 'POST /v1/deposit (malformed)';
  if (kind === 'garbage')
    await sim.refused(route, kind, '/v1/deposit', { body: random(1 + Math.floor(sim.rng() * 2_000)) });
  else if (kind === 'empty') await sim.refused(route, kind, '/v1/deposit', { body: new Uint8Array(0) });
  else if (kind === 'text/plain') await sim.refused(route, kind, '/v1/deposit', { body: 'hello', type: 'text/plain' });
  else if (kind === 'bad base64 json')
    await sim.refused(route, kind, '/v1/deposit', {
      body: JSON.stringify({ envelope: '%%%' }),
      type: 'application/json',
    });
  else await sim.refused(route, kind, '/v1/deposit', { body: new Uint8Array([0xa1, 0x01, 0x02]) });
}

/**
 * A body over the server's limit (8 MiB). The server answers 413 from the Content-Length and
 * closes the connection; a client still sending then gets a reset that can drop the answer
 * (fetch and node:http report a failed request). So this client sends the headers and 64 KiB,
 * reads the answer, and sends the rest only when none came.
 */
export async function oversize(sim: Sim): Promise<void> {
  const route = 'POST /v1/deposit (malformed)';
  const kind = 'over the body limit (9 MiB)';
  const size = 9 << 20;
  const { hostname, port } = new URL(sim.base);
  const t0 = performance.now();
  const status = await new Promise<number>((resolve) => {
    let answer = '';
    const socket = connect(Number(port), hostname);
    const done = (code: number) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(code);
    };
    const timer = setTimeout(() => done(0), 30_000);
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (m && m[1] !== '100') done(Number(m[1]));
    });
    socket.on('error', () => setTimeout(() => done(0), 500));
    socket.on('connect', async () => {
      // Headers and the first 64 KiB, then a pause for the answer, as a client that honours an
      // early answer does; the rest only if none came.
      socket.write(
        `POST /v1/deposit HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/cbor\r\nContent-Length: ${size}\r\n\r\n`,
      );
      const chunk = Buffer.alloc(64 << 10);
      socket.write(chunk);
      await sleep(5_000);
      for (let sent = chunk.length; sent < size && !socket.destroyed; sent += chunk.length) {
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
      }
    });
  });
  sim.stats.time(route, performance.now() - t0);
  sim.stats.answer(
    route,
    kind,
    status,
    status === 413 ? 'http:FST_ERR_CTP_BODY_TOO_LARGE' : status === 0 ? 'network' : '?',
  );
  if (status !== 413) sim.stats.violate(`${route} ${kind}: answered ${status}, expected 413`);
}
