//! Scenario files: TOML in, a validated [`Scenario`] out, or every problem with its file, line, column, key,
//! what was wrong and the allowed range.
//!
//! The format is the contract in `scenarios/reference.toml`;
//! every key is one row of [`keys`] (see [`schema`]), from which validation, defaults, `--set` checking and
//! `docs/scenario-format.md` ([`format_doc`]) come.

pub mod format_doc;
pub mod keys;
pub mod lookup;
pub mod name;
pub mod overrides;
mod read;
pub mod schema;
mod section;
pub mod suggest;
mod threshold;
mod validate;
mod walk;

use std::fmt;
use std::io::Read;
use std::path::Path;

pub use threshold::parse_threshold;

use crate::model::scenario::Scenario;
use crate::units::text::shown_key;

/// Largest scenario file read: a scenario with every key and the most stages, actions and variants allowed is
/// well under a megabyte.
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;

/// Problems listed in a message; the rest are counted (a file with thousands of bad tables gives a
/// readable message, and its first problems are the ones to fix first).
pub const MAX_PROBLEMS_SHOWN: usize = 50;

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
                for p in problems.iter().take(MAX_PROBLEMS_SHOWN) {
                    match p.place {
                        Some((line, col)) => write!(f, "\n  {file}:{line}:{col}: ")?,
                        None => write!(f, "\n  {file}: ")?,
                    }
                    if p.key.is_empty() {
                        write!(f, "{}", p.message)?;
                    } else {
                        write!(f, "{}: {}", shown_key(&p.key), p.message)?;
                    }
                }
                if n > MAX_PROBLEMS_SHOWN {
                    let more = n - MAX_PROBLEMS_SHOWN;
                    write!(
                        f,
                        "\n  … and {more} more problem{}",
                        if more == 1 { "" } else { "s" }
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Says on stderr, one line each, what the valid scenario in file `path` asks for that its run will not see or
/// the product does not do (a configuration error fixed after the end, a stage listing `resource_access` on a
/// ConfigMgr version that merged it); warnings do not change the exit code.
pub fn warn(path: &Path, scenario: &Scenario) {
    say(warnings(path, scenario));
}

/// Writes warning lines (as [`load_noting`] returns them) to stderr.
pub fn say(warnings: impl IntoIterator<Item = String>) {
    for w in warnings {
        eprintln!("{w}");
    }
}

/// The lines [`warn`] writes.
fn warnings(path: &Path, scenario: &Scenario) -> Vec<String> {
    validate::warnings(scenario)
        .into_iter()
        .map(|w| format!("warning: {}: {w}", path.display()))
        .collect()
}

/// Reads and validates a scenario file, and reads its inventory if it has one; its warnings go to stderr.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let (scenario, warnings) = load_noting(path)?;
    say(warnings);
    Ok(scenario)
}

/// [`load`], with its warnings (whole lines, `warning: FILE: …`) returned for the caller to show — once,
/// where several processes read the same file (the ranks of an MPI job: rank 0 says them).
pub fn load_noting(path: &Path) -> Result<(Scenario, Vec<String>), ScenarioError> {
    let text = read_text(path)?;
    let mut scenario = parse(&text, &path.display().to_string())?;
    let mut noted = warnings(path, &scenario);
    noted.extend(attach_inventory_noting(&mut scenario, path)?);
    Ok((scenario, noted))
}

/// Reads the scenario's `[fleet] inventory` (relative to the scenario file at `path`) into its fleet; an
/// absent `devices` becomes the inventory's device rows. Unknown columns are a warning on stderr.
pub fn attach_inventory(scenario: &mut Scenario, path: &Path) -> Result<(), ScenarioError> {
    say(attach_inventory_noting(scenario, path)?);
    Ok(())
}

/// [`attach_inventory`], with its warning returned rather than written.
fn attach_inventory_noting(
    scenario: &mut Scenario,
    path: &Path,
) -> Result<Vec<String>, ScenarioError> {
    let Some(inv) = scenario.fleet.inventory.as_mut() else {
        return Ok(Vec::new());
    };
    let file = path.parent().unwrap_or(Path::new("")).join(&inv.file);
    let format = crate::inventory::Format::parse(&inv.format).unwrap_or_default();
    let read = crate::inventory::read(&file, format, &[]).map_err(|e| ScenarioError::Invalid {
        file: path.display().to_string(),
        problems: vec![Problem {
            place: None,
            key: "fleet.inventory".into(),
            message: format!("{}: {e}", file.display()),
        }],
    })?;
    let mut noted = Vec::new();
    if !read.understood.unknown_columns.is_empty() {
        noted.push(format!(
            "warning: {}: unknown columns ignored: {}",
            file.display(),
            read.understood.unknown_columns.join(", ")
        ));
    }
    inv.facts = std::sync::Arc::new(read.facts);
    if scenario.fleet.devices == 0 {
        scenario.fleet.devices = u32::try_from(inv.facts.len()).unwrap_or(u32::MAX);
    }
    Ok(noted)
}

/// Reads a scenario file as UTF-8 text (for callers that apply overrides before validating).
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    let file = path.display().to_string();
    let io = |source| ScenarioError::Io {
        file: file.clone(),
        source,
    };
    // At most MAX_SCENARIO_BYTES + 1 are read, so a device that never ends (`/dev/zero`) is refused instead of
    // filling the memory. A FIFO is read like a file (process substitution, `<(…)`): it waits for its writer.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(io(std::io::Error::other(format!(
            "larger than {} MiB; a scenario is a small TOML file",
            MAX_SCENARIO_BYTES >> 20
        ))));
    }
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

