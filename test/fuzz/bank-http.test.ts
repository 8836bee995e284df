// Fuzz: the bank server's request bodies (src/bank/server.ts through fastify's inject, PGlite in
// process). Every answer is 200 or a 4xx with the server's JSON error ({ error: { kind, code,
// message } }, a registered code for kind "protocol"), never a 5xx; after every batch the ledger
// invariants hold and a genuine load and deposit still go through. Inputs: sealed load requests,
// deposits and merchant refunds as received, their signed bodies mutated then signed and sealed properly (to get
// past the envelope and the signature), and JSON bodies (mutated text, application/json).

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { parseSign1, sign1 } from '../../src/protocol/cose.ts';
import { open, seal } from '../../src/protocol/envelope.ts';
import { type ErrorCode, errorDescriptions } from '../../src/protocol/errors.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { MessageType } from '../../src/protocol/registry.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import {
  applyToken,
  check,
  deposit,
  invariants,
  loadRequest,
  makeWorld,
  NOW,
  refundOf,
  sealedRefund,
  type World,
} from '../bank/support.ts';
import { fuzzFamily } from './support/harness.ts';

let w: World;
let app: FastifyInstance;
const verifier = createInThreadVerifier();
const seeds = {
  load: [] as Uint8Array[],
  deposit: [] as Uint8Array[],
  loadBody: [] as Uint8Array[],
  depositBody: [] as Uint8Array[],
  refund: [] as Uint8Array[],
  refundBody: [] as Uint8Array[],
  json: [] as Uint8Array[],
};

beforeAll(async () => {
  w = await makeWorld('pglite', 2);
  const service = new BankService(w.db, w.bank, verifier, { clock: () => NOW, batchChecksMax: 50, keys: w.keys });
  app = await buildServer(service, { bodyLimit: 64 << 10 });
  const bankKx = w.bank.party.kx as { secretKey: Uint8Array };
  seeds.load = [loadRequest(w, 0, 1_000), loadRequest(w, 1, 2_000)];
  seeds.deposit = [deposit(w, [check(w, 0, 100), check(w, 1, 200)]).envelope, deposit(w, [check(w, 0, 300)]).envelope];
  // A refund of a check already credited (the seeds' deposit above is not sent: of one not yet deposited too).
  const credited = check(w, 1, 400);
  await service.deposit(deposit(w, [credited]).envelope);
  const refunds = [refundOf(w, credited), refundOf(w, check(w, 0, 250))];
  seeds.refund = refunds.map((r) => sealedRefund(w, r));
  seeds.refundBody = refunds.map((r) => parseSign1(r).payload);
  seeds.loadBody = seeds.load.map((e) => parseSign1(open(MessageType.ValueTokenRequest, bankKx.secretKey, e)).payload);
  seeds.depositBody = seeds.deposit.map((e) => parseSign1(open(MessageType.DepositBatch, bankKx.secretKey, e)).payload);
  const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
  seeds.json = [
    json({ envelope: Buffer.from(seeds.load[0] as Uint8Array).toString('base64') }),
    json({ envelope: Buffer.from(seeds.deposit[0] as Uint8Array).toString('base64') }),
    json({ envelope: 'AAAA' }),
  ];
});
afterAll(async () => {
  expect(await invariants(w.db)).toEqual([]);
  await app?.close();
  await w?.db.close();
});

/** An answer: 200, or a 4xx with the server's JSON error. Returns the status (0 for 200). */
function judged(res: { statusCode: number; body: string }): number {
  if (res.statusCode === 200) return 0;
  if (res.statusCode < 400 || res.statusCode >= 500)
    throw new Error(`HTTP ${res.statusCode}: ${res.body.slice(0, 300)}`);
  const body = JSON.parse(res.body) as { error?: { kind?: string; code?: unknown; message?: unknown } };
  const e = body.error;
  if (!e || typeof e.kind !== 'string' || typeof e.message !== 'string' || e.code === undefined)
    throw new Error(`HTTP ${res.statusCode} without the JSON error: ${res.body.slice(0, 300)}`);
  if (e.kind === 'protocol' && !errorDescriptions[e.code as ErrorCode])
    throw new Error(`unregistered protocol code ${String(e.code)}`);
  return res.statusCode;
}

