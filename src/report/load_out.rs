//! `load.csv` and the `load` section of `summary.json`: what the rollout did to the infrastructure, and the
//! request-rate view (`load.headroom`: instances needed at the request rate the model assumes per instance).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::LoadOutcome;
use crate::load::queue::{BucketLoad, Queue, component_requests};
use crate::load::{Component, Request};
use crate::model::calendar::Start;
use crate::model::infrastructure::REQUESTS;
use crate::model::scenario::Scenario;
use crate::model::time::Time;

/// Per-component load figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentLoad {
    /// Requests over the whole run.
    pub total_requests: u64,
    /// Requests per type.
    pub requests_by_type: BTreeMap<String, u64>,
    /// Capacity in requests/s (`null`: not modelled, counted only).
    pub capacity_per_s: Option<f64>,
    /// Highest bucket rate, requests/s.
    pub peak_requests_per_s: f64,
    /// Start of the first bucket with that rate, seconds.
    pub peak_at_s: u32,
    /// Peak rate over capacity (`null` without capacity).
    pub peak_utilisation: Option<f64>,
    /// Requests turned away because the queue was full (rounded; 0 unless `queue_limit` is set).
    pub rejected: u64,
    /// Requests the component answered: `total_requests − rejected` (offered vs served).
    pub served: u64,
    /// Requests that waited at least a second in the component's queue (rounded; 0 without a capacity).
    pub delayed: u64,
}

/// The CMG's content egress over the run, in GB (10⁹ bytes), from the two content sizes of `[load]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CmgEgress {
    /// Path-2 client installs: install attempts × `client_install_content`.
    pub client_install_gb: f64,
    /// Internet ConfigMgr clients' content for the software update, Office Click-to-Run and client app
    /// workloads while on ConfigMgr: `cmg_content_per_client_month` per client per 30 days, a third per
    /// workload.
    pub content_gb: f64,
    /// The sum.
    pub total_gb: f64,
}

/// The request-rate view: the smallest infrastructure that keeps the peak of this run's request rate under the
/// target utilisation of the rate the model assumes per instance. Kept under its original key `headroom`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headroom {
    /// The utilisation aimed for (`[load] headroom_target`).
    pub target_utilisation: f64,
    /// Management points per site needed (at most 15 per primary site: above that, add a site).
    pub management_points_per_site: u32,
    /// CMG VM instances needed in all CMGs (at most 16 per CMG: above that, add a CMG).
    pub cmg_instances: u32,
    /// Whether the scenario's infrastructure already meets the target at the assumed rate.
    pub enough: bool,
    /// The view in words, the assumed per-instance rates first.
    pub verdict: String,
}

/// The `load` section of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadSummary {
    /// Bucket length in seconds.
    pub bucket_s: u32,
    /// Per component.
    pub components: BTreeMap<String, ComponentLoad>,
    /// The request-rate view.
    pub headroom: Headroom,
    /// The CMG's content egress.
    pub cmg_egress: CmgEgress,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Below this many thousandths, a whole number of thousandths is held apart from its neighbours by the
/// doubles (their spacing stays far below 0.001), so its shortest decimal is itself.
const EXACT_MILLIS: f64 = (1u64 << 40) as f64;

/// Appends `x` as `format!("{x}")` writes it, for the values `load.csv` holds in every row — results of
/// [`round3`] and whole numbers — without the general shortest-float search, which was most of the time
/// formatting the file took. A whole number of thousandths `k / 1000` under [`EXACT_MILLIS`] is the double
/// nearest that decimal, and no shorter decimal is as near: Rust's shortest representation of it is the
/// decimal itself, without trailing zeros (a test holds the two equal). Anything else goes through `{}`.
fn push_milli(out: &mut String, x: f64, digits: &mut itoa::Buffer) {
    use std::fmt::Write as _;
    // The nearest whole number of thousandths, without a call to `round` (the check below makes any near
    // miss take the general path).
    let millis = x * 1000.0;
    if x.is_sign_negative() || !(0.0..EXACT_MILLIS).contains(&millis) {
        let _ = write!(out, "{x}");
        return;
    }
    let k = (millis + 0.5) as u64;
    if k as f64 / 1000.0 != x {
        let _ = write!(out, "{x}");
        return;
    }
    let digit = |d: u64| char::from(b'0' + d as u8);
    match k / 1000 {
        whole @ 0..10 => out.push(digit(whole)),
        whole => out.push_str(digits.format(whole)),
    }
    // The thousandths without their trailing zeros.
    let fraction = k % 1000;
    if fraction != 0 {
        out.push('.');
        out.push(digit(fraction / 100));
        if !fraction.is_multiple_of(100) {
            out.push(digit(fraction / 10 % 10));
            if !fraction.is_multiple_of(10) {
                out.push(digit(fraction % 10));
            }
        }
    }
}