/// The places of a text's byte offsets, from an index of where each line starts built once: a problem's
/// place is a binary search and a count of the characters before it on its line, so reporting every problem
/// of a file stays linear in the file (rescanning the text for each problem made 10,000 bad tables take a
/// minute).
pub(crate) struct Lines<'t> {
    text: &'t str,
    /// Byte offset of the start of each line (the first is 0).
    starts: Vec<usize>,
    /// The last place computed (line index, byte offset, column): problems mostly come in file order, so
    /// the next column is counted from there rather than from the start of a long line.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'t> Lines<'t> {
    /// Indexes `text`.
    pub(crate) fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines {
            text,
            starts,
            last: std::cell::Cell::new((0, 0, 1)),
        }
    }

    /// 1-based (line, column) of a byte offset (clamped to the text, moved back to a character boundary).
    pub(crate) fn place(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let (last_line, last_offset, last_col) = self.last.get();
        let (from, col) = if last_line == line && last_offset <= offset {
            (last_offset, last_col)
        } else {
            (self.starts[line], 1)
        };
        let col = col + self.text[from..offset].chars().count();
        self.last.set((line, offset, col));
        (line + 1, col)
    }
}

/// 1-based (line, column) of a byte offset, for a single place (several: [`Lines`]).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    Lines::new(text).place(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_count_characters_from_the_line_start_in_any_order() {
        let text = "ab\nçd = 1\n\nx";
        let lines = Lines::new(text);
        for (offset, place) in [
            (8, (2, 5)),
            (0, (1, 1)),
            (3, (2, 1)),
            (6, (2, 3)),
            (12, (4, 1)),
        ] {
            assert_eq!(lines.place(offset), place, "offset {offset}");
            assert_eq!(line_col(text, offset), place, "offset {offset}");
        }
        assert_eq!(lines.place(4), (2, 1), "inside a character: its start");
        assert_eq!(lines.place(99), (4, 2), "past the end: the end");
    }

    #[test]
    fn messages_list_the_first_problems_then_a_count() {
        let problems = (0..MAX_PROBLEMS_SHOWN + 7)
            .map(|i| Problem {
                place: Some((i + 1, 1)),
                key: format!("stage.{i}.n\u{430}me"),
                message: "bad".into(),
            })
            .collect();
        let text = ScenarioError::Invalid {
            file: "f.toml".into(),
            problems,
        }
        .to_string();
        assert_eq!(text.lines().count(), MAX_PROBLEMS_SHOWN + 2, "{text}");
        assert!(text.ends_with("… and 7 more problems"), "{text}");
        assert!(text.contains("stage.0.n\\u{430}me: bad"), "{text}");
    }
}
