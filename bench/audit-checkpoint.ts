// What an incremental audit saves: rehashing evidence against a checkpoint (the checkpoint's own
// path: rows read in pages from the database, leaves hashed, RFC 6962 roots) against verifying its
// signatures. 200,000 check rows in PGlite's `checks` (made in SQL: only the hashing is measured,
// not the capture), then Ed25519 verifications of as many 200-byte messages, one by one and in
// batches of 256, and the hashing alone without the database. Run: npx tsx bench/audit-checkpoint.ts [rows]
// (PostgreSQL instead of PGlite with DATABASE_URL set: in a schema of its own, dropped after.)
import { ed25519, sha256Many } from '../bindings/index.ts';
import { evidenceLeaves } from '../src/bank/audit/checkpoint/evidence.ts';
import { LEAF_PREFIX, MerkleBuilder } from '../src/bank/audit/checkpoint/merkle.ts';
import { openDatabase } from '../src/bank/db.ts';
import { migrate } from '../src/bank/migrate.ts';
import { concat } from '../src/bytes.ts';
import { encode } from '../src/protocol/cbor.ts';

const rows = Number(process.argv[2] ?? 200_000);
const url = process.env.DATABASE_URL;
const schema = `audit_bench_${process.pid}`;
const inSchema = (u: string) => {
  const out = new URL(u);
  out.searchParams.set('options', `-c search_path=${schema}`);
  return out.toString();
};
if (url) {
  const admin = await openDatabase(url);
  await admin.query(`create schema ${schema}`);
  await admin.close();
}
const db = await openDatabase(url ? inSchema(url) : '');
await migrate(db);
await db.query(
  `insert into checks (purse_id, serial, check_hash, amount, merchant_id, batch_hash, status, batch_index)
   select 'purse-' || (i % 5000), i, sha256(int8send(i)), 100 + i % 900, 'shop-' || (i % 50),
          sha256(int8send(i / 1000)), 'credited', i % 1000
     from generate_series(1, $1::int) as i`,
  [rows],
);
const seconds = (from: number) => (performance.now() - from) / 1000;

let started = performance.now();
const tree = new MerkleBuilder();
for await (const { leaf } of evidenceLeaves(db, 'checks', 0)) tree.add(leaf);
tree.root();
const hashTime = seconds(started);
if (url) await db.query(`drop schema ${schema} cascade`);
await db.close();

// The same work without the database: CBOR of a check row's columns, leaf hashes, the tree.
started = performance.now();
const memory = new MerkleBuilder();
for (let i = 0; i < rows; i += 5000) {
  const page = Array.from({ length: Math.min(5000, rows - i) }, (_, j) =>
    concat(
      LEAF_PREFIX,
      encode([
        'checks',
        i + j,
        `purse-${(i + j) % 5000}`,
        i + j,
        new Uint8Array(32),
        500,
        'shop-1',
        new Uint8Array(32),
        j,
      ]),
    ),
  );
  for (const leaf of sha256Many(page)) memory.add(leaf);
}
memory.root();
const memoryTime = seconds(started);

const { secretKey, publicKey } = ed25519.keygen();
const n = Math.min(rows, 20_000);
const items = Array.from({ length: n }, (_, i) => {
  const message = new Uint8Array(200).fill(i % 251);
  return { message, signature: ed25519.sign(message, secretKey), publicKey };
});
started = performance.now();
for (const it of items) ed25519.verify(it.signature, it.message, it.publicKey);
const oneByOne = n / seconds(started);
started = performance.now();
for (let i = 0; i < n; i += 256) ed25519.verifyBatch(items.slice(i, i + 256));
const batched = n / seconds(started);

const line = (what: string, perSecond: number) =>
  console.log(`${what.padEnd(58)} ${Math.round(perSecond).toLocaleString('en').padStart(10)} /s`);
console.log(
  `${tree.count} check rows rehashed from ${url ? 'PostgreSQL' : 'PGlite'} in ${hashTime.toFixed(2)} s (read, CBOR, SHA-256, Merkle)`,
);
line('rows rehashed (the checkpoint path, database read included)', tree.count / hashTime);
line('rows hashed in memory (CBOR, SHA-256, Merkle; no database)', rows / memoryTime);
line('Ed25519 verifications, one by one', oneByOne);
line('Ed25519 verifications, batches of 256', batched);
