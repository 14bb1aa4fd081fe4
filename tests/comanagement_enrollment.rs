//! Co-management's automatic enrollment as the product runs it (docs/model.md §1.1): its scope, a spread that
//! scales with the clients in scope, the user-token fallback, the VPN a remote device needs for its hybrid
//! join, and the clients' readiness at t = 0 — each checked by counting or against a closed form, on
//! always-online fleets without transient failures.

mod common;
use common::*;

const N: u32 = 100_000;

/// A path-1 fleet (`existing` share of `devices`) of always-online devices, edited by `edit`, run for
/// `duration` on 1 and 4 threads.
fn run(name: &str, devices: u32, existing: f64, duration: &str, edit: &[(&str, &str)]) -> Run {
    let mut fleet = ScenarioEdit::new(&ideal_fleet(devices, existing, 0.0));
    for (key, value) in edit {
        fleet = fleet.add(key, value);
    }
    let scenario = format!(
        "name = \"{name}\"\nseed = 7\nduration = \"{duration}\"\n{}",
        fleet.text()
    );
    run_on_1_and_4_threads(&scenario, &[])
}

fn count(run: &Run, what: &str) -> f64 {
    run.summary()["counts"][what]
        .as_f64()
        .unwrap_or_else(|| panic!("no counts.{what}"))
}

/// `actual` is within 4 binomial standard deviations of `p` × `n`.
fn assert_binomial(what: &str, actual: f64, n: u32, p: f64) {
    let n = f64::from(n);
    let sd = (n * p * (1.0 - p)).sqrt().max(1.0);
    assert!(
        (actual - p * n).abs() < 4.0 * sd,
        "{what}: {actual} of {n}, {p} expected (sd {sd:.1})"
    );
}

/// `auto_enrollment = "pilot"`: only the pilot collection's share of path-1 clients gets the co-management
/// policy, so about p·N are co-managed; the others still hybrid join (a prerequisite co-management does not
/// drive) and stay joined.
#[test]
fn a_pilot_scope_comanages_its_share() {
    let run = run(
        "pilot-scope",
        N,
        1.0,
        "4d",
        &[
            ("timers.enrollment_spread", "\"1d\""),
            ("comanagement.auto_enrollment", "\"pilot\""),
            ("comanagement.pilot_share", "0.3"),
        ],
    );
    let comanaged = count(&run, "co_managed");
    assert_binomial("co_managed", comanaged, N, 0.3);
    assert_eq!(count(&run, "joined") + comanaged, f64::from(N));
    assert_eq!(run.stat("hybrid_join", "count"), f64::from(N));
}

/// `auto_enrollment = "none"`: no path-1 device is co-managed; path 2 is not affected.
#[test]
fn no_scope_comanages_no_existing_client_and_leaves_path_2_alone() {
    let fleet = ideal_fleet(20_000, 0.5, 0.0);
    let base = format!(
        "name = \"no-scope\"\nseed = 7\nduration = \"20d\"\n{fleet}\n[load]\nfeedback = false\n"
    );
    let with = ScenarioEdit::new(&base)
        .add("comanagement.auto_enrollment", "\"none\"")
        .text();
    let none = run_on_1_and_4_threads(&with, &[]);
    let all = run_scenario(&base, &[]);
    assert_eq!(
        none.summary()["metrics"]["time_to_comanaged.existing_client"]["count"],
        0
    );
    assert_eq!(
        none.summary()["metrics"]["time_to_comanaged.new_internet"],
        all.summary()["metrics"]["time_to_comanaged.new_internet"]
    );
    assert!(count(&none, "co_managed") > 9_000.0);
}

/// The scaled spread, in closed form: always-online devices get the co-management policy at their first poll
/// (U(0, P)) and the enrollment timer fires U(0, S) later; the join (≈ 30m + U(0, 60m)) ends well within it,
/// so time to co-managed ≈ P/2 + S/2. Left to its default, S scales with the clients in scope: 100,000 clients
/// ⇒ 100,000 × 3.456 s = 4 d; 30,000 clients in a pilot ⇒ the 2-day floor.
#[test]
fn the_default_spread_scales_with_the_clients_in_scope() {
    let scaled = run("spread-scaled", N, 1.0, "8d", &[]);
    assert_close(
        "time_to_comanaged mean, 100,000 clients",
        scaled.stat("time_to_comanaged.existing_client", "mean"),
        1_800.0 + 2.0 * 86_400.0,
        0.02,
    );
    assert!(scaled.stat("time_to_comanaged.existing_client", "max") > 3.9 * 86_400.0);
    assert_eq!(count(&scaled, "co_managed"), f64::from(N));

    let floor = run(
        "spread-floor",
        N,
        1.0,
        "8d",
        &[
            ("comanagement.auto_enrollment", "\"pilot\""),
            ("comanagement.pilot_share", "0.3"),
        ],
    );
    assert_close(
        "time_to_comanaged mean, 30,000 clients",
        floor.stat("time_to_comanaged.existing_client", "mean"),
        1_800.0 + 86_400.0,
        0.03,
    );
    assert!(floor.stat("time_to_comanaged.existing_client", "max") < 2.0 * 86_400.0 + 7_200.0);
}

