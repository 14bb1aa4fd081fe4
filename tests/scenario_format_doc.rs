//! `docs/scenario-format.md` is generated from the scenario schema; this test fails when the committed file
//! differs from what the schema renders, so the documentation cannot drift from the validator.
//!
//! Regenerate after changing a key: `COFLEET_UPDATE_DOCS=1 cargo test --test scenario_format_doc`.

use std::path::Path;

use cofleet::scenario::format_doc::markdown;

#[test]
fn committed_scenario_format_doc_is_the_generated_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md");
    let generated = markdown();
    if std::env::var_os("COFLEET_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().expect("docs/ has a parent")).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()))
            + 1;
        panic!(
            "docs/scenario-format.md differs from the scenario schema (first at line {line}); regenerate it with\n  \
             COFLEET_UPDATE_DOCS=1 cargo test --test scenario_format_doc\nand commit the result"
        );
    }
}

#[test]
fn every_key_of_the_schema_is_documented() {
    let doc = markdown();
    for key in cofleet::scenario::keys::KEYS {
        assert!(
            doc.contains(&format!("| `{}` |", key.name)),
            "{} is missing from the generated doc",
            key.path()
        );
    }
}
