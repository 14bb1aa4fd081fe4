//! The parsed TOML document walked against the schema: every table and key is looked up in
//! [`super::schema`], an unknown one is refused, and every value is checked against its key's kind and range
//! — with the key, line:column and what is allowed. What comes out is a tree of [`Section`]s holding checked
//! values (`scenario::section`), which `scenario::read` and the cross-field rules read.
//!
//! The walk is linear in the input: each key is one hash lookup; a table's keys are visited in schema order
//! (so problems come in the documented order) through a per-table list built once.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::lookup;
use super::schema::{self, Key, Kind, Preset, TABLES, Table};
use super::section::{Section, Val};
use super::suggest;
use super::threshold::parse_threshold;
use super::{Lines, Problem};
use crate::model::calendar::{EXAMPLE, Start};
use crate::model::scenario::Burst;
use crate::model::time::{DAY, MINUTE, Time};
use crate::model::workload::{Workload, WorkloadSet};
use crate::units::text::shown;
use crate::units::{format_duration, parse_duration};

/// The last segment of a table path (`gate` of `stage.gate`).
pub fn leaf(path: &str) -> &str {
    path.rfind('.').map_or(path, |i| &path[i + 1..])
}

struct Walker<'l, 't> {
    lines: &'l Lines<'t>,
    problems: Vec<Problem>,
}

/// Walks a parsed document: the checked sections and every problem found, in schema order.
pub(crate) fn walk(lines: &Lines<'_>, doc: &Spanned<DeTable<'_>>) -> (Section, Vec<Problem>) {
    let mut w = Walker {
        lines,
        problems: Vec::new(),
    };
    let root = &TABLES[0];
    let mut section = w.table(root, "", doc.get_ref(), None);
    section.span = None;
    (section, w.problems)
}

impl Walker<'_, '_> {
    fn report(&mut self, span: Option<Range<usize>>, key: String, message: String) {
        self.problems.push(Problem {
            place: span.map(|s| self.lines.place(s.start)),
            key,
            message,
        });
    }

    fn table(
        &mut self,
        table: &'static Table,
        instance: &str,
        entries: &DeTable<'_>,
        span: Option<Range<usize>>,
    ) -> Section {
        let (keys, subs) = (lookup::keys_of(table.path), lookup::tables_in(table.path));
        let mut written: HashMap<&str, &Spanned<DeValue<'_>>> = HashMap::new();
        for (name, value) in entries {
            let path = lookup::join(table.path, name.get_ref());
            if lookup::table(&path).is_some() || lookup::key(&path).is_some() {
                written.insert(name.get_ref(), value);
            } else {
                self.report(
                    Some(name.span()),
                    lookup::join(instance, name.get_ref()),
                    lookup::unknown_message(table.path, name.get_ref()),
                );
            }
        }
        let mut section = Section {
            span: span.clone(),
            ..Section::EMPTY
        };
        for &key in keys {
            let at = lookup::join(instance, key.name);
            match written.get(key.name) {
                Some(v) => {
                    let val = self.value(key, &at, v).unwrap_or(Val::Invalid);
                    section.values.insert(key.name, (v.span(), val));
                }
                None if key.preset == Preset::Required => {
                    let hint = key.doc.trim_end_matches('.');
                    let mut hint = lowercase_first(hint);
                    if let Kind::Choice { .. } = key.kind {
                        hint = format!("{hint}: {}", key.kind.range());
                    }
                    self.report(span.clone(), at, format!("missing required key ({hint})"));
                }
                None => {}
            }
        }
        for &sub in subs {
            let name = leaf(sub.path);
            let at = lookup::join(instance, name);
            match written.get(name) {
                Some(v) => match (v.get_ref(), sub.array) {
                    (DeValue::Table(t), false) => {
                        let s = self.table(sub, &at, t, Some(v.span()));
                        section.tables.insert(name, s);
                    }
                    (DeValue::Array(items), true) => {
                        let mut list = Vec::new();
                        for (i, item) in items.iter().enumerate() {
                            let here = format!("{at}.{i}");
                            match item.get_ref() {
                                DeValue::Table(t) => {
                                    list.push(self.table(sub, &here, t, Some(item.span())))
                                }
                                other => self.report(
                                    Some(item.span()),
                                    here,
                                    format!("invalid type: {}, expected a table", unexpected(other)),
                                ),
                            }
                        }
                        section.arrays.insert(name, list);
                    }
                    (other, true) => self.report(
                        Some(v.span()),
                        at,
                        format!(
                            "invalid type: {}, expected a sequence (an array of tables, each written {})",
                            unexpected(other),
                            sub.header()
                        ),
                    ),
                    (other, false) => self.report(
                        Some(v.span()),
                        at,
                        format!(
                            "invalid type: {}, expected a table ({})",
                            unexpected(other),
                            sub.header()
                        ),
                    ),
                },
                None if !sub.array => {
                    for key in lookup::keys_of(sub.path).iter().filter(|k| k.preset == Preset::Required) {
                        self.report(
                            None,
                            lookup::join(&at, key.name),
                            format!(
                                "missing required key: add a {} table with `{}`",
                                sub.header(),
                                key.name
                            ),
                        );
                    }
                }
                None => {}
            }
        }
        section
    }

