//! Plots and report.html: produced by every run, drawn from the results files (points equal the CSV data),
//! deterministic, "no data" for empty metrics, load plots from a load.csv, and bad results folders refused.

mod common;

use std::path::Path;

use cofleet::plot::data::Results;
use cofleet::plot::figures::{self, Style};
use cofleet::plot::{Format, plot_files};
use common::{cofleet, ideal_fleet, read_tree, run_scenario};

const LOAD_COMPONENTS: [&str; 5] = [
    "azure_ad",
    "cmg",
    "intune",
    "management_point",
    "software_update_point",
];

const FIGURES: [&str; 4] = [
    "fleet_flow",
    "authority",
    "latency_switch",
    "latency_comanaged",
];

fn small_rollout(devices: u32, existing_share: f64) -> String {
    format!(
        r#"name = "plots"
seed = 3
duration = "10d"
{}
[[stage]]
name = "pilot"
start = "1d"
workloads = ["compliance_policies"]
authority = "pilot_intune"
pilot = 0.2

[stage.gate]
min_switched = 0.5
min_age = "1d"

[[stage]]
name = "all"
workloads = ["compliance_policies", "client_apps"]
authority = "intune"
"#,
        ideal_fleet(devices, existing_share, 0.0)
    )
}

#[test]
fn the_reference_scenario_gets_every_plot_and_a_report() {
    let run = run_scenario(
        &std::fs::read_to_string("scenarios/reference.toml").unwrap(),
        &[],
    );
    for name in FIGURES {
        for ext in ["svg", "png"] {
            let path = run.out.join(format!("plots/{name}.{ext}"));
            let bytes = std::fs::read(&path).unwrap_or_else(|_| panic!("{path:?} missing"));
            assert!(bytes.len() > 5_000, "{path:?} is suspiciously small");
        }
        let png = std::fs::read(run.out.join(format!("plots/{name}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
    let html = std::fs::read_to_string(run.out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("reference (seed 42)"),
        "title names scenario and seed"
    );
    assert!(html.contains("100,000 devices"));
    // Plus one load figure per component of load.csv.
    let figures = FIGURES.len() + LOAD_COMPONENTS.len();
    for component in LOAD_COMPONENTS {
        assert!(run.out.join(format!("plots/load_{component}.png")).exists());
    }
    assert_eq!(html.matches("<svg").count(), figures);
    for forbidden in ["<script", "http://", "https://", "<link", "@import", "url("] {
        let hits = html.matches(forbidden).count();
        // The only URL allowed is the SVG namespace, which is not fetched.
        let allowed = if forbidden == "http://" { figures } else { 0 };
        assert_eq!(
            hits, allowed,
            "report.html must be self-contained ({forbidden})"
        );
    }
    assert!(html.contains("time_to_comanaged.existing_client"));
    assert!(
        html.contains("halted") || html.contains("passed"),
        "rollout stages are listed"
    );
}

#[test]
fn plotted_points_are_the_csv_data() {
    let run = run_scenario(&small_rollout(3_000, 0.8), &[]);
    let results = Results::read_dir(&run.out).unwrap();
    let (header, rows) = run.timeline();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();

    // Fleet flow: the bottom layer is co_managed, the top the whole fleet; x in days.
    let flow = figures::fleet_flow(&results);
    let bottom = flow.series.last().unwrap();
    assert_eq!(bottom.name, "co_managed");
    assert_eq!(bottom.style, Style::Area);
    for i in [0, 30, 100, rows.len() - 1] {
        assert_eq!(bottom.points[i].0, rows[i][col("time_s")] as f64 / 86_400.0);
        assert_eq!(bottom.points[i].1, rows[i][col("co_managed")] as f64);
        assert_eq!(
            flow.series[0].points[i].1, 3_000.0,
            "stack top = fleet size"
        );
    }
    // Time axes in days carry dates (the default start is Monday 2027-01-04), at whole days, at most 8.
    let start = &results.summary.start;
    assert!(start.starts_with("2027-01-04"), "{start}");
    let ticks: Vec<(f64, &str)> = flow.x.ticks.iter().map(|(x, t)| (*x, t.as_str())).collect();
    assert_eq!(ticks[0], (0.0, "Mon 4 Jan"));
    assert_eq!(ticks[1], (2.0, "Wed 6 Jan"));
    assert!(ticks.len() <= 8 && ticks.iter().all(|(x, _)| x.fract() == 0.0));
    let tags: Vec<&str> = flow.markers.iter().map(|m| m.tag.as_str()).collect();
    assert_eq!(tags, ["S1", "G1", "S2"]);
    assert_eq!(flow.markers[0].x, 1.0, "the pilot starts at 1d");

    // Authority: one line per workload, equal to its `.intune` column.
    let authority = figures::authority(&results);
    let apps = authority
        .series
        .iter()
        .find(|s| s.name == "client_apps")
        .unwrap();
    for i in [0, 50, rows.len() - 1] {
        assert_eq!(apps.points[i].1, rows[i][col("client_apps.intune")] as f64);
    }
    assert!(apps.points.last().unwrap().1 > 2_500.0);

    // Latency CDF: (seconds, percentile) rows of percentiles.csv; p50/p95/p99 marked.
    let csv = std::fs::read_to_string(run.out.join("percentiles.csv")).unwrap();
    let expected: Vec<(f64, f64)> = csv
        .lines()
        .filter_map(|l| l.strip_prefix("switch_latency.client_apps,"))
        .map(|l| {
            let (p, s) = l.split_once(',').unwrap();
            (s.parse().unwrap(), p.parse().unwrap())
        })
        .collect();
    let switch = figures::switch_latency(&results);
    // Identical curves are drawn once, named together.
    let curve = switch
        .series
        .iter()
        .find(|s| s.name.split(", ").any(|n| n == "client_apps"))
        .unwrap();
    assert!(
        expected.len() >= 200,
        "the CDF is drawn from ≥ 200 quantiles"
    );
    // Every metric is named once, and no two drawn curves are the same.
    let names: Vec<&str> = switch
        .series
        .iter()
        .flat_map(|s| s.name.split(", "))
        .collect();
    assert_eq!(names.len(), 8, "{names:?}");
    let drawn: Vec<&Vec<(f64, f64)>> = switch
        .series
        .iter()
        .map(|s| &s.points)
        .filter(|p| !p.is_empty())
        .collect();
    for (i, a) in drawn.iter().enumerate() {
        assert!(
            drawn[i + 1..].iter().all(|b| b != a),
            "curve {i} drawn twice"
        );
    }
    assert_eq!(expected[0].1, 0.0, "from the smallest sample");
    assert_eq!(curve.points.len(), expected.len());
    for (got, want) in curve.points.iter().zip(&expected) {
        assert_eq!(got.1, want.1);
        assert_eq!(got.0, want.0.clamp(switch.x.min, switch.x.max));
    }
    let marked: Vec<f64> = curve.marks.iter().map(|m| m.1).collect();
    assert_eq!(marked, [50.0, 95.0, 99.0]);
    let p95 = results.summary.metrics["switch_latency.client_apps"]
        .p95
        .unwrap();
    assert!(
        curve
            .detail
            .contains(&cofleet::units::human_seconds(p95 as f64))
    );
}

#[test]
fn rendering_is_deterministic_and_replot_reproduces_the_run() {
    let run = run_scenario(&small_rollout(2_000, 0.8), &[]);
    let results = Results::read_dir(&run.out).unwrap();
    let a = plot_files(&results, Format::Both).unwrap();
    let b = plot_files(&results, Format::Both).unwrap();
    assert_eq!(a, b, "same results ⇒ same bytes");
    // What `run` wrote is exactly what plotting its files gives.
    for (name, bytes) in &a {
        assert!(
            &std::fs::read(run.out.join(name)).unwrap() == bytes,
            "{name} differs between run and replot"
        );
    }
    // `cofleet plot` rewrites the folder with the same bytes.
    let before = read_tree(&run.out);
    cofleet().arg("plot").arg(&run.out).assert().success();
    assert_eq!(before, read_tree(&run.out));
    // --format svg leaves no PNG behind.
    cofleet()
        .args(["plot", "--format", "svg"])
        .arg(&run.out)
        .assert()
        .success();
    let after = read_tree(&run.out);
    assert!(after.iter().all(|(n, _)| !n.ends_with(".png")));
    assert!(after.iter().any(|(n, _)| n == "plots/fleet_flow.svg"));
    assert!(after.iter().any(|(n, _)| n == "summary.json"));
}

#[test]
fn no_plots_writes_the_data_files_only_and_plot_draws_them_later() {
    let scenario = small_rollout(2_000, 0.8);
    let full = run_scenario(&scenario, &[]);
    let bare = run_scenario(&scenario, &["--no-plots"]);
    let full_files = read_tree(&full.out);
    let bare_files = read_tree(&bare.out);
    assert!(
        bare_files
            .iter()
            .all(|(n, _)| !n.starts_with("plots/") && n != "report.html"),
        "--no-plots wrote {:?}",
        bare_files.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    // The data files are the plotted run's, byte for byte.
    let data: Vec<_> = full_files
        .iter()
        .filter(|(n, _)| !n.starts_with("plots/") && n != "report.html")
        .cloned()
        .collect();
    assert_eq!(data, bare_files);
    // `cofleet plot` on the bare folder gives exactly the plotted run's folder.
    cofleet().arg("plot").arg(&bare.out).assert().success();
    assert_eq!(full_files, read_tree(&bare.out));
}

#[test]
fn empty_metrics_say_no_data() {
    // No path-2 device: time_to_comanaged.new_internet has no samples.
    let run = run_scenario(&small_rollout(1_000, 1.0), &[]);
    let results = Results::read_dir(&run.out).unwrap();
    let fig = figures::time_to_comanaged(&results);
    let new = fig
        .series
        .iter()
        .find(|s| s.name.contains("new_internet"))
        .unwrap();
    assert!(new.points.is_empty());
    assert!(new.detail.starts_with("no data"));
    let svg = std::fs::read_to_string(run.out.join("plots/latency_comanaged.svg")).unwrap();
    assert!(svg.contains("no data"));

    // No stage at all: no switch latency anywhere, the whole plot says so.
    let run = run_scenario(
        &format!(
            "name = \"nostage\"\nduration = \"2d\"\n{}",
            ideal_fleet(500, 1.0, 0.0)
        ),
        &[],
    );
    let results = Results::read_dir(&run.out).unwrap();
    assert!(figures::switch_latency(&results).is_empty());
    let svg = std::fs::read_to_string(run.out.join("plots/latency_switch.svg")).unwrap();
    assert!(svg.contains("no data: nothing to plot"));
    assert!(run.out.join("plots/latency_switch.png").exists());
}

const LOAD_CSV: &str = "\
bucket_start_s,component,request_type,requests,capacity_per_s,utilisation,queue_delay_p50_s,queue_delay_p95_s,served,bucket_start_date
0,cmg,policy_poll,3600,5,0.2,0,0,7200,
0,cmg,content,3600,5,0.2,0,0,7200,
0,intune,mdm_sync,720,10,0.02,0,0,720,
3600,cmg,policy_poll,18000,5,1.0,2,9,18000,
3600,cmg,content,0,5,1.0,2,9,18000,
3600,intune,mdm_sync,1440,10,0.04,0,0,1440,
7200,cmg,policy_poll,7200,5,0.4,0,0,7200,
7200,intune,mdm_sync,360,10,0.01,0,0,360,
";

#[test]
fn a_load_csv_gives_one_load_plot_per_component() {
    let run = run_scenario(&small_rollout(500, 0.8), &[]);
    std::fs::write(run.out.join("load.csv"), LOAD_CSV).unwrap();
    cofleet().arg("plot").arg(&run.out).assert().success();
    for c in ["cmg", "intune"] {
        for ext in ["svg", "png"] {
            assert!(run.out.join(format!("plots/load_{c}.{ext}")).exists());
        }
    }
    assert_eq!(
        std::fs::read_to_string(run.out.join("load.csv")).unwrap(),
        LOAD_CSV,
        "replot keeps the other files"
    );
    let results = Results::read_dir(&run.out).unwrap();
    let load = figures::load(&results);
    let cmg = load.iter().find(|f| f.slug == "load_cmg").unwrap();
    // Buckets of 3600 s: (3600 + 3600) / 3600 = 2/s, then 5/s, then 2/s; capacity 5/s.
    let x = |s: f64| s / 86_400.0;
    assert_eq!(
        cmg.series[0].points,
        [(x(0.0), 2.0), (x(3600.0), 5.0), (x(7200.0), 2.0)]
    );
    assert_eq!(
        cmg.series[1].points,
        [(x(0.0), 5.0), (x(3600.0), 5.0), (x(7200.0), 5.0)]
    );
    assert_eq!(cmg.series[0].marks[0].1, 5.0, "the peak is marked");
    assert!(cmg.series[0].detail.contains("100% of the assumed rate"));
    let html = std::fs::read_to_string(run.out.join("report.html")).unwrap();
    assert!(html.contains("Load on cmg"));
    assert_eq!(html.matches("<svg").count(), FIGURES.len() + 2);
}

fn assert_bad(dir: &Path, file: &str, why: &str) {
    let out = cofleet().arg("plot").arg(dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{why}: {stderr}");
    assert!(
        stderr.contains(file),
        "{why}: the error names {file}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_results_folders_exit_2_naming_the_file() {
    let run = run_scenario(&small_rollout(500, 0.8), &[]);
    let fresh = |name: &str| {
        let dir = run.dir.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        for f in ["summary.json", "timeline.csv", "percentiles.csv"] {
            std::fs::copy(run.out.join(f), dir.join(f)).unwrap();
        }
        dir
    };

    let dir = fresh("truncated");
    let text = std::fs::read_to_string(dir.join("timeline.csv")).unwrap();
    std::fs::write(dir.join("timeline.csv"), &text[..text.len() / 2]).unwrap();
    assert_bad(&dir, "timeline.csv", "a truncated CSV");

    let dir = fresh("corrupt");
    std::fs::write(
        dir.join("percentiles.csv"),
        "metric,percentile,seconds\nx,50,abc\n",
    )
    .unwrap();
    assert_bad(&dir, "percentiles.csv", "a corrupt CSV");

    let dir = fresh("missing");
    std::fs::remove_file(dir.join("summary.json")).unwrap();
    assert_bad(&dir, "summary.json", "a missing summary");

    let dir = fresh("unparsable");
    std::fs::write(dir.join("summary.json"), "{\"scenario\": ").unwrap();
    assert_bad(&dir, "summary.json", "a summary that does not parse");

    let dir = fresh("incomplete");
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    std::fs::write(
        dir.join("summary.json"),
        text.replace("\"complete\": true", "\"complete\": false"),
    )
    .unwrap();
    assert_bad(&dir, "summary.json", "an unfinished run");

    let dir = fresh("badload");
    std::fs::write(dir.join("load.csv"), "bucket_start_s,component\n0,cmg\n").unwrap();
    assert_bad(&dir, "load.csv", "a load.csv with the wrong header");

    assert_bad(
        &run.dir.path().join("nowhere"),
        "nowhere",
        "a folder that does not exist",
    );
}
