#![no_main]
//! Fuzz target: see `conform::fuzz::check_response`.
//! Replayed on stable by tests/library/fuzz_replay.rs.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    conform::fuzz::check_response(data);
});
