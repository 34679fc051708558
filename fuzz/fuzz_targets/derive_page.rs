#![no_main]
//! Fuzz target: see `conform::fuzz::derive_page`.
//! Replayed on stable by tests/library/fuzz_replay.rs.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    conform::fuzz::derive_page(data);
});
