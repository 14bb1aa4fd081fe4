//! Per-ring latency metrics (`<metric>@<ring>`): each device counts in the first stage whose target contains
//! it, so in the quickstart (whose later stage targets everyone) the rings' counts add up to the pooled count
//! of every metric, at any thread count.

mod common;

use common::run_on_1_and_4_threads;

const RINGS: [&str; 3] = ["pilot_compliance", "all_compliance_updates", "the_rest"];

#[test]
fn ring_counts_sum_to_the_pooled_count_of_every_metric() {
    let scenario = std::fs::read_to_string("scenarios/quickstart.toml").unwrap();
    let run = run_on_1_and_4_threads(&scenario, &[]);
    let summary = run.summary();
    let metrics = summary["metrics"].as_object().unwrap();
    let mut checked = 0;
    for (name, stats) in metrics {
        if name.contains('@') || name.starts_with("queue_delay.") {
            continue;
        }
        let pooled = stats["count"].as_u64().unwrap();
        if pooled == 0 {
            continue;
        }
        let rings: u64 = RINGS
            .iter()
            .map(|r| metrics[&format!("{name}@{r}")]["count"].as_u64().unwrap())
            .sum();
        assert_eq!(rings, pooled, "{name}");
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} metrics had samples");
    let pilot = metrics["compliance_latency@pilot_compliance"]["count"]
        .as_u64()
        .unwrap();
    assert!(pilot > 0, "the pilot ring reports compliance");
    let csv = std::fs::read_to_string(run.out.join("percentiles.csv")).unwrap();
    assert!(csv.contains("\ncompliance_latency@pilot_compliance,50,"));

    // The stdout section and the report show the pilot ring's compliance figures from summary.json.
    let stat = |s: &str| {
        let v = metrics["compliance_latency@pilot_compliance"][s]
            .as_u64()
            .unwrap();
        cofleet::units::human_seconds(v as f64)
    };
    let stdout = run.stdout();
    let section = stdout
        .split("\nper ring:")
        .nth(1)
        .expect("a per-ring section on stdout");
    let pilot_rows = section
        .split("\npilot_compliance\n")
        .nth(1)
        .expect("the pilot ring's rows");
    let row = pilot_rows
        .lines()
        .find(|l| l.trim_start().starts_with("compliance_latency "))
        .expect("the pilot ring's compliance_latency row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells[1..5],
        [
            cofleet::units::grouped(pilot).as_str(),
            &stat("p50"),
            &stat("p95"),
            &stat("p99")
        ],
        "{row}"
    );
    let report = std::fs::read_to_string(run.out.join("report.html")).unwrap();
    assert!(report.contains("<section id=\"rings\">"));
    assert!(report.contains(&format!(
        "<td>pilot_compliance</td><td>compliance_latency</td><td>{}</td>",
        cofleet::units::grouped(pilot)
    )));
}
