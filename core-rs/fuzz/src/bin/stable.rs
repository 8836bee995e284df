//! The stable fallback for the libFuzzer targets: a seeded mutator (bit flips, interesting bytes,
//! insert, delete, truncate, splice two seeds, duplicate a chunk, overwrite with noise) driving the
//! same target functions on stable Rust, no coverage feedback. Panics are caught and the input is
//! printed and written to `crashes/<target>-<n>.bin`.
//!
//! `cargo run --release --bin stable -- [target|all] [iterations per target] [seed]`
//! `cargo run --release --bin stable -- write-seeds`: the valid seeds into `corpus/<target>/` for libFuzzer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use smartcheck_core_fuzz::{seeds, TARGETS};
use std::panic;
use std::time::Instant;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INTERESTING: &[u8] = &[
    0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x3b, 0x40, 0x5f, 0x60, 0x7f, 0x80, 0x9f,
    0xa0, 0xbf, 0xc0, 0xd2, 0xd8, 0xf4, 0xf6, 0xf9, 0xfb, 0xff,
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut b = seeds[rng.below(seeds.len())].clone();
    if rng.below(10) == 0 {
        return (0..rng.below(128)).map(|_| rng.next() as u8).collect();
    }
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(8) {
            0 if !b.is_empty() => {
                let i = at % b.len();
                b[i] ^= 1 << rng.below(8);
            }
            1 if !b.is_empty() => {
                let i = at % b.len();
                b[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => b.insert(at, rng.next() as u8),
            3 => {
                let end = (at + 1 + rng.below(16)).min(b.len());
                b.drain(at.min(end)..end);
            }
            4 => b.truncate(at),
            5 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                b.truncate(at);
                b.extend_from_slice(&other[from..]);
            }
            6 => {
                let from = rng.below(b.len() + 1);
                let end = (from + 1 + rng.below(32)).min(b.len());
                let chunk = b[from..end].to_vec();
                b.splice(at..at, chunk);
            }
            _ => {
                for i in at..(at + 1 + rng.below(8)).min(b.len()) {
                    b[i] = rng.next() as u8;
                }
            }
        }
    }
    b
}

/// Runs one target; returns (executions, crashes).
pub fn run(name: &str, target: fn(&[u8]), iterations: u64, seed: u64) -> (u64, u64) {
    let seeds = seeds(name);
    for s in &seeds {
        target(s); // every seed passes, or the target itself is wrong
    }
    let mut rng = Rng(seed
        ^ name
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))));
    let mut crashes = 0u64;
    for _ in 0..iterations {
        let input = mutate(&mut rng, &seeds);
        if panic::catch_unwind(|| target(&input)).is_err() {
            crashes += 1;
            let _ = std::fs::create_dir_all("crashes");
            let path = format!("crashes/{name}-{crashes}.bin");
            let _ = std::fs::write(&path, &input);
            eprintln!("{name}: crash on {} (saved to {path})", hex::encode(&input));
        }
    }
    (iterations, crashes)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map_or("all", String::as_str);
    if which == "write-seeds" {
        for (name, _) in TARGETS {
            let dir = format!("corpus/{name}");
            std::fs::create_dir_all(&dir).expect("corpus dir");
            for (i, seed) in seeds(name).iter().enumerate() {
                std::fs::write(format!("{dir}/seed-{i:03}"), seed).expect("write seed");
            }
        }
        return;
    }
    let iterations: u64 = args
        .get(2)
        .map_or(100_000, |s| s.parse().expect("iterations"));
    let seed: u64 = args.get(3).map_or(20_261_125, |s| s.parse().expect("seed"));
    let mut total_crashes = 0;
    for (name, target) in TARGETS
        .iter()
        .filter(|(n, _)| which == "all" || which == *n)
    {
        let started = Instant::now();
        let (execs, crashes) = run(name, *target, iterations, seed);
        total_crashes += crashes;
        let secs = started.elapsed().as_secs_f64();
        println!("stable fuzz: {name}: {execs} executions in {secs:.1} s ({:.0}/s), {crashes} crashes (seed {seed})", execs as f64 / secs);
    }
    if total_crashes > 0 {
        std::process::exit(1);
    }
}
