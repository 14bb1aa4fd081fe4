//! Shared by the hostile-input corpus (`tests/untrusted_results.rs`, `tests/output_policy.rs`,
//! `tests/hostile_input.rs`, `tests/result_fuzz.rs`): runs the real `cofleet` binary so that no input can hang
//! or overrun the machine running the tests.
//!
//! Every child runs with a deadline (it is killed and reported as hung past it), an address-space limit
//! (`RLIMIT_AS`: an input that makes cofleet allocate gigabytes aborts the child, not the CI machine), stdin
//! closed, and its stdout and stderr drained on threads and kept up to a cap (a command that echoes a huge
//! input cannot fill the pipe and stall, nor fill the test's memory). A failed assertion prints the command,
//! how it ended, how long it took and the start of its stderr: the corpus doubles as a work list.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_cofleet");

/// Deadline of a child unless a test sets another: tiny fleets finish in about a second in a debug build.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Address-space limit of a child unless a test sets another: far above what a tiny fleet needs, far below
/// what the machine has.
pub const ADDRESS_SPACE: u64 = 4 << 30;

/// Bytes of each output stream kept for assertions (the rest is counted, not stored).
const KEPT: usize = 1 << 20;

/// Scheduler and MPI variables that would change what `sweep` does.
const SCHEDULER_VARS: [&str; 7] = [
    "JOB_COMPLETION_INDEX",
    "COFLEET_SHARD_COUNT",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_COUNT",
    "OMPI_COMM_WORLD_SIZE",
    "PMI_SIZE",
];

/// One invocation of the binary, configured before it starts.
pub struct Invocation {
    args: Vec<OsString>,
    cwd: Option<PathBuf>,
    deadline: Duration,
    address_space: u64,
}

/// `cofleet ARGS` with the default deadline and address-space limit.
pub fn cofleet<I, S>(args: I) -> Invocation
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Invocation {
        args: args
            .into_iter()
            .map(|a| a.as_ref().to_os_string())
            .collect(),
        cwd: None,
        deadline: DEADLINE,
        address_space: ADDRESS_SPACE,
    }
}

impl Invocation {
    /// Runs in `dir`.
    pub fn cwd(mut self, dir: &Path) -> Self {
        self.cwd = Some(dir.to_path_buf());
        self
    }

    /// Kills the child after `seconds`.
    pub fn deadline(mut self, seconds: u64) -> Self {
        self.deadline = Duration::from_secs(seconds);
        self
    }

    /// Limits the child's address space to `bytes`.
    pub fn address_space(mut self, bytes: u64) -> Self {
        self.address_space = bytes;
        self
    }

    /// Appends an argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    fn describe(&self) -> String {
        let mut text = String::from("cofleet");
        for a in &self.args {
            let a = a.to_string_lossy();
            let shown: String = if a.chars().count() > 80 {
                format!(
                    "{}…({} bytes)",
                    a.chars().take(60).collect::<String>(),
                    a.len()
                )
            } else {
                a.into_owned()
            };
            text.push(' ');
            text.push_str(&format!("{shown:?}"));
        }
        text
    }

    /// Starts the child; [`Running::finish`] waits for it.
    pub fn spawn(self) -> Running {
        let mut cmd = Command::new(BIN);
        cmd.args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        for var in SCHEDULER_VARS {
            cmd.env_remove(var);
        }
        let limit = self.address_space;
        // SAFETY: only setrlimit(2), which is async-signal-safe, runs between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let rlimit = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &rlimit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let started = Instant::now();
        let mut child = cmd.spawn().expect("the cofleet binary starts");
        let stdout = drain(child.stdout.take().expect("piped stdout"));
        let stderr = drain(child.stderr.take().expect("piped stderr"));
        Running {
            what: self.describe(),
            child,
            started,
            deadline: self.deadline,
            stdout,
            stderr,
        }
    }

    /// Runs the child to its end (or its deadline).
    pub fn run(self) -> Outcome {
        self.spawn().finish()
    }
}

fn drain(mut stream: impl Read + Send + 'static) -> JoinHandle<(Vec<u8>, usize)> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut total = 0;
        let mut buf = [0u8; 64 * 1024];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n;
                    let room = KEPT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        (kept, total)
    })
}

