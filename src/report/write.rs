//! Writing a results folder so that it never looks complete unless it is, and is never missing: every file
//! goes into a temporary folder beside the target, `.NAME.partial-PID`, which is then exchanged with the
//! previous folder in one step (`renameat2(RENAME_EXCHANGE)`; renamed where nothing is yet), and the previous
//! results, now in the temporary's place, are removed. Temporaries a killed process left are cleaned by the
//! next write of the same folder ([`leftovers`]). An output that is a symbolic link is
//! written at the link's target (the link stays a link).

use std::collections::BTreeMap;
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::leftovers::{self, Leftover};
use super::output_file::{WriteError, io, write_file};
use super::rename;

/// Writes `files` (name, bytes) as the folder `target`, replacing a previous results folder there; returns
/// the leftovers of killed processes found beside it (removed when possible), for the caller to mention.
pub fn write_results<N: AsRef<str>>(
    target: &Path,
    files: &[(N, Vec<u8>)],
) -> Result<Vec<Leftover>, WriteError> {
    write_results_unless(target, files, &|| false)
}

/// [`write_results`], but when `stop()` says so once every file is written, the temporary folder is removed
/// and nothing is committed ([`WriteError::Stopped`]): a signal that arrives while the files are written
/// still leaves the previous state.
pub fn write_results_unless<N: AsRef<str>>(
    target: &Path,
    files: &[(N, Vec<u8>)],
    stop: &dyn Fn() -> bool,
) -> Result<Vec<Leftover>, WriteError> {
    let staging = Staging::open(target)?;
    for (name, bytes) in files {
        staging.write(name.as_ref(), bytes)?;
    }
    staging.commit_unless(stop)
}

/// A results folder being written: its files go into the temporary folder as they are ready — from any
/// thread, so that a run writes its data files while its plots are still being drawn — and
/// [`Staging::commit_unless`] moves the whole folder into place in one step. Dropped without a commit (an
/// error, a stop), the temporary folder is removed and the previous state stays.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    parent: PathBuf,
    base: String,
    tmp: PathBuf,
    /// Leftovers of killed processes found beside the target when it was opened.
    found: Vec<Leftover>,
    committed: bool,
}

impl Staging {
    /// Opens the temporary folder for `target` (after cleaning the leftovers of killed processes beside it).
    pub fn open(target: &Path) -> Result<Staging, WriteError> {
        let target = resolve(target)?;
        if target.exists() && !target.is_dir() {
            return Err(WriteError::NotADirectory(target));
        }
        let (parent, base) = parent_and_base(&target)?;
        fs::create_dir_all(&parent)
            .map_err(io(&parent, "cannot create the results folder's parent"))?;
        let found = leftovers::clean(&parent, &base);
        let tmp = parent.join(format!(".{base}.partial-{}", std::process::id()));
        if fs::symlink_metadata(&tmp).is_ok() {
            fs::remove_dir_all(&tmp).map_err(io(&tmp, "cannot remove a stale temporary folder"))?;
        }
        fs::create_dir(&tmp).map_err(io(&tmp, "cannot create a temporary folder"))?;
        Ok(Staging {
            target,
            parent,
            base,
            tmp,
            found,
            committed: false,
        })
    }

