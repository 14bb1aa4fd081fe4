//! Reading a results folder's `summary.json` for the gate and `baseline save`: refuses a missing, corrupt,
//! unfinished or other-schema file with a message naming it, so that a comparison never runs on bad data.

use std::path::{Path, PathBuf};

use crate::model::time::{HOUR, MAX_SPAN};
use crate::report::read::{ReadError, SUMMARY_CAP, from_json, json_type, read_result_file};
use crate::report::summary::{SCHEMA, Summary};
use crate::scenario::keys::MAX_DEVICES;

/// The `summary.json` of a results folder (or the file itself, if `path` names one).
pub fn summary_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("summary.json")
    } else {
        path.to_path_buf()
    }
}

/// Why a results folder's `summary.json` cannot be used; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    /// The file cannot be read (absent, unreadable, not a results folder).
    #[error("{role} {}: cannot read {}: {source} (is it a cofleet results folder?)", dir.display(), file.display())]
    Unreadable {
        /// The flag or argument that named the folder ("--current", "--baseline").
        role: String,
        /// The folder as given.
        dir: PathBuf,
        /// The summary file.
        file: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a regular file, or too large to be a summary.
    #[error(transparent)]
    File(ReadError),
    /// The file is not JSON.
    #[error("{}: not valid JSON: {source}", file.display())]
    NotJson {
        /// The summary file.
        file: PathBuf,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// Written with another summary schema.
    #[error(
        "{}: summary schema {found} is not supported; this cofleet reads schema {SCHEMA} (re-run the \
         scenario, or re-save the baseline, with this cofleet)",
        file.display()
    )]
    OtherSchema {
        /// The summary file.
        file: PathBuf,
        /// The schema it says.
        found: u64,
    },
    /// A `"schema"` that is not a number (a forged or hand-edited file).
    #[error("{}: \"schema\" is {found}, expected the number {SCHEMA}", file.display())]
    SchemaType {
        /// The summary file.
        file: PathBuf,
        /// The JSON type it has ("a string").
        found: &'static str,
    },
    /// Written by a cofleet from before summaries carried a schema.
    #[error(
        "{}: no \"schema\" field: written by an older cofleet; re-run it with this one (schema {SCHEMA})",
        file.display()
    )]
    NoSchema {
        /// The summary file.
        file: PathBuf,
    },
    /// JSON of the right schema number, but not a summary.
    #[error("{}: not a cofleet summary (schema {SCHEMA}): {source}", file.display())]
    NotSummary {
        /// The summary file.
        file: PathBuf,
        /// The parser's error, naming the field.
        source: serde_path_to_error::Error<serde_json::Error>,
    },
    /// A field outside what any run can produce (a forged file): it would size what the readers allocate.
    #[error("{}: {detail}", file.display())]
    OutOfRange {
        /// The summary file.
        file: PathBuf,
        /// The field, its value and the allowed range.
        detail: String,
    },
    /// The run stopped before it finished.
    #[error("{}: the run did not finish (\"complete\": false)", file.display())]
    Unfinished {
        /// The summary file.
        file: PathBuf,
    },
}

/// Reads and checks `summary.json` below `dir`; `role` ("--current", "--baseline") names the flag in errors.
pub fn read_summary(dir: &Path, role: &str) -> Result<Summary, SummaryError> {
    read_summary_bytes(dir, role).map(|(summary, _)| summary)
}

/// [`read_summary`], with the file's bytes (what `baseline save` copies: exactly what was checked).
pub fn read_summary_bytes(dir: &Path, role: &str) -> Result<(Summary, Vec<u8>), SummaryError> {
    let file = summary_path(dir);
    let bytes = match read_result_file(&file, SUMMARY_CAP) {
        Ok(bytes) => bytes,
        Err(ReadError::Io { source, .. }) => {
            return Err(SummaryError::Unreadable {
                role: role.to_string(),
                dir: dir.to_path_buf(),
                file,
                source,
            });
        }
        Err(e) => return Err(SummaryError::File(e)),
    };
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(source) => return Err(SummaryError::NotJson { file, source }),
    };
    match value.get("schema") {
        Some(serde_json::Value::Number(n)) => match n.as_u64() {
            Some(v) if v == u64::from(SCHEMA) => {}
            Some(found) => return Err(SummaryError::OtherSchema { file, found }),
            None => {
                return Err(SummaryError::SchemaType {
                    file,
                    found: "not a whole number ≥ 0",
                });
            }
        },
        Some(other) => {
            return Err(SummaryError::SchemaType {
                file,
                found: json_type(other),
            });
        }
        None => return Err(SummaryError::NoSchema { file }),
    }
    let summary: Summary = match from_json(value) {
        Ok(summary) => summary,
        Err(source) => return Err(SummaryError::NotSummary { file, source }),
    };
    if !summary.complete {
        return Err(SummaryError::Unfinished { file });
    }
    if let Err(detail) = check_ranges(&summary) {
        return Err(SummaryError::OutOfRange { file, detail });
    }
    Ok((summary, bytes))
}

/// Checks the fields that size what readers allocate or iterate against the limits of any scenario: the
/// fleet, the simulated span and the load bucket (the layout of `load.csv` is checked against them).
pub fn check_ranges(summary: &Summary) -> Result<(), String> {
    if u64::from(summary.devices) > MAX_DEVICES {
        return Err(format!(
            "devices is {}, above the limit of {MAX_DEVICES} of any scenario",
            summary.devices
        ));
    }
    if !(HOUR..=MAX_SPAN).contains(&summary.duration_s) {
        return Err(format!(
            "duration_s is {}, outside the range of any scenario ({HOUR} to {MAX_SPAN} s)",
            summary.duration_s
        ));
    }
    if let Some(load) = &summary.load {
        let bucket = load.bucket_s;
        if bucket == 0 || !HOUR.is_multiple_of(bucket) {
            return Err(format!(
                "load.bucket_s is {bucket}; a load bucket is 1 to {HOUR} s and divides an hour"
            ));
        }
    }
    Ok(())
}
