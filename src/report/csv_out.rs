//! `percentiles.csv` and `timeline.csv`, as bytes (written to disk in one place, `report::write`).

use crate::engine::{Outcome, metric_at};
use crate::metrics::names::PERCENTILES;
use crate::metrics::tally::{
    AUTHORITY_BASE, CA_BASE, COMPLIANCE_BASE, HEALTH_BASE, MILESTONE_COLUMNS, Milestone,
};
use crate::model::time::HOUR;
use crate::model::workload::Workload;

/// `metric,percentile,seconds`: every metric with samples, at the percentiles in `PERCENTILES`.
pub fn percentiles_csv(outcome: &Outcome) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["metric", "percentile", "seconds"])
        .expect("writing to memory cannot fail");
    for (i, d) in outcome.distributions.iter().enumerate() {
        for p in PERCENTILES {
            if let Some(v) = d.percentile(p) {
                w.write_record([metric_at(i).name(), format!("{p}"), v.to_string()])
                    .expect("writing to memory cannot fail");
            }
        }
    }
    w.into_inner().expect("writing to memory cannot fail")
}

/// Column names of `timeline.csv`, in order.
pub fn timeline_header() -> Vec<String> {
    let mut cols = vec!["hour".to_string(), "time_s".to_string()];
    cols.extend(Milestone::ALL.iter().map(|m| m.name().to_string()));
    for w in Workload::ALL {
        cols.push(format!("{}.configmgr", w.name()));
        cols.push(format!("{}.intune", w.name()));
    }
    cols.extend(["compliant", "in_grace", "noncompliant", "unknown"].map(String::from));
    cols.extend(["ca_ready", "ca_blocked", "ca_unknown"].map(String::from));
    cols.extend(["health_healthy", "health_unhealthy", "health_unknown"].map(String::from));
    cols
}

/// One row per simulated hour (snapshot at the start of the hour): devices per path state; per workload, the
/// co-managed devices on ConfigMgr and on Intune; devices compliant / in grace / noncompliant / unknown (no
/// Intune compliance report); devices conditional access lets in / blocks / has no compliance state for;
/// devices whose ConfigMgr client health Intune shows healthy / unhealthy / not at all (not co-managed, or
/// not reported yet).
pub fn timeline_csv(outcome: &Outcome, devices: u32) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(timeline_header())
        .expect("writing to memory cannot fail");
    for (hour, row) in outcome.timeline.iter().enumerate() {
        let mut rec = vec![
            hour.to_string(),
            (hour as u64 * u64::from(HOUR)).to_string(),
        ];
        rec.extend(row[..MILESTONE_COLUMNS].iter().map(i64::to_string));
        let comanaged = row[Milestone::CoManaged as usize];
        for wl in Workload::ALL {
            let intune = row[AUTHORITY_BASE + wl.index()];
            rec.push((comanaged - intune).to_string());
            rec.push(intune.to_string());
        }
        let compliance = &row[COMPLIANCE_BASE..COMPLIANCE_BASE + 3];
        let reported: i64 = compliance.iter().sum();
        rec.extend(compliance.iter().map(i64::to_string));
        rec.push((i64::from(devices) - reported).to_string());
        let ca = &row[CA_BASE..CA_BASE + 2];
        let known: i64 = ca.iter().sum();
        rec.extend(ca.iter().map(i64::to_string));
        rec.push((i64::from(devices) - known).to_string());
        let health = &row[HEALTH_BASE..HEALTH_BASE + 2];
        let shown: i64 = health.iter().sum();
        rec.extend(health.iter().map(i64::to_string));
        rec.push((i64::from(devices) - shown).to_string());
        w.write_record(rec).expect("writing to memory cannot fail");
    }
    w.into_inner().expect("writing to memory cannot fail")
}
