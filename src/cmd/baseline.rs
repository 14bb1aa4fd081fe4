//! `cofleet baseline save`: copy a finished run's `summary.json` (all the gate reads: statistics, the
//! scenario hash and the thresholds) into a baseline folder, after checking it is a complete summary of this
//! schema — a baseline that cannot be read back would only fail later, in CI. The baseline folder follows
//! the overwrite policy: empty, absent or a baseline of the same scenario, else `--force`.

use std::path::PathBuf;

use super::{note_leftovers, print_stdout};
use crate::cli::{BaselineAction, BaselineArgs};
use crate::gate::input;
use crate::job::error::{Error, ExitCode};
use crate::job::overwrite::{Kind, check_overwrite};
use crate::report::write::write_results;
use crate::scenario::name::is_folder_name;

/// Runs a `baseline` subcommand.
pub fn baseline(args: &BaselineArgs) -> Result<ExitCode, Error> {
    match &args.action {
        BaselineAction::Save(save) => {
            let (summary, bytes) = input::read_summary_bytes(&save.results, "RESULTS_DIR")?;
            let file = input::summary_path(&save.results);
            let to = match &save.to {
                Some(to) => to.clone(),
                None if is_folder_name(&summary.scenario) => PathBuf::from("results")
                    .join("baselines")
                    .join(&summary.scenario),
                None => {
                    return Err(Error::UnsafeName {
                        file,
                        field: "scenario",
                        name: summary.scenario,
                        flag: "--to",
                    });
                }
            };
            check_overwrite(&to, &summary.scenario, Kind::Baseline, save.force)?;
            let found = write_results(&to, &[("summary.json", bytes)]).map_err(|source| {
                Error::FlagOutput {
                    flag: "--to",
                    source,
                }
            })?;
            note_leftovers(&found);
            print_stdout(&format!(
                "saved baseline of {} (scenario_hash {}) to {}\n",
                crate::units::shown(&summary.scenario),
                crate::units::shown(&summary.scenario_hash),
                to.display()
            ))?;
            Ok(ExitCode::Ok)
        }
    }
}
