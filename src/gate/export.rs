//! The gate's verdicts as bytes: a markdown table for people and CI logs, JUnit XML for CI test reports, JSON
//! for tools. Files are written elsewhere (`cmd/gate.rs`), so each format is testable without a disk.

use std::fmt::Write;

use super::compare::{amount, percent};
use super::{Check, Report, Row, Verdict};

/// The markdown verdict table. Thresholds, failures and changed statistics are listed; statistics equal in
/// both runs are only counted (every row is in `--json` and `--junit`).
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## cofleet gate · {} · {}\n",
        // The name comes from summary.json, which anyone may have edited: no terminal sequence gets through.
        crate::units::shown(&report.scenario),
        match &report.baseline {
            Some(b) => format!("{} against baseline {b}", report.current),
            None => format!("{} (thresholds only)", report.current),
        }
    );
    for change in &report.scenario_changes {
        let _ = writeln!(out, "- scenario changed (allowed): {change}");
    }
    if !report.scenario_changes.is_empty() {
        out.push('\n');
    }
    out.push_str("| check | metric | baseline | current | change | limit | verdict |\n");
    out.push_str("| --- | --- | ---: | ---: | ---: | --- | --- |\n");
    let mut hidden = 0;
    for row in &report.rows {
        let unchanged = row.check == Check::Regression
            && row.verdict != Verdict::Fail
            && row.baseline == row.current;
        if unchanged {
            hidden += 1;
            continue;
        }
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} |",
            match row.check {
                Check::Threshold => "threshold",
                Check::Regression => "regression",
            },
            row.key,
            value(row, row.baseline, true),
            value(row, row.current, false),
            row.change.map_or_else(|| "—".to_string(), signed_percent),
            row.limit,
            verdict_cell(row),
        );
    }
    let total = report.rows.len();
    let failures = report.failures();
    if hidden > 0 {
        let _ = writeln!(
            out,
            "\n{hidden} statistics unchanged from the baseline are not shown."
        );
    }
    let _ = writeln!(
        out,
        "\n**gate: {}** — {failures} of {total} checks failed",
        if failures == 0 { "PASS" } else { "FAIL" }
    );
    out
}

fn value(row: &Row, v: Option<f64>, is_baseline: bool) -> String {
    match v {
        Some(x) => amount(x, row.unit),
        None if is_baseline && row.check == Check::Threshold => "—".into(),
        None if crate::metrics::summary_keys::section_of(&row.key).is_some() => "no value".into(),
        None => "no samples".into(),
    }
}

fn signed_percent(c: f64) -> String {
    if c > 0.0 {
        format!("+{}", percent(c))
    } else if c < 0.0 {
        format!("−{}", percent(-c))
    } else {
        "0%".into()
    }
}

fn verdict_cell(row: &Row) -> String {
    match row.verdict {
        Verdict::Pass => format!("pass ({})", row.reason),
        Verdict::Fail => format!("**FAIL**: {}", row.reason),
        Verdict::Info => "info".into(),
    }
}

/// JUnit XML: one testsuite per check kind, one testcase per row, `<failure>` for failed rows; info rows
/// are testcases that pass.
pub fn junit(report: &Report) -> Vec<u8> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"cofleet gate\" tests=\"{}\" failures=\"{}\">",
        report.rows.len(),
        report.failures()
    );
    for (check, suite) in [
        (Check::Threshold, "thresholds"),
        (Check::Regression, "regressions"),
    ] {
        let rows: Vec<&Row> = report.rows.iter().filter(|r| r.check == check).collect();
        if rows.is_empty() {
            continue;
        }
        let failures = rows.iter().filter(|r| r.verdict == Verdict::Fail).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}.{suite}\" tests=\"{}\" failures=\"{failures}\">",
            xml_escape(&report.scenario),
            rows.len()
        );
        for row in rows {
            let name = xml_escape(&row.key);
            let class = xml_escape(&format!("{}.{suite}", report.scenario));
            if row.verdict == Verdict::Fail {
                let detail = format!(
                    "{}: baseline {}, current {}, limit {}",
                    row.key,
                    row.baseline.map_or("—".into(), |v| amount(v, row.unit)),
                    row.current
                        .map_or_else(|| value(row, None, false), |v| amount(v, row.unit)),
                    row.limit
                );
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"{class}\" name=\"{name}\">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    xml_escape(&row.reason),
                    xml_escape(&detail)
                );
            } else {
                let _ = writeln!(out, "    <testcase classname=\"{class}\" name=\"{name}\"/>");
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out.into_bytes()
}

