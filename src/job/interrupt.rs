//! Ctrl-C and SIGTERM: a flag the engine polls at every chunk and epoch, so an interrupted run or sweep stops
//! soon, writes nothing, and says how far it got.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::job::error::Error;

/// Set by the Ctrl-C / SIGTERM handler; the engine stops at the next chunk or epoch once it is set.
static STOP: AtomicBool = AtomicBool::new(false);

/// The stop flag, installing the signal handler on first use. Installing replaces the default "die at once"
/// reaction to SIGINT/SIGTERM, so the process can remove what it started and say how far it got. When the
/// handler cannot be installed (another one owns the signals, as in a test harness), the flag still exists;
/// it is just never set, and the default reaction stays.
pub fn stop_flag() -> &'static AtomicBool {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
    });
    &STOP
}

/// Whether a stop was requested (after [`stop_flag`] installed the handler).
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The error of an interrupted job (exit 130): how far it had got; nothing was written.
pub fn interrupted(how_far: String) -> Error {
    Error::Interrupted { how_far }
}
