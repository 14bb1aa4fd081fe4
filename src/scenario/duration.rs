//! Duration strings of the scenario format. The parser and formatters live in [`crate::units`], which the
//! command line, the results and the figures share; the scenario reader takes them from here.

pub use crate::units::{format_duration, parse_duration};
