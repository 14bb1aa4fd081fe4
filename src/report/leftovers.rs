//! The recovery rule for temporaries a killed process left beside an output: `.NAME.partial-PID` (a folder
//! or file being built, or, after an exchange, the previous results being removed) and `.NAME.old-PID` (the
//! previous results moved aside by the plain-rename fallback). The next write of `NAME` removes those whose
//! process no longer runs — it is about to replace `NAME` anyway, so nothing they hold is still wanted — and
//! says so; those of a running process are another writer's and are left alone.

use std::path::{Path, PathBuf};

use super::rename::process_running;

/// A leftover found beside an output.
#[derive(Debug)]
pub struct Leftover {
    /// Its path.
    pub path: PathBuf,
    /// Whether it could be removed (else the error, and it stays).
    pub removed: Result<(), std::io::Error>,
}

impl Leftover {
    /// One line for stderr.
    pub fn note(&self) -> String {
        match &self.removed {
            Ok(()) => format!(
                "note: removed {}, left by a cofleet process that no longer runs",
                self.path.display()
            ),
            Err(e) => format!(
                "warning: {} was left by a cofleet process that no longer runs and cannot be removed ({e}); \
                 remove it by hand",
                self.path.display()
            ),
        }
    }
}

/// The process id in a temporary's name `.{base}.partial-PID` or `.{base}.old-PID`, if it is one.
fn temporary_pid(name: &str, base: &str) -> Option<u64> {
    let rest = name.strip_prefix('.')?.strip_prefix(base)?;
    let pid = rest
        .strip_prefix(".partial-")
        .or_else(|| rest.strip_prefix(".old-"))?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Removes the temporaries of `base` in `parent` whose process is gone (never this process's own), and
/// returns what was found. An unreadable `parent` has none.
pub fn clean(parent: &Path, base: &str) -> Vec<Leftover> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let own = u64::from(std::process::id());
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| temporary_pid(n, base))
                .is_some_and(|pid| pid != own && !process_running(pid))
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found
        .into_iter()
        .map(|path| {
            let removed = match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
                Ok(_) => std::fs::remove_file(&path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(e),
            };
            Leftover { path, removed }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_temporaries_carry_their_pid() {
        assert_eq!(temporary_pid(".out.partial-12", "out"), Some(12));
        assert_eq!(temporary_pid(".out.old-7", "out"), Some(7));
        assert_eq!(temporary_pid(".out.old-", "out"), None);
        assert_eq!(temporary_pid(".other.old-7", "out"), None);
        assert_eq!(temporary_pid(".out.old-7x", "out"), None);
        assert_eq!(temporary_pid("out.old-7", "out"), None);
    }

    #[test]
    fn only_dead_processes_temporaries_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let own = std::process::id();
        for name in [
            format!(".out.partial-{dead}"),
            format!(".out.partial-{own}"),
        ] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        std::fs::write(dir.path().join(format!(".out.old-{dead}")), "x").unwrap();
        let found = clean(dir.path(), "out");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|l| l.removed.is_ok()));
        assert!(dir.path().join(format!(".out.partial-{own}")).exists());
    }
}
