//! conform: turns a vendor's API reference page into an executable contract and checks
//! endpoints against it.
//!
//! The stages, in pipeline order, each a module:
//! [`derive`] (vendor page → schemas), [`contract`] (the compiled schemas every later stage
//! uses), [`mock`] (a faithful HTTP mock with switchable faults), and the runner stages
//! that load cases, send requests, check answers and report.

pub mod atomic;
pub mod auth;
pub mod case;
pub mod check;
pub mod cli;
pub mod contract;
pub mod derive;
pub mod diag;
pub mod exec;
pub mod exit;
pub mod fuzz;
pub mod json;
pub mod mock;
pub mod outcome;
pub mod plan;
pub mod record;
pub mod report;
pub mod runner;
pub mod secret;
pub mod select;
pub mod selfcheck;
pub mod shape;
pub mod snapshot;
pub mod waiver;
