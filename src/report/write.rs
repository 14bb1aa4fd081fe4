//! Writing a results folder so that it never looks complete unless it is: every file goes into a temporary
//! folder beside the target, which is renamed into place only when all files are written.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a results folder could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The target exists and is not a folder.
    #[error("{0}: exists and is not a folder; choose another --out")]
    NotADirectory(PathBuf),
    /// A stop was requested (Ctrl-C, SIGTERM) before the folder was moved into place; nothing was kept.
    #[error("interrupted before the results were moved into place")]
    Interrupted,
    /// An I/O step failed.
    #[error("{path}: {what}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
}

fn io<'a>(path: &'a Path, what: &'static str) -> impl FnOnce(std::io::Error) -> WriteError + 'a {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        what,
        source,
    }
}

/// Writes `files` (name, bytes) as the folder `target`, replacing a previous results folder there.
pub fn write_results<N: AsRef<str>>(
    target: &Path,
    files: &[(N, Vec<u8>)],
) -> Result<(), WriteError> {
    write_results_unless(target, files, &|| false)
}

/// [`write_results`], abandoned (the temporary folder removed, [`WriteError::Interrupted`]) as soon as
/// `stopped` says so — checked before each file and before the folder is moved into place — so a signal
/// that arrives while the files are written leaves neither results nor a temporary folder.
pub fn write_results_unless<N: AsRef<str>>(
    target: &Path,
    files: &[(N, Vec<u8>)],
    stopped: &dyn Fn() -> bool,
) -> Result<(), WriteError> {
    if target.exists() && !target.is_dir() {
        return Err(WriteError::NotADirectory(target.to_path_buf()));
    }
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .map_err(io(&parent, "cannot create the results folder's parent"))?;
    let base = target
        .file_name()
        .map_or_else(|| "results".into(), |n| n.to_string_lossy().into_owned());
    let tmp = parent.join(format!(".{base}.partial-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io(&tmp, "cannot remove a stale temporary folder"))?;
    }
    fs::create_dir(&tmp).map_err(io(&tmp, "cannot create a temporary folder"))?;
    let result = (|| {
        for (name, bytes) in files {
            if stopped() {
                return Err(WriteError::Interrupted);
            }
            let path = tmp.join(name.as_ref());
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(io(dir, "cannot create a folder"))?;
            }
            let mut f = fs::File::create(&path).map_err(io(&path, "cannot create"))?;
            f.write_all(bytes).map_err(io(&path, "cannot write"))?;
            f.sync_all().map_err(io(&path, "cannot flush"))?;
        }
        if stopped() {
            return Err(WriteError::Interrupted);
        }
        if target.exists() {
            let old = parent.join(format!(".{base}.old-{}", std::process::id()));
            fs::rename(target, &old)
                .map_err(io(target, "cannot move the previous results aside"))?;
            fs::rename(&tmp, target)
                .map_err(io(target, "cannot move the new results into place"))?;
            fs::remove_dir_all(&old).map_err(io(&old, "cannot remove the previous results"))?;
        } else {
            fs::rename(&tmp, target)
                .map_err(io(target, "cannot move the new results into place"))?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

/// Writes one file atomically: the bytes go to a temporary file beside `target`, renamed into place when
/// complete, so a reader (a CI job collecting a JUnit report) never sees half a file.
pub fn write_file(target: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    if target.is_dir() {
        return Err(WriteError::Io {
            path: target.to_path_buf(),
            what: "cannot write a file",
            source: std::io::Error::other("it is a folder"),
        });
    }
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io(&parent, "cannot create the file's folder"))?;
    let base = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = parent.join(format!(".{base}.partial-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(io(&tmp, "cannot create"))?;
        f.write_all(bytes).map_err(io(&tmp, "cannot write"))?;
        f.sync_all().map_err(io(&tmp, "cannot flush"))?;
        fs::rename(&tmp, target).map_err(io(target, "cannot move the file into place"))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
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
}
