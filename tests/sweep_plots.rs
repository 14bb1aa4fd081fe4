//! A sweep's `plots/` and `report.html`: comparison bars and sweep curves exist, the plotted values are
//! sweep.csv's, one replica draws no whiskers (and does not crash), and the same sweep gives the same bytes.

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// Always-online, already co-managed devices; compliance moves to Intune at 1 d.
fn scenario(devices: u32) -> String {
    format!(
        "name = \"sweep-plots\"\nseed = 11\nduration = \"2d\"\n{}\n[load]\nfeedback = false\n\n[[stage]]\nname = \"compliance\"\nstart = \"1d\"\nworkloads = [\"compliance_policies\"]\nauthority = \"intune\"\n",
        ideal_fleet(devices, 1.0, 1.0)
    )
}

fn sweep(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let file = dir.join("scenario.toml");
    std::fs::write(&file, scenario(500)).unwrap();
    let out = dir.join(name);
    let output = cofleet()
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cofleet sweep failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// sweep.csv's `value` of `metric` `mean` per variant, with its interval, as the report writes them.
fn csv_means(out: &Path, metric: &str) -> Vec<(String, String, String, String)> {
    let mut r = csv::Reader::from_path(out.join("sweep.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    r.records()
        .map(|rec| rec.unwrap())
        .filter(|rec| &rec[col("metric")] == metric && &rec[col("statistic")] == "mean")
        .map(|rec| {
            (
                rec[0].to_string(),
                rec[col("value")].to_string(),
                rec[col("ci_low")].to_string(),
                rec[col("ci_high")].to_string(),
            )
        })
        .collect()
}

/// A `sweep.csv` value in seconds as the report writes it.
fn human(seconds: &str) -> String {
    let s: f64 = seconds.parse().unwrap();
    if s < 0.0 {
        format!("−{}", cofleet::units::human_seconds(-s))
    } else {
        cofleet::units::human_seconds(s)
    }
}

#[test]
fn sweep_plots_show_sweep_csv_values_with_whiskers() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--set",
        "timers.policy_poll=30m,60m,2h",
        "--set",
        "fleet.devices=300,500",
        "--replicas",
        "2",
    ];
    let out = sweep(dir.path(), "a", &args);
    for slug in [
        "compare_switch_latency_compliance_policies",
        "compare_compliance_latency",
        "curve_timers_policy_poll__switch_latency_compliance_policies",
        "curve_fleet_devices__switch_latency_compliance_policies",
    ] {
        let svg = std::fs::read_to_string(out.join(format!("plots/{slug}.svg")))
            .unwrap_or_else(|_| panic!("plots/{slug}.svg missing"));
        assert!(svg.starts_with("<svg"), "{slug}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("cofleet sweep report — sweep-plots"));
    assert!(html.contains("timers.policy_poll=30m+fleet.devices=300"));
    assert!(html.contains("<section id=\"comparison\">"));
    for forbidden in ["<script", "https://", "<link", "@import", "url("] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    let means = csv_means(&out, "switch_latency.compliance_policies");
    assert_eq!(means.len(), 6);
    let section = html
        .split("<section id=\"compare_switch_latency_compliance_policies\">")
        .nth(1)
        .unwrap();
    // The report's tables give sweep.csv's seconds in human units.
    for (i, (variant, value, lo, hi)) in means.iter().enumerate() {
        assert!(!lo.is_empty(), "two replicas give intervals");
        let row = format!(
            "<tr><td>{variant}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            human(value),
            human(lo),
            human(hi)
        );
        assert!(section.contains(&row), "missing {row}");
    }
    // The poll curve: one line per fleet size, x = the poll interval label.
    let curve = html
        .split("<section id=\"curve_timers_policy_poll__switch_latency_compliance_policies\">")
        .nth(1)
        .unwrap();
    let (variant, value, _, _) = &means[1];
    assert_eq!(variant, "timers.policy_poll=30m+fleet.devices=500");
    assert!(
        curve.contains(&format!(
            "<tr><td>base fleet.devices=500</td><td>30m</td><td>{}</td>",
            human(value)
        )),
        "{}",
        &curve[..curve.len().min(3000)]
    );
    // Same sweep, same bytes.
    let again = sweep(dir.path(), "b", &args);
    let top = |dir: &Path| {
        read_tree(dir)
            .into_iter()
            .filter(|(p, _)| p.starts_with("plots") || p == "report.html")
            .collect::<Vec<_>>()
    };
    let first = top(&out);
    assert!(first.len() >= 7);
    assert_eq!(first, top(&again));
    // Every sweep plot also as PNG; `cofleet plot` redraws the sweep folder's plots from its files, byte
    // for byte, in any format.
    for (path, _) in first.iter().filter(|(p, _)| p.ends_with(".svg")) {
        let png = out.join(path.replace(".svg", ".png"));
        assert!(
            std::fs::read(&png).unwrap().starts_with(b"\x89PNG"),
            "{png:?}"
        );
    }
    // The comparison is an HTML table, not pasted markdown.
    assert!(html.contains("<table class=\"comparison\">"));
    assert!(!html.contains("| --- |"));
    std::fs::remove_dir_all(out.join("plots")).unwrap();
    std::fs::remove_file(out.join("report.html")).unwrap();
    let replotted = cofleet()
        .args(["plot", out.to_str().unwrap(), "--format", "png"])
        .output()
        .unwrap();
    assert!(
        replotted.status.success(),
        "{}",
        String::from_utf8_lossy(&replotted.stderr)
    );
    let replot: Vec<_> = top(&out);
    let want: Vec<_> = first
        .iter()
        .filter(|(p, _)| !p.ends_with(".svg"))
        .cloned()
        .collect();
    assert_eq!(
        replot, want,
        "`cofleet plot SWEEP --format png` redraws the same PNGs and report"
    );
}

#[test]
fn one_replica_draws_no_whiskers() {
    let dir = tempfile::tempdir().unwrap();
    let out = sweep(dir.path(), "a", &["--set", "timers.policy_poll=30m,60m"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("no whiskers"), "the K = 1 note");
    assert!(!html.contains("95 % confidence interval</text>"));
    assert!(!html.contains("95 % CI"));
    let means = csv_means(&out, "switch_latency.compliance_policies");
    for (variant, value, lo, _) in &means {
        assert!(lo.is_empty());
        assert!(
            html.contains(&format!("<tr><td>{variant}</td>")),
            "{variant}"
        );
        assert!(html.contains(&format!("<td>{}</td><td></td><td></td></tr>", human(value))));
    }
    assert!(out.join("plots/compare_compliance_latency.svg").exists());
    // A file with no --set: comparison bars only, no curves.
    let plain = sweep(dir.path(), "b", &[]);
    let plots: Vec<_> = std::fs::read_dir(plain.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(plots.iter().all(|p| p.starts_with("compare_")), "{plots:?}");
    assert!(!plots.is_empty());
}
