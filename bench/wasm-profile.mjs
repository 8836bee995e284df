// Release-profile study for the WASM core: builds the primitives (core-rs/primitives) under several Cargo profile / target
// feature / wasm-opt settings and times them side by side in ONE Node process, interleaved.
//
//   node bench/wasm-profile.mjs build [variant ...]     build missing variants, one at a time
//   node bench/wasm-profile.mjs measure [--rounds N]     time every built variant, write results
//   node bench/wasm-profile.mjs all [--rounds N]         both
//   node bench/wasm-profile.mjs report                   rewrite the results file from results.json
//   node bench/wasm-profile.mjs measure --pkg NAME=DIR [--pkg NAME=DIR ...]
//                                                        time modules built elsewhere instead (e.g. by
//                                                        scripts/build-core-rs.mjs before and after a
//                                                        change); the first is the reference
//   options: --force (rebuild even if the pkg exists), --out DIR (default /tmp/wasmprof),
//            --results FILE (default bench/results/wasm-profile.md),
//            --rev REV (commit whose core-rs is built; default HEAD),
//            --scale F (sample length × F; e.g. --rounds 45 --scale 0.33 on a busy machine)
//
// Every variant is built from one snapshot of the committed source (git archive of --rev, default
// HEAD: Cargo.toml, Cargo.lock, core-rs/) in DIR/src, so edits made to the work tree while the
// builds run cannot leak into some variants and not others; a variant built from another
// snapshot is rebuilt.
// Nothing in the work tree is changed except bench/results/wasm-profile.md: Cargo settings are
// overridden through CARGO_PROFILE_RELEASE_* and RUSTFLAGS, each cargo variant builds in its own
// CARGO_TARGET_DIR (DIR/<cargo variant>/target) and every variant's wasm-bindgen output goes to
// DIR/<variant>/pkg. A hand-written "## Recommendation" section in the results file is kept
// when the file is rewritten.
import { spawnSync } from 'node:child_process';
import { createHash, createHash as hash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { TARGET, wasmCargo } from '../scripts/lib/rust-wasm.mjs';
import { wasmBindgen } from '../scripts/lib/wasm-bindgen.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NAME = 'smartcheck_core';
const RESULTS_DEFAULT = join(ROOT, 'bench', 'results', 'wasm-profile.md');
const WASM_OPT = join(ROOT, 'node_modules', '.bin', 'wasm-opt');
const FEATURES = [
  '--enable-bulk-memory',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-mutable-globals',
];

// ---- the variants --------------------------------------------------------------------------
// Cargo builds: the project's profile (opt-level 3, lto fat, codegen-units 1, panic abort) with
// one setting changed. Each is followed by the project's wasm-opt step (-O3 + features).
const CURRENT = { opt: '3', lto: 'fat', cgu: '1', rustflags: '' };
const CARGO = {
  base: { ...CURRENT, what: 'opt-level 3, lto fat, cgu 1 (current profile)' },
  o2: { ...CURRENT, opt: '2', what: 'opt-level 2' },
  os: { ...CURRENT, opt: 's', what: 'opt-level "s"' },
  oz: { ...CURRENT, opt: 'z', what: 'opt-level "z"' },
  thin: { ...CURRENT, lto: 'thin', what: 'lto thin' },
  nolto: { ...CURRENT, lto: 'off', what: 'lto off' },
  cgu16: { ...CURRENT, cgu: '16', what: 'codegen-units 16' },
  simd: { ...CURRENT, rustflags: '-C target-feature=+simd128', what: '+simd128 (std rebuilt with it too)' },
  // Combinations suggested by the single-setting results.
  o2simd: { ...CURRENT, opt: '2', rustflags: '-C target-feature=+simd128', what: 'opt-level 2 + simd128' },
  // Cargo silently drops `lto` for a lib whose crate-type is ["cdylib", "rlib"] (rustc cannot LTO
  // an rlib; rust-lang/cargo#9672, #4611): no -C lto reaches smartcheck_core above, so the lto
  // variants there differ only in how dependencies are compiled. `cargo rustc --crate-type cdylib`
  // builds the cdylib alone, where LTO does apply, without touching Cargo.toml.
  coff: { ...CURRENT, lto: 'off', cdylibOnly: true, what: 'cdylib only, lto off' },
  cfat: { ...CURRENT, cdylibOnly: true, what: 'cdylib only, lto fat' },
  cthin: { ...CURRENT, lto: 'thin', cdylibOnly: true, what: 'cdylib only, lto thin' },
  cfatsimd: {
    ...CURRENT,
    cdylibOnly: true,
    rustflags: '-C target-feature=+simd128',
    what: 'cdylib only, lto fat, simd128',
  },
  cfats: { ...CURRENT, opt: 's', cdylibOnly: true, what: 'cdylib only, lto fat, opt-level "s"' },
  // curve25519-dalek's field backends on wasm32 (its build.rs reads these cfgs; default: serial u32).
  u64simd: {
    ...CURRENT,
    rustflags: '-C target-feature=+simd128 --cfg curve25519_dalek_bits="64"',
    what: 'simd128, dalek serial u64 backend',
  },
  fiatsimd: {
    ...CURRENT,
    rustflags: '-C target-feature=+simd128 --cfg curve25519_dalek_backend="fiat"',
    what: 'simd128, dalek fiat backend (32-bit)',
  },
  fiat64simd: {
    ...CURRENT,
    rustflags: '-C target-feature=+simd128 --cfg curve25519_dalek_backend="fiat" --cfg curve25519_dalek_bits="64"',
    what: 'simd128, dalek fiat backend (64-bit)',
  },
  // Size where it costs no speed: every non-workspace crate (std included) at "s", the crates on
  // the Ed25519 / SHA-2 hot paths at 3 (passed as --config, Cargo.toml untouched).
  hybrid: {
    ...CURRENT,
    config: [
      'profile.release.package."*".opt-level="s"',
      // ed25519-zebra was on this list until issue 13 removed the crate.
      ...['curve25519-dalek', 'sha2'].map((c) => `profile.release.package.${c}.opt-level=3`),
    ],
    what: 'opt-level 3, deps "s" except curve25519-dalek, sha2 at 3',
  },
};
// Final variants: a cargo build + a wasm-opt setting (null = no wasm-opt).
const O3 = ['-O3', ...FEATURES];
const VARIANTS = [
  {
    name: 'current',
    cargo: 'base',
    wasmOpt: O3,
    what: 'current: opt 3, lto fat (not applied, see text), cgu 1, wasm-opt -O3',
  },
  { name: 'opt-2', cargo: 'o2', wasmOpt: O3, what: 'opt-level 2 (wasm-opt -O3)' },
  { name: 'opt-s', cargo: 'os', wasmOpt: O3, what: 'opt-level "s" (wasm-opt -O3)' },
  { name: 'opt-z', cargo: 'oz', wasmOpt: O3, what: 'opt-level "z" (wasm-opt -O3)' },
  { name: 'lto-thin', cargo: 'thin', wasmOpt: O3, what: 'lto "thin" (not applied either: cdylib+rlib)' },
  { name: 'lto-off', cargo: 'nolto', wasmOpt: O3, what: 'lto "off" (deps without bitcode)' },
  { name: 'cgu-16', cargo: 'cgu16', wasmOpt: O3, what: 'codegen-units 16 (wasm-opt -O3)' },
  { name: 'simd128', cargo: 'simd', wasmOpt: [...O3, '--enable-simd'], what: '+simd128 (wasm-opt -O3 --enable-simd)' },
  { name: 'wasm-opt-off', cargo: 'base', wasmOpt: null, what: 'current cargo build, no wasm-opt' },
  { name: 'wasm-opt-O2', cargo: 'base', wasmOpt: ['-O2', ...FEATURES], what: 'current cargo build, wasm-opt -O2' },
  { name: 'wasm-opt-O4', cargo: 'base', wasmOpt: ['-O4', ...FEATURES], what: 'current cargo build, wasm-opt -O4' },
  { name: 'wasm-opt-Os', cargo: 'base', wasmOpt: ['-Os', ...FEATURES], what: 'current cargo build, wasm-opt -Os' },
  { name: 'wasm-opt-Oz', cargo: 'base', wasmOpt: ['-Oz', ...FEATURES], what: 'current cargo build, wasm-opt -Oz' },
  { name: 'opt-z+Oz', cargo: 'oz', wasmOpt: ['-Oz', ...FEATURES], what: 'opt-level "z" + wasm-opt -Oz (all for size)' },
  { name: 'simd128+O4', cargo: 'simd', wasmOpt: ['-O4', ...FEATURES, '--enable-simd'], what: '+simd128, wasm-opt -O4' },
  {
    name: 'opt-2+simd128',
    cargo: 'o2simd',
    wasmOpt: [...O3, '--enable-simd'],
    what: 'opt-level 2 + simd128 (wasm-opt -O3 --enable-simd)',
  },
  {
    name: 'hybrid',
    cargo: 'hybrid',
    wasmOpt: O3,
    what: 'opt 3 for core + dalek/sha2, "s" for other deps (wasm-opt -O3)',
  },
  { name: 'cdylib-lto-off', cargo: 'coff', wasmOpt: O3, what: 'cdylib only, lto "off" (control for the two below)' },
  { name: 'cdylib-lto-fat', cargo: 'cfat', wasmOpt: O3, what: 'cdylib only, lto "fat": LTO really applied' },
  { name: 'cdylib-lto-thin', cargo: 'cthin', wasmOpt: O3, what: 'cdylib only, lto "thin": LTO really applied' },
  {
    name: 'cdylib-fat+simd128',
    cargo: 'cfatsimd',
    wasmOpt: [...O3, '--enable-simd'],
    what: 'cdylib only, lto "fat" + simd128',
  },
  { name: 'cdylib-fat+opt-s', cargo: 'cfats', wasmOpt: O3, what: 'cdylib only, lto "fat" + opt-level "s"' },
  // The dalek backends, each with the project's simd128 (compare with `simd128`, the serial u32 default).
  { name: 'dalek-u64', cargo: 'u64simd', wasmOpt: [...O3, '--enable-simd'], what: 'simd128 + dalek serial u64' },
  { name: 'dalek-fiat', cargo: 'fiatsimd', wasmOpt: [...O3, '--enable-simd'], what: 'simd128 + dalek fiat (u32)' },
  {
    name: 'dalek-fiat64',
    cargo: 'fiat64simd',
    wasmOpt: [...O3, '--enable-simd'],
    what: 'simd128 + dalek fiat (u64)',
  },
  // A/A control: byte-identical to current, loaded last; its difference from current is the noise
  // (and any load-order bias) of this harness.
  { name: 'current-copy', cargo: 'base', wasmOpt: O3, what: 'A/A control: same bytes as current, loaded last' },
];

// ---- arguments -------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const OUT = option('--out', '/tmp/wasmprof');
const RESULTS = option('--results', RESULTS_DEFAULT);
const REV = option('--rev', 'HEAD');
const ROUNDS = Number(option('--rounds', '9'));
// Sample length multiplier: more, shorter rounds spread each variant over more moments in time,
// which makes the median more robust when other work comes and goes on the machine.
const SCALE = Number(option('--scale', '1'));
const command = argv[0] ?? 'all';
const VALUED = ['--rounds', '--out', '--scale', '--rev', '--results', '--pkg'];
const positional = argv.slice(1).filter((a, i, all) => !a.startsWith('--') && !VALUED.includes(all[i - 1]));
/** `--pkg NAME=DIR`, repeatable: wasm-pack-layout packages to time instead of the built variants. */
const PKGS = argv.flatMap((a, i) => {
  if (a !== '--pkg') return [];
  const [name, dir] = (argv[i + 1] ?? '').split('=');
  if (!name || !dir) throw new Error('--pkg takes NAME=DIR');
  return [{ name, dir: resolve(dir), cargo: null, wasmOpt: null, what: `module in ${dir}` }];
});
/** The variant every other is compared with. */
const REFERENCE = PKGS[0]?.name ?? 'current';

const log = (m) => process.stderr.write(`[wasm-profile] ${m}\n`);
const rawWasm = (cargo) => join(OUT, cargo, 'target', TARGET, 'release', `${NAME}.wasm`);
const pkgDir = (variant) => join(OUT, variant, 'pkg');
const bgWasm = (variant) => join(pkgDir(variant), `${NAME}_bg.wasm`);
/** Where a variant to measure is: its own --pkg directory, or where `build` put it. */
const dirOf = (v) => v.dir ?? pkgDir(v.name);
const wasmOf = (v) => join(dirOf(v), `${NAME}_bg.wasm`);

function run(cmd, args, options = {}) {
  const t = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
  return (Date.now() - t) / 1000;
}

// ---- build -------------------------------------------------------------------------------------
let source = null;
/**
 * The source snapshot every variant is built from: DIR/src, extracted from commit REV. It is
 * identified by the git tree hashes of Cargo.toml, Cargo.lock and core-rs/ (not by the commit), so
 * commits that touch nothing else do not force a rebuild.
 */
function snapshot() {
  if (source) return source;
  const git = (args) => {
    const r = spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed`);
    return r.stdout.trim();
  };
  const commit = git(['rev-parse', REV]);
  const trees = git(['rev-parse', `${commit}:Cargo.toml`, `${commit}:Cargo.lock`, `${commit}:core-rs`]);
  const id = createHash('sha256').update(trees).digest('hex').slice(0, 16);
  const dir = join(OUT, 'src');
  const mark = join(dir, '.source.json');
  const current = existsSync(mark) ? JSON.parse(readFileSync(mark, 'utf8')) : null;
  if (current?.id !== id) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tar = spawnSync(
      'git',
      ['-C', ROOT, 'archive', '--format=tar', commit, 'Cargo.toml', 'Cargo.lock', 'core-rs'],
      { maxBuffer: 1 << 30 },
    );
    if (tar.status !== 0) throw new Error('git archive failed');
    const x = spawnSync('tar', ['-x', '-C', dir], { input: tar.stdout });
    if (x.status !== 0) throw new Error('tar -x failed');
    writeFileSync(mark, JSON.stringify({ id, commit }));
    log(`source snapshot ${id} (commit ${commit}) in ${dir}`);
  }
  source = { dir, id, commit: current?.id === id ? current.commit : commit };
  return source;
}

function buildCargo(key, force) {
  const p = CARGO[key];
  const src = snapshot();
  const stampFile = join(OUT, key, 'settings.json');
  const settings = JSON.stringify({ ...p, source: src.id });
  if (!force && existsSync(rawWasm(key)) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === settings)
    return null;
  const { cargo, args, env } = wasmCargo();
  const targetDir = join(OUT, key, 'target');
  mkdirSync(targetDir, { recursive: true });
  log(`cargo build [${key}]: ${p.what}`);
  const config = (p.config ?? []).flatMap((c) => ['--config', c]);
  const how = p.cdylibOnly
    ? ['rustc', '--release', '--target', TARGET, '-p', 'smartcheck-core', '--lib', '--crate-type', 'cdylib']
    : ['build', '--release', '--target', TARGET, '-p', 'smartcheck-core'];
  // The primitives' exports are behind a feature only their own build turns on (core-rs/README.md).
  how.push('--features', 'wasm-exports');
  const seconds = run(cargo, [...how, ...config, ...args], {
    cwd: src.dir,
    env: {
      ...env,
      CARGO_TARGET_DIR: targetDir,
      CARGO_PROFILE_RELEASE_OPT_LEVEL: p.opt,
      CARGO_PROFILE_RELEASE_LTO: p.lto,
      CARGO_PROFILE_RELEASE_CODEGEN_UNITS: p.cgu,
      RUSTFLAGS: p.rustflags,
    },
  });
  writeFileSync(stampFile, settings);
  writeFileSync(join(OUT, key, 'build-seconds'), String(seconds));
  log(`cargo build [${key}] took ${seconds.toFixed(0)} s`);
  return seconds;
}

function buildVariant(v, force) {
  const cargoBuilt = buildCargo(v.cargo, force) !== null;
  const stampFile = join(OUT, v.name, 'variant.json');
  const raw = rawWasm(v.cargo);
  const stamp = JSON.stringify({ v, raw: createHash('sha256').update(readFileSync(raw)).digest('hex') });
  if (
    !force &&
    !cargoBuilt &&
    existsSync(bgWasm(v.name)) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8') === stamp
  )
    return;
  rmSync(pkgDir(v.name), { recursive: true, force: true });
  mkdirSync(pkgDir(v.name), { recursive: true });
  run(wasmBindgen(ROOT), ['--target', 'web', '--out-dir', pkgDir(v.name), '--out-name', NAME, raw]);
  if (v.wasmOpt) {
    const seconds = run(WASM_OPT, [...v.wasmOpt, bgWasm(v.name), '-o', bgWasm(v.name)]);
    log(`wasm-opt [${v.name}] ${v.wasmOpt[0]} took ${seconds.toFixed(1)} s`);
  }
  writeFileSync(stampFile, stamp);
  log(`${v.name}: ${statSync(bgWasm(v.name)).size} bytes`);
}

function build(names, force) {
  const chosen = names.length ? VARIANTS.filter((v) => names.includes(v.name) || names.includes(v.cargo)) : VARIANTS;
  if (names.length && chosen.length === 0) throw new Error(`no variant named ${names.join(', ')}`);
  // Group by cargo build so each (slow) cargo build runs once, one at a time.
  for (const key of [...new Set(chosen.map((v) => v.cargo))]) {
    for (const v of chosen.filter((c) => c.cargo === key)) buildVariant(v, force);
  }
}

// ---- measure -------------------------------------------------------------------------------------
/** Bytes from a seed-indexed xorshift (the same scheme as bench/fixtures.ts). */
function pseudoBytes(length, seed) {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
const messageLength = (i) => 64 + ((i * 37) % 137);

function packBatch(items) {
  const total = items.reduce((s, it) => s + it.message.length, 0);
  const messages = new Uint8Array(total);
  const ends = new Uint32Array(items.length);
  const sigs = new Uint8Array(items.length * 64);
  const pks = new Uint8Array(items.length * 32);
  let off = 0;
  items.forEach((it, i) => {
    messages.set(it.message, off);
    off += it.message.length;
    ends[i] = off;
    sigs.set(it.signature, i * 64);
    pks.set(it.publicKey, i * 32);
  });
  return { messages, ends, sigs, pks };
}

const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
function must(ok, what) {
  if (!ok) throw new Error(`correctness check failed: ${what}`);
}

function simdInstructions(file) {
  const r = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'wasm-dis'),
    ['--enable-simd', ...FEATURES, '--all-features', file],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  if (r.status !== 0) return null;
  return (r.stdout.match(/\((?:v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\./g) ?? []).length;
}

async function measure() {
  const candidates = PKGS.length ? PKGS : VARIANTS;
  const present = candidates.filter((v) => existsSync(wasmOf(v)));
  const missing = candidates.filter((v) => !present.includes(v)).map((v) => v.name);
  if (missing.length) log(`not built, skipped: ${missing.join(', ')}`);
  if (!present.some((v) => v.name === REFERENCE)) throw new Error(`the "${REFERENCE}" variant must be built`);

  const loadStart = loadavg();
  const started = new Date();

  // Load every variant's own glue + module side by side.
  const impls = [];
  for (const v of present) {
    const bytes = readFileSync(wasmOf(v));
    const glue = await import(pathToFileURL(join(dirOf(v), `${NAME}.js`)).href);
    const module = await WebAssembly.compile(bytes);
    glue.initSync({ module });
    impls.push({
      v,
      glue,
      module,
      /** Filled in after the warm-up: the one-time cost of a fresh instance, ms. */
      firstKeygenMs: Number.NaN,
      size: bytes.length,
      gz: gzipSync(bytes, { level: 9 }).length,
      sha: createHash('sha256').update(bytes).digest('hex').slice(0, 12),
      simd: simdInstructions(wasmOf(v)),
      /** @type {Record<string, () => unknown>} the timed calls, filled in below */
      fns: {},
      buildSeconds:
        v.cargo && existsSync(join(OUT, v.cargo, 'build-seconds'))
          ? Number(readFileSync(join(OUT, v.cargo, 'build-seconds'), 'utf8'))
          : null,
    });
  }

  // Inputs: 1024 items, one key each, messages 64..200 B (as bench/fixtures.ts); signed by the
  // current build. Every variant must reproduce keys and signatures exactly.
  const current = impls.find((i) => i.v.name === REFERENCE);
  if (!current) throw new Error(`the ${REFERENCE} build is missing`);
  const ref = current.glue;
  const items = [];
  for (let i = 0; i < 1024; i++) {
    const kp = ref.ed25519_keygen(pseudoBytes(32, 1_000_000 + i));
    const sk = kp.slice(0, 32);
    const message = pseudoBytes(messageLength(i), i);
    items.push({ sk, publicKey: kp.slice(32), message, signature: ref.ed25519_sign(message, sk) });
  }
  const b64 = packBatch(items.slice(0, 64));
  const b256 = packBatch(items.slice(0, 256));
  const b1024 = packBatch(items);
  const bad = items
    .slice(0, 256)
    .map((it, i) => (i === 17 ? { ...it, signature: it.signature.map((b, j) => (j === 7 ? b ^ 1 : b)) } : it));
  const bBad = packBatch(bad);
  const data200 = pseudoBytes(200, 42);
  const sha200 = new Uint8Array(hash('sha256').update(data200).digest());
  // X25519: 64 key pairs (Diffie-Hellman between neighbours); HPKE: one recipient, 200 B sealed by
  // the reference (every variant must open it, and the reference must open every variant's seal).
  const xs = Array.from({ length: 64 }, (_, i) => {
    const kp = ref.x25519_keygen(pseudoBytes(32, 2_000_000 + i));
    return { sk: kp.slice(0, 32), pk: kp.slice(32) };
  });
  const xShared = xs.map((x, i) => ref.x25519_shared_secret(x.sk, xs[(i + 1) & 63].pk));
  const recipient = xs[0];
  const info = pseudoBytes(24, 3);
  const aad = pseudoBytes(16, 4);
  const sealed = ref.hpke_seal(recipient.pk, data200, info, aad);
  const enc = sealed.slice(0, 32);
  const ciphertext = sealed.slice(32);

  for (const { v, glue: g } of impls) {
    for (const i of [0, 1, 500, 1023]) {
      const it = items[i];
      const kp = g.ed25519_keygen(pseudoBytes(32, 1_000_000 + i));
      must(equal(kp.slice(32), it.publicKey), `${v.name} keygen ${i}`);
      must(equal(g.ed25519_sign(it.message, it.sk), it.signature), `${v.name} sign ${i}`);
      must(g.ed25519_verify(it.signature, it.message, it.publicKey) === true, `${v.name} verify ${i}`);
      must(
        g.ed25519_verify(bad[17].signature, items[17].message, items[17].publicKey) === false,
        `${v.name} rejects bad signature`,
      );
    }
    must(
      g.ed25519_verify_batch(b256.messages, b256.ends, b256.sigs, b256.pks).length === 0,
      `${v.name} batch 256 valid`,
    );
    must(
      g.ed25519_verify_batch(b1024.messages, b1024.ends, b1024.sigs, b1024.pks).length === 0,
      `${v.name} batch 1024 valid`,
    );
    must(
      Array.from(g.ed25519_verify_batch(bBad.messages, bBad.ends, bBad.sigs, bBad.pks)).join() === '17',
      `${v.name} batch names item 17`,
    );
    must(equal(g.sha256(data200), sha200), `${v.name} sha256`);
    for (const i of [0, 1, 63]) {
      must(
        equal(new g.Ed25519SigningKey(items[i].sk).sign(items[i].message), items[i].signature),
        `${v.name} held key`,
      );
      must(equal(g.x25519_public_key(xs[i].sk), xs[i].pk), `${v.name} x25519 public key ${i}`);
      must(equal(g.x25519_shared_secret(xs[i].sk, xs[(i + 1) & 63].pk), xShared[i]), `${v.name} x25519 ${i}`);
    }
    must(equal(g.hpke_open(recipient.sk, enc, ciphertext, info, aad), data200), `${v.name} opens the reference's seal`);
    const own = g.hpke_seal(recipient.pk, data200, info, aad);
    must(equal(ref.hpke_open(recipient.sk, own.slice(0, 32), own.slice(32), info, aad), data200), `${v.name} seal`);
  }
  log(`${impls.length} variants loaded, all correct`);

  // Operations. Single ops rotate through 64 signers/messages. `per` = operations per call.
  const ops = [
    {
      key: 'sign',
      per: 1,
      make: (g) => {
        let k = 0;
        return () => {
          k = (k + 1) & 63;
          const it = items[k];
          return g.ed25519_sign(it.message, it.sk);
        };
      },
    },
    {
      key: 'signHeld',
      per: 1,
      make: (g) => {
        const keys = items.slice(0, 64).map((it) => new g.Ed25519SigningKey(it.sk));
        let k = 0;
        return () => {
          k = (k + 1) & 63;
          return keys[k].sign(items[k].message);
        };
      },
    },
    {
      key: 'verify',
      per: 1,
      make: (g) => {
        let k = 0;
        return () => {
          k = (k + 1) & 63;
          const it = items[k];
          if (!g.ed25519_verify(it.signature, it.message, it.publicKey)) throw new Error('verify');
        };
      },
    },
    {
      key: 'batch64',
      per: 64,
      make: (g) => () => {
        if (g.ed25519_verify_batch(b64.messages, b64.ends, b64.sigs, b64.pks).length) throw new Error('batch');
      },
    },
    {
      key: 'batch256',
      per: 256,
      make: (g) => () => {
        if (g.ed25519_verify_batch(b256.messages, b256.ends, b256.sigs, b256.pks).length) throw new Error('batch');
      },
    },
    {
      key: 'batch1024',
      per: 1024,
      make: (g) => () => {
        if (g.ed25519_verify_batch(b1024.messages, b1024.ends, b1024.sigs, b1024.pks).length) throw new Error('batch');
      },
    },
    {
      key: 'x25519Public',
      per: 1,
      make: (g) => {
        let k = 0;
        return () => {
          k = (k + 1) & 63;
          return g.x25519_public_key(xs[k].sk);
        };
      },
    },
    {
      key: 'x25519Shared',
      per: 1,
      make: (g) => {
        let k = 0;
        return () => {
          k = (k + 1) & 63;
          return g.x25519_shared_secret(xs[k].sk, xs[(k + 1) & 63].pk);
        };
      },
    },
    { key: 'hpkeSeal', per: 1, make: (g) => () => g.hpke_seal(recipient.pk, data200, info, aad) },
    { key: 'hpkeOpen', per: 1, make: (g) => () => g.hpke_open(recipient.sk, enc, ciphertext, info, aad) },
    { key: 'sha256', per: 1, make: (g) => () => g.sha256(data200) },
  ];
  const SAMPLE_MS = {
    sign: 120,
    signHeld: 120,
    verify: 120,
    batch64: 150,
    batch256: 150,
    batch1024: 200,
    x25519Public: 100,
    x25519Shared: 100,
    hpkeSeal: 120,
    hpkeOpen: 120,
    sha256: 80,
  };

  const timeCalls = (fn, calls) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    return Number(process.hrtime.bigint() - t0) / 1e3; // µs
  };
  // Warm-up (V8 tiers wasm up from Liftoff to TurboFan) and a call count per op, calibrated on
  // the current build and used for every variant.
  /** @type {Record<string, number>} */
  const calls = {};
  for (const impl of impls) {
    impl.fns = Object.fromEntries(ops.map((op) => [op.key, op.make(impl.glue)]));
    for (const op of ops) {
      const fn = impl.fns[op.key];
      const until = Date.now() + 300;
      while (Date.now() < until) fn();
    }
  }
  for (const op of ops) {
    const fn = current.fns[op.key];
    const us = timeCalls(fn, 5) / 5;
    calls[op.key] = Math.max(3, Math.round((SAMPLE_MS[op.key] * SCALE * 1000) / us));
  }
  log(`calls per sample: ${JSON.stringify(calls)}; ${ROUNDS} rounds`);

  // One-time cost of a fresh instance (a base-point table made at run time is made here): a second
  // copy of the glue on the module already compiled and warmed up, a call that needs no table
  // first, then the first key generation minus the second.
  for (const impl of impls) {
    const fresh = await import(`${pathToFileURL(join(dirOf(impl.v), `${NAME}.js`)).href}?fresh`);
    fresh.initSync({ module: impl.module });
    fresh.sha256(pseudoBytes(32, 6));
    const keygenMs = () => {
      const t0 = process.hrtime.bigint();
      fresh.ed25519_keygen(pseudoBytes(32, 7));
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    impl.firstKeygenMs = keygenMs() - keygenMs();
  }

  /** @type {Record<string, Record<string, number[]>>} µs per operation, per variant and operation */
  const samples = Object.fromEntries(impls.map((i) => [i.v.name, Object.fromEntries(ops.map((o) => [o.key, []]))]));
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order every round so no variant always runs first/last or after the same one.
    const order = impls.map((_, i) => impls[(i + r * 5) % impls.length]);
    if (r % 2) order.reverse();
    for (const op of ops) {
      for (const impl of order) {
        const fn = impl.fns[op.key];
        fn();
        fn();
        samples[impl.v.name][op.key].push(timeCalls(fn, calls[op.key]) / (calls[op.key] * op.per));
      }
    }
    log(
      `round ${r + 1}/${ROUNDS} done (load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')})`,
    );
  }
  const loadEnd = loadavg();

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const rows = impls.map((impl) => {
    const s = samples[impl.v.name];
    const stats = Object.fromEntries(
      ops.map((o) => {
        const xs = s[o.key];
        const sorted = [...xs].sort((a, b) => a - b);
        return [
          o.key,
          {
            median: median(xs),
            min: sorted[0],
            max: sorted[sorted.length - 1],
            q1: sorted[Math.floor((sorted.length - 1) / 4)],
            q3: sorted[Math.ceil(((sorted.length - 1) * 3) / 4)],
            samples: xs,
          },
        ];
      }),
    );
    return {
      name: impl.v.name,
      what: impl.v.what,
      reference: impl === current,
      cargo: impl.v.cargo ? { key: impl.v.cargo, ...CARGO[impl.v.cargo] } : null,
      wasmOpt: impl.v.wasmOpt,
      size: impl.size,
      gz: impl.gz,
      sha: impl.sha,
      simd: impl.simd,
      buildSeconds: impl.buildSeconds,
      firstKeygenMs: impl.firstKeygenMs,
      stats,
    };
  });

  const machine = {
    cpu: cpus()[0]?.model ?? '?',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    command: process.argv.slice(2).join(' '),
    date: started.toISOString(),
    pkgs: PKGS.map(({ name, dir }) => ({ name, dir })),
    source:
      !PKGS.length && existsSync(join(OUT, 'src', '.source.json'))
        ? JSON.parse(readFileSync(join(OUT, 'src', '.source.json'), 'utf8'))
        : null,
    loadStart,
    loadEnd,
    rounds: ROUNDS,
    calls,
    rustc: spawnSync('/usr/bin/rustc', ['--version'], { encoding: 'utf8' }).stdout?.trim(),
    wasmBindgen: spawnSync(wasmBindgen(ROOT), ['--version'], { encoding: 'utf8' }).stdout?.trim(),
    wasmOpt: spawnSync(WASM_OPT, ['--version'], { encoding: 'utf8' }).stdout?.trim(),
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'results.json'), JSON.stringify({ machine, rows }, null, 2));
  writeFileSync(RESULTS, report(machine, rows));
  log(`wrote ${RESULTS} and ${join(OUT, 'results.json')}`);
  process.stdout.write(`${table(rows)}\n`);
}

