//! `cofleet check`: validate scenario files without running them.

use super::print_stdout;
use crate::cli::CheckArgs;
use crate::job::error::{Error, ExitCode};
use crate::scenario;

/// Validates every file; all must pass.
pub fn check(args: &CheckArgs) -> Result<ExitCode, Error> {
    let mut errors = Vec::new();
    for path in &args.scenarios {
        match scenario::load(path).and_then(|s| Ok((s, variants(path)?))) {
            Ok((s, variants)) => print_stdout(&format!(
                "{}: ok ({} devices, {} stages, {} thresholds{})\n",
                path.display(),
                s.fleet.devices,
                s.stages.len(),
                s.thresholds.len(),
                if variants > 0 {
                    format!(", {variants} variants")
                } else {
                    String::new()
                }
            ))?,
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(ExitCode::Ok)
    } else {
        Err(Error::refused(errors.join("\n")))
    }
}

/// Checks the file's `[[variant]]` tables as `cofleet sweep` would apply them; returns how many there are.
fn variants(path: &std::path::Path) -> Result<usize, scenario::ScenarioError> {
    let text = scenario::read_text(path)?;
    let planned = crate::sweep::plan(&text, &path.display().to_string(), &[])?;
    Ok(planned.len() - 1)
}
