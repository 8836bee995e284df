// The servers' log as an operator reads it: JSON lines, a request id on every line a request wrote
// (the one the client got in x-request-id), and no secret anywhere — captured from the bank's and
// the shop's log streams during a run that enrols a cardholder, loads, pays, deposits and sends
// credentials, PINs, activation codes and tokens in headers, bodies and URLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64, toHex } from '../../src/bytes.ts';
import { REDACTED } from '../../src/net/server/index.ts';
import { redact } from '../../src/net/server/logging.ts';
import { CURRENCY, makeWorld, newHolder, PIN, type World } from '../wallet/support.ts';

const lines: string[] = [];
const stream = { write: (line: string) => void lines.push(line) };
/** The back office's real credential (makeWorld creates it): the secret no log line may hold. */
let TOKEN: string;
const CODE = 'ACT-5521-8830-1942';
let w: World;

/** Every byte array under a field whose name says secret, anywhere in `value`. */
function secretsIn(value: unknown, seen = new Set<unknown>(), out: Uint8Array[] = []): Uint8Array[] {
  if (!value || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  for (const [k, v] of Object.entries(value)) {
    if (v instanceof Uint8Array) {
      if (/secret/i.test(k)) out.push(v);
    } else secretsIn(v, seen, out);
  }
  return out;
}

beforeAll(async () => {
  w = await makeWorld({
    bankServer: { log: { level: 'trace', stream } },
    shop: { log: { level: 'trace', stream } },
  });
  TOKEN = w.token;
});
afterAll(async () => {
  await w?.close();
});

describe('server logs', () => {
  it('are JSON lines with the request id on every request line, and hold no secret', async () => {
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    await h.wallet.load(5_000);
    await h.wallet.payInternet(w.shop, { item: 'tea', amount: 250, currency: CURRENCY });
    await w.book.deposit();
    const secretHeaders = { authorization: `Bearer ${TOKEN}`, cookie: `session=${TOKEN}` };
    const sent = await fetch(`${w.bankUrl}/v1/admin/cardholders?activationCode=${CODE}&token=${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...secretHeaders },
      body: JSON.stringify({ cardholderId: 'log-1', pin: PIN, activationCode: CODE, token: TOKEN }),
    });
    expect(sent.status).toBe(200);
    const refused = await fetch(`${w.bankUrl}/v1/admin/cardholders/nobody/fund?code=${CODE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...secretHeaders },
      body: JSON.stringify({ amount: 1, currency: CURRENCY, reference: CODE }),
    });
    expect(refused.status).toBe(404);
    // A wrong token is refused (401) and logged without it.
    const wrong = await fetch(`${w.bankUrl}/v1/admin/cardholders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN.slice(0, -4)}AAAA` },
      body: JSON.stringify({ cardholderId: 'log-2' }),
    });
    expect(wrong.status).toBe(401);
    const ids = [
      sent.headers.get('x-request-id'),
      refused.headers.get('x-request-id'),
      wrong.headers.get('x-request-id'),
    ];

    const parsed = lines.map((l) => JSON.parse(l) as { reqId?: string; req?: unknown; res?: unknown; msg: string });
    expect(parsed.length).toBeGreaterThan(20);
    // A line a request wrote (its start, its end, its errors) carries that request's id.
    for (const line of parsed) if (line.req || line.res) expect(line.reqId).toMatch(/^[0-9a-f-]{36}$/);
    for (const id of ids) expect(parsed.filter((l) => l.reqId === id).length).toBeGreaterThanOrEqual(2);

    const log = lines.join('\n');
    for (const secret of [
      TOKEN,
      CODE,
      `Bearer ${TOKEN}`,
      TOKEN.split('_').at(-1) as string,
      `${TOKEN.slice(0, -4)}AAAA`,
    ])
      expect(log).not.toContain(secret);
    expect(log).not.toMatch(new RegExp(`"pin"\\s*:\\s*"${PIN}"`));
    const keys = [...secretsIn(w.service.bank), ...secretsIn(w.merchant), ...secretsIn(h.cardholder)];
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const key of keys) {
      expect(log).not.toContain(toHex(key));
      expect(log).not.toContain(toBase64(key));
    }
  });

  it('censors credential fields at any depth, errors included, and logs bytes as their length', () => {
    const error = Object.assign(new Error('card refused'), { secretKey: new Uint8Array(32).fill(7), code: 'x' });
    const out = redact({
      err: error,
      headers: { Authorization: 'Bearer abc', 'x-api-key': 'k' },
      body: { newPin: '1234', activation_code: 'c', nested: [{ passphrase: 'p', kekWrapped: 'w' }] },
      data: new Uint8Array(5),
      amount: 10,
    }) as Record<string, Record<string, unknown>>;
    expect(out.err).toMatchObject({ type: 'Error', message: 'card refused', secretKey: REDACTED, code: 'x' });
    expect(out.headers).toEqual({ Authorization: REDACTED, 'x-api-key': REDACTED });
    expect(out.body).toEqual({
      newPin: REDACTED,
      activation_code: REDACTED,
      nested: [{ passphrase: REDACTED, kekWrapped: REDACTED }],
    });
    expect(out.data).toBe('[5 bytes]');
    expect(out.amount).toBe(10);
  });
});
