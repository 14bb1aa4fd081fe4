//! `cofleet check`: validate scenario files without running them.

use super::print_stdout;
use crate::cli::CheckArgs;
use crate::job::error::{Error, ExitCode};
use crate::model::scenario::Scenario;
use crate::model::workload::Workload;
use crate::scenario;

/// Validates every file; all must pass. Each file's problems — its base scenario's and its `[[variant]]`
/// tables' — come in one report, so one round of fixes is enough.
pub fn check(args: &CheckArgs) -> Result<ExitCode, Error> {
    let mut errors = Vec::new();
    for path in &args.scenarios {
        match plan(path) {
            Ok((s, variants)) => {
                note_coupled_workloads(path, &s);
                scenario::warn(path, &s);
                print_stdout(&format!(
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
                ))?
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(ExitCode::Ok)
    } else {
        Err(Error::refused(errors.join("\n")))
    }
}

/// A note on stderr for each stage that moves Device configuration: the product moves Resource access and
/// Endpoint Protection with it, and so does the simulation (docs/model.md §2).
fn note_coupled_workloads(path: &std::path::Path, s: &Scenario) {
    for stage in &s.stages {
        if stage.workloads.contains(Workload::DeviceConfiguration) {
            eprintln!(
                "note: {}: stage \"{}\" moves device_configuration, which also moves resource_access \
                 and endpoint_protection",
                path.display(),
                stage.name.escape_debug()
            );
        }
    }
}

/// The file's base scenario and how many `[[variant]]` tables it has, each applied as `cofleet sweep`
/// would apply it.
fn plan(path: &std::path::Path) -> Result<(Scenario, usize), scenario::ScenarioError> {
    let text = scenario::read_text(path)?;
    let file = path.display().to_string();
    let planned = crate::sweep::plan(&text, &file, &[])?;
    let variants = planned.len().saturating_sub(1);
    // The base comes first in a plan without `--set`; a plan is never empty.
    match planned.into_iter().next() {
        Some(mut base) => {
            scenario::attach_inventory(&mut base.scenario, path)?;
            Ok((base.scenario, variants))
        }
        None => Err(scenario::ScenarioError::Invalid {
            file,
            problems: Vec::new(),
        }),
    }
}
