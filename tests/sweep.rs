//! `cofleet sweep` through the real binary: variants equal single runs byte for byte, replica intervals
//! contain closed-form values, a poll-interval sweep follows P/2, order follows the file, bad input exits 2.

mod common;
use common::*;

use std::path::Path;

/// Always-online, already co-managed devices; one stage moves compliance to Intune at 1 d, so the switch
/// latency is Uniform(0, P) for the poll interval P.
fn closed_form(devices: u32, extra: &str) -> String {
    format!(
        "name = \"sweep-cf\"\nseed = 11\nduration = \"2d\"\n{}\n[load]\nfeedback = false\n\n[[stage]]\nname = \"compliance\"\nstart = \"1d\"\nworkloads = [\"compliance_policies\"]\nauthority = \"intune\"\n{extra}",
        ideal_fleet(devices, 1.0, 1.0)
    )
}

type Sweep = Run;

fn sweep(scenario: &str, args: &[&str]) -> Sweep {
    invoke("sweep", scenario, args)
}

fn ok(s: &Sweep) {
    assert!(
        s.output.status.success(),
        "cofleet sweep failed: {}",
        String::from_utf8_lossy(&s.output.stderr)
    );
}

fn bad(s: &Sweep, needles: &[&str]) {
    let err = String::from_utf8_lossy(&s.output.stderr);
    assert_eq!(s.output.status.code(), Some(2), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!s.out.exists(), "no results on bad input");
}

/// sweep.csv as (header, rows).
fn long_csv(out: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(out.join("sweep.csv")).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// (value, ci_low, ci_high) of one statistic of one variant in sweep.csv.
fn stat(
    out: &Path,
    variant: &str,
    metric: &str,
    statistic: &str,
) -> (f64, Option<f64>, Option<f64>) {
    let (header, rows) = long_csv(out);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = rows
        .iter()
        .find(|r| r[0] == variant && r[col("metric")] == metric && r[col("statistic")] == statistic)
        .unwrap_or_else(|| panic!("no {variant} {metric} {statistic} in sweep.csv"));
    let f = |s: &str| s.parse::<f64>().ok();
    (
        f(&row[col("value")]).unwrap(),
        f(&row[col("ci_low")]),
        f(&row[col("ci_high")]),
    )
}

fn variant_order(out: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(out.join("comparison.csv")).unwrap();
    r.records().map(|rec| rec.unwrap()[0].to_string()).collect()
}

#[test]
fn variants_equal_separate_runs_byte_for_byte() {
    let base = closed_form(3_000, "");
    let with_variants = format!(
        "{base}\n[[variant]]\nname = \"poll-30\"\n\"timers.policy_poll\" = \"30m\"\n\n[[variant]]\nname = \"later\"\nstage.0.start = \"1d12h\"\nseed = 5\n"
    );
    let s = sweep(&with_variants, &["--replicas", "2", "--threads", "2"]);
    ok(&s);
    // A scenario file with variants still runs (its base) with `cofleet run`.
    let alone = run_scenario(&with_variants, &["--threads", "1"]);
    assert_eq!(
        read_tree(&alone.out),
        read_tree(&s.out.join("variants/base"))
            .into_iter()
            .filter(|(p, _)| !p.starts_with("replicas"))
            .collect::<Vec<_>>()
    );
    let poll = run_scenario(&format!("{base}\n[timers]\npolicy_poll = \"30m\"\n"), &[]);
    let later = run_scenario(
        &scenario_with(&base, &[("seed", "5"), ("stage.0.start", "\"1d12h\"")]),
        &[],
    );
    let own = |v: &str| {
        read_tree(&s.out.join("variants").join(v))
            .into_iter()
            .filter(|(p, _)| !p.starts_with("replicas"))
            .collect::<Vec<_>>()
    };
    assert_eq!(read_tree(&poll.out), own("poll-30"));
    assert_eq!(read_tree(&later.out), own("later"));
    // Replica 1 is `cofleet run` with the derived seed.
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(s.out.join("variants/poll-30/replicas/1/summary.json")).unwrap(),
    )
    .unwrap();
    let seed = summary["seed"].as_u64().unwrap();
    assert_ne!(seed, 11);
    let replica = run_scenario(
        &format!(
            "{}\n[timers]\npolicy_poll = \"30m\"\n",
            scenario_with(&base, &[("seed", &seed.to_string())])
        ),
        &[],
    );
    // A replica folder holds the run's data files; its plots would repeat the variant's.
    let data = |tree: Vec<(String, Vec<u8>)>| {
        tree.into_iter()
            .filter(|(p, _)| !p.starts_with("plots") && p != "report.html")
            .collect::<Vec<_>>()
    };
    assert_eq!(
        data(read_tree(&replica.out)),
        read_tree(&s.out.join("variants/poll-30/replicas/1"))
    );
    // Ordering follows the file, never completion order; stdout is comparison.md.
    assert_eq!(variant_order(&s.out), ["base", "poll-30", "later"]);
    assert_eq!(
        String::from_utf8_lossy(&s.output.stdout),
        std::fs::read_to_string(s.out.join("comparison.md")).unwrap()
    );
    // Same inputs, any thread count ⇒ the same bytes.
    let again = sweep(&with_variants, &["--replicas", "2", "--threads", "1"]);
    ok(&again);
    assert_eq!(read_tree(&s.out), read_tree(&again.out));
    drop(s.dir);
}