    /// Writes the file `name` (a path relative to the folder) and flushes it to the disk.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), WriteError> {
        self.write_with(name, |f| f.write_all(bytes))
    }

    /// [`Staging::write`] for a file produced piece by piece: `fill` writes its bytes into the file as they
    /// are ready, so a large file (`load.csv`) is never held whole in memory.
    pub fn write_with(
        &self,
        name: &str,
        fill: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
    ) -> Result<(), WriteError> {
        let path = self.tmp.join(name);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io(dir, "cannot create a folder"))?;
        }
        let mut f = fs::File::create(&path).map_err(io(&path, "cannot create"))?;
        fill(&mut f).map_err(io(&path, "cannot write"))?;
        f.sync_all().map_err(io(&path, "cannot flush"))
    }

    /// Moves the folder into place — unless `stop()` says so, when nothing is committed
    /// ([`WriteError::Stopped`]). Returns the leftovers found beside it, and the previous results if they
    /// could not be removed.
    pub fn commit_unless(mut self, stop: &dyn Fn() -> bool) -> Result<Vec<Leftover>, WriteError> {
        if stop() {
            return Err(WriteError::Stopped(self.target.clone()));
        }
        let previous = commit(&self.tmp, &self.target, &self.parent, &self.base)?;
        self.committed = true;
        let mut found = std::mem::take(&mut self.found);
        found.extend(previous);
        Ok(found)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Replaces entries inside the existing folder `dir`, leaving every other entry as it is: the files below
/// one top-level folder (`plots/…`) replace that folder as [`write_results`] does, and a top-level file
/// (`report.html`) replaces that file atomically. The folder itself is never renamed, so it may be the
/// current directory (`cofleet plot .`) or a link.
pub fn replace_inside<N: AsRef<str>>(
    dir: &Path,
    files: &[(N, Vec<u8>)],
) -> Result<Vec<Leftover>, WriteError> {
    let mut folders: BTreeMap<&str, Vec<(&str, Vec<u8>)>> = BTreeMap::new();
    let mut singles = Vec::new();
    for (name, bytes) in files {
        match name.as_ref().split_once('/') {
            Some((top, rest)) => folders.entry(top).or_default().push((rest, bytes.clone())),
            None => singles.push((name.as_ref(), bytes)),
        }
    }
    let mut found = Vec::new();
    for (top, inner) in folders {
        found.extend(write_results(&dir.join(top), &inner)?);
    }
    for (name, bytes) in singles {
        write_file(&dir.join(name), bytes)?;
    }
    Ok(found)
}

/// The path to write: a symbolic link (or `.`, `..`) is resolved, so the link's target is replaced and the
/// link stays; a link to nothing is refused.
fn resolve(target: &Path) -> Result<PathBuf, WriteError> {
    let link = fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink());
    if link || target.file_name().is_none() {
        return fs::canonicalize(target).map_err(io(
            target,
            "cannot resolve the symbolic link (does what it points to exist?)",
        ));
    }
    Ok(target.to_path_buf())
}

/// The folder holding `target` and its name.
fn parent_and_base(target: &Path) -> Result<(PathBuf, String), WriteError> {
    let Some(base) = target.file_name() else {
        return Err(io(target, "cannot replace this folder")(
            std::io::Error::other("it has no name (the root folder?)"),
        ));
    };
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, base.to_string_lossy().into_owned()))
}

/// Moves the complete temporary folder `tmp` to `target`: exchanged with a previous folder, or renamed where
/// there is none; another process creating or replacing `target` meanwhile only makes it try again. Returns
/// the previous results if they could not be removed.
fn commit(
    tmp: &Path,
    target: &Path,
    parent: &Path,
    base: &str,
) -> Result<Vec<Leftover>, WriteError> {
    let into_place = "cannot move the new results into place";
    for _ in 0..16 {
        match rename::exchange(tmp, target) {
            Ok(()) => {
                // `tmp` now holds the previous results.
                return Ok(match fs::remove_dir_all(tmp) {
                    Ok(()) => Vec::new(),
                    Err(e) => vec![Leftover {
                        path: tmp.to_path_buf(),
                        removed: Err(e),
                    }],
                });
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                match rename::rename_noreplace(tmp, target) {
                    Ok(()) => return Ok(Vec::new()),
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                    Err(e) if e.kind() == ErrorKind::Unsupported => {
                        return fs::rename(tmp, target)
                            .map(|()| Vec::new())
                            .map_err(io(target, into_place));
                    }
                    Err(e) => return Err(io(target, into_place)(e)),
                }
            }
            Err(e) if e.kind() == ErrorKind::Unsupported => {
                return two_renames(tmp, target, parent, base);
            }
            Err(e) => return Err(io(target, into_place)(e)),
        }
    }
    Err(io(target, into_place)(std::io::Error::other(
        "other processes kept replacing it",
    )))
}

