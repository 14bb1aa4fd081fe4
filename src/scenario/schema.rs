//! The scenario format as data: what a key's value may be ([`Kind`]), what an absent key means ([`Preset`])
//! and the tables ([`TABLES`]). The rows themselves are in [`super::keys`]; the lookups by path that the walk,
//! `--set` and the fuzzer use are in [`super::lookup`].
//!
//! One row per key is the single place a key is declared: validation of its type and range, its default
//! (the model's `Default` impls read an empty table through the same rows), `--set` and `[[variant]]` key
//! checking, the fuzzer's key list and the generated `docs/scenario-format.md` all come from it.

use crate::model::scenario::Burst;
use crate::model::time::Time;
use crate::units::format_duration;

/// Shares that must sum to 1 (availability profiles, OS builds) may miss it by this much.
pub const SUM_TOLERANCE: f64 = 1e-9;

/// What a key's value may be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Any string (names); extra rules, if any, are cross-field rules.
    Text,
    /// One of a fixed set of strings.
    Choice {
        /// The allowed spellings.
        names: &'static [&'static str],
        /// What a value is called in messages (`phase mode`, `authority`).
        what: &'static str,
    },
    /// A whole number in `min..=max`.
    Whole {
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// A finite number in `min..=max` (integers are accepted); a share is `0..=1`.
    Number {
        /// Smallest allowed.
        min: f64,
        /// Largest allowed.
        max: f64,
    },
    /// A share above 0 and at most 1.
    PositiveShare,
    /// A duration string (`"90m"`, `"1h30m"`) in `min..=max` seconds.
    Duration {
        /// Shortest allowed.
        min: Time,
        /// Longest allowed.
        max: Time,
    },
    /// `true` or `false`.
    Bool,
    /// An RFC 3339 date-time with a UTC offset (`model::calendar::Start`), as a TOML date-time or a string.
    Instant,
    /// A list of at most 10 check-in bursts, each `"<interval> for <span>"`.
    Bursts,
    /// A non-empty list of distinct workload names.
    Workloads,
    /// A table of OS build numbers and their shares, summing to 1.
    BuildShares,
    /// A table of CI thresholds, `"<metric>.<stat>" = "<op> <value>"`.
    Thresholds,
    /// `[[variant]]`: plan variants, read and checked by `scenario::overrides`.
    Variants,
}

/// What an absent key means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Preset {
    /// The key must be written.
    Required,
    /// The key may be absent, meaning "none" (no default value).
    Optional,
    /// Default for a [`Kind::Whole`] key.
    Whole(u64),
    /// Default for a [`Kind::Number`] key.
    Number(f64),
    /// Default for a [`Kind::Duration`] key, in seconds.
    Duration(Time),
    /// Default for a [`Kind::Bool`] key.
    Bool(bool),
    /// Default for a [`Kind::Choice`] key.
    Choice(&'static str),
    /// Default for a [`Kind::Bursts`] key.
    Bursts(&'static [Burst]),
    /// Default for a [`Kind::BuildShares`] key: (build, share), ascending by build.
    Builds(&'static [(u32, f64)]),
}

/// One scenario key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    /// The table it is in: `""` (top level), `"timers"`, `"stage"` (each `[[stage]]`), `"stage.gate"`.
    pub table: &'static str,
    /// Its name in that table.
    pub name: &'static str,
    /// What its value may be.
    pub kind: Kind,
    /// What an absent key means.
    pub preset: Preset,
    /// Unit of the value, when the kind does not say it (`"devices"`, `"requests/s"`).
    pub unit: &'static str,
    /// One line: what the key sets.
    pub doc: &'static str,
    /// Where a product default comes from, or why a figure is an assumption.
    pub source: &'static str,
}

impl Key {
    /// Dotted path without array indices: `timers.policy_poll`, `stage.gate.min_switched`.
    pub fn path(&self) -> String {
        if self.table.is_empty() {
            self.name.to_string()
        } else {
            format!("{}.{}", self.table, self.name)
        }
    }
}

/// One table of the format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Table {
    /// Dotted path without array indices (`""` is the top level).
    pub path: &'static str,
    /// An array of tables (`[[stage]]`, `[[action]]`), indexed `stage.0`, `stage.1`, … in key paths.
    pub array: bool,
    /// One line: what the table holds.
    pub doc: &'static str,
}

impl Table {
    /// How the table's header is written (`[fleet]`, `[[stage]]`, `[stage.gate]`; top level for `""`).
    pub fn header(&self) -> String {
        match (self.path, self.array) {
            ("", _) => "top level".to_string(),
            (p, true) => format!("[[{p}]]"),
            (p, false) => format!("[{p}]"),
        }
    }
}