/// A written spread means what it says, whatever the client count: 100,000 clients with `"2d"` ⇒ P/2 + 1 d.
#[test]
fn a_written_spread_is_used_as_written() {
    let run = run(
        "spread-written",
        N,
        1.0,
        "5d",
        &[("timers.enrollment_spread", "\"2d\"")],
    );
    assert_close(
        "time_to_comanaged mean",
        run.stat("time_to_comanaged.existing_client", "mean"),
        1_800.0 + 86_400.0,
        0.02,
    );
}

/// The user-token fallback: with no spread, every always-online device of a run starting Monday 00:00 tries
/// its device-token enrollment within about 2 h. A device whose device token fails waits for a user's sign-in;
/// an always-online device's user signs in when office hours begin, Monday 08:00, so it is co-managed at
/// exactly 8 h. With share u: mean = (1 − u)·m₀ + u·8 h, where m₀ is the mean without the fallback.
#[test]
fn user_token_devices_wait_for_the_sign_in() {
    let spread = ("timers.enrollment_spread", "\"0s\"");
    let base = run("token-none", N, 1.0, "2d", &[spread]);
    let m0 = base.stat("time_to_comanaged.existing_client", "mean");
    assert!(m0 < 2.0 * 3_600.0, "m0 = {m0}");
    let u = 0.3;
    let run = run(
        "token-share",
        N,
        1.0,
        "2d",
        &[spread, ("comanagement.user_token_share", "0.3")],
    );
    let metric = "time_to_comanaged.existing_client";
    assert_close(
        "time_to_comanaged mean",
        run.stat(metric, "mean"),
        (1.0 - u) * m0 + u * 8.0 * 3_600.0,
        0.02,
    );
    assert_eq!(run.stat(metric, "max"), 8.0 * 3_600.0);
    assert_eq!(count(&run, "co_managed"), f64::from(N));
}

/// Internet-only path-1 devices without a VPN never complete the hybrid join: with every client on the
/// internet, a VPN share v and a share j already joined, j + (1 − j)·v are co-managed.
#[test]
fn internet_devices_without_vpn_never_join() {
    let run = run(
        "vpn",
        N,
        1.0,
        "5d",
        &[
            ("timers.enrollment_spread", "\"1d\""),
            ("fleet.internet_share", "1.0"),
            ("fleet.vpn_share", "0.4"),
            ("fleet.hybrid_joined_at_start", "0.5"),
            ("load.feedback", "false"),
        ],
    );
    assert_binomial("co_managed", count(&run, "co_managed"), N, 0.5 + 0.5 * 0.4);
    assert_binomial(
        "hybrid joins",
        run.stat("hybrid_join", "count"),
        N,
        0.5 * 0.4,
    );
    assert_binomial("not_started", count(&run, "not_started"), N, 0.5 * 0.6);
}

/// Readiness at t = 0, by counting: inactive clients that never return and servers stay not started,
/// unhealthy ones join but never enroll, ineligible builds fail (0x80070032), clients already enrolled in
/// Intune are co-managed at their first poll (within the poll interval, without enrolling).
#[test]
fn readiness_at_start_decides_who_can_enroll() {
    let run = run(
        "readiness",
        N,
        1.0,
        "5d",
        &[
            ("timers.enrollment_spread", "\"1d\""),
            ("fleet.readiness.inactive", "0.1"),
            ("fleet.readiness.unhealthy", "0.1"),
            ("fleet.readiness.ineligible_os", "0.1"),
            ("fleet.readiness.intune_enrolled", "0.2"),
            ("fleet.readiness.servers", "0.1"),
        ],
    );
    assert_binomial("not_started", count(&run, "not_started"), N, 0.2);
    assert_binomial("joined", count(&run, "joined"), N, 0.1);
    assert_binomial("failed", count(&run, "failed"), N, 0.1);
    assert_binomial("co_managed", count(&run, "co_managed"), N, 0.6);
    // Those already enrolled do not enroll again.
    assert_binomial(
        "mdm_enrollment count",
        run.stat("mdm_enrollment", "count"),
        N,
        0.4,
    );
    // A third of the co-managed were enrolled already: co-managed at their first poll, U(0, 60m) — the
    // earliest of 20,000 within a minute, where no enrolling device can be (its join alone takes ≥ 30 min).
    assert!(run.stat("time_to_comanaged.existing_client", "min") < 60.0);
}

