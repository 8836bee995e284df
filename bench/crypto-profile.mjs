// Where the primitives' Ed25519 time goes, function by function: V8's CPU profiler over the core
// with its function names kept. `node scripts/setup.mjs` leaves Cargo's own output (names intact,
// before wasm-opt strips them) in target/; this binds it with the project's wasm-bindgen into a temp
// folder, runs one operation per child process under `node --cpu-prof`, and sums the samples' self
// time per WebAssembly function. The module is the release build without wasm-opt's pass (~5 %
// slower), so read shares, not absolute times. Output: bench/results/crypto-profile.md.
//
//   node bench/crypto-profile.mjs            verify, batch (n = 1,024), sign with a held key
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TARGET } from '../scripts/lib/rust-wasm.mjs';
import { wasmBindgen } from '../scripts/lib/wasm-bindgen.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RAW = join(ROOT, 'target', TARGET, 'release', 'smartcheck_core.wasm');
const OPS = {
  verify: 'Ed25519 verify',
  batch: 'Ed25519 batch verify, n = 1,024',
  sign: 'Ed25519 sign, key held by the core',
};

// The child: 1,024 keys and messages, then one operation in a loop long enough for ~3 s of samples.
const CHILD = `
const c = require(process.argv[2]);
const { randomBytes } = require('node:crypto');
const op = process.argv[3];
const keys = [], sigs = [], msgs = [], pubs = [];
for (let i = 0; i < 1024; i++) {
  const sk = randomBytes(32), pk = c.ed25519_public_key(sk), m = randomBytes(120);
  keys.push(sk); pubs.push(pk); msgs.push(m); sigs.push(c.ed25519_sign(m, sk));
}
const t0 = process.hrtime.bigint(); let n = 0;
if (op === 'verify') for (let r = 0; r < 30; r++) for (let i = 0; i < 1024; i++) { if (!c.ed25519_verify(sigs[i], msgs[i], pubs[i])) throw new Error('bad'); n++; }
if (op === 'batch') {
  const M = Buffer.concat(msgs), ends = new Uint32Array(msgs.map((_, i) => 120 * (i + 1)));
  const S = Buffer.concat(sigs), P = Buffer.concat(pubs);
  for (let r = 0; r < 80; r++) { if (c.ed25519_verify_batch(M, ends, S, P).some((v) => v !== 1)) throw new Error('bad'); n += 1024; }
}
if (op === 'sign') { const k = new c.Ed25519SigningKey(keys[0]); for (let r = 0; r < 60000; r++) { k.sign(msgs[r & 1023]); n++; } }
console.log(Number(process.hrtime.bigint() - t0) / 1e3 / n);
`;

/** Self time per function name, as a share of all samples, largest first. */
function selfShares(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName || '(anonymous)']));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const name = byId.get(id);
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  return [...self].map(([name, t]) => [name, t / total]).sort((a, b) => b[1] - a[1]);
}

/** `<&curve25519_dalek[hash]::backend::serial::u32::field::FieldElement2625 as …Mul…>::mul` → readable. */
function shortName(name) {
  return name
    .replace(/\[[0-9a-f]+\]/g, '')
    .replace(/core::ops::arith::/g, '')
    .replace(/curve25519_dalek::backend::serial::(u32::)?/g, 'dalek::')
    .replace(/curve25519_dalek::/g, 'dalek::');
}

if (!existsSync(RAW)) throw new Error(`${RAW} is missing: run \`node scripts/setup.mjs\` first`);
const dir = mkdtempSync(join(tmpdir(), 'smartcheck-profile-'));
try {
  const bind = spawnSync(wasmBindgen(ROOT), ['--target', 'nodejs', '--out-dir', dir, RAW], { stdio: 'inherit' });
  if (bind.status !== 0) throw new Error('wasm-bindgen failed');
  writeFileSync(join(dir, 'child.cjs'), CHILD);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const out = [
    '# Where the Ed25519 time goes in the core (V8 CPU profile)',
    '',
    `${new Date().toISOString()}, \`node bench/crypto-profile.mjs\`, load average at start ${load}. The release build`,
    "before wasm-opt (function names kept), so times are ~5 % above the benchmark's; self time per",
    'WebAssembly function as a share of all samples, top 8.',
    '',
  ];
  for (const [op, title] of Object.entries(OPS)) {
    const profDir = join(dir, `prof-${op}`);
    const run = spawnSync(
      process.execPath,
      ['--cpu-prof', `--cpu-prof-dir=${profDir}`, join(dir, 'child.cjs'), join(dir, 'smartcheck_core.js'), op],
      { encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(`${op}: ${run.stderr}`);
    const perOp = Number(run.stdout.trim());
    const [file] = readdirSync(profDir);
    const shares = selfShares(JSON.parse(readFileSync(join(profDir, file), 'utf8')));
    const field = shares.filter(([n]) => n.includes('FieldElement2625')).reduce((s, [, v]) => s + v, 0);
    out.push(
      `## ${title}: ${perOp.toFixed(1)} µs per signature`,
      '',
      `Field arithmetic (every \`FieldElement2625\` function): **${(100 * field).toFixed(1)} %**.`,
      '',
    );
    out.push('| self time | function |', '|---:|---|');
    for (const [name, v] of shares.slice(0, 8))
      out.push(`| ${(100 * v).toFixed(1)} % | \`${shortName(name).slice(0, 120)}\` |`);
    out.push('');
    console.log(`${title}: ${perOp.toFixed(1)} µs, field arithmetic ${(100 * field).toFixed(1)} %`);
  }
  writeFileSync(join(ROOT, 'bench', 'results', 'crypto-profile.md'), `${out.join('\n')}\n`);
  console.log('wrote bench/results/crypto-profile.md');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
