//! Scenario files: TOML in, a validated [`Scenario`] out, or every problem with its file, line, column, key,
//! what was wrong and the allowed range.
//!
//! The format is the contract in `scenarios/reference.toml`;
//! every key is one row of [`keys`] (see [`schema`]), from which validation, defaults, `--set` checking and
//! `docs/scenario-format.md` ([`format_doc`]) come.

pub mod format_doc;
pub mod keys;
pub mod name;
pub mod overrides;
mod read;
pub mod schema;
mod section;
mod threshold;
mod validate;
mod walk;

use std::fmt;
use std::path::Path;

pub use threshold::parse_threshold;

use crate::model::scenario::Scenario;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line and column, when the problem has a place in the file.
    pub place: Option<(usize, usize)>,
    /// Dotted key (`fleet.availability.always_on`, `stage.1.pilot`).
    pub key: String,
    /// What is wrong, and what is allowed.
    pub message: String,
}

/// Why a scenario could not be loaded.
#[derive(Debug)]
pub enum ScenarioError {
    /// The file could not be read.
    Io {
        /// The file.
        file: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file was read but is not a valid scenario.
    Invalid {
        /// The file.
        file: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Io { file, source } => {
                write!(f, "{file}: cannot read the scenario file: {source}")
            }
            ScenarioError::Invalid { file, problems } => {
                let n = problems.len();
                write!(
                    f,
                    "{file}: invalid scenario ({n} problem{})",
                    if n == 1 { "" } else { "s" }
                )?;
                for p in problems {
                    match p.place {
                        Some((line, col)) => write!(f, "\n  {file}:{line}:{col}: ")?,
                        None => write!(f, "\n  {file}: ")?,
                    }
                    if p.key.is_empty() {
                        write!(f, "{}", p.message)?;
                    } else {
                        write!(f, "{}: {}", p.key, p.message)?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = read_text(path)?;
    parse(&text, &path.display().to_string())
}

/// Reads a scenario file as UTF-8 text (for callers that apply overrides before validating).
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io {
        file: file.clone(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| ScenarioError::Invalid {
        file: file.clone(),
        problems: vec![Problem {
            place: None,
            key: String::new(),
            message: format!(
                "the file is not UTF-8 text (invalid byte at offset {}); a scenario is a TOML file",
                e.utf8_error().valid_up_to()
            ),
        }],
    })?;
    // Reliability: Windows editors (Notepad) save UTF-8 with a byte-order mark; it is not content.
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Validates scenario text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    validate::parse(text).map_err(|problems| ScenarioError::Invalid {
        file: file.to_string(),
        problems,
    })
}

/// Validates scenario text after applying `overrides` (see [`overrides`]); `label` names the variant or
/// `--set` combination in errors.
pub fn parse_with_overrides(
    text: &str,
    file: &str,
    label: &str,
    overrides: &[overrides::Override],
) -> Result<Scenario, ScenarioError> {
    overrides::build(text, file, label, overrides)
}

/// 1-based (line, column) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