/// Inactive clients that return after an exponential time of mean R enroll at once (co-management has
/// members): by the end T, all but the share e^(−T/R) of them are co-managed, less the few back in the last
/// hour or so, whose join is still running.
#[test]
fn inactive_clients_enroll_when_they_return() {
    let run = run(
        "inactive-return",
        N,
        1.0,
        "4d",
        &[
            ("timers.enrollment_spread", "\"1d\""),
            ("fleet.readiness.inactive", "0.5"),
            ("fleet.readiness.inactive_return", "\"2d\""),
        ],
    );
    let still_away = (-2.0_f64).exp();
    let expected = 0.5 + 0.5 * (1.0 - still_away);
    assert_close(
        "co_managed",
        count(&run, "co_managed"),
        expected * f64::from(N),
        0.01,
    );
}

/// The enrollment funnel (timeline.csv `funnel.*`, summary.json `funnel`): every path-1 client is in exactly
/// one state at every hour, whatever mix of scope, token, VPN, readiness, failures and availability; at the
/// end the states agree with the final counts.
#[test]
fn the_funnel_conserves_the_existing_clients() {
    let fleet = ScenarioEdit::new(&ideal_fleet(20_000, 1.0, 0.1))
        .set("fleet.availability.always_on", "0.3")
        .set("fleet.availability.office_hours", "0.6")
        .set("fleet.availability.intermittent", "0.1")
        .set("failures.mdm_enrollment", "0.1")
        .set("failures.hybrid_join", "0.1")
        .set("failures.permanent", "0.02")
        .add("fleet.internet_share", "0.3")
        .add("fleet.vpn_share", "0.5")
        .add("fleet.hybrid_joined_at_start", "0.3")
        .add("fleet.readiness.inactive", "0.1")
        .add("fleet.readiness.inactive_return", "\"3d\"")
        .add("fleet.readiness.unhealthy", "0.05")
        .add("fleet.readiness.ineligible_os", "0.05")
        .add("fleet.readiness.intune_enrolled", "0.1")
        .add("fleet.readiness.servers", "0.05")
        .add("comanagement.auto_enrollment", "\"pilot\"")
        .add("comanagement.pilot_share", "0.9")
        .add("comanagement.user_token_share", "0.3")
        .add("load.feedback", "false")
        .text();
    let scenario = format!("name = \"funnel\"\nseed = 5\nduration = \"10d\"\n{fleet}");
    let run = run_on_1_and_4_threads(&scenario, &[]);
    let (header, rows) = run.timeline();
    let first = header
        .iter()
        .position(|c| c == "funnel.eligible")
        .expect("funnel columns");
    assert_eq!(header.len() - first, 10, "the funnel columns come last");
    let population = 20_000;
    let mut seen = [false; 10];
    for row in &rows {
        let funnel = &row[first..];
        assert!(
            funnel.iter().all(|&n| n >= 0),
            "hour {}: {funnel:?}",
            row[0]
        );
        assert_eq!(funnel.iter().sum::<i64>(), population, "hour {}", row[0]);
        for (s, &n) in seen.iter_mut().zip(funnel) {
            *s |= n > 0;
        }
    }
    assert!(seen.iter().all(|&s| s), "every state is visited: {seen:?}");
    let summary = run.summary();
    let funnel = &summary["funnel"];
    let last = rows.last().unwrap();
    for (i, name) in header[first..].iter().enumerate() {
        let key = name.strip_prefix("funnel.").unwrap();
        assert_eq!(funnel[key], last[first + i], "{key}");
    }
    assert_eq!(funnel["enrolled"], summary["counts"]["co_managed"]);
    assert_eq!(funnel["failed"], summary["counts"]["failed"]);
    // stdout names the states that hold devices, in the dashboard's order, with the summary's counts; the
    // report lists every state.
    let grouped = |n: u64| {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let shown: Vec<String> = header[first..]
        .iter()
        .map(|name| name.strip_prefix("funnel.").unwrap())
        .filter(|key| funnel[*key].as_u64().unwrap() > 0)
        .map(|key| format!("{key} {}", grouped(funnel[key].as_u64().unwrap())))
        .collect();
    let line = format!(
        "\nenrollment funnel (path-1 clients at the end): {}\n",
        shown.join(" · ")
    );
    assert!(run.stdout().contains(&line), "{line}\n{}", run.stdout());
    let report = std::fs::read_to_string(run.out.join("report.html")).unwrap();
    for name in &header[first..] {
        let key = name.strip_prefix("funnel.").unwrap();
        let row = format!(
            "<tr><td>{key}</td><td>{}</td></tr>",
            grouped(funnel[key].as_u64().unwrap())
        );
        assert!(report.contains(&row), "{row}");
    }
    // At t = 0 the co-managed share is enrolled, and nobody has been scheduled yet.
    let at_start = &rows[0][first..];
    assert_binomial(
        "enrolled at t = 0",
        at_start[4] as f64,
        population as u32,
        0.1,
    );
    assert_eq!(at_start[1] + at_start[2] + at_start[3], 0);
}