#[test]
fn replica_intervals_contain_the_closed_form_mean() {
    // 8 replicas of 2,000 devices: each replica's mean switch latency is P/2 plus noise; the 95 % interval
    // across replicas must contain P/2 = 1800 s (and is far narrower than P).
    let s = sweep(&closed_form(2_000, ""), &["--replicas", "8"]);
    ok(&s);
    let (mean, lo, hi) = stat(&s.out, "base", "switch_latency.compliance_policies", "mean");
    let (lo, hi) = (lo.unwrap(), hi.unwrap());
    assert!(
        lo < 1_800.0 && 1_800.0 < hi,
        "CI [{lo}, {hi}] (mean {mean})"
    );
    assert!(hi - lo < 100.0, "CI [{lo}, {hi}] is too wide");
    let (completed, lo, hi) = stat(&s.out, "base", "rollout.completed", "value");
    assert_eq!((completed, lo, hi), (1.0, Some(1.0), Some(1.0)));
    // With one replica there is no interval, and the text says so.
    let one = sweep(&closed_form(2_000, ""), &[]);
    ok(&one);
    assert_eq!(
        stat(
            &one.out,
            "base",
            "switch_latency.compliance_policies",
            "mean"
        )
        .1,
        None
    );
    assert!(String::from_utf8_lossy(&one.output.stdout).contains("no confidence intervals"));
}

#[test]
fn poll_interval_sweep_follows_half_the_interval() {
    let s = sweep(
        &closed_form(50_000, ""),
        &["--set", "timers.policy_poll=15m,30m,60m,120m"],
    );
    ok(&s);
    let (header, _) = long_csv(&s.out);
    assert_eq!(
        header,
        [
            "variant",
            "timers.policy_poll",
            "metric",
            "statistic",
            "value",
            "ci_low",
            "ci_high"
        ]
    );
    let order = variant_order(&s.out);
    assert_eq!(
        order,
        [
            "timers.policy_poll=15m",
            "timers.policy_poll=30m",
            "timers.policy_poll=60m",
            "timers.policy_poll=120m"
        ]
    );
    for (variant, minutes) in order.iter().zip([15.0, 30.0, 60.0, 120.0]) {
        let (mean, _, _) = stat(
            &s.out,
            variant,
            "switch_latency.compliance_policies",
            "mean",
        );
        assert_close(variant, mean, minutes * 60.0 / 2.0, 0.02);
    }
    let md = std::fs::read_to_string(s.out.join("comparison.md")).unwrap();
    assert!(
        md.contains("| `timers.policy_poll=15m` | 15m | **7.5m**"),
        "{md}"
    );
}

#[test]
fn bad_overrides_and_flags_exit_2() {
    let base = closed_form(100, "");
    bad(
        &sweep(&base, &["--set", "timers.polcy_poll=30m"]),
        &["--set timers.polcy_poll=30m", "unknown field `polcy_poll`"],
    );
    bad(
        &sweep(&base, &["--set", "fleet.devices=many"]),
        &["override `fleet.devices` = many"],
    );
    bad(
        &sweep(&base, &["--set", "stage.4.pilot=0.1"]),
        &["`stage` has 1 entry", "stage.4"],
    );
    bad(
        &sweep(&base, &["--set", "timers.policy_poll="]),
        &["empty value"],
    );
    bad(&sweep(&base, &["--replicas", "0"]), &["--replicas", "0"]);
    bad(
        &sweep(
            &base,
            &["--set", "seed=1,2,3,4,5,6,7,8,9", "--replicas", "8"],
        ),
        &["72 runs", "above the limit of 64", "--force", "Estimated"],
    );
    let variant = format!("{base}\n[[variant]]\nname = \"wide\"\n\"stage.0.pilot\" = 2\n");
    bad(
        &sweep(&variant, &[]),
        &["scenario.toml:", "variant `wide`, override `stage.0.pilot`"],
    );
    // `cofleet check` applies the variants too.
    let checked = cofleet()
        .arg("check")
        .arg(
            sweep(&variant, &["--replicas", "0"])
                .dir
                .path()
                .join("scenario.toml"),
        )
        .output()
        .unwrap();
    assert_eq!(checked.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&checked.stderr).contains("variant `wide`"));
    let typo = format!("{base}\n[[variant]]\nname = \"typo\"\n\"fleet.devicez\" = 2\n");
    bad(&sweep(&typo, &[]), &["variant `typo`", "devicez"]);
    let dup = format!("{base}\n[[variant]]\nname = \"x\"\n[[variant]]\nname = \"x\"\n");
    bad(&sweep(&dup, &[]), &["variant.1.name", "already the name"]);
}

