//! Tests of `conform mock` over HTTP: every rule (C1..C14) and every fault, against small
//! hand-written data sets with hand-computed expectations (never by re-running the mock's
//! own filter code), in-process through the router and over real loopback sockets, plus
//! the command itself.

mod cli;
mod common;
mod faults;
mod rules;
mod socket;