    /// Checks one value against its key; `None` (after reporting) when it does not fit.
    fn value(&mut self, key: &Key, at: &str, v: &Spanned<DeValue<'_>>) -> Option<Val> {
        let found = v.get_ref();
        let outcome = match key.kind {
            Kind::Text => string(found).map(|s| Val::Text(s.to_string())),
            Kind::Choice { names, what } => string(found).and_then(|s| {
                if names.contains(&s) {
                    Ok(Val::Text(s.to_string()))
                } else {
                    Err(format!(
                        "unknown {what} \"{}\"; expected {}{}",
                        shown(s),
                        or_list(names),
                        suggest::value_hint(s, names.iter().copied())
                    ))
                }
            }),
            Kind::Whole { min, max } => whole(found, min, max).map(Val::Whole),
            Kind::Number { min, max } => number(found, min, max).map(Val::Number),
            Kind::PositiveShare => number(found, 0.0, 1.0).and_then(|x| {
                if x > 0.0 {
                    Ok(Val::Number(x))
                } else {
                    Err(format!("must be a share above 0 and at most 1, got {x}"))
                }
            }),
            Kind::Duration { min, max } => duration(found, min, max).map(Val::Duration),
            Kind::Bool => match found {
                DeValue::Boolean(b) => Ok(Val::Bool(*b)),
                other => Err(format!(
                    "invalid type: {}, expected a boolean",
                    unexpected(other)
                )),
            },
            Kind::Instant => instant(found).map(Val::Instant),
            Kind::Bursts => return self.bursts(at, v),
            Kind::Workloads => return self.workloads(at, v),
            Kind::BuildShares => return self.builds(at, v),
            Kind::Thresholds => return self.thresholds(at, v),
            Kind::Variants => return None,
        };
        match outcome {
            Ok(val) => Some(val),
            Err(message) => {
                self.report(Some(v.span()), at.to_string(), message);
                None
            }
        }
    }

