//! Results at the edge: `summary.json`, CSVs and the stdout table, built as bytes and written atomically.

pub mod capacity_out;
pub mod csv_out;
pub mod leftovers;
pub mod load_out;
pub mod milestones;
pub mod output_file;
pub mod read;
pub mod rename;
pub mod summary;
pub mod table;
pub mod write;

use crate::engine::Outcome;
use crate::model::scenario::Scenario;
use summary::Summary;

/// Every file of a run's results folder, as (relative path, bytes).
pub fn run_files(
    scenario: &Scenario,
    outcome: &Outcome,
) -> (Summary, Vec<(&'static str, Vec<u8>)>) {
    let (summary, mut files) = data_files(scenario, outcome);
    files.extend(load_file(scenario, outcome));
    (summary, files)
}

/// The run's files but `load.csv`: what the plots read (besides the load, which they can take from the
/// run directly — so `load.csv`, the largest file, can be written while they are drawn).
pub fn data_files(
    scenario: &Scenario,
    outcome: &Outcome,
) -> (Summary, Vec<(&'static str, Vec<u8>)>) {
    let summary = Summary::new(scenario, outcome);
    let files = vec![
        ("summary.json", summary.to_json()),
        (
            "percentiles.csv",
            csv_out::percentiles_csv(scenario, outcome),
        ),
        ("timeline.csv", csv_out::timeline_csv(scenario, outcome)),
    ];
    (summary, files)
}

/// The name of the load file in a results folder.
pub const LOAD_CSV: &str = "load.csv";

/// Writes `load.csv` into `out` as it is formatted (nothing when the run did not count load).
pub fn write_load_file(
    scenario: &Scenario,
    outcome: &Outcome,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    match outcome.load.as_ref() {
        Some(load) => {
            load_out::write_load_csv(load, scenario.load.queue_limit, &scenario.start, out)
        }
        None => Ok(()),
    }
}

/// `load.csv`, when the run counted load.
pub fn load_file(scenario: &Scenario, outcome: &Outcome) -> Option<(&'static str, Vec<u8>)> {
    outcome.load.as_ref().map(|load| {
        (
            LOAD_CSV,
            load_out::load_csv(load, scenario.load.queue_limit, &scenario.start),
        )
    })
}
