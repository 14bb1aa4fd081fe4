//! Retire and re-enrollment (docs/model.md §3): "if a user unenrolls the device, it re-enrolls at the next
//! evaluation of the policy" — a retired device that stays in the co-management collection enrolls again at
//! its next ConfigMgr policy poll and is co-managed again; one the action also takes out of the collection
//! stays retired.

mod common;
use common::*;

const N: u32 = 10_000;
const AT: i64 = 86_400;
/// Graph pacing of ~3,000 targets (≤ 160 s), the push window (5 min) and one policy poll interval (60 min):
/// by then every retired device is back.
const BACK_BY: i64 = AT + 160 + 300 + 3_600;

fn scenario(leave: bool) -> String {
    format!(
        r#"name = "retire"
seed = 21
duration = "2d"
{fleet}
[load]
feedback = false

[[action]]
kind = "retire"
at = "1d"
share = 0.3
leave_collection = {leave}
"#,
        fleet = ideal_fleet(N, 1.0, 1.0)
    )
}

/// Always-on devices: every retired device acts within 5 min of its (Graph-paced) request, then enrolls at
/// its next hourly poll — all back co-managed by `at` + pacing + 5 min + 1 h.
#[test]
fn retired_devices_in_the_collection_re_enroll_at_their_next_poll() {
    let run = run_on_1_and_4_threads(&scenario(false), &[]);
    let s = run.summary();
    let targeted = s["counts"]["action.retire.targeted"].as_i64().unwrap();
    assert!(
        (targeted as f64 / f64::from(N) - 0.3).abs() < 0.02,
        "{targeted}"
    );
    assert_eq!(s["counts"]["retired"], 0);
    assert_eq!(s["counts"]["co_managed"], N);
    let (header, rows) = run.timeline();
    let (t, retired, co) = (
        col(&header, "time_s"),
        col(&header, "retired"),
        col(&header, "co_managed"),
    );
    // An hour after `at` a device is still retired when its request's Graph pacing P (the k-th target's
    // request leaves ⌊k/400⌋·20 s after `at`) plus its push delay D ~ U(1 s, 300 s) plus its wait for the next
    // poll, U(0, 1 h), exceeds the hour: probability (P + E[D]) / 1 h, summed over the targets.
    let hour_later = rows.iter().find(|r| r[t] == AT + 3_600).unwrap()[retired];
    let expected = (0..targeted)
        .map(|k| ((k / 400 * 20) as f64 + 150.5) / 3_600.0)
        .sum::<f64>();
    assert!(
        (hour_later as f64 - expected).abs() < 4.0 * expected.sqrt(),
        "{hour_later} still retired an hour later, expected {expected:.1}"
    );
    for r in &rows {
        assert_eq!(r[retired] + r[co], i64::from(N), "at {}", r[t]);
        if r[t] < AT {
            assert_eq!(r[retired], 0);
        }
        if r[t] >= BACK_BY {
            assert_eq!(r[retired], 0, "at {}", r[t]);
        }
    }
}

/// `leave_collection = true`: the retired devices stay retired to the end.
#[test]
fn retired_devices_that_leave_the_collection_stay_retired() {
    let run = run_scenario(&scenario(true), &[]);
    let s = run.summary();
    let targeted = s["counts"]["action.retire.targeted"].as_i64().unwrap();
    assert_eq!(s["counts"]["retired"].as_i64().unwrap(), targeted);
    assert_eq!(
        s["counts"]["co_managed"].as_i64().unwrap() + targeted,
        i64::from(N)
    );
}

/// Only a retire can take devices out of the co-management collection.
#[test]
fn leave_collection_is_refused_on_other_kinds() {
    let text = scenario(true).replace("kind = \"retire\"", "kind = \"wipe\"");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("retire.toml");
    std::fs::write(&file, text).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("action.0.leave_collection") && stderr.contains("only a retire action"),
        "{stderr}"
    );
}
