//! Fuzzing: arbitrary TOML-ish scenario documents built from the real key names with random values,
//! types and garbage, and arbitrary `--set` override strings, through parse → validate → a tiny simulation.
//! The property is that nothing panics: every input is either a validated scenario that runs, or a list of
//! problems.
//!
//! `cargo test` runs a quick session (128 cases per property). A long session, in release:
//!
//! ```sh
//! PROPTEST_CASES=100000 cargo test --release --test fuzz
//! ```
//!
//! A crashing input proptest finds is shrunk and written to `tests/fuzz.proptest-regressions`; keep it
//! there (it is replayed first on every run) and add it to [`regressions`] once fixed.

use std::sync::LazyLock;

use cofleet::engine::simulate;
use cofleet::metrics::names::{Metric, STATS};
use cofleet::model::Model;
use cofleet::model::time::DAY;
use cofleet::scenario::{self, keys, overrides, schema};
use proptest::prelude::*;

/// One table of the fuzzer's vocabulary: how its header is written (empty for the top level), how a key path
/// into it starts (`stage.0.`), and its key names.
struct Family {
    header: String,
    prefix: String,
    keys: Vec<String>,
}

/// Key names of the scenario format, by table, from the library's schema (so a new key is fuzzed as soon as
/// it has its row); the fuzzer writes these far more often than random keys, so it reaches validation
/// instead of stopping at "unknown field". Free-form tables (thresholds, variants) get sample keys.
fn families() -> &'static [Family] {
    static FAMILIES: LazyLock<Vec<Family>> = LazyLock::new(|| {
        let mut out: Vec<Family> = schema::TABLES
            .iter()
            .map(|t| Family {
                header: if t.path.is_empty() {
                    String::new()
                } else {
                    t.header()
                },
                prefix: match (t.path, t.array) {
                    ("", _) => String::new(),
                    (p, true) => format!("{p}.0."),
                    (p, false) => format!("{}.", p.replacen("stage.", "stage.0.", 1)),
                },
                keys: t.keys().map(|k| k.name.to_string()).collect(),
            })
            .collect();
        let metrics = Metric::all().map(|m| m.name());
        out.push(Family {
            header: "[thresholds]".into(),
            prefix: "thresholds.".into(),
            keys: metrics
                .iter()
                .zip(STATS.iter().cycle())
                .map(|(m, s)| format!("\"{m}.{s}\""))
                .chain(["\"rollout.completed\"".into(), "\"counts.failed\"".into()])
                .collect(),
        });
        out.push(Family {
            header: "[[variant]]".into(),
            prefix: "variant.0.".into(),
            keys: std::iter::once("name".to_string())
                .chain(
                    keys::KEYS
                        .iter()
                        .map(|k| format!("\"{}\"", k.path().replacen("stage.", "stage.0.", 1))),
                )
                .collect(),
        });
        out
    });
    &FAMILIES
}

const WORDS: &[&str] = &[
    "compliance_policies",
    "windows_update_policies",
    "resource_access",
    "endpoint_protection",
    "device_configuration",
    "office_click_to_run",
    "client_apps",
    "intune",
    "pilot_intune",
    "configmgr",
    "halt",
    "rollback",
    "< 4h",
    "== 1",
    ">= 0.5",
    "3m for 15m",
    "15m for 2h",
];

/// A value of any type: mostly plausible (durations, shares, small counts), sometimes extreme or garbage.
fn value() -> impl Strategy<Value = String> {
    let duration = (
        0u64..100_000,
        prop::sample::select(vec!["s", "m", "h", "d", "w", "", "x"]),
    )
        .prop_map(|(n, u)| format!("\"{n}{u}\""));
    let short =
        (1u64..48, prop::sample::select(vec!["h", "m"])).prop_map(|(n, u)| format!("\"{n}{u}\""));
    prop_oneof![
        4 => short,
        3 => duration,
        4 => (0.0f64..1.0).prop_map(|f| format!("{f}")),
        3 => (0i64..300).prop_map(|i| i.to_string()),
        1 => any::<i64>().prop_map(|i| i.to_string()),
        1 => any::<f64>().prop_map(|f| format!("{f:?}")),
        1 => prop::sample::select(vec!["nan", "inf", "-inf", "-0.0", "1e308", "18446744073709551616"])
            .prop_map(String::from),
        2 => any::<bool>().prop_map(|b| b.to_string()),
        3 => prop::sample::select(WORDS).prop_map(|w| format!("\"{w}\"")),
        2 => prop::collection::vec(prop::sample::select(WORDS), 0..4)
            .prop_map(|ws| format!("[{}]", ws.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", "))),
        1 => (any::<u16>(), 0.0f64..1.0).prop_map(|(b, s)| format!("{{ {b} = {s} }}")),
        1 => "[ -~]{0,12}".prop_map(|s| format!("\"{}\"", s.replace(['"', '\\'], ""))),
        1 => "\\PC{0,8}",
    ]
}

