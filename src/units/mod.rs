//! Units shared by every layer: durations (parsed from and written back to `"1h30m"`, or rounded for
//! reading), counts with thousands separators, sizes in bytes, and input text made safe to print. They sit
//! below everything else, so the scenario reader, the results, the figures, the gate and the command line all
//! write a duration, a count or an input's name the same way without importing one another.

mod bytes;
mod count;
mod duration;
pub mod text;

pub use bytes::human_bytes;
pub use count::grouped;
pub use duration::{format_duration, human_seconds, parse_duration};
pub use text::{shown, shown_key};
