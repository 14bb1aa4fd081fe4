//! Load: every request the simulated fleet makes, counted per component, request type and time bucket, and
//! the modelled infrastructure's answer to it (capacity, queueing, rejection).
//!
//! This is the load-testing half of cofleet: the fleet is the load generator, the management points, the
//! cloud management gateway (CMG), Intune and Azure AD are the systems under test.
//!
//! Requests that the engine simulates as events (enrollment attempts, content downloads, registrations,
//! sync-on-switch check-ins) are counted one by one. The periodic requests the engine skips analytically
//! (docs/model.md, engine principle 5) — ConfigMgr policy polls and Intune check-ins — are counted *exactly* in aggregate:
//! a task with period `P = M · bucket` ticks in bucket `b0 + k·M` for its k-th tick, so all the ticks of one
//! online window are one `+1` / `−1` pair in a strided difference array, and the per-bucket counts follow
//! from a strided prefix sum (see [`book`]). A tick missed while offline becomes a catch-up request when the
//! device returns, exactly as `model::schedule::next_run` times it. A device's walk over its windows is
//! queued and counted in batches ([`book::LoadBook::periodic`]), its days a block at a time by a vectorized
//! kernel ([`kernel`]): counting the load costs a million-device month about a fifth of its time.

pub mod book;
pub mod export;
pub mod kernel;
pub mod queue;

/// What the ledger counts: the requests devices send and the components that serve them, named by the
/// model (the devices send them); here too for the ledger's readers.
pub use crate::model::infrastructure::{Component, Request};
