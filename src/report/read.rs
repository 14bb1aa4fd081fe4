//! Reading a file of a results folder back — `summary.json`, `shard.json`, `timeline.csv`, `load.csv`, a
//! shard's run files. A results folder is untrusted input (copied, edited, forged), so every read goes
//! through [`read_result_file`]: only a regular file is opened (a FIFO would block the read forever, a
//! device such as `/dev/zero` never ends), and at most a cap of bytes is read, so the size of what is read
//! never comes from the input. Field errors of the JSON files name the field ([`from_json`]).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::units::human_bytes;

/// Largest `summary.json` read: a run's summary is a few kilobytes (metrics, counts, up to 32 stages).
pub const SUMMARY_CAP: u64 = 16 << 20;
/// Largest `shard.json` read: its run list is one number per run of the shard.
pub const MARKER_CAP: u64 = 64 << 20;
/// Largest `timeline.csv`, `percentiles.csv` or `gate.json` read: a row per simulated hour is about a
/// megabyte for ten years, the longest span a scenario allows.
pub const TABLE_CAP: u64 = 256 << 20;
/// Largest `load.csv`, or any other file of a results folder, read: a month at one-minute buckets is a few
/// megabytes; this leaves room for the longest spans at the finest buckets a scenario allows.
pub const FILE_CAP: u64 = 1 << 30;

/// Why a result file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file cannot be opened or read (absent, unreadable).
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not a regular file: a folder, FIFO, socket or device is never read as a result file.
    #[error(
        "{}: not a regular file (a {kind}); a results folder holds regular files only",
        path.display()
    )]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is instead ("FIFO", "device", "folder").
        kind: &'static str,
    },
    /// Larger than cofleet ever writes such a file.
    #[error(
        "{}: too large: over the size limit of {} for this file (cofleet never writes one this big)",
        path.display(),
        human_bytes(*limit)
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, in bytes.
        limit: u64,
    },
}

impl ReadError {
    /// Whether the file does not exist (some result files are optional).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// The bytes of the result file `path`, if it is a regular file of at most `cap` bytes. A symbolic link is
/// followed to its target, which must be a regular file too; the type is checked before the file is opened
/// (so a FIFO is never opened, which would block) and again on the opened file, and at most `cap + 1` bytes
/// are read, whatever the file claims.
pub fn read_result_file(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let regular = |meta: &std::fs::Metadata| -> Result<(), ReadError> {
        if meta.is_file() {
            return Ok(());
        }
        Err(ReadError::NotRegular {
            path: path.to_path_buf(),
            kind: kind_of(meta),
        })
    };
    regular(&std::fs::metadata(path).map_err(io)?)?;
    let file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    regular(&meta)?;
    let too_large = || ReadError::TooLarge {
        path: path.to_path_buf(),
        limit: cap,
    };
    if meta.len() > cap {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

/// What a non-regular file is, in words.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "folder"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_socket() {
        "socket"
    } else if t.is_char_device() || t.is_block_device() {
        "device"
    } else {
        "special file"
    }
}

/// A JSON value read as `T`; the error names the field that failed (`plan.replicas: invalid value: …`),
/// which serde's own message does not.
pub fn from_json<T: DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize(value)
}

/// How a JSON value's type is said in a message ("a string", "a number").
pub fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_within_the_cap_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_result_file(&path, 5).unwrap(), b"12345");
        assert!(matches!(
            read_result_file(&path, 4),
            Err(ReadError::TooLarge { limit: 4, .. })
        ));
    }

    #[test]
    fn folders_and_devices_are_refused_and_absence_is_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_result_file(dir.path(), 10).unwrap_err();
        assert!(
            err.to_string().contains("not a regular file (a folder)"),
            "{err}"
        );
        let err = read_result_file(Path::new("/dev/zero"), 10).unwrap_err();
        assert!(err.to_string().contains("(a device)"), "{err}");
        let err = read_result_file(&dir.path().join("absent"), 10).unwrap_err();
        assert!(err.is_not_found(), "{err}");
    }

    #[test]
    fn a_field_error_names_the_field() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Plan {
            replicas: u32,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Marker {
            plan: Plan,
        }
        let err = from_json::<Marker>(serde_json::json!({"plan": {"replicas": -1}})).unwrap_err();
        assert!(err.to_string().starts_with("plan.replicas: "), "{err}");
    }
}