/// Summarises a run's load.
pub fn load_summary(scenario: &Scenario, load: &LoadOutcome) -> LoadSummary {
    let bucket = f64::from(load.bucket);
    let mut components = BTreeMap::new();
    for queue in &load.queues {
        let c = queue.component();
        let mut requests_by_type = BTreeMap::new();
        for r in Request::ALL.iter().filter(|r| r.component() == c) {
            let total: u64 = load.counts.iter().map(|row| row[r.index()]).sum();
            requests_by_type.insert(r.name().to_string(), total);
        }
        let (peak_bucket, peak) = load
            .counts
            .iter()
            .map(|row| component_requests(row, c))
            .enumerate()
            .fold(
                (0, 0),
                |best, (i, n)| if n > best.1 { (i, n) } else { best },
            );
        let peak_rate = peak as f64 / bucket;
        let total: u64 = requests_by_type.values().sum();
        components.insert(
            c.name().to_string(),
            ComponentLoad {
                total_requests: total,
                requests_by_type,
                capacity_per_s: queue.rate().map(round3),
                peak_requests_per_s: round3(peak_rate),
                peak_at_s: peak_bucket as u32 * load.bucket,
                peak_utilisation: queue.rate().map(|r| round3(peak_rate / r)),
                rejected: queue.rejected.round() as u64,
                served: total.saturating_sub(queue.rejected.round() as u64),
                delayed: delayed(queue).round() as u64,
            },
        );
    }
    let headroom = headroom(scenario, &components);
    LoadSummary {
        bucket_s: load.bucket,
        components,
        headroom,
        cmg_egress: cmg_egress(scenario, load),
    }
}

/// Requests that waited at least a second: in a bucket with `backlog` waiting and arrivals `excess` above
/// its capacity, the request at fraction `q` of the arrivals waits `(backlog + q·excess) / rate` (the fluid
/// queue, [`crate::load::queue::BucketLoad::delay_at`]), so the share waiting a second or more is
/// `1 − (rate − backlog) / excess`, clamped to [0, 1].
fn delayed(queue: &crate::load::queue::Queue) -> f64 {
    let Some(rate) = queue.rate() else {
        return 0.0;
    };
    queue
        .buckets
        .iter()
        .map(|b| {
            let Some(k) = b.capacity else { return 0.0 };
            let n = b.requests as f64;
            let excess = (n - k).max(0.0);
            let share = if excess > 0.0 {
                (1.0 - (rate - b.backlog) / excess).clamp(0.0, 1.0)
            } else if b.backlog >= rate {
                1.0
            } else {
                0.0
            };
            n * share
        })
        .sum()
}

/// Seconds in the 30-day month of `cmg_content_per_client_month`.
const MONTH_S: f64 = 30.0 * 86_400.0;

/// The CMG's content egress of a run (see [`CmgEgress`]).
pub fn cmg_egress(scenario: &Scenario, load: &LoadOutcome) -> CmgEgress {
    let l = &scenario.load;
    let installs: u64 = load
        .counts
        .iter()
        .map(|row| row[Request::CmgContentDownload.index()])
        .sum();
    let client_install_gb = installs as f64 * l.client_install_content / 1_000.0;
    // Workload-seconds, a third of the monthly content per workload.
    let content_gb = load.content_workload_seconds.max(0) as f64 / 3.0 / MONTH_S
        * l.cmg_content_per_client_month
        / 1_000.0;
    CmgEgress {
        client_install_gb: round3(client_install_gb),
        content_gb: round3(content_gb),
        total_gb: round3(client_install_gb + content_gb),
    }
}

