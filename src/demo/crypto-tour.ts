// `npm run demo:crypto`: a short tour of the crypto core as the protocols
// will use it — a purse signs checks, the bank batch-verifies them (in worker threads too) and
// finds the forged one, and a value-token request travels sealed to the bank's key.

import { ed25519, hpke, sha256, x25519 } from '../../bindings/index.ts';
import { toHex } from '../bytes.ts';
import { createVerifierPool } from '../protocol/verifier/pool.ts';

const text = new TextEncoder();
const time = <T>(f: () => T): [T, number] => {
  const start = performance.now();
  const result = f();
  return [result, performance.now() - start];
};

console.log('smartcheck crypto tour (Rust/WASM core)\n');

const purse = ed25519.keygen();
console.log(`purse key        ${toHex(purse.publicKey)}`);

const checks = Array.from({ length: 1000 }, (_, serial) => {
  const message = text.encode(`check serial=${serial} amount=${100 + serial} merchant=M-1`);
  return { message, signature: ed25519.sign(message, purse.secretKey), publicKey: purse.publicKey };
});
const forged = 613;
checks[forged] = { ...checks[forged]!, message: text.encode(`check serial=${forged} amount=999999 merchant=M-1`) };
console.log(`signed           ${checks.length} checks; check ${forged} altered after signing`);

const [result, ms] = time(() => ed25519.verifyBatch(checks));
console.log(
  `batch verify     valid=${result.valid} invalid=[${result.invalid}] in ${ms.toFixed(1)} ms (${((ms * 1000) / checks.length).toFixed(1)} µs/check)`,
);

const pool = await createVerifierPool({ workers: 2 });
try {
  const start = performance.now();
  const pooled = await pool.verifyBatch(checks);
  console.log(
    `pool (2 workers) invalid=[${pooled.invalid}] in ${(performance.now() - start).toFixed(1)} ms (first call includes worker warm-up)`,
  );
} finally {
  await pool.close();
}

const bank = x25519.keygen();
const request = text.encode(
  JSON.stringify({
    purse: toHex(purse.publicKey).slice(0, 16),
    amount: 5000,
    nonce: toHex(crypto.getRandomValues(new Uint8Array(16))),
  }),
);
const info = text.encode('smartcheck/v1/load/value-token-request');
const sealed = hpke.seal(bank.publicKey, request, { info });
console.log(
  `\nHPKE seal        ${request.length} B -> enc ${sealed.enc.length} B + ciphertext ${sealed.ciphertext.length} B`,
);
const opened = hpke.open(bank.secretKey, sealed.enc, sealed.ciphertext, { info });
console.log(`HPKE open        ${new TextDecoder().decode(opened)}`);
try {
  hpke.open(bank.secretKey, sealed.enc, sealed.ciphertext, { info: text.encode('smartcheck/v1/capture/deposit') });
} catch (error) {
  console.log(`wrong info       refused: ${(error as Error).name}: ${(error as Error).message}`);
}
console.log(`\nsha256("smartcheck") = ${toHex(sha256(text.encode('smartcheck')))}`);