/// Where `renameat2` is missing: the previous folder moved aside as `.NAME.old-PID`, the new one moved in,
/// the previous one removed. A kill between the renames leaves `.NAME.old-PID`, which the next write cleans.
fn two_renames(
    tmp: &Path,
    target: &Path,
    parent: &Path,
    base: &str,
) -> Result<Vec<Leftover>, WriteError> {
    if !target.exists() {
        fs::rename(tmp, target).map_err(io(target, "cannot move the new results into place"))?;
        return Ok(Vec::new());
    }
    let old = parent.join(format!(".{base}.old-{}", std::process::id()));
    fs::rename(target, &old).map_err(io(target, "cannot move the previous results aside"))?;
    if let Err(e) = fs::rename(tmp, target) {
        let _ = fs::rename(&old, target);
        return Err(io(target, "cannot move the new results into place")(e));
    }
    Ok(match fs::remove_dir_all(&old) {
        Ok(()) => Vec::new(),
        Err(e) => vec![Leftover {
            path: old,
            removed: Err(e),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out/run");
        write_results(&target, &[("a.txt", b"one".to_vec())]).unwrap();
        assert_eq!(fs::read(target.join("a.txt")).unwrap(), b"one");
        write_results(&target, &[("b.txt", b"two".to_vec())]).unwrap();
        assert!(!target.join("a.txt").exists());
        assert_eq!(fs::read(target.join("b.txt")).unwrap(), b"two");
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("out")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary folders are left behind");
    }

    #[test]
    fn refuses_a_file_as_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("file");
        fs::write(&target, b"x").unwrap();
        assert!(matches!(
            write_results(&target, &[("a", vec![])]),
            Err(WriteError::NotADirectory(_))
        ));
    }

    #[test]
    fn a_stop_before_the_commit_leaves_the_previous_state() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        let err = write_results_unless(&target, &[("a", vec![])], &|| true).unwrap_err();
        assert!(matches!(err, WriteError::Stopped(_)), "{err}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn files_staged_from_two_threads_are_committed_together() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        write_results(&target, &[("old.txt", b"old".to_vec())]).unwrap();
        let staging = Staging::open(&target).unwrap();
        std::thread::scope(|s| {
            s.spawn(|| staging.write("plots/a.svg", b"a").unwrap());
            s.spawn(|| staging.write("load.csv", b"b").unwrap());
        });
        // Nothing shows before the commit.
        assert!(target.join("old.txt").is_file());
        assert!(!target.join("load.csv").exists());
        staging.commit_unless(&|| false).unwrap();
        assert_eq!(fs::read(target.join("plots/a.svg")).unwrap(), b"a");
        assert_eq!(fs::read(target.join("load.csv")).unwrap(), b"b");
        assert!(!target.join("old.txt").exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_staging_dropped_without_a_commit_leaves_the_previous_state() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        write_results(&target, &[("old.txt", b"old".to_vec())]).unwrap();
        {
            let staging = Staging::open(&target).unwrap();
            staging.write("new.txt", b"new").unwrap();
        }
        assert_eq!(fs::read(target.join("old.txt")).unwrap(), b"old");
        assert!(!target.join("new.txt").exists());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "the temporary folder is removed"
        );
    }

    #[test]
    fn a_link_is_written_through_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::create_dir(&real).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_results(&link, &[("a", b"x".to_vec())]).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(real.join("a")).unwrap(), b"x");
    }

    #[test]
    fn replacing_inside_keeps_the_other_entries() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("keep.txt"), "k").unwrap();
        fs::create_dir(dir.path().join("plots")).unwrap();
        fs::write(dir.path().join("plots/old.svg"), "o").unwrap();
        let files = [
            ("plots/new.svg", b"n".to_vec()),
            ("report.html", b"r".to_vec()),
        ];
        replace_inside(dir.path(), &files).unwrap();
        assert!(dir.path().join("keep.txt").is_file());
        assert!(!dir.path().join("plots/old.svg").exists());
        assert!(dir.path().join("plots/new.svg").is_file());
        assert!(dir.path().join("report.html").is_file());
    }
}
