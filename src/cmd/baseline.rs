//! `cofleet baseline save`: copy a finished run's `summary.json` (all the gate reads: statistics, the
//! scenario hash and the thresholds) into a baseline folder, after checking it is a complete summary of this
//! schema — a baseline that cannot be read back would only fail later, in CI.

use std::path::PathBuf;

use super::print_stdout;
use crate::cli::{BaselineAction, BaselineArgs};
use crate::error::{Error, ExitCode};
use crate::gate::input;
use crate::report::write::write_results;

/// Runs a `baseline` subcommand.
pub fn baseline(args: &BaselineArgs) -> Result<ExitCode, Error> {
    match &args.action {
        BaselineAction::Save(save) => {
            let (summary, bytes) = input::read_summary_bytes(&save.results, "RESULTS_DIR")?;
            let to = save.to.clone().unwrap_or_else(|| {
                PathBuf::from("results")
                    .join("baselines")
                    .join(&summary.scenario)
            });
            write_results(&to, &[("summary.json", bytes)]).map_err(|source| Error::FlagOutput {
                flag: "--to",
                source,
            })?;
            print_stdout(&format!(
                "saved baseline of {} (scenario_hash {}) to {}\n",
                summary.scenario,
                summary.scenario_hash,
                to.display()
            ))?;
            Ok(ExitCode::Ok)
        }
    }
}
