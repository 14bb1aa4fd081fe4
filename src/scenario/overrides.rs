//! Overrides: a dotted key path into the scenario document and a value, applied to the parsed TOML *before*
//! validation — so every key the format has (now and later) can be overridden without per-key code, and a
//! typo or a bad value is caught by the same validator, with the same messages, as a file.
//!
//! Grammar: a key is dot-separated segments (`timers.policy_poll`, `stage.0.pilot`); a numeric segment
//! indexes an array of tables (`stage.0` is the first `[[stage]]`). A missing table on the way is created
//! (`timers.policy_poll` works in a file without `[timers]`); a table value is merged key by key, any other
//! value replaces what was there. Overrides come from `[[variant]]` tables in the scenario file and from
//! `cofleet sweep --set key=v1,v2`.

use std::collections::HashSet;

use toml::de::{DeTable, DeValue};
use toml::{Table, Value};

use super::{Lines, Problem, ScenarioError, line_col, lookup, validate};
use crate::model::scenario::Scenario;
use crate::units::text::{shown, shown_key};

/// The name the scenario without overrides takes among the variants.
pub const BASE: &str = "base";
/// Longest variant name (it names a folder).
pub const MAX_NAME: usize = 100;

/// One key set to one value.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Dotted key path (`stage.0.pilot`).
    pub key: String,
    /// The value it takes.
    pub value: Value,
    /// Where the override is written in the scenario file (`None` for `--set`).
    pub place: Option<(usize, usize)>,
}

/// A named set of overrides: a plan variant.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantSpec {
    /// Folder-safe name, unique in the file; the base scenario is [`BASE`].
    pub name: String,
    /// Its overrides, in file order.
    pub overrides: Vec<Override>,
}

/// A value as the command line gives it: parsed as TOML when it is a TOML value (`0.1`, `3`, `true`,
/// `"30m"`, `["a", "b"]`), otherwise taken as a bare string (so `30m` needs no quotes).
pub fn parse_value(text: &str) -> Value {
    let text = text.trim();
    if let Ok(mut table) = format!("v = {text}").parse::<Table>()
        && table.len() == 1
        && let Some(value) = table.remove("v")
    {
        return value;
    }
    Value::String(text.to_string())
}

/// How a value reads in a variant name or a CSV column: strings without quotes, the rest as TOML.
pub fn value_label(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Parses `key=v1,v2,...` (`--set`): the key and its values in order. Commas inside quotes or brackets do
/// not split.
pub fn parse_set(arg: &str) -> Result<(String, Vec<Value>), String> {
    let shown_arg = shown(arg);
    let Some((key, values)) = arg.split_once('=') else {
        return Err(format!(
            "--set {shown_arg}: expected key=value[,value...], e.g. timers.policy_poll=30m,60m"
        ));
    };
    let key = key.trim();
    check_key(key).map_err(|e| format!("--set {shown_arg}: {e}"))?;
    let mut out = Vec::new();
    for item in split_values(values) {
        if item.trim().is_empty() {
            return Err(format!(
                "--set {shown_arg}: empty value; give one or more comma-separated values after `=`"
            ));
        }
        out.push(parse_value(&item));
    }
    lookup::check_path(key).map_err(|e| format!("--set {shown_arg}: {e}"))?;
    Ok((key.to_string(), out))
}

fn split_values(text: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let (mut depth, mut quote) = (0i32, None::<char>);
    for ch in text.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(ch),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth <= 0 => {
                items.push(String::new());
                continue;
            }
            _ => {}
        }
        items.last_mut().expect("never empty").push(ch);
    }
    items
}

fn check_key(key: &str) -> Result<(), String> {
    let segments = key.split('.').count();
    if segments > MAX_KEY_DEPTH {
        return Err(format!(
            "`{}` has {segments} segments; a key path has at most {MAX_KEY_DEPTH}",
            shown_key(key)
        ));
    }
    if key.is_empty() || key.split('.').any(|s| s.trim().is_empty()) {
        return Err(format!(
            "`{}` is not a key path; write dot-separated keys such as timers.policy_poll or stage.0.pilot",
            shown_key(key)
        ));
    }
    if key == "variant" || key.starts_with("variant.") {
        return Err("[[variant]] itself cannot be overridden".to_string());
    }
    Ok(())
}

/// Most segments a key path may have: the format's deepest key (`stage.0.gate.timeout`) has four, so this
/// leaves room for growth while a hostile 20,000-segment key is refused before anything walks it.
pub const MAX_KEY_DEPTH: usize = 16;