// ---- report --------------------------------------------------------------------------------------
const KB = (b) => (b / 1000).toFixed(1);
const fmt = (us) => (us >= 10 ? us.toFixed(1) : us.toFixed(2));
const OPS = [
  ['sign', 'sign'],
  ['signHeld', 'sign (held key)'],
  ['verify', 'verify'],
  ['batch64', 'batch n=64 /sig'],
  ['batch256', 'batch n=256 /sig'],
  ['batch1024', 'batch n=1024 /sig'],
  ['x25519Public', 'X25519 public key'],
  ['x25519Shared', 'X25519 shared'],
  ['hpkeSeal', 'HPKE seal 200 B'],
  ['hpkeOpen', 'HPKE open 200 B'],
  ['sha256', 'SHA-256 200 B'],
];
/** The row the others are compared with (older results: the variant named "current"). */
const referenceRow = (rows) => rows.find((r) => r.reference) ?? rows.find((r) => r.name === 'current');

function table(rows) {
  const cur = referenceRow(rows);
  const head = `| variant | settings | .wasm KB | gz KB | ${OPS.map(([, t]) => `${t} µs`).join(' | ')} |`;
  const sep = `|---|---|---:|---:|${OPS.map(() => '---:').join('|')}|`;
  const lines = rows.map((r) => {
    r = { ...r, what: VARIANTS.find((v) => v.name === r.name)?.what ?? r.what };
    const cells = OPS.map(([k]) => {
      if (!r.stats[k] || !cur.stats[k]) return '—';
      const m = r.stats[k].median;
      const rel =
        r.name === cur.name ? '' : ` (${((m / cur.stats[k].median - 1) * 100).toFixed(0).replace(/^(?!-)/, '+')}%)`;
      return `${fmt(m)}${rel}`;
    });
    return `| ${r.name} | ${r.what} | ${KB(r.size)} | ${KB(r.gz)} | ${cells.join(' | ')} |`;
  });
  return [head, sep, ...lines].join('\n');
}