/// Every table, in the order the format documents (and validation reports) them.
pub const TABLES: &[Table] = &[
    Table {
        path: "",
        array: false,
        doc: "The scenario's name, seed and simulated span.",
    },
    Table {
        path: "fleet",
        array: false,
        doc: "Who the devices are: size, path mix, arrivals and sites.",
    },
    Table {
        path: "fleet.availability",
        array: false,
        doc: "Share of devices per online profile; the three shares sum to 1.",
    },
    Table {
        path: "fleet.readiness",
        array: false,
        doc: "The state of the path-1 clients at t = 0 (not co-managed): shares inactive, unhealthy, on an ineligible OS build, already enrolled in Intune, or servers; together at most 1.",
    },
    Table {
        path: "fleet.attributes",
        array: false,
        doc: "Share of devices with each compliance-relevant attribute.",
    },
    Table {
        path: "fleet.attributes.new",
        array: false,
        doc: "The same shares for new Autopilot hardware (path 2); each key left out is as in `[fleet.attributes]`.",
    },
    Table {
        path: "fleet.osd_arrivals",
        array: false,
        doc: "Devices imaged by a ConfigMgr task sequence, added to `devices`; usually written inline, \
              `osd_arrivals = { count = 500, span = \"7d\" }`.",
    },
    Table {
        path: "comanagement",
        array: false,
        doc: "The co-management setup of the site: its ConfigMgr version, and the scope of automatic enrollment of path-1 clients and how it authenticates.",
    },
    Table {
        path: "timers",
        array: false,
        doc: "Product timers; each default is the product default where one exists.",
    },
    Table {
        path: "failures",
        array: false,
        doc: "Probability that one attempt of a step fails.",
    },
    Table {
        path: "failure",
        array: true,
        doc: "Failures by error code: each a `code`, the `share` of devices it hits, the `step` and whether it is `transient` or a `configuration` error (optionally `fixed_at`); `[failures]` stays the anonymous remainder.",
    },
    Table {
        path: "infrastructure",
        array: false,
        doc: "Management points and cloud management gateways.",
    },
    Table {
        path: "compliance",
        array: false,
        doc: "The Intune compliance policy the compliance_policies workload brings.",
    },
    Table {
        path: "load",
        array: false,
        doc: "How load is counted and fed back into device timing.",
    },
    Table {
        path: "stage",
        array: true,
        doc: "Rollout stages, in order: each moves some workloads to an authority.",
    },
    Table {
        path: "stage.gate",
        array: false,
        doc: "A stage's gate on measured results, checked at every collection evaluation.",
    },
    Table {
        path: "action",
        array: true,
        doc: "Intune remote actions (restart, sync, wipe, retire) and help-desk remote control sessions, sent to a share of devices or a stage's pilot.",
    },
];

impl Kind {
    /// The type as the documentation names it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Text => "string",
            Kind::Choice { .. } => "string (one of)",
            Kind::Whole { .. } => "whole number",
            Kind::Number { min, max } if *min == 0.0 && *max == 1.0 => "share",
            Kind::Number { .. } => "number",
            Kind::PositiveShare => "share",
            Kind::Duration { .. } => "duration",
            Kind::Bool => "bool",
            Kind::Instant => "date-time",
            Kind::Bursts => "list of bursts",
            Kind::Workloads => "list of workloads",
            Kind::BuildShares => "table: build = share",
            Kind::Thresholds => "table: metric = condition",
            Kind::Variants => "array of tables",
        }
    }

    /// The allowed values or range, as the documentation and the messages write them.
    pub fn range(&self) -> String {
        match self {
            Kind::Text => String::new(),
            Kind::Choice { names, .. } => {
                let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
                match quoted.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        format!("{} or {last}", rest.join(", "))
                    }
                    _ => quoted.concat(),
                }
            }
            Kind::Whole { min, max } => format!("{min} to {max}"),
            Kind::Number { min, max } => format!("{min} to {max}"),
            Kind::PositiveShare => "above 0, at most 1".to_string(),
            Kind::Duration { min, max } => format!(
                "{} to {}",
                format_duration(u64::from(*min)),
                format_duration(u64::from(*max))
            ),
            Kind::Bool => "true, false".to_string(),
            Kind::Instant => format!(
                "RFC 3339 with seconds and a UTC offset, e.g. {}",
                crate::model::calendar::EXAMPLE
            ),
            Kind::Bursts => {
                "at most 10; interval 1m to 1d, span from the interval to 7d".to_string()
            }
            Kind::Workloads => crate::model::workload::Workload::ALL
                .iter()
                .map(|w| w.name())
                .collect::<Vec<_>>()
                .join(", "),
            Kind::BuildShares => "shares sum to 1".to_string(),
            Kind::Thresholds | Kind::Variants => String::new(),
        }
    }
}

impl Preset {
    /// The default as a scenario file would write it (empty for required and optional keys).
    pub fn written(&self) -> String {
        match self {
            Preset::Required => "required".to_string(),
            Preset::Optional => "none".to_string(),
            Preset::Whole(n) => n.to_string(),
            Preset::Number(x) => x.to_string(),
            Preset::Duration(d) => format!("\"{}\"", format_duration(u64::from(*d))),
            Preset::Bool(b) => b.to_string(),
            Preset::Choice(c) => format!("\"{c}\""),
            Preset::Bursts(bursts) => format!(
                "[{}]",
                bursts
                    .iter()
                    .map(|b| format!(
                        "\"{} for {}\"",
                        format_duration(u64::from(b.interval)),
                        format_duration(u64::from(b.span))
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Preset::Builds(builds) => format!(
                "{{ {} }}",
                builds
                    .iter()
                    .map(|(b, s)| format!("{b} = {s}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Whether a preset is a value of its key's kind and within its range (checked by a test for every row).
pub fn preset_fits(key: &Key) -> bool {
    match (key.kind, key.preset) {
        (_, Preset::Required | Preset::Optional) => true,
        (Kind::Whole { min, max }, Preset::Whole(n)) => (min..=max).contains(&n),
        (Kind::Number { min, max }, Preset::Number(x)) => (min..=max).contains(&x),
        (Kind::Duration { min, max }, Preset::Duration(d)) => (min..=max).contains(&d),
        (Kind::Bool, Preset::Bool(_)) | (Kind::Bursts, Preset::Bursts(_)) => true,
        (Kind::Choice { names, .. }, Preset::Choice(c)) => names.contains(&c),
        (Kind::BuildShares, Preset::Builds(b)) => {
            (b.iter().map(|(_, s)| s).sum::<f64>() - 1.0).abs() < 1e-9
        }
        _ => false,
    }
}