/// The container the next segment of a key path indexes.
enum Level<'d> {
    Table(&'d mut Table),
    Array(&'d mut Vec<Value>),
}

/// Sets `key` to `value` in `doc`, creating missing tables; explains why when the path cannot exist.
///
/// The path is walked in a loop, not by recursion, so its length never decides the depth of the stack.
pub fn apply(doc: &mut Table, key: &str, value: Value) -> Result<(), String> {
    check_key(key)?;
    let segs: Vec<&str> = key.split('.').map(str::trim).collect();
    let last = segs.len() - 1;
    let mut level = Level::Table(doc);
    for (at, &seg) in segs.iter().enumerate() {
        let walked = segs[..=at].join(".");
        let slot = match level {
            Level::Table(table) => {
                if at == last {
                    match (table.get_mut(seg), value) {
                        (Some(Value::Table(existing)), Value::Table(new)) => merge(existing, new),
                        (_, value) => {
                            table.insert(seg.to_string(), value);
                        }
                    }
                    return Ok(());
                }
                if !table.contains_key(seg) {
                    if segs[at + 1].parse::<usize>().is_ok() {
                        return Err(format!(
                            "`{walked}` is not set, so `{walked}.{}` does not exist",
                            segs[at + 1]
                        ));
                    }
                    table.insert(seg.to_string(), Value::Table(Table::new()));
                }
                table.get_mut(seg).expect("present or just inserted")
            }
            Level::Array(items) => {
                let array = segs[..at].join(".");
                let Ok(index) = seg.parse::<usize>() else {
                    return Err(format!(
                        "`{array}` is an array: index it with a number (`{array}.0`), not `{seg}`"
                    ));
                };
                let len = items.len();
                let Some(item) = items.get_mut(index) else {
                    return Err(format!(
                        "`{array}` has {len} entr{} (indices 0 to {}), so `{array}.{index}` does not exist",
                        if len == 1 { "y" } else { "ies" },
                        len.saturating_sub(1)
                    ));
                };
                if at == last {
                    match (item, value) {
                        (Value::Table(existing), Value::Table(new)) => merge(existing, new),
                        (item, value) => *item = value,
                    }
                    return Ok(());
                }
                item
            }
        };
        level = match slot {
            Value::Table(inner) => Level::Table(inner),
            Value::Array(items) => Level::Array(items),
            other => {
                return Err(format!(
                    "`{walked}` is a {}, not a table, so `{key}` does not exist",
                    other.type_str()
                ));
            }
        };
    }
    Ok(())
}

fn merge(existing: &mut Table, new: Table) {
    for (k, v) in new {
        match (existing.get_mut(&k), v) {
            (Some(Value::Table(e)), Value::Table(n)) => merge(e, n),
            (_, v) => {
                existing.insert(k, v);
            }
        }
    }
}

/// Flattens a variant's value into dotted leaves: `timers = {policy_poll = "30m"}` (what the unquoted key
/// `timers.policy_poll = "30m"` parses to) becomes `timers.policy_poll`. Arrays stay whole.
fn flatten(prefix: &str, value: Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Table(t) if !t.is_empty() => {
            for (k, v) in t {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        v => out.push((prefix.to_string(), v)),
    }
}

/// A parsed TOML value as a [`Value`]. An integer beyond `i64` (a seed of 2⁶³ or more, valid in the file)
/// becomes its digits as a string, which [`build`] sets after validation (see [`big_seed`]); the depth of
/// the recursion is bounded by the TOML parser's own nesting limit.
fn to_value(v: &DeValue<'_>) -> Value {
    match v {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(x) => Value::Integer(x),
            Err(_) => Value::String(i.as_str().to_string()),
        },
        DeValue::Float(f) => Value::Float(parse_value(f.as_str()).as_float().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Value::Boolean(*b),
        DeValue::Datetime(d) => Value::Datetime(*d),
        DeValue::Array(items) => {
            Value::Array(items.iter().map(|i| to_value(i.get_ref())).collect())
        }
        DeValue::Table(t) => Value::Table(
            t.iter()
                .map(|(k, v)| (k.get_ref().to_string(), to_value(v.get_ref())))
                .collect(),
        ),
    }
}

/// Whether a name can be a variant (and folder) name.
pub fn is_folder_safe(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.=+".contains(c))
}

/// The variants of a scenario text: [`BASE`] (no overrides) first, then each `[[variant]]` in file order.
/// Checks names (present, folder-safe, unique, not `base`) and override keys (syntax, and a path the format
/// has), with line and column.
pub fn file_variants(text: &str, file: &str) -> Result<Vec<VariantSpec>, ScenarioError> {
    let invalid = |problems| ScenarioError::Invalid {
        file: file.to_string(),
        problems,
    };
    let lines = Lines::new(text);
    let doc = DeTable::parse(text).map_err(|e| {
        invalid(vec![Problem {
            place: e.span().map(|s| lines.place(s.start)),
            key: "variant".into(),
            message: e.message().trim().to_string(),
        }])
    })?;
    let tables = match doc.get_ref().iter().find(|(k, _)| k.get_ref() == "variant") {
        None => Vec::new(),
        Some((_, v)) => match v.get_ref() {
            DeValue::Array(items)
                if items
                    .iter()
                    .all(|i| matches!(i.get_ref(), DeValue::Table(_))) =>
            {
                items.iter().collect()
            }
            _ => {
                return Err(invalid(vec![Problem {
                    place: Some(lines.place(v.span().start)),
                    key: "variant".into(),
                    message:
                        "[[variant]] is an array of tables, each with `name` and override keys"
                            .into(),
                }]));
            }
        },
    };
    let mut out = vec![VariantSpec {
        name: BASE.to_string(),
        overrides: Vec::new(),
    }];
    let mut problems = Vec::new();
    let mut seen = HashSet::from([BASE.to_string()]);
    for (i, wire) in tables.into_iter().enumerate() {
        let table_place = lines.place(wire.span().start);
        let DeValue::Table(entries) = wire.get_ref() else {
            continue;
        };
        let mut name = None;
        let mut overrides = Vec::new();
        let mut unknown = Vec::new();
        for (key, value) in entries {
            let place = lines.place(key.span().start);
            let value_place = lines.place(value.span().start);
            let key = key.get_ref().to_string();
            let raw = value.get_ref();
            let value = to_value(raw);
            if key == "name" {
                // A name is a string; anything else (a huge integer included) is refused as itself.
                let value = match value {
                    Value::String(_) if !matches!(raw, DeValue::String(_)) => Value::Integer(0),
                    value => value,
                };
                name = Some((value, value_place));
                continue;
            }
            let mut leaves = Vec::new();
            flatten(&key, value, &mut leaves);
            for (k, v) in leaves {
                if let Err(e) = check_key(&k) {
                    problems.push(Problem {
                        place: Some(place),
                        key: format!("variant.{i}.{k}"),
                        message: e,
                    });
                } else if let Err(e) = lookup::check_path(&k) {
                    // A key the format does not have is named here, with a suggestion, so that it is
                    // reported even when the base scenario or another variant has problems too.
                    unknown.push((place, k.clone(), value_label(&v), e));
                }
                overrides.push(Override {
                    key: k,
                    value: v,
                    place: Some(place),
                });
            }
        }
        // Worded as the validation of a built variant words it (`build_on`), naming the variant.
        let label = match &name {
            Some((Value::String(n), _)) => format!("variant `{}`", shown(n)),
            _ => format!("variant {i}"),
        };
        for (place, k, value, e) in unknown {
            problems.push(Problem {
                place: Some(place),
                key: String::new(),
                message: format!(
                    "{label}, override `{}` = {}: {e}",
                    shown_key(&k),
                    shown(&value)
                ),
            });
        }
        let key = format!("variant.{i}.name");
        let name = match name {
            None => {
                problems.push(Problem {
                    place: Some(table_place),
                    key,
                    message: "missing required key: every [[variant]] needs a `name`".into(),
                });
                continue;
            }
            Some((Value::String(s), place)) => (s, place),
            Some((other, place)) => {
                problems.push(Problem {
                    place: Some(place),
                    key,
                    message: format!("must be a string, got a {}", other.type_str()),
                });
                continue;
            }
        };
        let (name, place) = name;
        if !is_folder_safe(&name) {
            problems.push(Problem {
                place: Some(place),
                key,
                message: format!(
                    "\"{}\" must be 1–{MAX_NAME} letters, digits or `-_.=+` (it names a results folder), and not `.` or `..`",
                    shown(&name)
                ),
            });
        } else if !seen.insert(name.clone()) {
            problems.push(Problem {
                place: Some(place),
                key,
                message: if name == BASE {
                    format!("\"{BASE}\" is the scenario without overrides; choose another name")
                } else {
                    format!(
                        "\"{name}\" is already the name of an earlier variant; names must be unique"
                    )
                },
            });
        } else {
            out.push(VariantSpec { name, overrides });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(invalid(problems))
    }
}

/// The base scenario of `text` and its `[[variant]]` tables, or every problem of both at once: a problem in
/// the base does not hide a misnamed variant or an override of a key the format does not have. A
/// variant's values are checked only on a valid base (the variant would repeat the base's problems); a
/// syntax error is reported once.
pub fn base_and_variants(
    text: &str,
    file: &str,
) -> Result<(Scenario, Vec<VariantSpec>), ScenarioError> {
    let (base, variants) = (super::parse(text, file), file_variants(text, file));
    let (base_problems, variants) = match (base, variants) {
        (Ok(base), Ok(variants)) => return Ok((base, variants)),
        (Ok(_), Err(e)) | (Err(e @ ScenarioError::Io { .. }), _) => return Err(e),
        // A syntax error: both readers stop at it, so it is said once.
        (Err(e), _) if DeTable::parse(text).is_err() => return Err(e),
        (Err(ScenarioError::Invalid { problems, .. }), variants) => (problems, variants),
    };
    let mut problems = base_problems;
    match variants {
        Ok(_) => {}
        Err(ScenarioError::Invalid { problems: p, .. }) => problems.extend(p),
        Err(e) => return Err(e),
    }
    Err(ScenarioError::Invalid {
        file: file.to_string(),
        problems,
    })
}

/// The scenario of `text` with `overrides` applied, validated. `label` names the variant (or `--set`) in
/// errors, each of which also names the override that caused it. Without overrides this is exactly
/// [`super::parse`].
pub fn build(
    text: &str,
    file: &str,
    label: &str,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    if overrides.is_empty() {
        return super::parse(text, file);
    }
    build_on(&document(text, file)?, file, label, overrides)
}

/// The document overrides apply to: `text` parsed once (a sweep builds thousands of variants from it),
/// without its `[[variant]]` tables.
pub fn document(text: &str, file: &str) -> Result<Table, ScenarioError> {
    let doc = DeTable::parse(text).map_err(|e| ScenarioError::Invalid {
        file: file.to_string(),
        problems: vec![Problem {
            place: e.span().map(|s| line_col(text, s.start)),
            key: String::new(),
            message: e.message().trim().to_string(),
        }],
    })?;
    let Value::Table(mut doc) = to_value(&DeValue::Table(doc.into_inner())) else {
        unreachable!("a table converts to a table")
    };
    doc.remove("variant");
    Ok(doc)
}

/// A seed of 2⁶³ or more: valid in a scenario file, but beyond the integers a [`Value`] holds, so it is
/// carried as its digits (from [`parse_value`] or a `[[variant]]`), kept out of the rewritten document
/// and set once the rest is validated. (A quoted seed of that size is taken the same way.)
fn big_seed(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse::<u64>().ok().filter(|&x| i64::try_from(x).is_err()),
        _ => None,
    }
}

/// [`build`] on a [`document`] already parsed.
pub fn build_on(
    base: &Table,
    file: &str,
    label: &str,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    let invalid = |problems| ScenarioError::Invalid {
        file: file.to_string(),
        problems,
    };
    let mut doc = base.clone();
    let mut problems = Vec::new();
    for o in overrides {
        if let Err(e) = apply(&mut doc, &o.key, o.value.clone()) {
            problems.push(Problem {
                place: o.place,
                key: String::new(),
                message: format!("{label}, override `{}`: {e}", shown_key(&o.key)),
            });
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let seed = doc.get("seed").and_then(big_seed);
    if seed.is_some() {
        doc.insert("seed".into(), Value::Integer(0));
    }
    let rewritten = toml::to_string(&doc).map_err(|e| {
        invalid(vec![Problem {
            place: None,
            key: String::new(),
            message: format!("{label}: the overridden scenario cannot be written as TOML: {e}"),
        }])
    })?;
    let mut scenario = validate::parse(&rewritten).map_err(|found| {
        invalid(
            found
                .into_iter()
                .map(|p| attribute(p, label, overrides))
                .collect(),
        )
    })?;
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    Ok(scenario)
}

/// Points a validation problem of the rewritten document at the override that caused it (its place in the
/// file, if any), or at the variant as a whole when no single override did.
fn attribute(p: Problem, label: &str, overrides: &[Override]) -> Problem {
    let related = |o: &&Override| {
        !p.key.is_empty()
            && (p.key == o.key
                || p.key.starts_with(&format!("{}.", o.key))
                || o.key.starts_with(&format!("{}.", p.key)))
    };
    let what = if p.key.is_empty() {
        p.message.clone()
    } else {
        format!("{}: {}", shown_key(&p.key), p.message)
    };
    match overrides.iter().rev().find(related) {
        Some(o) => Problem {
            place: o.place,
            key: String::new(),
            message: format!(
                "{label}, override `{}` = {}: {what}",
                shown_key(&o.key),
                shown(&value_label(&o.value))
            ),
        },
        None => Problem {
            place: None,
            key: String::new(),
            message: format!("{label} (with its overrides): {what}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE_TEXT: &str = "name = \"t\"\n[fleet]\ndevices = 100\n\n[[stage]]\nname = \"p\"\nworkloads = [\"compliance_policies\"]\nauthority = \"pilot_intune\"\npilot = 0.05\nstart = \"1d\"\n";

    fn o(key: &str, value: Value) -> Override {
        Override {
            key: key.into(),
            value,
            place: None,
        }
    }

    #[test]
    fn values_parse_as_toml_or_bare_strings() {
        assert_eq!(parse_value("0.1"), Value::Float(0.1));
        assert_eq!(parse_value("3"), Value::Integer(3));
        assert_eq!(parse_value("true"), Value::Boolean(true));
        assert_eq!(parse_value("\"30m\""), Value::String("30m".into()));
        assert_eq!(parse_value("30m"), Value::String("30m".into()));
        assert_eq!(parse_value("1\nx = 2"), Value::String("1\nx = 2".into()));
    }

    #[test]
    fn set_splits_values_but_not_inside_quotes_or_brackets() {
        let (k, v) = parse_set("stage.0.workloads=[\"a\",\"b\"],\"x,y\",7").unwrap();
        assert_eq!(k, "stage.0.workloads");
        assert_eq!(v.len(), 3);
        assert_eq!(v[1], Value::String("x,y".into()));
        assert!(parse_set("a=").unwrap_err().contains("empty value"));
        assert!(parse_set("a=1,,2").unwrap_err().contains("empty value"));
        assert!(parse_set("novalue").unwrap_err().contains("key=value"));
        assert!(parse_set("a..b=1").unwrap_err().contains("not a key path"));
        let e = parse_set("timers.polcy_poll=30m").unwrap_err();
        assert!(
            e.contains("unknown field `polcy_poll`") && e.contains("`policy_poll`"),
            "{e}"
        );
        let e = parse_set("stage.first.pilot=0.1").unwrap_err();
        assert!(e.contains("index it with a number"), "{e}");
        assert!(parse_set("stage.0.gate.timeout=1d").is_ok());
        assert!(parse_set("thresholds.\"hybrid_join.p95\"=\"< 1h\"").is_ok());
    }

    #[test]
    fn apply_creates_tables_indexes_arrays_and_explains_impossible_paths() {
        let mut doc: Table = BASE_TEXT.parse().unwrap();
        apply(&mut doc, "timers.policy_poll", "30m".into()).unwrap();
        assert_eq!(doc["timers"]["policy_poll"].as_str(), Some("30m"));
        apply(&mut doc, "stage.0.pilot", Value::Float(0.1)).unwrap();
        assert_eq!(doc["stage"][0]["pilot"].as_float(), Some(0.1));
        let e = apply(&mut doc, "stage.3.pilot", Value::Float(0.1)).unwrap_err();
        assert!(e.contains("has 1 entry") && e.contains("stage.3"), "{e}");
        let e = apply(&mut doc, "name.x", Value::Integer(1)).unwrap_err();
        assert!(e.contains("`name` is a string"), "{e}");
        let e = apply(&mut doc, "stage.first.pilot", Value::Integer(1)).unwrap_err();
        assert!(e.contains("index it with a number"), "{e}");
        assert!(apply(&mut doc, "variant.0.name", "x".into()).is_err());
    }

    #[test]
    fn build_validates_and_names_the_override() {
        let s = build(
            BASE_TEXT,
            "f.toml",
            "variant `v`",
            &[o("fleet.devices", 7.into())],
        )
        .unwrap();
        assert_eq!(s.fleet.devices, 7);
        let e = build(
            BASE_TEXT,
            "f.toml",
            "variant `v`",
            &[o("stage.0.pilot", Value::Float(1.5))],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("variant `v`, override `stage.0.pilot` = 1.5") && e.contains("1.5"),
            "{e}"
        );
        let e = build(
            BASE_TEXT,
            "f.toml",
            "--set",
            &[o("timers.polcy_poll", "1h".into())],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("timers.polcy_poll") && e.contains("unknown field"),
            "{e}"
        );
        let e = build(
            BASE_TEXT,
            "f.toml",
            "--set",
            &[o("fleet.devices", "many".into())],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("override `fleet.devices`"), "{e}");
    }

    #[test]
    fn a_bad_base_hides_no_variant_problem_and_a_syntax_error_is_said_once() {
        let text = format!(
            "{BASE_TEXT}duration = \"1x\"\n[[variant]]\nname = \"v\"\nfleet.devicez = 3\n\
             [[variant]]\nname = \"v\"\n"
        );
        let Err(ScenarioError::Invalid { problems, .. }) = base_and_variants(&text, "f.toml")
        else {
            panic!("should be refused")
        };
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["stage.0.duration", "", "variant.1.name"],
            "{problems:#?}"
        );
        let m = &problems[1].message;
        assert!(
            m.starts_with("variant `v`, override `fleet.devicez` = 3: unknown field `devicez`")
                && m.ends_with("did you mean `devices`?"),
            "{m}"
        );
        let Err(ScenarioError::Invalid { problems, .. }) =
            base_and_variants("name = \"x\"\n[fleet\n", "f.toml")
        else {
            panic!("should be refused")
        };
        assert_eq!(problems.len(), 1, "{problems:#?}");
    }

    #[test]
    fn rewriting_without_changes_gives_the_same_scenario() {
        let same = build(
            BASE_TEXT,
            "f.toml",
            "v",
            &[o("fleet.devices", Value::Integer(100))],
        )
        .unwrap();
        assert_eq!(same, super::super::parse(BASE_TEXT, "f.toml").unwrap());
    }

    #[test]
    fn a_deep_key_is_refused_without_walking_it() {
        let deep = vec!["a"; 20_000].join(".");
        let e = parse_set(&format!("{deep}=1")).unwrap_err();
        assert!(e.contains("20000 segments") && e.len() < 1000, "{e}");
        let mut doc = Table::new();
        let e = apply(&mut doc, &deep, Value::Integer(1)).unwrap_err();
        assert!(e.contains("at most 16"), "{e}");
    }

    #[test]
    fn a_seed_above_two_to_the_63_is_set_after_validation() {
        let big = "18446744073709551615";
        let s = build(BASE_TEXT, "f.toml", "--set", &[o("seed", parse_value(big))]).unwrap();
        assert_eq!(s.seed, u64::MAX);
        let text = format!("{BASE_TEXT}\n[[variant]]\nname = \"v\"\nseed = {big}\n");
        let v = file_variants(&text, "f.toml").unwrap();
        let s = build(&text, "f.toml", "v", &v[1].overrides).unwrap();
        assert_eq!(s.seed, u64::MAX);
    }

    #[test]
    fn variants_are_read_in_order_with_checked_names() {
        let text = format!(
            "{BASE_TEXT}\n[[variant]]\nname = \"pilot-10\"\n\"stage.0.pilot\" = 0.10\n\n[[variant]]\nname = \"fast\"\ntimers.policy_poll = \"30m\"\n"
        );
        let v = file_variants(&text, "f.toml").unwrap();
        let names: Vec<_> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["base", "pilot-10", "fast"]);
        assert_eq!(v[2].overrides[0].key, "timers.policy_poll");
        assert_eq!(v[1].overrides[0].place, Some((14, 1)));
        let bad = format!(
            "{BASE_TEXT}\n[[variant]]\nname = \"a/b\"\n[[variant]]\nname = \"base\"\n[[variant]]\nx = 1\n"
        );
        let e = file_variants(&bad, "f.toml").unwrap_err().to_string();
        assert!(e.contains("4 problems"), "{e}");
        assert!(e.contains("f.toml:13:8: variant.0.name"), "{e}");
        assert!(
            e.contains("variant 2, override `x` = 1: unknown field `x`"),
            "{e}"
        );
        assert!(e.contains("variant.2.name: missing"), "{e}");
    }
}
