//! The fleet from an inventory (docs/inventory.md): rows with known facts give exactly those counts at
//! t = 0, missing values fall back to the scenario's shares, the Intune and ConfigMgr presets read files
//! written with their documented column names, and bad files are refused with line, column and value.

mod common;
use common::*;

use std::path::Path;
use std::process::Output;

/// Writes `scenario` and `csv` (as `devices.csv`) in a temp folder and runs `cofleet run` with `args`.
fn run_with_inventory(scenario: &str, csv: &str, args: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scenario.toml"), scenario).unwrap();
    std::fs::write(dir.path().join("devices.csv"), csv).unwrap();
    let output = cofleet()
        .arg("run")
        .arg(dir.path().join("scenario.toml"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap();
    (dir, output)
}

fn summarize(csv: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("devices.csv");
    std::fs::write(&file, csv).unwrap();
    cofleet()
        .args(["inventory", "summarize"])
        .arg(&file)
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Row 0 of timeline.csv as (column, value), its date left out.
fn first_row(out: &Path) -> Vec<(String, i64)> {
    let mut r = csv::Reader::from_path(out.join("timeline.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let row = r.records().next().unwrap().unwrap();
    header
        .into_iter()
        .zip(row.iter())
        .filter(|(h, _)| h != "date")
        .map(|(h, v)| (h, v.parse().unwrap()))
        .collect()
}

fn at_start(out: &Path, column: &str) -> i64 {
    first_row(out)
        .into_iter()
        .find(|(c, _)| c == column)
        .unwrap_or_else(|| panic!("no {column}"))
        .1
}

const HEADER: &str = "device_id,name,site,os_build,join,cm_client,intune_enrolled,network,last_seen,online_profile,bitlocker,firewall,defender\n";

/// 120 co-managed, 250 existing clients to enroll (50 of them inactive), 80 new devices; 3 sites;
/// BitLocker off on every 10th row.
fn known_inventory() -> String {
    let mut csv = HEADER.to_string();
    for i in 0..450 {
        let site = ["A", "B", "C"][i % 3];
        let (join, cm, intune) = match i {
            0..120 => ("hybrid", "active", "true"),
            120..320 => ("domain", "active", "false"),
            320..370 => ("domain", "inactive", "false"),
            _ => ("azure_ad", "none", "false"),
        };
        let bitlocker = if i % 10 == 0 { "no" } else { "yes" };
        csv += &format!(
            "id-{i},HOST{i},{site},10.0.19045.1,{join},{cm},{intune},intranet,2027-01-01,office_hours,{bitlocker},yes,yes\n"
        );
    }
    csv
}

const SCENARIO: &str = "name = \"inv\"\nduration = \"1d\"\n[fleet]\ninventory = \"devices.csv\"\n";

#[test]
fn an_inventory_gives_exactly_its_counts_at_start_on_any_thread_count() {
    let csv = known_inventory();
    let (one, out1) = run_with_inventory(SCENARIO, &csv, &["--threads", "1"]);
    assert!(out1.status.success(), "{}", text(&out1.stderr));
    let (four, out4) = run_with_inventory(SCENARIO, &csv, &["--threads", "4"]);
    assert!(out4.status.success(), "{}", text(&out4.stderr));
    let a = read_tree(&one.path().join("out"));
    let b = read_tree(&four.path().join("out"));
    assert_eq!(a.len(), b.len());
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs between --threads 1 and 4");
    }
    let out = one.path().join("out");
    assert_eq!(at_start(&out, "co_managed"), 120);
    assert_eq!(at_start(&out, "not_started"), 250);
    assert_eq!(at_start(&out, "not_arrived"), 80);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["devices"], 450, "devices omitted = the rows");
    assert_eq!(summary["counts"]["path.existing_client"], 370);
    assert_eq!(summary["counts"]["path.new_internet"], 80);
    // Nothing of the ids or names reaches the results.
    for (name, bytes) in &a {
        let t = String::from_utf8_lossy(bytes);
        assert!(
            !t.contains("id-1") && !t.contains("HOST1"),
            "{name} holds a device id or name"
        );
    }
}

#[test]
fn summarize_counts_sites_paths_states_and_attributes() {
    let out = summarize(&known_inventory(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for expected in [
        "450 rows read, 450 devices, 0 rows ignored",
        "A                    150 (33.3 %)",
        "existing_client 370 (82.2 %), new_internet 80 (17.8 %), drawn 0 (0.0 %)",
        "co_managed 120 (26.7 %), not co_managed 330 (73.3 %), drawn 0 (0.0 %)",
        "active 320 (71.1 %), inactive 50 (11.1 %), none 80 (17.8 %)",
        "bitlocker  on 405 (90.0 %), off 45 (10.0 %), drawn 0 (0.0 %)",
        "19045 450 (100.0 %)",
        "office_hours 450 (100.0 %)",
    ] {
        assert!(s.contains(expected), "missing {expected:?} in\n{s}");
    }
}

#[test]
fn missing_values_fall_back_to_the_scenario_shares_and_the_fleet_scales_up() {
    // Rows that say nothing of the path or state: every device drawn co-managed by the shares.
    let mut csv = String::from("device_id,site\n");
    for i in 0..100 {
        csv += &format!("d{i},S\n");
    }
    let scenario =
        format!("{SCENARIO}devices = 300\nexisting_client_share = 1.0\ncomanaged_at_start = 1.0\n");
    let (dir, out) = run_with_inventory(&scenario, &csv, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(at_start(&dir.path().join("out"), "co_managed"), 300);

    // Every row a new device, against shares that say otherwise: resampled 3×, all stay new devices.
    let mut csv = String::from("device_id,cm_client,join\n");
    for i in 0..100 {
        csv += &format!("d{i},none,azure_ad\n");
    }
    let (dir, out) = run_with_inventory(&scenario, &csv, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(at_start(&dir.path().join("out"), "not_arrived"), 300);
}

#[test]
fn the_intune_export_preset_reads_its_documented_columns() {
    let csv = "Device ID,Device name,Managed by,Join type,OS version,Last check-in,Encrypted,Serial number,Primary user UPN\n\
        a1,PC1,Co-managed,Hybrid Azure AD joined,10.0.19045.3803,2027-01-01 10:00,Yes,S1,u@x\n\
        a2,PC2,Intune,Azure AD joined,10.0.22631.2861,2027-01-01 10:00,No,S2,u@x\n\
        a3,PC3,ConfigMgr,Microsoft Entra hybrid joined,10.0.19044.1,2027-01-01 10:00,Yes,S3,u@x\n";
    let out = summarize(csv, &["--format", "intune"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for expected in [
        "Managed by → managed_by",
        "existing_client 2 (66.7 %), new_internet 1 (33.3 %)",
        "co_managed 1 (33.3 %), not co_managed 2 (66.7 %)",
        "azure_ad 1 (33.3 %), hybrid 2 (66.7 %)",
        "19044 1 (33.3 %), 19045 1 (33.3 %), 22631 1 (33.3 %)",
        "bitlocker  on 2 (66.7 %), off 1 (33.3 %)",
    ] {
        assert!(s.contains(expected), "missing {expected:?} in\n{s}");
    }
    assert!(!s.contains("unknown columns"), "{s}");
}

#[test]
fn the_configmgr_preset_reads_the_views_columns() {
    let csv = "ResourceID,Name0,AD_Site_Name0,BuildNumber0,Client0,ClientActiveStatus,LastActiveTime,MDMEnrolled,HybridAADJoined,AADJoined,ProtectionStatus0\n\
        16777220,PC1,HQ,19045,1,1,2027-01-01,1,1,0,1\n\
        16777221,PC2,HQ,22631,1,0,2027-01-01,0,1,0,0\n\
        16777222,PC3,Branch,19045,0,,,0,0,1,2\n";
    let out = summarize(csv, &["--format", "configmgr"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for expected in [
        "Branch               1 (33.3 %)",
        "HQ                   2 (66.7 %)",
        "existing_client 2 (66.7 %), new_internet 1 (33.3 %)",
        "co_managed 1 (33.3 %), not co_managed 2 (66.7 %)",
        "active 1 (33.3 %), inactive 1 (33.3 %), none 1 (33.3 %)",
        "bitlocker  on 1 (33.3 %), off 1 (33.3 %), drawn 1 (33.3 %)",
    ] {
        assert!(s.contains(expected), "missing {expected:?} in\n{s}");
    }
}

#[test]
fn unknown_columns_are_listed_and_map_reads_them() {
    let csv = "Hostname,Encrypted,Owner\nh1,yes,x\nh2,no,y\n";
    let out = summarize(csv, &[]);
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(
        e.contains("no column is the device id") && e.contains("Hostname, Encrypted, Owner"),
        "{e}"
    );
    let out = summarize(
        csv,
        &[
            "--map",
            "Hostname=device_id",
            "--map",
            "Encrypted=bitlocker",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.contains("unknown columns (ignored; map one with --map COLUMN=FIELD): Owner"),
        "{s}"
    );
    assert!(
        s.contains("bitlocker  on 1 (50.0 %), off 1 (50.0 %)"),
        "{s}"
    );
    let out = summarize(csv, &["--map", "Hostname=hostname"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is not a field"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_inventories_are_refused_with_line_column_and_value() {
    let out = summarize("", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("the file is empty"),
        "{}",
        text(&out.stderr)
    );
    let out = summarize("device_id,site\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no device rows"),
        "{}",
        text(&out.stderr)
    );

    let mut csv = String::from("device_id,cm_client\n");
    for i in 0..25 {
        csv += &format!("d{i},maybe\n");
    }
    csv += "d99,active,extra\n";
    let out = summarize(&csv, &[]);
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(e.contains("26 malformed values"), "{e}");
    assert!(
        e.contains("line 2, column `cm_client`: \"maybe\" is not active, inactive or none"),
        "{e}"
    );
    assert!(e.contains("… and 6 more"), "{e}");
    assert_eq!(e.matches("\n  line ").count(), 20, "{e}");

    // Through a scenario: the key and the file are named, exit 2.
    let (_dir, out) = run_with_inventory(SCENARIO, "device_id,network\nd1,moon\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(
        e.contains("fleet.inventory") && e.contains("devices.csv") && e.contains("\"moon\""),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    let out = cofleet()
        .arg("run")
        .arg(dir.path().join("s.toml"))
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot read the inventory"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn devices_is_required_without_an_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, "name = \"x\"\n[fleet]\nsites = 2\n").unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(
        e.contains("fleet.devices") && e.contains("missing required key"),
        "{e}"
    );
}