/// The request-rate view: the MPs and CMG VMs that keep this run's peak request rate under the target, at
/// the rate the model assumes one instance serves — its published client count at one policy request per
/// 60 min (docs/model.md, load and capacity). A second opinion beside the capacity verdict, which sizes by
/// client counts as Microsoft publishes them; the words say so.
fn headroom(scenario: &Scenario, components: &BTreeMap<String, ComponentLoad>) -> Headroom {
    let infra = &scenario.infrastructure;
    let target = scenario.load.headroom_target;
    let peak = |c: Component| components[c.name()].peak_requests_per_s;
    let per_site = infra.mp_requests_per_s() * f64::from(scenario.fleet.sites) * target;
    let mps = ((peak(Component::ManagementPoint) / per_site).ceil() as u32).max(1);
    let vms = ((peak(Component::Cmg) / (infra.cmg_requests_per_s() * target)).ceil() as u32).max(1);
    let enough = mps <= infra.management_points_per_site && vms <= infra.cmg_vms();
    let mut words = format!(
        "the model's assumption: {:.2} requests/s per management point and {:.2} per CMG VM, derived from \
         the published {} and {} clients at one policy request per 60 min; to keep the peak rate under {:.0}% \
         of that: {mps} management point(s) per site (have {}), {vms} CMG VM instance(s) in all (have {})",
        infra.mp_requests_per_s(),
        infra.cmg_requests_per_s(),
        crate::units::grouped(u64::from(infra.clients_per_management_point)),
        crate::units::grouped(u64::from(infra.cmg_clients_per_instance)),
        target * 100.0,
        infra.management_points_per_site,
        infra.cmg_vms()
    );
    if mps > 15 {
        words.push_str("; more than 15 MPs per primary site is unsupported: add a site");
    }
    if vms > 16 * infra.cmgs {
        words.push_str(&format!(
            "; at most 16 VMs per CMG: {} CMG(s) needed (have {})",
            vms.div_ceil(16),
            infra.cmgs
        ));
    }
    words.push_str(if enough {
        " — within the assumed rate"
    } else {
        " — over the assumed rate"
    });
    Headroom {
        target_utilisation: target,
        management_points_per_site: mps,
        cmg_instances: vms,
        enough,
        verdict: words,
    }
}

/// The bucket layout a run's `load.csv` follows, from its `summary.json`: every `bucket_start_s` is a
/// multiple of the bucket and within the simulated span. A results folder is untrusted input and readers
/// size buffers from these starts, so each is checked against the layout before it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadLayout {
    /// The bucket length (`load.bucket_s`), when the summary has a load section.
    pub bucket_s: Option<u32>,
    /// The simulated span (`duration_s`).
    pub duration_s: u32,
}

impl LoadLayout {
    /// Checks one `bucket_start_s`; the error names the field, the value and the allowed values.
    pub fn check(&self, start: u64) -> Result<(), String> {
        if start >= u64::from(self.duration_s) {
            return Err(format!(
                "bucket_start_s {start} is beyond the simulated span (duration_s {} in summary.json): a \
                 bucket starts at 0 to {}",
                self.duration_s,
                self.duration_s.saturating_sub(1)
            ));
        }
        if let Some(bucket) = self.bucket_s.filter(|&b| b > 0)
            && !start.is_multiple_of(u64::from(bucket))
        {
            return Err(format!(
                "bucket_start_s {start} is not a multiple of the load bucket ({bucket} s, load.bucket_s in \
                 summary.json)"
            ));
        }
        Ok(())
    }
}

