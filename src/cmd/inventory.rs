//! `cofleet inventory summarize`: read an inventory as a scenario would and print what was understood.

use crate::cli::{InventoryAction, InventoryArgs};
use crate::inventory::{Format, read};
use crate::job::error::{Error, ExitCode};

/// Runs `cofleet inventory …`.
pub fn inventory(args: &InventoryArgs) -> Result<ExitCode, Error> {
    match &args.action {
        InventoryAction::Summarize(a) => {
            let format = Format::parse(&a.format).unwrap_or_default();
            let inv = read(&a.file, format, &a.maps)
                .map_err(|e| Error::refused(format!("{}: {e}", a.file.display())))?;
            super::print_stdout(&format!("{}: {}", a.file.display(), inv.understood))?;
            Ok(ExitCode::Ok)
        }
    }
}
