//! `docs/scenario-format.md`, rendered from the schema: one section per table, one row per key with its
//! type, default, allowed range or values, unit, doc and source. The committed file is this function's
//! output; a test (`tests/scenario_format_doc.rs`) fails when they differ.

use super::schema::{Key, TABLES};

/// The markdown of `docs/scenario-format.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Scenario format\n\n\
         <!-- Generated from the scenario schema (src/scenario/keys.rs) by `cofleet::scenario::format_doc::markdown`.\n     \
         Do not edit by hand: regenerate with `COFLEET_UPDATE_DOCS=1 cargo test --test scenario_format_doc`. -->\n\n\
         A scenario is a TOML file; `scenarios/reference.toml` uses every key. An absent key takes its default; a \
         key marked *required* must be written. An unknown key, a value of the wrong type or out of range is an \
         error naming the file, line, column, key and what is allowed. `cofleet sweep --set key=v1,v2` and \
         `[[variant]]` tables override keys by the same dotted paths (`timers.policy_poll`, `stage.0.pilot`).\n\n\
         Durations are strings of a number and a unit (`s`, `m`, `h`, `d`, `w`), combinable: `\"90m\"`, \
         `\"1h30m\"`, `\"14d\"`; a number may have a decimal part (`\"1.5d\"`, `\"0.5h\"`) if the whole is a \
         whole number of seconds. A share is a number from 0 to 1 (`0.70`, not `70`). `cofleet check` lists \
         every problem of a file at once, with the closest allowed name for a misspelt key or value.\n\n\
         Sources: MD = MicrosoftDocs/memdocs, SA = SupportArticles-docs, AZ = azure-docs; `docs/model.md §N` is \
         the model's account of the fact. *[assumption]* marks a figure no source publishes.\n",
    );
    for table in TABLES {
        out.push_str(&format!("\n## {}\n\n{}\n\n", table.header(), table.doc));
        out.push_str("| Key | Type | Default | Allowed | Unit | Meaning | Source |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for key in table.keys() {
            out.push_str(&row(key));
        }
    }
    out
}

fn row(key: &Key) -> String {
    let cells = [
        format!("`{}`", key.name),
        key.kind.type_name().to_string(),
        key.preset.written(),
        key.kind.range(),
        key.unit.to_string(),
        key.doc.to_string(),
        key.source.to_string(),
    ];
    let cells: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.is_empty() {
                "—".to_string()
            } else {
                c.replace('|', "\\|")
            }
        })
        .collect();
    format!("| {} |\n", cells.join(" | "))
}