/// One line: a table header, a key from that family, or garbage.
fn line() -> impl Strategy<Value = String> {
    let n = families().len();
    let keyed = (0..n, any::<prop::sample::Index>(), value()).prop_map(|(t, k, v)| {
        let f = &families()[t];
        let key = k.get(&f.keys);
        match f.header.as_str() {
            "" => format!("{key} = {v}"),
            header => format!("{header}\n{key} = {v}"),
        }
    });
    let bare = (0..n, any::<prop::sample::Index>(), value())
        .prop_map(|(t, k, v)| format!("{} = {v}", k.get(&families()[t].keys)));
    prop_oneof![
        6 => bare,
        4 => keyed,
        1 => Just("[[stage]]".to_string()),
        1 => Just("[stage.gate]".to_string()),
        1 => "[a-z_.\\[\\]]{1,12}( = [ -~]{0,8})?",
        1 => "\\PC{0,16}",
    ]
}

/// A document: usually starting like a real scenario (name and a small fleet), then random lines.
fn document() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        1u32..300,
        prop::collection::vec(line(), 0..24),
    )
        .prop_map(|(prefix, devices, lines)| {
            let mut text = if prefix {
                format!("name = \"fuzz\"\nduration = \"1d\"\n[fleet]\ndevices = {devices}\n")
            } else {
                String::new()
            };
            for l in lines {
                text.push_str(&l);
                text.push('\n');
            }
            text
        })
}

/// Validates `text` (with `sets` applied as `--set` overrides) and runs what validates, small.
fn exercise(text: &str, sets: &[String]) {
    let mut all = Vec::new();
    for set in sets {
        match overrides::parse_set(set) {
            Ok((key, values)) => all.extend(values.into_iter().map(|value| overrides::Override {
                key: key.clone(),
                value,
                place: None,
            })),
            Err(message) => assert!(!message.is_empty()),
        }
    }
    let parsed = if all.is_empty() {
        scenario::parse(text, "fuzz.toml")
    } else {
        scenario::parse_with_overrides(text, "fuzz.toml", "--set", &all)
    };
    match parsed {
        Ok(mut s) => {
            // Problems are reported by their Display; a valid one must run (small, to stay fast).
            s.fleet.devices = s.fleet.devices.min(200);
            if s.duration <= 2 * DAY {
                let model = Model::new(s);
                let outcome = simulate(&model, &|_| {});
                let _ = cofleet::report::run_files(&model.scenario, &outcome);
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    // The sweep planner sees the same text and the same --set values.
    let _ = cofleet::sweep::plan(text, "fuzz.toml", &[]);
}

fn set_string() -> impl Strategy<Value = String> {
    let key = (0..families().len(), any::<prop::sample::Index>()).prop_map(|(t, k)| {
        let f = &families()[t];
        format!("{}{}", f.prefix, k.get(&f.keys).trim_matches('"'))
    });
    prop_oneof![
        4 => (key, prop::collection::vec(value(), 1..3))
            .prop_map(|(k, vs)| format!("{k}={}", vs.join(",").replace('"', ""))),
        1 => "\\PC{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(128),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn scenario_documents_never_panic(text in document()) {
        exercise(&text, &[]);
    }

    #[test]
    fn set_overrides_never_panic(text in document(), sets in prop::collection::vec(set_string(), 1..3)) {
        exercise(&text, &sets);
    }
}

/// Inputs that once crashed (or nearly did), replayed on every run.
#[test]
fn regressions() {
    for (text, sets) in [
        ("name = \"fuzz\"\n[fleet]\ndevices = 1\n", &[][..]),
        (
            "name = \"fuzz\"\nduration = \"1h\"\n[fleet]\ndevices = 3\n[load]\nbucket = \"1s\"\n",
            &["fleet.devices=1,2".to_string()][..],
        ),
    ] {
        exercise(text, sets);
    }
}