/// A started child.
pub struct Running {
    what: String,
    child: Child,
    started: Instant,
    deadline: Duration,
    stdout: JoinHandle<(Vec<u8>, usize)>,
    stderr: JoinHandle<(Vec<u8>, usize)>,
}

impl Running {
    /// The child's process id.
    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("a pid fits i32")
    }

    /// Whether the child is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// Sends `signal` to the child (which has not been reaped: [`Running::finish`] takes `self`).
    pub fn signal(&mut self, signal: i32) {
        if self.is_running() {
            // SAFETY: kill(2) on the pid of our own child, which try_wait just saw running.
            assert_eq!(unsafe { libc::kill(self.pid(), signal) }, 0, "kill failed");
        }
    }

    /// Waits for the child up to its deadline, killing it past that.
    pub fn finish(mut self) -> Outcome {
        let mut hung = false;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if self.started.elapsed() > self.deadline {
                hung = true;
                let _ = self.child.kill();
                break self.child.wait().expect("wait after kill");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let took = self.started.elapsed();
        let (stdout, stdout_len) = self.stdout.join().expect("stdout reader");
        let (stderr, stderr_len) = self.stderr.join().expect("stderr reader");
        Outcome {
            what: self.what,
            code: status.code(),
            signal: status.signal(),
            hung,
            took,
            deadline: self.deadline,
            stdout,
            stdout_len,
            stderr,
            stderr_len,
        }
    }
}

