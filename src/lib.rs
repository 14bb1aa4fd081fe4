//! cofleet: a deterministic, parallel fleet simulator for Windows co-management (ConfigMgr + Intune).
//!
//! Layers (DESIGN.md): [`model`] (devices, paths, workloads, rollout, timers) and [`engine`] (chunks, epochs,
//! merges) know nothing of files; [`scenario`] (TOML in), [`report`] (JSON/CSV out), [`plot`] (plots and report.html) and [`cli`]/[`cmd`] sit at
//! the edges. The binary, the tests and the benches all use this library.

#![warn(missing_docs)]

pub mod cli;
pub mod cmd;
pub mod engine;
pub mod error;
pub mod gate;
pub mod job;
pub mod load;
pub mod metrics;
pub mod model;
pub mod padded;
pub mod plot;
pub mod report;
pub mod rng;
pub mod scenario;
// Plan variants, seed replicas and parameter sweeps (`cofleet sweep`).
pub mod sweep;