const post = (url: string, body: Uint8Array, type = 'application/cbor') =>
  app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload: Buffer.from(body) });
const resealed = (
  step: typeof MessageType.ValueTokenRequest | typeof MessageType.DepositBatch | typeof MessageType.Refund,
  signer: Party,
  body: Uint8Array,
) =>
  seal(
    step,
    (w.bank.party.kx as { publicKey: Uint8Array }).publicKey,
    sign1(body, signer.secretKey, signer.certificate),
  );

/** The bank still works: invariants hold, a genuine load and a genuine deposit succeed. */
async function bankWorks(): Promise<void> {
  const violations = await invariants(w.db);
  if (violations.length) throw new Error(`ledger invariants: ${violations.join('; ')}`);
  const load = await post('/v1/load', loadRequest(w, 0, 50));
  if (load.statusCode !== 200) throw new Error(`genuine load refused: ${load.body}`);
  applyToken(w, 0, new Uint8Array(load.rawPayload));
  const dep = await post('/v1/deposit', deposit(w, [check(w, 1, 5)]).envelope);
  if (dep.statusCode !== 200) throw new Error(`genuine deposit refused: ${dep.body}`);
}

const common = {
  async: true,
  typed: () => false,
  codeOf: () => undefined,
  sanity: bankWorks,
  sanityEvery: 250,
  minRefused: 0.3,
} as const;
const TYPES = [
  'application/cbor',
  'application/octet-stream',
  'application/json',
  'text/plain',
  'application/cbor; charset=utf-8',
  '',
];

fuzzFamily('bank-http', [
  {
    ...common,
    name: 'bank.http.load',
    get seeds() {
      return seeds.load;
    },
    budget: 100,
    slowBudget: 1_500,
    run: async (b) => judged(await post('/v1/load', b)),
    reaches: [422],
  },
  {
    ...common,
    name: 'bank.http.deposit',
    get seeds() {
      return seeds.deposit;
    },
    budget: 100,
    slowBudget: 1_500,
    run: async (b) => judged(await post('/v1/deposit', b)),
    reaches: [422],
  },
  {
    ...common,
    name: 'bank.http.load.resigned',
    get seeds() {
      return seeds.loadBody;
    },
    structured: true,
    budget: 100,
    slowBudget: 1_500,
    run: async (b) => judged(await post('/v1/load', resealed(MessageType.ValueTokenRequest, w.purses[0] as Party, b))),
    reaches: [422],
  },
  {
    ...common,
    name: 'bank.http.deposit.resigned',
    get seeds() {
      return seeds.depositBody;
    },
    structured: true,
    budget: 100,
    slowBudget: 1_500,
    run: async (b) => judged(await post('/v1/deposit', resealed(MessageType.DepositBatch, w.merchant, b))),
    minRefused: 0.1,
  },
  {
    ...common,
    name: 'bank.http.refund',
    get seeds() {
      return seeds.refund;
    },
    budget: 100,
    slowBudget: 1_500,
    run: async (b) => judged(await post('/v1/refunds', b)),
    reaches: [422],
  },
  {
    ...common,
    name: 'bank.http.refund.resigned',
    get seeds() {
      return seeds.refundBody;
    },
    structured: true,
    budget: 100,
    slowBudget: 1_500,
    run: async (b) => judged(await post('/v1/refunds', resealed(MessageType.Refund, w.merchant, b))),
    minRefused: 0.1,
  },
  {
    // Any body under any content type, the first byte choosing the type and the route.
    ...common,
    name: 'bank.http.body',
    get seeds() {
      return [...seeds.json, ...seeds.load.map((l) => Uint8Array.from([0, ...l]))];
    },
    budget: 100,
    slowBudget: 1_500,
    run: async (b) => {
      const type = TYPES[(b[0] ?? 0) % TYPES.length] as string;
      const url = (b[0] ?? 0) & 0x80 ? '/v1/deposit' : '/v1/load';
      return judged(await post(url, b.subarray(1), type));
    },
    reaches: [400],
  },
]);
