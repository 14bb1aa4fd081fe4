//! `cofleet check`: validate scenario files without running them.

use super::{Failure, print_stdout};
use crate::cli::CheckArgs;
use crate::scenario;

/// Validates every file; all must pass.
pub fn check(args: &CheckArgs) -> Result<u8, Failure> {
    let mut errors = Vec::new();
    for path in &args.scenarios {
        match scenario::load(path) {
            Ok(s) => print_stdout(&format!(
                "{}: ok ({} devices, {} stages, {} thresholds)\n",
                path.display(),
                s.fleet.devices,
                s.stages.len(),
                s.thresholds.len()
            )),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(0)
    } else {
        Err(Failure::bad_input(errors.join("\n")))
    }
}
