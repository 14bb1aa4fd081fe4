//! `percentiles.csv` and `timeline.csv`, as bytes (written to disk in one place, `report::write`).

use crate::engine::{Outcome, metric_at};
use crate::metrics::names::percentiles;
use crate::metrics::tally::{
    AUTHORITY_BASE, CA_BASE, COMPLIANCE_BASE, FUNNEL_BASE, Funnel, HEALTH_BASE, MILESTONE_COLUMNS,
    Milestone,
};
use crate::model::scenario::Scenario;
use crate::model::time::{HOUR, Time};
use crate::model::workload::Workload;

/// `metric,percentile,seconds`: every metric with samples, at the percentiles of `names::percentiles`
/// (percentile 0 is the exact minimum, 100 the exact maximum); then the same per ring, named
/// `<metric>@<ring>` (see [`super::summary::ring_metrics`]).
pub fn percentiles_csv(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["metric", "percentile", "seconds"])
        .expect("writing to memory cannot fail");
    let pooled = outcome
        .distributions
        .iter()
        .enumerate()
        .map(|(i, d)| (metric_at(i).name(), d));
    let ps = percentiles();
    for (name, d) in pooled.chain(super::summary::ring_metrics(scenario, outcome)) {
        for (&p, at) in ps.iter().zip(d.percentiles(&ps)) {
            let value = if p == 0.0 { d.min() } else { at };
            if let Some(v) = value {
                w.write_record([name.as_str(), &format!("{p}"), &v.to_string()])
                    .expect("writing to memory cannot fail");
            }
        }
    }
    w.into_inner().expect("writing to memory cannot fail")
}

/// Column names of `timeline.csv`, in order: `hour`, `time_s`, the device counts ([`timeline_counts`]), then
/// `date` (last, as every column added since the first release, so columns keep their positions).
pub fn timeline_header() -> Vec<String> {
    let mut cols = vec!["hour".to_string(), "time_s".to_string()];
    cols.extend(timeline_counts());
    cols.push("date".to_string());
    cols
}

/// The device-count columns of `timeline.csv`, in order.
pub fn timeline_counts() -> Vec<String> {
    let mut cols = Vec::new();
    cols.extend(Milestone::ALL.iter().map(|m| m.name().to_string()));
    for w in Workload::ALL {
        cols.push(format!("{}.configmgr", w.name()));
        cols.push(format!("{}.intune", w.name()));
    }
    for g in &STATE_GROUPS {
        cols.extend(g.tracked.iter().chain([&g.rest]).map(|c| c.to_string()));
    }
    cols.extend(Funnel::ALL.iter().map(|f| format!("funnel.{}", f.name())));
    cols
}

/// A group of `timeline.csv` state columns: the tracked columns (difference-array columns of the tally from
/// `base`), then one derived column for the devices in none of them.
struct StateGroup {
    base: usize,
    tracked: &'static [&'static str],
    rest: &'static str,
}

/// The state groups after the milestone and workload columns, in column order: the one list the header and
/// the rows come from.
const STATE_GROUPS: [StateGroup; 3] = [
    StateGroup {
        base: COMPLIANCE_BASE,
        tracked: &["compliant", "in_grace", "noncompliant"],
        rest: "unknown",
    },
    StateGroup {
        base: CA_BASE,
        tracked: &["ca_ready", "ca_blocked"],
        rest: "ca_unknown",
    },
    StateGroup {
        base: HEALTH_BASE,
        tracked: &["health_healthy", "health_unhealthy"],
        rest: "health_unknown",
    },
];

/// The device counts of every hourly snapshot, in the columns of [`timeline_counts`]: devices per path state;
/// per workload, the co-managed devices on ConfigMgr and on Intune; devices compliant / in grace /
/// noncompliant / unknown (no Intune compliance report); devices conditional access lets in / blocks / has no
/// compliance state for; devices whose ConfigMgr client health Intune shows healthy / unhealthy / not at all
/// (not co-managed, or not reported yet); then the path-1 clients in each state of the enrollment funnel
/// (`funnel.<state>`). `timeline.csv` writes them, and `cofleet fit` compares them with observations.
pub fn timeline_rows(outcome: &Outcome, devices: u32) -> Vec<Vec<i64>> {
    outcome
        .timeline
        .iter()
        .map(|row| {
            let mut rec = Vec::with_capacity(row.len() + Workload::ALL.len() + STATE_GROUPS.len());
            rec.extend_from_slice(&row[..MILESTONE_COLUMNS]);
            let comanaged = row[Milestone::CoManaged as usize];
            for wl in Workload::ALL {
                let intune = row[AUTHORITY_BASE + wl.index()];
                rec.push(comanaged - intune);
                rec.push(intune);
            }
            for g in &STATE_GROUPS {
                let tracked = &row[g.base..g.base + g.tracked.len()];
                rec.extend_from_slice(tracked);
                rec.push(i64::from(devices) - tracked.iter().sum::<i64>());
            }
            rec.extend_from_slice(&row[FUNNEL_BASE..FUNNEL_BASE + Funnel::ALL.len()]);
            rec
        })
        .collect()
}

/// One row per simulated hour (snapshot at the start of the hour): the hour, its time as seconds since t = 0,
/// the device counts of [`timeline_rows`], then the hour's start as an RFC 3339 date in the scenario's offset.
pub fn timeline_csv(scenario: &Scenario, outcome: &Outcome) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(timeline_header())
        .expect("writing to memory cannot fail");
    let rows = timeline_rows(outcome, scenario.fleet.total_devices());
    for (hour, counts) in rows.iter().enumerate() {
        let t = hour as u64 * u64::from(HOUR);
        let mut rec = vec![hour.to_string(), t.to_string()];
        rec.extend(counts.iter().map(i64::to_string));
        rec.push(scenario.start.date(t as Time));
        w.write_record(rec).expect("writing to memory cannot fail");
    }
    w.into_inner().expect("writing to memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::tally::TRACKED_COLUMNS;

    #[test]
    fn state_groups_cover_the_tracked_columns_in_order() {
        let mut next = COMPLIANCE_BASE;
        for g in &STATE_GROUPS {
            assert_eq!(g.base, next, "state groups must follow each other");
            next += g.tracked.len();
        }
        assert_eq!(next, FUNNEL_BASE);
        assert_eq!(FUNNEL_BASE + Funnel::ALL.len(), TRACKED_COLUMNS);
        let header = timeline_header();
        assert_eq!(
            header.len(),
            2 + MILESTONE_COLUMNS + 14 + 4 + 3 + 3 + 10 + 1
        );
        assert_eq!(
            header[2 + MILESTONE_COLUMNS + 14 + 4 + 3 + 2],
            "health_unknown"
        );
        assert_eq!(header[header.len() - 2], "funnel.no_line_of_sight");
        assert_eq!(header.last().map(String::as_str), Some("date"));
    }
}