/// Escapes text for XML attributes and content.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all (its `Char` production): controls but tab, newline and
            // carriage return, and the noncharacters U+FFFE and U+FFFF (a Rust `char` is never a surrogate).
            c if ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{fffe}' | '\u{ffff}') =>
            {
                out.push('\u{fffd}')
            }
            c => out.push(c),
        }
    }
    out
}

/// The JSON report: `schema`, `verdict` (`"pass"`/`"fail"`), `failures`, and the [`Report`] fields.
pub fn json(report: &Report) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Document<'a> {
        schema: u32,
        verdict: &'static str,
        failures: usize,
        #[serde(flatten)]
        report: &'a Report,
    }
    let doc = Document {
        schema: 1,
        verdict: if report.failures() == 0 {
            "pass"
        } else {
            "fail"
        },
        failures: report.failures(),
        report,
    };
    let mut out = serde_json::to_vec_pretty(&doc).expect("a gate report always serialises");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::Unit;

    fn report() -> Report {
        let row = |check, key: &str, b, c, verdict, reason: &str| Row {
            check,
            key: key.into(),
            unit: Unit::Seconds,
            baseline: b,
            current: c,
            change: match (b, c) {
                (Some(b), Some(c)) => Some((c - b) / b),
                _ => None,
            },
            limit: "5% worse".into(),
            verdict,
            reason: reason.into(),
        };
        Report {
            scenario: "q<&>".into(),
            current: "out".into(),
            baseline: Some("base".into()),
            scenario_changes: vec![],
            rows: vec![
                row(
                    Check::Threshold,
                    "hybrid_join.p95",
                    None,
                    Some(7_200.0),
                    Verdict::Fail,
                    "2h is not < 1h",
                ),
                row(
                    Check::Regression,
                    "hybrid_join.p95",
                    Some(3_600.0),
                    Some(7_200.0),
                    Verdict::Fail,
                    "worse by 100% (limit 5%) <\"&'>",
                ),
                row(
                    Check::Regression,
                    "hybrid_join.p50",
                    Some(600.0),
                    Some(600.0),
                    Verdict::Pass,
                    "unchanged",
                ),
            ],
        }
    }

    #[test]
    fn markdown_lists_failures_in_human_units_and_counts_unchanged_rows() {
        let md = markdown(&report());
        assert!(
            md.contains(
                "| regression | `hybrid_join.p95` | 1.00h | 2.00h | +100% | 5% worse | **FAIL**"
            ),
            "{md}"
        );
        assert!(md.contains("| threshold | `hybrid_join.p95` | — | 2.00h | — |"));
        assert!(!md.contains("hybrid_join.p50"));
        assert!(md.contains("1 statistics unchanged"));
        assert!(md.contains("**gate: FAIL** — 2 of 3 checks failed"));
    }

    #[test]
    fn junit_escapes_and_counts_failures() {
        let xml = String::from_utf8(junit(&report())).unwrap();
        assert!(xml.contains("<testsuites name=\"cofleet gate\" tests=\"3\" failures=\"2\">"));
        assert!(xml.contains("classname=\"q&lt;&amp;&gt;.regressions\""));
        assert!(xml.contains("message=\"worse by 100% (limit 5%) &lt;&quot;&amp;&apos;&gt;\""));
        assert_eq!(xml.matches("<failure ").count(), 2);
        assert_eq!(xml_escape("a\u{1}b"), "a\u{fffd}b");
    }

    #[test]
    fn json_carries_the_verdict_and_every_row() {
        let v: serde_json::Value = serde_json::from_slice(&json(&report())).unwrap();
        assert_eq!(v["verdict"], "fail");
        assert_eq!(v["failures"], 2);
        assert_eq!(v["rows"].as_array().unwrap().len(), 3);
        assert_eq!(v["rows"][1]["verdict"], "fail");
        assert_eq!(v["rows"][1]["check"], "regression");
    }

    #[test]
    fn outputs_open_with_the_signature_the_overwrite_policy_recognises() {
        use crate::report::output_file::OutputKind;
        assert!(OutputKind::Junit.recognises(&junit(&report())));
        assert!(OutputKind::GateJson.recognises(&json(&report())));
        assert!(!OutputKind::GateJson.recognises(&junit(&report())));
    }

    #[test]
    fn xml_escape_replaces_every_character_xml_cannot_carry() {
        assert_eq!(
            xml_escape("a\u{ffff}b\u{fffe}c\u{1b}d\te<&"),
            "a\u{fffd}b\u{fffd}c\u{fffd}d\te&lt;&amp;"
        );
        assert_eq!(xml_escape("\u{fffd}\u{10000}"), "\u{fffd}\u{10000}");
    }
}
