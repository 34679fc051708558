//! Integration tests that use the library in-process: deriving schemas from vendor pages,
//! the built-in mock (rules, faults, sockets, and its command), request retries, request
//! signing, the fast list reader, selfcheck and the fuzz targets' replay. They share one
//! test binary so that `cargo test` links the crate once for all of them;
//! `cargo test --test library` runs only these.
//!
//! Each module (a folder for `mock`) covers one area and its tests are named after it:
//! `cargo test --test library mock::rules::` runs the mock's rule tests. Insta snapshots
//! live in `snapshots/` next to this file, named after the module path
//! (`library__derive__list-flavors.query.snap`).

mod body_budget;
mod derive;
mod derive_corpus;
mod derive_diff;
mod derive_walkthrough;
mod exec_retry;
mod explore;
mod fuzz_replay;
mod mock;
mod near_duplicates;
mod selfcheck;
mod shape_equivalence;
mod signing_vectors;