function spread(rows) {
  const head = `| variant | ${OPS.map(([, t]) => `${t}: min–max`).join(' | ')} | SIMD instrs | first keygen − second, ms |`;
  const sep = `|---|${OPS.map(() => '---:').join('|')}|---:|---:|`;
  const range = (x) => (x ? `${fmt(x.min)}–${fmt(x.max)}` : '—');
  const lines = rows.map(
    (r) =>
      `| ${r.name} | ${OPS.map(([k]) => range(r.stats[k])).join(' | ')} | ${r.simd ?? '?'} | ${r.firstKeygenMs?.toFixed(2) ?? '—'} |`,
  );
  return [head, sep, ...lines].join('\n');
}

function report(m, rows) {
  const previous = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  const kept =
    previous.match(/\n## Recommendation\n[\s\S]*?(?=\n## |\s*$)/)?.[0] ??
    '\n## Recommendation\n\n(to be written from the table above)\n';
  const la = (l) => l.map((x) => x.toFixed(2)).join(' ');
  const origin = m.pkgs?.length
    ? `Generated by \`node bench/wasm-profile.mjs ${m.command}\`: the modules of ${m.pkgs
        .map((p) => `\`${p.name}\` (${p.dir})`)
        .join(', ')}, built elsewhere, timed side by side in one Node process against \`${m.pkgs[0].name}\`.`
    : `Generated by \`node bench/wasm-profile.mjs ${m.command}\` after \`node bench/wasm-profile.mjs build --rev ${m.source?.commit?.slice(0, 7) ?? 'HEAD'}\`
(every variant built one at a time into ${OUT}/<variant>/pkg, then all timed side by side in one
Node process).`;
  return `# ${m.pkgs?.length ? 'WASM modules side by side' : 'WASM release-profile study'}

${origin} Raw samples: ${OUT}/results.json (not kept in the repo).

## Machine

- ${m.date} · ${m.cpu} · ${m.cores} cores · ${m.memGiB} GiB · Node ${m.node} (V8 ${m.v8})
- load average at start ${la(m.loadStart)}, at end ${la(m.loadEnd)} (on ${m.cores} cores; other work was running at times)
- source: ${m.source ? `Cargo.toml, Cargo.lock and core-rs/ as of commit ${m.source.commit?.slice(0, 7) ?? '?'} (snapshot ${m.source.id ?? '?'}), the same for every variant` : 'the --pkg modules above'}
- ${m.rustc} (Debian, -Zbuild-std=std,panic_abort) · ${m.wasmBindgen} · ${m.wasmOpt} (npm binaryen)

## Method

Each variant's own wasm-bindgen glue is imported and instantiated with \`initSync\` in the same
process; all variants are checked to produce identical keys and signatures, accept valid
signatures and batches, name the one bad item of a corrupted batch, give node:crypto's SHA-256,
the same X25519 keys and shared secrets, and open the reference's HPKE seal (and it theirs).
Each operation of each variant is warmed up for 0.3 s (V8 tier-up), then timed in ${m.rounds} interleaved
rounds (variant order rotated and reversed every round); one sample = a fixed number of calls
(${Object.entries(m.calls)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')}), calibrated on \`${referenceRow(rows).name}\`.
Single sign/verify rotate over 64 signers and messages of 64–200 B; batches are all-valid, one key
per item. Times are the **median** of the samples, in µs per operation (per signature for batches);
the percentage is against \`${referenceRow(rows).name}\` (negative = faster / smaller). Sizes are the final
\`smartcheck_core_bg.wasm\`; gz = zlib level 9. KB = 1000 bytes.

## Results

${table(rows)}

Targets: .wasm ≤ 200 KB (≤ 90 KB gz); batch ≤ 25 µs/signature at n ≥ 256; verify ≤ 70 µs; sign ≤ 26 µs; SHA-256 200 B ≤ 1 µs.

Spread of the ${m.rounds} samples (the maximum shows other work on the shared machine) and the SIMD
instruction count in the module (wasm-dis):

${spread(rows)}
${kept.trimEnd()}
`;
}

// ---- main -------------------------------------------------------------------------------------------
if (command === 'build' || command === 'all') build(command === 'build' ? positional : [], flag('--force'));
if (command === 'measure' || command === 'all') await measure();
if (command === 'report') {
  // Rewrites the results file from the last run's results.json (e.g. after editing the text).
  const { machine, rows } = JSON.parse(readFileSync(join(OUT, 'results.json'), 'utf8'));
  writeFileSync(RESULTS, report(machine, rows));
  log(`wrote ${RESULTS}`);
}
if (!['build', 'measure', 'all', 'report'].includes(command)) {
  console.error(
    'usage: node bench/wasm-profile.mjs build [variant ...] | measure | all | report [--rounds N] [--scale F] [--rev REV] [--force] [--out DIR]',
  );
  process.exit(2);
}