    fn list<'v, 'i>(
        &mut self,
        at: &str,
        v: &'v Spanned<DeValue<'i>>,
        what: &str,
    ) -> Option<&'v [Spanned<DeValue<'i>>]> {
        match v.get_ref() {
            DeValue::Array(items) => Some(items.as_ref()),
            other => {
                self.report(
                    Some(v.span()),
                    at.to_string(),
                    format!(
                        "invalid type: {}, expected a sequence of {what}",
                        unexpected(other)
                    ),
                );
                None
            }
        }
    }

    fn bursts(&mut self, at: &str, v: &Spanned<DeValue<'_>>) -> Option<Val> {
        let items = self.list(at, v, "\"<interval> for <span>\" strings")?;
        let mut ok = true;
        if items.len() > 10 {
            self.report(Some(v.span()), at.to_string(), "at most 10 bursts".into());
            ok = false;
        }
        let mut bursts = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match string(item.get_ref()).and_then(burst) {
                Ok(b) => bursts.push(b),
                Err(e) => {
                    self.report(Some(item.span()), format!("{at}.{i}"), e);
                    ok = false;
                }
            }
        }
        ok.then_some(Val::Bursts(bursts))
    }

    fn workloads(&mut self, at: &str, v: &Spanned<DeValue<'_>>) -> Option<Val> {
        let items = self.list(at, v, "workload names")?;
        if items.is_empty() {
            self.report(
                Some(v.span()),
                at.to_string(),
                "must name at least one workload".into(),
            );
            return None;
        }
        let mut set = WorkloadSet::EMPTY;
        let mut ok = true;
        for item in items {
            let problem = match string(item.get_ref()) {
                Err(e) => Some(e),
                Ok(name) => match Workload::from_name(name) {
                    None => {
                        let names: Vec<&str> = Workload::ALL.iter().map(|w| w.name()).collect();
                        Some(format!(
                            "unknown workload \"{}\"; expected one of: {}{}",
                            shown(name),
                            names.join(", "),
                            suggest::value_hint(name, names.iter().copied())
                        ))
                    }
                    Some(wl) if set.contains(wl) => {
                        Some(format!("workload \"{}\" is listed twice", shown(name)))
                    }
                    Some(wl) => {
                        set.insert(wl);
                        None
                    }
                },
            };
            if let Some(message) = problem {
                self.report(Some(item.span()), at.to_string(), message);
                ok = false;
            }
        }
        ok.then_some(Val::Workloads(set))
    }

    fn builds(&mut self, at: &str, v: &Spanned<DeValue<'_>>) -> Option<Val> {
        let DeValue::Table(map) = v.get_ref() else {
            self.report(
                Some(v.span()),
                at.to_string(),
                format!(
                    "invalid type: {}, expected a table of OS build = share",
                    unexpected(v.get_ref())
                ),
            );
            return None;
        };
        let mut builds = Vec::new();
        let mut sum = 0.0;
        let mut ok = true;
        for (build, share) in map {
            let key = format!("{at}.{}", build.get_ref());
            let Ok(b) = build.get_ref().parse::<u32>() else {
                self.report(
                    Some(build.span()),
                    key,
                    "an OS build must be a whole number such as 19045".into(),
                );
                ok = false;
                continue;
            };
            match number(share.get_ref(), 0.0, 1.0) {
                Ok(s) => {
                    sum += s;
                    builds.push((b, s));
                }
                Err(e) => {
                    self.report(Some(share.span()), key, e);
                    ok = false;
                }
            }
        }
        builds.sort_by_key(|&(b, _)| b);
        if builds.is_empty() && ok {
            self.report(
                Some(v.span()),
                at.to_string(),
                "needs at least one build with a share".into(),
            );
            ok = false;
        } else if ok && (sum - 1.0).abs() > schema::SUM_TOLERANCE {
            self.report(
                Some(v.span()),
                at.to_string(),
                format!("shares must sum to 1, got {sum}"),
            );
            ok = false;
        }
        ok.then_some(Val::Builds(builds))
    }

    fn thresholds(&mut self, at: &str, v: &Spanned<DeValue<'_>>) -> Option<Val> {
        let DeValue::Table(map) = v.get_ref() else {
            self.report(
                Some(v.span()),
                at.to_string(),
                format!(
                    "invalid type: {}, expected a table of \"<metric>.<stat>\" = \"<op> <value>\"",
                    unexpected(v.get_ref())
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        for (key, value) in map {
            let condition = match string(value.get_ref()) {
                Ok(c) => c,
                Err(e) => {
                    self.report(Some(value.span()), format!("{at}.{}", key.get_ref()), e);
                    continue;
                }
            };
            match parse_threshold(key.get_ref(), condition) {
                Ok(t) => out.push(t),
                Err(e) => self.report(Some(key.span()), format!("{at}.\"{}\"", key.get_ref()), e),
            }
        }
        Some(Val::Thresholds(out))
    }
}

/// `a, b or c`.
fn or_list(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How a found value is named in a type error (serde's wording).
fn unexpected(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("string \"{}\"", shown(s)),
        DeValue::Integer(i) => format!("integer `{i}`"),
        DeValue::Float(f) => format!("floating point `{f}`"),
        DeValue::Boolean(b) => format!("boolean `{b}`"),
        DeValue::Datetime(d) => format!("datetime `{d}`"),
        DeValue::Array(_) => "array".to_string(),
        DeValue::Table(_) => "table".to_string(),
    }
}

/// A date-time, written as a TOML date-time (`start = 2027-01-11T08:00:00+01:00`) or a string.
fn instant(v: &DeValue<'_>) -> Result<Start, String> {
    let text = match v {
        DeValue::String(s) => s.to_string(),
        DeValue::Datetime(d) => d.to_string(),
        other => {
            return Err(format!(
                "invalid type: {}, expected a date-time such as {EXAMPLE}",
                unexpected(other)
            ));
        }
    };
    Start::parse(&text).map_err(|why| {
        format!(
            "\"{}\" is not a date-time: {why}; expected RFC 3339 with seconds and a UTC offset, e.g. {EXAMPLE}",
            shown(&text)
        )
    })
}

fn string<'v>(v: &'v DeValue<'_>) -> Result<&'v str, String> {
    match v {
        DeValue::String(s) => Ok(s.as_ref()),
        other => Err(format!(
            "invalid type: {}, expected a string",
            unexpected(other)
        )),
    }
}

fn integer(i: &toml::de::DeInteger<'_>) -> Option<i128> {
    i128::from_str_radix(i.as_str(), i.radix()).ok()
}

fn whole(v: &DeValue<'_>, min: u64, max: u64) -> Result<u64, String> {
    let expected = format!("a whole number from {min} to {max}");
    match v {
        DeValue::Integer(i) => match integer(i) {
            Some(x) if x < 0 => Err(format!("invalid value: integer `{x}`, expected {expected}")),
            Some(x) if x >= i128::from(min) && x <= i128::from(max) => Ok(x as u64),
            Some(x) => Err(format!("must be {expected}, got {x}")),
            None => Err(format!(
                "invalid value: integer `{i}` is too large, expected {expected}"
            )),
        },
        other => Err(format!(
            "invalid type: {}, expected {expected}",
            unexpected(other)
        )),
    }
}

fn number(v: &DeValue<'_>, min: f64, max: f64) -> Result<f64, String> {
    let x = match v {
        DeValue::Integer(i) => integer(i).map(|x| x as f64),
        DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
        other => {
            return Err(format!(
                "invalid type: {}, expected a number from {min} to {max}",
                unexpected(other)
            ));
        }
    };
    match x {
        Some(x) if x.is_finite() && x >= min && x <= max => Ok(x),
        // A share (at most 1) written as a percentage is the likely slip: say which fraction it means.
        Some(x) if max <= 1.0 => Err(format!(
            "must be a number from {min} to {max}, got {x}{}",
            suggest::percentage_hint(x)
        )),
        Some(x) => Err(format!("must be a number from {min} to {max}, got {x}")),
        None => Err(format!("must be a number from {min} to {max}")),
    }
}

fn duration(v: &DeValue<'_>, min: Time, max: Time) -> Result<Time, String> {
    let range = format!(
        "from {} to {}",
        format_duration(u64::from(min)),
        format_duration(u64::from(max))
    );
    let text = match v {
        DeValue::String(s) => s.as_ref(),
        other => {
            return Err(format!(
                "invalid type: {}, expected a string: a duration such as \"90m\", {range}",
                unexpected(other)
            ));
        }
    };
    let s = parse_duration(text)?;
    if s < u64::from(min) || s > u64::from(max) {
        return Err(format!("must be {range}, got \"{text}\""));
    }
    Ok(s as Time)
}

/// `"3m for 15m"`: check in every 3 minutes for 15 minutes.
fn burst(text: &str) -> Result<Burst, String> {
    let Some((interval, span)) = text.split_once(" for ") else {
        return Err(format!(
            "\"{text}\" must read \"<interval> for <span>\", e.g. \"3m for 15m\""
        ));
    };
    let iv = parse_duration(interval.trim())?;
    let sp = parse_duration(span.trim())?;
    if iv >= u64::from(MINUTE) && iv <= u64::from(DAY) && sp >= iv && sp <= u64::from(7 * DAY) {
        Ok(Burst {
            interval: iv as Time,
            span: sp as Time,
        })
    } else {
        Err(format!(
            "\"{text}\": the interval must be from 1m to 1d and the span from the interval to 7d"
        ))
    }
}
