//! Reading a results folder's `summary.json` for the gate and `baseline save`: refuses a missing, corrupt,
//! unfinished or other-schema file with a message naming it, so that a comparison never runs on bad data.

use std::path::{Path, PathBuf};

use crate::report::summary::{SCHEMA, Summary};

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
        /// The parser's error.
        source: serde_json::Error,
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
    let file = summary_path(dir);
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(source) => {
            return Err(SummaryError::Unreadable {
                role: role.to_string(),
                dir: dir.to_path_buf(),
                file,
                source,
            });
        }
    };
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(source) => return Err(SummaryError::NotJson { file, source }),
    };
    match value.get("schema").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(SCHEMA) => {}
        Some(found) => return Err(SummaryError::OtherSchema { file, found }),
        None => return Err(SummaryError::NoSchema { file }),
    }
    let summary: Summary = match serde_json::from_value(value) {
        Ok(summary) => summary,
        Err(source) => return Err(SummaryError::NotSummary { file, source }),
    };
    if !summary.complete {
        return Err(SummaryError::Unfinished { file });
    }
    Ok(summary)
}
