//! cofleet: a deterministic, parallel fleet simulator for Windows co-management (ConfigMgr + Intune).
//!
//! Layers (docs/model.md), each importing only the ones below it: [`units`], [`stats`] and [`rng`] at the bottom;
//! [`model`] (devices, paths, workloads, rollout, timers), which tells the run what its devices do through
//! [`model::record::Recorder`]; [`metrics`] and [`load`] (what is counted, and the infrastructure's answer);
//! [`engine`] (chunks, epochs, merges), which implements the recorder over its per-thread tallies and the
//! load ledger. [`scenario`] (TOML in) builds the model; [`report`] writes a run's result files, [`sweep`]
//! and [`gate`] compare them, and [`plot`] draws figures from them; [`cli`]/[`cmd`] sit at the edge. The
//! binary, the tests and the benches all use this library.

#![warn(missing_docs)]

pub mod capacity;
pub mod cli;
pub mod cmd;
pub mod engine;
pub mod fit;
pub mod gate;
pub mod inventory;
pub mod job;
pub mod load;
pub mod metrics;
pub mod model;
pub mod plot;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod stats;
// Plan variants, seed replicas and parameter sweeps (`cofleet sweep`).
pub mod sweep;
pub mod units;