/// How a child ended.
pub struct Outcome {
    /// The command line, for messages.
    pub what: String,
    /// Exit code, when it exited.
    pub code: Option<i32>,
    /// The signal that ended it (our SIGKILL when it hung).
    pub signal: Option<i32>,
    /// Killed at its deadline.
    pub hung: bool,
    /// Wall-clock time from start to end.
    pub took: Duration,
    deadline: Duration,
    /// The first bytes of stdout.
    pub stdout: Vec<u8>,
    /// Bytes written to stdout.
    pub stdout_len: usize,
    /// The first bytes of stderr.
    pub stderr: Vec<u8>,
    /// Bytes written to stderr.
    pub stderr_len: usize,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` ", self.what)?;
        if self.hung {
            write!(f, "hung: killed after {:.1?}", self.deadline)?;
        } else if let Some(code) = self.code {
            write!(f, "exited {code} after {:.2?}", self.took)?;
        } else {
            write!(
                f,
                "killed by signal {} after {:.2?}",
                self.signal.unwrap_or(0),
                self.took
            )?;
        }
        let err = self.stderr();
        let head: String = err.chars().take(900).collect();
        write!(f, "; stderr ({} bytes): {head:?}", self.stderr_len)?;
        if self.stdout_len > 0 {
            let out = String::from_utf8_lossy(&self.stdout);
            let head: String = out.chars().take(200).collect();
            write!(f, "; stdout ({} bytes): {head:?}", self.stdout_len)?;
        }
        Ok(())
    }
}

impl Outcome {
    /// stderr as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// stdout as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Whether the run ended without a hang, a signal, a panic or an abort.
    pub fn crashed(&self) -> bool {
        let err = self.stderr();
        self.hung
            || self.signal.is_some()
            || matches!(self.code, Some(101 | 134 | 137 | 139))
            || err.contains("panicked")
            || err.contains("memory allocation of")
            || err.contains("has overflowed its stack")
    }

    /// No hang, no signal, no panic, no abort.
    pub fn assert_no_crash(&self) {
        assert!(!self.crashed(), "crashed or hung: {self}");
    }

    /// No crash, and exit `code`.
    pub fn assert_code(&self, code: i32) {
        self.assert_no_crash();
        assert_eq!(self.code, Some(code), "expected exit {code}: {self}");
    }

    /// No crash, and an exit code among `codes`.
    pub fn assert_code_in(&self, codes: &[i32]) {
        self.assert_no_crash();
        assert!(
            self.code.is_some_and(|c| codes.contains(&c)),
            "expected an exit code in {codes:?}: {self}"
        );
    }

    /// Exit 2 with a message naming every one of `needles`.
    pub fn assert_refused(&self, needles: &[&str]) {
        self.assert_code(2);
        let err = self.stderr();
        for n in needles {
            assert!(err.contains(n), "expected `{n}` in the message: {self}");
        }
    }

    /// Ended within `limit`.
    pub fn assert_within(&self, limit: Duration) {
        assert!(
            !self.hung && self.took < limit,
            "took longer than {limit:?}: {self}"
        );
    }
}

/// A tiny scenario: 300 devices for a day, about a second in a debug build.
pub fn tiny_scenario(name: &str) -> String {
    format!("name = \"{name}\"\nseed = 3\nduration = \"1d\"\n[fleet]\ndevices = 300\n")
}

/// A sweep scenario: 2 poll intervals × 2 replicas = 4 runs of 300 devices for a day.
pub const SWEEP_SCENARIO: &str =
    "name = \"sh\"\nseed = 5\nduration = \"1d\"\n[fleet]\ndevices = 300\n";
/// The `--set` and `--replicas` arguments of [`SWEEP_SCENARIO`]'s sweep.
pub const SWEEP_ARGS: [&str; 4] = ["--set", "timers.policy_poll=30m,60m", "--replicas", "2"];

/// The fixtures' folder, once made.
static FIXTURES: OnceLock<PathBuf> = OnceLock::new();

/// Removes the fixtures when the test process exits (statics are never dropped).
extern "C" fn remove_fixtures() {
    if let Some(dir) = FIXTURES.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The pristine fixtures, made once per test process in cargo's scratch folder: a run (`run/`, scenario
/// "tiny"), the two shards of a sharded sweep (`s0/`, `s1/`) and that sweep unsharded (`sweep/`).
fn fixtures() -> &'static Path {
    FIXTURES.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("hostile-fixtures-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("a scratch folder")
            .keep();
        // SAFETY: registers a plain function with no captured state; it runs once, at exit.
        unsafe { libc::atexit(remove_fixtures) };
        std::fs::write(dir.join("tiny.toml"), tiny_scenario("tiny")).unwrap();
        std::fs::write(dir.join("sh.toml"), SWEEP_SCENARIO).unwrap();
        cofleet(["run", "tiny.toml", "--out", "run", "--quiet"])
            .cwd(&dir)
            .run()
            .assert_code(0);
        for (i, out) in ["s0", "s1"].iter().enumerate() {
            let shard = format!("{i}/2");
            cofleet([
                "sweep", "sh.toml", "--out", out, "--quiet", "--shard", &shard,
            ])
            .args_from(&SWEEP_ARGS)
            .cwd(&dir)
            .run()
            .assert_code(0);
        }
        cofleet(["sweep", "sh.toml", "--out", "sweep", "--quiet"])
            .args_from(&SWEEP_ARGS)
            .cwd(&dir)
            .run()
            .assert_code(0);
        dir
    })
}

impl Invocation {
    /// Appends `args`.
    pub fn args_from(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(OsString::from));
        self
    }
}

/// A copy of the fixture `name` ("run", "s0", "s1", "sweep") at `to`.
pub fn fixture(name: &str, to: &Path) {
    copy_tree(&fixtures().join(name), to);
}

/// Copies the regular files and folders below `from` to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Edits the JSON file at `path` in place.
pub fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
}

/// Creates a FIFO at `path`.
pub fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: mkfifo(3) on a NUL-terminated path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

/// Whether `path` is a FIFO (not followed if a symlink).
pub fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

/// Whether `path` is a symlink.
pub fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Names in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A folder holding the user's own work, which no cofleet command may delete without `--force`.
pub fn user_folder(path: &Path) {
    std::fs::create_dir_all(path.join("chapters")).unwrap();
    std::fs::write(path.join("thesis.tex"), "years of work").unwrap();
    std::fs::write(path.join("chapters/one.tex"), "chapter one").unwrap();
}

/// Whether the folder made by [`user_folder`] is intact.
pub fn user_folder_intact(path: &Path) -> bool {
    std::fs::read_to_string(path.join("thesis.tex")).is_ok_and(|t| t == "years of work")
        && std::fs::read_to_string(path.join("chapters/one.tex")).is_ok_and(|t| t == "chapter one")
}