/// `load.csv` summed over request types: one component's requests bucket by bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadSeries {
    /// Component (`management_point`, `cmg`, `intune`, …).
    pub component: String,
    /// Per bucket with at least one row, in time order: (bucket start in seconds, requests of all types,
    /// the component's capacity in requests per second — `None` when not modelled, an empty field).
    pub buckets: Vec<(u64, f64, Option<f64>)>,
    /// Per bucket of `buckets`: (bucket start, requests the component served in it — the backlog and arrivals
    /// up to its capacity; all arrivals when no capacity is modelled).
    pub served: Vec<(u64, f64)>,
}

/// What a reader of [`load_csv`]'s bytes sums them to, built from the run directly: per component
/// with at least one request, in name order, each bucket with requests — (start, requests of all types, the
/// capacity as written).
pub fn load_series(load: &LoadOutcome) -> Vec<LoadSeries> {
    let mut series: Vec<LoadSeries> = load
        .queues
        .iter()
        .map(|queue| {
            let c = queue.component();
            let capacity = queue.rate().map(round3);
            let with_requests: Vec<(usize, u64)> = load
                .counts
                .iter()
                .enumerate()
                .map(|(b, row)| (b, component_requests(row, c)))
                .filter(|&(_, n)| n > 0)
                .collect();
            let start = |b: usize| b as u64 * u64::from(load.bucket);
            LoadSeries {
                component: c.name().to_string(),
                buckets: with_requests
                    .iter()
                    .map(|&(b, n)| (start(b), n as f64, capacity))
                    .collect(),
                served: with_requests
                    .iter()
                    .map(|&(b, n)| (start(b), served_in(queue, b, n)))
                    .collect(),
            }
        })
        .filter(|c| !c.buckets.is_empty())
        .collect();
    series.sort_by(|a, b| a.component.cmp(&b.component));
    series
}

/// Requests `queue` served in bucket `b` that received `requests`: its backlog and arrivals up to the bucket's
/// capacity (a fluid queue serves at capacity while it has work), rounded to 3 decimals as written.
fn served_in(queue: &Queue, b: usize, requests: u64) -> f64 {
    match queue.buckets.get(b) {
        Some(BucketLoad {
            capacity: Some(k),
            backlog,
            ..
        }) => round3((backlog + requests as f64).min(*k)),
        _ => requests as f64,
    }
}

/// `load.csv`: one row per bucket, component and request type with at least one request:
/// `bucket_start_s,component,request_type,requests,capacity_per_s,utilisation,queue_delay_p50_s,queue_delay_p95_s,served,bucket_start_date`.
/// The bucket's start as a date (`start`'s offset) comes last, so the columns before it keep the positions
/// readers of earlier results rely on.
/// `capacity_per_s`, `utilisation` and the delays are the component's (empty when it has no capacity);
/// a missing row means no request of that type in that bucket.
pub fn load_csv(load: &LoadOutcome, queue_limit: Option<u32>, start: &Start) -> Vec<u8> {
    let mut out = Vec::new();
    write_load_csv(load, queue_limit, start, &mut out).expect("writing to memory cannot fail");
    out
}

/// [`load_csv`] into `out` a few days of buckets at a time: a month of one-minute buckets is tens of
/// megabytes of rows, formatted on every thread a day per part, then written in bucket order (the same
/// bytes as one pass) — held whole, the file and its parts were the largest allocation after a run.
pub fn write_load_csv(
    load: &LoadOutcome,
    queue_limit: Option<u32>,
    start: &Start,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    const HEADER: &str = "bucket_start_s,component,request_type,requests,capacity_per_s,utilisation,queue_delay_p50_s,queue_delay_p95_s,served,bucket_start_date\n";
    let capacities = capacity_columns(load);
    out.write_all(HEADER.as_bytes())?;
    for (batch, counts) in load.counts.chunks(CSV_PART * CSV_BATCH).enumerate() {
        let first = batch * CSV_PART * CSV_BATCH;
        let parts: Vec<String> = counts
            .par_chunks(CSV_PART)
            .enumerate()
            .map(|(p, rows)| {
                load_rows(
                    load,
                    first + p * CSV_PART,
                    rows,
                    &capacities,
                    queue_limit,
                    start,
                )
            })
            .collect();
        for part in parts {
            out.write_all(part.as_bytes())?;
        }
    }
    Ok(())
}

