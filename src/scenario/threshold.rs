//! CI thresholds: `"<metric>.<stat>" = "<op> <value>"` (k6-style), or a value of `summary.json`'s `load` or
//! `capacity` section (`"capacity.cmg.vms_needed" = "<= 4"`), checked at `check` time so that a threshold on
//! a metric or value that does not exist is an error, never a silent pass.

use super::suggest::value_hint;
use crate::metrics::names::{Metric, STATS};
use crate::metrics::summary_keys::{self, ValueKind};
use crate::metrics::tally::Milestone;
use crate::model::scenario::{Threshold, ThresholdOp};
use crate::units::parse_duration;
use crate::units::text::{shown, shown_key};

/// Parses one threshold; the error says what is allowed.
pub fn parse_threshold(key: &str, value: &str) -> Result<Threshold, String> {
    let shown_value = shown(value);
    let kind = key_kind(key)?;
    let v = value.trim();
    let (op, rest) = [
        ("<=", ThresholdOp::Le),
        (">=", ThresholdOp::Ge),
        ("==", ThresholdOp::Eq),
        ("<", ThresholdOp::Lt),
        (">", ThresholdOp::Gt),
    ]
    .into_iter()
    .find_map(|(text, op)| v.strip_prefix(text).map(|rest| (op, rest.trim())))
    .ok_or_else(|| {
        format!("\"{shown_value}\" must start with an operator <, <=, >, >= or == (e.g. \"< 4h\")")
    })?;
    if rest.is_empty() {
        return Err(format!("\"{shown_value}\" has an operator but no value"));
    }
    let number = match rest.parse::<f64>() {
        Ok(n) if n.is_finite() => n,
        Ok(_) => {
            return Err(format!(
                "\"{shown_value}\": the value must be a finite number"
            ));
        }
        Err(_) if kind == Kind::Duration => {
            parse_duration(rest).map(|s| s as f64).map_err(|e| {
                format!(
                    "\"{shown_value}\": the value must be a duration or a number of seconds: {e}"
                )
            })?
        }
        Err(_) if kind == Kind::Share => {
            match rest.strip_suffix('%').map(|p| p.trim().parse::<f64>()) {
                Some(Ok(p)) if p.is_finite() => p / 100.0,
                _ => {
                    return Err(format!(
                        "\"{shown_value}\": the value must be a fraction (0.7) or a percentage (\"70%\")"
                    ));
                }
            }
        }
        Err(_) => {
            return Err(format!(
                "\"{shown_value}\": the value must be a plain number"
            ));
        }
    };
    if kind == Kind::Flag && !(number == 0.0 || number == 1.0) {
        return Err(format!(
            "\"{shown_value}\": {} is 0 or 1 (false or true)",
            shown_key(key)
        ));
    }
    if number < 0.0 {
        return Err(format!("\"{shown_value}\": the value must not be negative"));
    }
    Ok(Threshold {
        key: key.to_string(),
        op,
        value: number,
    })
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Kind {
    Duration,
    /// A utilisation: a fraction, or a percentage with `%`.
    Share,
    Count,
    Flag,
}

fn key_kind(key: &str) -> Result<Kind, String> {
    if key == "rollout.completed" {
        return Ok(Kind::Flag);
    }
    if let Some(section) = summary_keys::section_of(key) {
        return section_key_kind(section, key);
    }
    if let Some(state) = key.strip_prefix("counts.") {
        let known: Vec<&str> = Milestone::ALL.iter().map(|m| m.name()).collect();
        return if known.contains(&state) {
            Ok(Kind::Count)
        } else {
            Err(format!(
                "unknown count \"{}\"; expected one of: {}{}",
                shown_key(state),
                known.join(", "),
                value_hint(state, known.iter().copied())
            ))
        };
    }
    let Some((metric, stat)) = key.rsplit_once('.') else {
        return Err(format!(
            "\"{}\" is not \"<metric>.<statistic>\", \"counts.<state>\", \"rollout.completed\", \
             \"load.<component>.<field>\" or \"capacity.<component>.<field>\"",
            shown_key(key)
        ));
    };
    let (metric, ring) = crate::metrics::names::split_ring(metric);
    if let Some(ring) = ring {
        let valid = !ring.is_empty()
            && ring == crate::metrics::names::ring_slug(ring)
            && Metric::from_name(metric).is_some_and(crate::metrics::names::has_rings);
        if !valid {
            return Err(format!(
                "\"{}\" is not \"<metric>@<stage>\": a latency metric other than queue_delay, then a stage name \
                 in lowercase with \"_\" for spaces (e.g. \"compliance_latency@pilot_compliance\")",
                shown_key(&format!("{metric}@{ring}"))
            ));
        }
    }
    if Metric::from_name(metric).is_none() {
        let names: Vec<String> = Metric::all().iter().map(|m| m.name()).collect();
        return Err(format!(
            "unknown metric \"{}\"; expected one of: {}{}",
            shown_key(metric),
            names.join(", "),
            value_hint(metric, names.iter().map(String::as_str))
        ));
    }
    if !STATS.contains(&stat) {
        return Err(format!(
            "unknown statistic \"{}\"; expected one of: {}{}",
            shown_key(stat),
            STATS.join(", "),
            value_hint(stat, STATS)
        ));
    }
    Ok(if stat == "count" {
        Kind::Count
    } else {
        Kind::Duration
    })
}

/// A key naming a value of `summary.json`'s `load` or `capacity` section: one of the listed keys
/// ([`summary_keys`]) holding a number or a boolean.
fn section_key_kind(section: &str, key: &str) -> Result<Kind, String> {
    let known = summary_keys::section_keys(section).unwrap_or_default();
    let canonical = summary_keys::canonical(key);
    if !known.contains(&canonical) {
        let expected = if section == "load" {
            format!(
                "load.bucket_s, load.headroom.<field> ({}), or load.<component>.<field> with component {} and \
                 field {} or requests_by_type.<request type>",
                summary_keys::LOAD_HEADROOM_FIELDS.join(", "),
                crate::model::infrastructure::Component::ALL
                    .map(|c| c.name())
                    .join(", "),
                summary_keys::LOAD_COMPONENT_FIELDS.join(", ")
            )
        } else {
            known.join(", ")
        };
        return Err(format!(
            "unknown {section} value \"{}\" in summary.json; expected {expected}{}",
            shown_key(key),
            value_hint(&canonical, known.iter().map(String::as_str))
        ));
    }
    Ok(match summary_keys::value_kind(&canonical) {
        ValueKind::Seconds => Kind::Duration,
        ValueKind::Flag => Kind::Flag,
        ValueKind::Utilisation => Kind::Share,
        ValueKind::Count | ValueKind::Rate => Kind::Count,
        ValueKind::Text => {
            return Err(format!(
                "\"{}\" is text in summary.json; a threshold compares a number (or a boolean as 0 or 1)",
                shown_key(key)
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_thresholds_parse() {
        let t = parse_threshold("switch_latency.compliance_policies.p95", "< 4h").unwrap();
        assert_eq!(t.op, ThresholdOp::Lt);
        assert_eq!(t.value, 14_400.0);
        let t = parse_threshold("time_to_comanaged.existing_client.p99", "< 6d").unwrap();
        assert_eq!(t.value, 518_400.0);
        let t = parse_threshold("rollout.completed", "== 1").unwrap();
        assert_eq!(t.op, ThresholdOp::Eq);
        assert_eq!(
            parse_threshold("counts.failed", "<= 500").unwrap().value,
            500.0
        );
        assert_eq!(
            parse_threshold("hybrid_join.count", ">= 10").unwrap().op,
            ThresholdOp::Ge
        );
    }

    #[test]
    fn ring_metrics_parse_and_bad_rings_are_errors() {
        assert!(parse_threshold("compliance_latency@pilot_compliance.p95", "< 4h").is_ok());
        assert!(parse_threshold("switch_latency.client_apps@ring_2.count", "> 0").is_ok());
        for key in [
            "compliance_latency@Pilot compliance.p95",
            "compliance_latency@.p95",
            "queue_delay.cmg@pilot.p95",
        ] {
            assert!(parse_threshold(key, "< 4h").is_err(), "{key}");
        }
    }

    #[test]
    fn unknown_metrics_stats_and_bad_values_are_errors() {
        assert!(
            parse_threshold("switch_latency.compliance.p95", "< 4h")
                .unwrap_err()
                .contains("unknown metric")
        );
        assert!(
            parse_threshold("hybrid_join.p97", "< 4h")
                .unwrap_err()
                .contains("unknown statistic")
        );
        assert!(parse_threshold("rollout.completed", "== 2").is_err());
        assert!(parse_threshold("hybrid_join.p95", "4h").is_err());
        assert!(parse_threshold("hybrid_join.p95", "< ").is_err());
        assert!(parse_threshold("hybrid_join.count", "< 4h").is_err());
        assert!(parse_threshold("counts.bogus", "< 4").is_err());
        assert!(parse_threshold("nodot", "< 4").is_err());
    }

    #[test]
    fn a_misspelt_metric_or_statistic_gets_a_suggestion() {
        let e = parse_threshold("switch_latency.compliance_policy.p95", "< 4h").unwrap_err();
        assert!(
            e.ends_with(" — did you mean \"switch_latency.compliance_policies\"?"),
            "{e}"
        );
        let e = parse_threshold("hybrid_join.maen", "< 4h").unwrap_err();
        assert!(e.ends_with(" — did you mean \"mean\"?"), "{e}");
        let e = parse_threshold("hybrid_join.median", "< 4h").unwrap_err();
        assert!(!e.contains("did you mean"), "{e}");
    }

    #[test]
    fn load_and_capacity_values_parse_by_kind() {
        let t = parse_threshold("capacity.cmg.vms_needed", "<= 4").unwrap();
        assert_eq!((t.op, t.value), (ThresholdOp::Le, 4.0));
        let t = parse_threshold("load.management_point.peak_utilisation", "< 0.7").unwrap();
        assert_eq!(t.value, 0.7);
        let t = parse_threshold("load.management_point.peak_utilisation", "< 70%").unwrap();
        assert_eq!(t.value, 0.7);
        assert!(parse_threshold("load.cmg.peak_utilisation", "< 70 percent").is_err());
        assert!(parse_threshold("capacity.cmg.vms_needed", "< 70%").is_err());
        assert_eq!(
            parse_threshold("capacity.cmg.peak_at_s", "< 8h")
                .unwrap()
                .value,
            28_800.0
        );
        assert_eq!(
            parse_threshold("load.components.cmg.rejected", "== 0")
                .unwrap()
                .value,
            0.0
        );
        assert!(parse_threshold("capacity.cmg.enough", "== 1").is_ok());
        let e = parse_threshold("capacity.cmg.enough", "== 2").unwrap_err();
        assert!(e.contains("capacity.cmg.enough is 0 or 1"), "{e}");
        assert!(parse_threshold("load.cmg.peak_requests_per_s", "< 1h").is_err());
        let e = parse_threshold("capacity.cmg.reason", "== 1").unwrap_err();
        assert!(e.contains("is text"), "{e}");
    }

    #[test]
    fn misspelt_load_and_capacity_keys_get_a_suggestion() {
        let e = parse_threshold("capacity.cmg.vm_needed", "<= 4").unwrap_err();
        assert!(
            e.ends_with(" — did you mean \"capacity.cmg.vms_needed\"?"),
            "{e}"
        );
        let e = parse_threshold("load.cmg.peak_utlisation", "< 0.7").unwrap_err();
        assert!(
            e.ends_with(" — did you mean \"load.cmg.peak_utilisation\"?"),
            "{e}"
        );
        let e = parse_threshold("load.sccm.whatever", "< 1").unwrap_err();
        assert!(
            e.contains("unknown load value") && !e.contains("did you mean"),
            "{e}"
        );
    }
}
