//! conform: turns a vendor's API reference page into an executable contract and checks
//! endpoints against it.
//!
//! The stages, in pipeline order, each a module that imports only from those before it:
//! [`case`] (case files) → [`plan`] → [`exec`] (HTTP) → [`check`] → [`outcome`] (the
//! result model and the verdict) → [`waiver`] and [`snapshot`] (amend each result) →
//! [`report`]. [`runner`] drives one run through them; [`cli`] holds the commands.
//! Beside them: [`derive`] (vendor page → schemas), [`contract`] (the compiled schemas
//! every stage uses) and [`mock`] (a faithful HTTP mock with switchable faults). The
//! README's Architecture section has the map.

#[cfg(test)]
mod architecture;
pub mod atomic;
pub mod auth;
pub mod base;
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
pub mod snapshot;
pub mod waiver;
pub mod workspace;
