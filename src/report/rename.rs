//! The two renames a results folder is committed with: swap two existing paths in one step
//! (`renameat2(RENAME_EXCHANGE)`), and move a path only where nothing is (`RENAME_NOREPLACE`). With them no
//! interleaving of processes and no SIGKILL leaves the target missing: it is either the old folder or the
//! new one at every instant. Where the kernel or the file system lacks `renameat2`, both report
//! [`Unsupported`](std::io::ErrorKind::Unsupported) and the caller falls back to plain renames.

use std::io;
use std::path::Path;

/// Atomically exchanges `a` and `b`; both must exist.
pub fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    renameat2(a, b, Flag::Exchange)
}

/// Renames `from` to `to` only if `to` does not exist (else `AlreadyExists`).
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    renameat2(from, to, Flag::NoReplace)
}

/// Which `renameat2` behaviour.
#[derive(Clone, Copy)]
enum Flag {
    Exchange,
    NoReplace,
}

#[cfg(target_os = "linux")]
fn renameat2(from: &Path, to: &Path, flag: Flag) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;

    let from = CString::new(from.as_os_str().as_bytes())?;
    let to = CString::new(to.as_os_str().as_bytes())?;
    let flags = match flag {
        Flag::Exchange => libc::RENAME_EXCHANGE,
        Flag::NoReplace => libc::RENAME_NOREPLACE,
    };
    // SAFETY: both paths are NUL-terminated C strings that live across the call; the system call reads them
    // and nothing else of this process's memory.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            flags,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        // No such system call (old kernel), or a file system that does not implement the flag.
        Some(libc::ENOSYS | libc::EINVAL | libc::EOPNOTSUPP) => {
            Err(io::Error::new(io::ErrorKind::Unsupported, err))
        }
        _ => Err(err),
    }
}

#[cfg(not(target_os = "linux"))]
fn renameat2(_from: &Path, _to: &Path, _flag: Flag) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "renameat2 is Linux-only",
    ))
}

/// Whether the process `pid` exists (it may belong to another user). A process id that cannot be one
/// (0, negative, above `i32`) is reported as not running.
pub fn process_running(pid: u64) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists and may be signalled; nothing is sent.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_swaps_and_noreplace_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::write(a.join("x"), "a").unwrap();
        std::fs::create_dir(&b).unwrap();
        match exchange(&a, &b) {
            Ok(()) => assert_eq!(std::fs::read_to_string(b.join("x")).unwrap(), "a"),
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::Unsupported),
        }
        match rename_noreplace(&a, &b) {
            Err(e) => assert!(
                matches!(
                    e.kind(),
                    io::ErrorKind::AlreadyExists | io::ErrorKind::Unsupported
                ),
                "{e}"
            ),
            Ok(()) => panic!("replaced an existing folder"),
        }
    }

    #[test]
    fn this_process_runs_and_pid_zero_does_not() {
        assert!(process_running(u64::from(std::process::id())));
        assert!(!process_running(0));
        assert!(!process_running(u64::MAX));
    }
}
