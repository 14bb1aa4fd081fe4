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

/// Reads and checks `summary.json` below `dir`; `role` ("--current", "--baseline") names the flag in errors.
pub fn read_summary(dir: &Path, role: &str) -> Result<Summary, String> {
    let file = summary_path(dir);
    let shown = file.display();
    let text = std::fs::read_to_string(&file).map_err(|e| {
        format!(
            "{role} {}: cannot read {shown}: {e} (is it a cofleet results folder?)",
            dir.display()
        )
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{shown}: not valid JSON: {e}"))?;
    match value.get("schema").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(SCHEMA) => {}
        Some(v) => {
            return Err(format!(
                "{shown}: summary schema {v} is not supported; this cofleet reads schema {SCHEMA} (re-run the \
                 scenario, or re-save the baseline, with this cofleet)"
            ));
        }
        None => {
            return Err(format!(
                "{shown}: no \"schema\" field: written by an older cofleet; re-run it with this one \
                 (schema {SCHEMA})"
            ));
        }
    }
    let summary: Summary = serde_json::from_value(value)
        .map_err(|e| format!("{shown}: not a cofleet summary (schema {SCHEMA}): {e}"))?;
    if !summary.complete {
        return Err(format!(
            "{shown}: the run did not finish (\"complete\": false)"
        ));
    }
    Ok(summary)
}
