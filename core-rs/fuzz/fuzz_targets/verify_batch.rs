//! libFuzzer entry for [smartcheck_core_fuzz::verify_batch] (see core-rs/fuzz/README.md).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| smartcheck_core_fuzz::verify_batch(data));