/// Each component's capacity column with the commas around it: a row is a few long pieces rather than many
/// short ones.
fn capacity_columns(load: &LoadOutcome) -> Vec<String> {
    load.queues
        .iter()
        .map(|q| {
            q.rate()
                .map_or_else(|| ",,".to_string(), |r| format!(",{},", round3(r)))
        })
        .collect()
}

/// Parts of `load.csv` formatted at once: enough for every thread of a machine this size to have work,
/// a few megabytes at most.
const CSV_BATCH: usize = 8;

/// Buckets per part of `load.csv` formatted at once (a day of one-minute buckets).
const CSV_PART: usize = 1440;

/// The rows of `load.csv` for buckets `first..first + rows.len()`.
fn load_rows(
    load: &LoadOutcome,
    first: usize,
    rows: &[[u64; REQUESTS]],
    capacities: &[String],
    queue_limit: Option<u32>,
    start: &Start,
) -> String {
    // Written by hand rather than through `csv`: no field needs quoting, and this file has a row per bucket,
    // component and request type (hundreds of thousands for a month at 1-minute buckets).
    let mut out = String::new();
    let limit = queue_limit.map_or(f64::INFINITY, f64::from);
    let mut queue_columns = String::new();
    let mut digits = itoa::Buffer::new();
    // `,component,request_type,` of every request type.
    let names: Vec<String> = Request::ALL
        .iter()
        .map(|r| format!(",{},{},", r.component().name(), r.name()))
        .collect();
    let mut bucket_start = String::new();
    let mut date = String::new();
    for (b, row) in rows.iter().enumerate() {
        let b = first + b;
        let start_s = b as u64 * u64::from(load.bucket);
        bucket_start.clear();
        bucket_start.push_str(digits.format(start_s));
        // `,date\n`, formatted once the bucket has a row: most of a quiet night's buckets have none.
        date.clear();
        for (queue, capacity) in load.queues.iter().zip(capacities) {
            let mut columns_ready = false;
            let offered = component_requests(row, queue.component());
            for r in Request::ALL
                .iter()
                .filter(|r| r.component() == queue.component())
            {
                let n = row[r.index()];
                if n == 0 {
                    continue;
                }
                if !columns_ready {
                    queue_columns.clear();
                    if let Some(rate) = queue.rate() {
                        let bucket_load = &queue.buckets[b];
                        let utilisation = round3(bucket_load.utilisation().unwrap_or(0.0));
                        push_milli(&mut queue_columns, utilisation, &mut digits);
                        for q in [0.5, 0.95] {
                            queue_columns.push(',');
                            let delay = bucket_load.delay_at(q, rate, limit).round();
                            push_milli(&mut queue_columns, delay, &mut digits);
                        }
                    } else {
                        queue_columns.push_str(",,");
                    }
                    queue_columns.push(',');
                    push_milli(
                        &mut queue_columns,
                        served_in(queue, b, offered),
                        &mut digits,
                    );
                    columns_ready = true;
                }
                // Pieces pushed one by one: `writeln!` through the formatting machinery was most of the
                // time this file took.
                if date.is_empty() {
                    date.push(',');
                    start.push_date(&mut date, start_s as Time);
                    date.push('\n');
                }
                out.push_str(&bucket_start);
                out.push_str(&names[r.index()]);
                out.push_str(digits.format(n));
                out.push_str(capacity);
                out.push_str(&queue_columns);
                out.push_str(&date);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written a batch of days at a time, `load.csv` is the file one pass over every bucket formats: here 10
    /// days of one-minute buckets, a whole batch of parts, then a short batch ending in a short part.
    #[test]
    fn load_csv_in_batches_is_one_pass() {
        let text = r#"name = "batches"
seed = 5
duration = "10d3h"
[fleet]
devices = 3_000
existing_client_share = 0.7
new_device_arrival = "5d"
[[stage]]
name = "all"
start = "1d"
workloads = ["compliance_policies", "windows_update_policies"]
authority = "intune"
"#;
        let scenario = crate::scenario::parse(text, "batches.toml").unwrap();
        let model = crate::model::Model::new(scenario);
        let outcome = crate::engine::simulate(&model, &|_| {});
        let load = outcome.load.as_ref().unwrap();
        assert!(
            load.counts.len() > CSV_PART * CSV_BATCH && !load.counts.len().is_multiple_of(CSV_PART)
        );
        let s = &model.scenario;
        let capacities = capacity_columns(load);
        let rows = load_rows(
            load,
            0,
            &load.counts,
            &capacities,
            s.load.queue_limit,
            &s.start,
        );
        let written = load_csv(load, s.load.queue_limit, &s.start);
        let header = written.iter().position(|&b| b == b'\n').unwrap() + 1;
        assert!(rows.len() > 1_000_000);
        assert!(written[header..] == *rows.as_bytes());
    }

    #[test]
    fn thousandths_are_written_as_the_shortest_float_is() {
        let mut digits = itoa::Buffer::new();
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut values: Vec<f64> =
            vec![0.0, 0.001, 0.1, 0.5, 1.0, 3.0, 555.556, 0.101, 999.999, 1e9];
        for i in 0..200_000u64 {
            state = crate::rng::mix64(state.wrapping_add(i));
            // Rounded values of every size up to a trillion, and whole numbers.
            let x = (state >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi((i % 13) as i32);
            values.push(round3(x));
            values.push(x.round());
            values.push(x);
        }
        values.extend([
            f64::INFINITY,
            f64::NAN,
            -1.5,
            -0.0,
            2f64.powi(60),
            0.1 + 0.2,
        ]);
        for x in values {
            let mut got = String::new();
            push_milli(&mut got, x, &mut digits);
            assert_eq!(got, format!("{x}"), "{x:?}");
        }
    }

    /// The keys `cofleet check` accepts for thresholds on `load.` are the fields written here: a field added
    /// to the summary needs its name in the list, or thresholds on it are refused as unknown.
    #[test]
    fn threshold_key_lists_name_every_field() {
        use crate::metrics::summary_keys::{LOAD_COMPONENT_FIELDS, LOAD_HEADROOM_FIELDS};
        let keys = |v: serde_json::Value| -> Vec<String> {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        let component = ComponentLoad {
            total_requests: 0,
            requests_by_type: BTreeMap::new(),
            capacity_per_s: None,
            peak_requests_per_s: 0.0,
            peak_at_s: 0,
            peak_utilisation: None,
            rejected: 0,
            served: 0,
            delayed: 0,
        };
        let mut listed: Vec<String> = LOAD_COMPONENT_FIELDS.map(String::from).to_vec();
        listed.push("requests_by_type".into());
        listed.sort();
        assert_eq!(keys(serde_json::to_value(&component).unwrap()), listed);
        let headroom = Headroom {
            target_utilisation: 0.7,
            management_points_per_site: 1,
            cmg_instances: 1,
            enough: true,
            verdict: String::new(),
        };
        let mut listed: Vec<String> = LOAD_HEADROOM_FIELDS.map(String::from).to_vec();
        listed.sort();
        assert_eq!(keys(serde_json::to_value(&headroom).unwrap()), listed);
    }

    #[test]
    fn a_bucket_start_is_within_the_span_and_on_a_bucket() {
        let layout = LoadLayout {
            bucket_s: Some(60),
            duration_s: 3_600,
        };
        assert!(layout.check(0).is_ok() && layout.check(3_540).is_ok());
        assert!(
            layout
                .check(3_600)
                .unwrap_err()
                .contains("beyond the simulated span")
        );
        assert!(
            layout
                .check(u64::MAX)
                .unwrap_err()
                .contains("duration_s 3600")
        );
        assert!(
            layout
                .check(90)
                .unwrap_err()
                .contains("not a multiple of the load bucket")
        );
        let unknown = LoadLayout {
            bucket_s: None,
            duration_s: 3_600,
        };
        assert!(unknown.check(90).is_ok());
    }
}