#[test]
fn sweeps_compare_load_and_the_request_rate_view_too() {
    // Twice the poll rate is twice the steady management-point polls, N/P requests/s — plus, the same in both,
    // the weekly inventory and heartbeat: 2 · N · 2/7 in these 2 days, 1.2 % of the hourly polls.
    let s = sweep(
        &closed_form(6_000, ""),
        &["--set", "timers.policy_poll=30m,60m"],
    );
    ok(&s);
    let variants = variant_order(&s.out);
    let total = |v: &str| stat(&s.out, v, "load.management_point", "total_requests").0;
    let (fast, slow) = (total(&variants[0]), total(&variants[1]));
    assert!((fast / slow - 2.0).abs() < 0.03, "{fast} vs {slow}");
    let headroom = stat(
        &s.out,
        &variants[0],
        "load.request_rate_view",
        "management_points_per_site",
    )
    .0;
    assert!(headroom >= 1.0);
}

#[test]
fn the_base_scenario_is_the_default_reference_and_reference_picks_another() {
    // --set values that leave out the file's own poll interval (60 m): the base is run too, as `base`,
    // byte for byte a plain run of the file, and every other variant is compared with it.
    let text = closed_form(300, "");
    let s = sweep(&text, &["--set", "timers.policy_poll=30m,2h"]);
    ok(&s);
    assert_eq!(
        variant_order(&s.out),
        ["base", "timers.policy_poll=30m", "timers.policy_poll=2h"]
    );
    let alone = run_scenario(&text, &[]);
    assert_eq!(
        std::fs::read(s.out.join("variants/base/summary.json")).unwrap(),
        std::fs::read(alone.out.join("summary.json")).unwrap()
    );
    let md = std::fs::read_to_string(s.out.join("comparison.md")).unwrap();
    assert!(
        md.contains("relative difference to the reference, `base`"),
        "{md}"
    );
    assert!(md.contains("## Against `base`"), "{md}");
    assert!(
        md.contains("**Bold**: in each column, the best mean"),
        "{md}"
    );
    // Load and capacity are columns, in the CSV as in the table.
    let mut r = csv::Reader::from_path(s.out.join("comparison.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    for col in [
        "load.management_point.peak_requests_per_s",
        "load.management_point.peak_utilisation",
        "capacity.management_point.needed_per_site",
        "capacity.enough",
    ] {
        assert!(header.iter().any(|h| h == col), "{col} in {header:?}");
        assert!(md.contains(col), "{col} in comparison.md");
    }
    // The CSV's peak equals the base run's summary.
    let peak = stat(
        &s.out,
        "base",
        "load.management_point",
        "peak_requests_per_s",
    )
    .0;
    assert_close(
        "peak",
        peak,
        alone.summary()["load"]["components"]["management_point"]["peak_requests_per_s"]
            .as_f64()
            .unwrap(),
        1e-3,
    );

    // A --set value equal to the file's: no extra base run, that variant is the reference.
    let with_base = sweep(&text, &["--set", "timers.policy_poll=1h,2h"]);
    ok(&with_base);
    assert_eq!(
        variant_order(&with_base.out),
        ["timers.policy_poll=1h", "timers.policy_poll=2h"]
    );
    let md = std::fs::read_to_string(with_base.out.join("comparison.md")).unwrap();
    assert!(md.contains("reference, `timers.policy_poll=1h`"), "{md}");

    // --reference names another variant.
    let other = sweep(
        &text,
        &[
            "--set",
            "timers.policy_poll=1h,2h",
            "--reference",
            "timers.policy_poll=2h",
        ],
    );
    ok(&other);
    let md = std::fs::read_to_string(other.out.join("comparison.md")).unwrap();
    assert!(md.contains("## Against `timers.policy_poll=2h`"), "{md}");
    assert!(md.contains("- `timers.policy_poll=1h`: "), "{md}");

    // A name no variant has: exit 2 listing the variants.
    let wrong = sweep(
        &text,
        &[
            "--set",
            "timers.policy_poll=1h,2h",
            "--reference",
            "poll-2h",
        ],
    );
    bad(
        &wrong,
        &[
            "--reference poll-2h",
            "timers.policy_poll=1h, timers.policy_poll=2h",
        ],
    );
}
