//! Wire structs → domain [`Scenario`], collecting every problem with its place, key and allowed range.

use std::collections::BTreeSet;
use std::ops::Range;

use toml::Spanned;

use super::duration::{format_duration, parse_duration};
use super::threshold::parse_threshold;
use super::wire::*;
use super::{Problem, line_col};
use crate::model::action::{Action, ActionKind, ActionTarget};
use crate::model::scenario::*;
use crate::model::time::{DAY, HOUR, MAX_SPAN, MINUTE, Time};

/// Most CMGs a scenario may have. No limit is published; 100 gateways of 16 VMs (16M concurrent clients at
/// the Large size) is far past any estate and catches a typo.
const MAX_CMGS: u64 = 100;
use crate::model::workload::{Authority, Workload, WorkloadSet};

/// Largest fleet accepted: far above any tenant (the largest estates run to hundreds of thousands).
pub const MAX_DEVICES: u64 = 100_000_000;
/// Most stages a plan may have.
pub const MAX_STAGES: usize = 32;
/// Shares must sum to 1 within this.
const SUM_TOLERANCE: f64 = 1e-9;

struct Checker<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn report(&mut self, span: Option<Range<usize>>, key: &str, message: String) {
        self.problems.push(Problem {
            place: span.map(|s| line_col(self.text, s.start)),
            key: key.to_string(),
            message,
        });
    }

    fn at<T>(&mut self, value: &Spanned<T>, key: &str, message: String) {
        self.report(Some(value.span()), key, message);
    }

    fn share(&mut self, field: &Field<f64>, key: &str, default: f64) -> f64 {
        self.number(field, key, default, 0.0, 1.0)
    }

    fn number(&mut self, field: &Field<f64>, key: &str, default: f64, min: f64, max: f64) -> f64 {
        let Some(v) = field else { return default };
        let x = *v.get_ref();
        if !x.is_finite() || x < min || x > max {
            self.at(
                v,
                key,
                format!("must be a number from {min} to {max}, got {x}"),
            );
            return default;
        }
        x
    }

    fn int(&mut self, field: &Field<u64>, key: &str, default: u64, min: u64, max: u64) -> u64 {
        let Some(v) = field else { return default };
        let x = *v.get_ref();
        if x < min || x > max {
            self.at(
                v,
                key,
                format!("must be a whole number from {min} to {max}, got {x}"),
            );
            return default;
        }
        x
    }

    fn duration(
        &mut self,
        field: &Field<String>,
        key: &str,
        default: Time,
        min: Time,
        max: Time,
    ) -> Time {
        match field {
            None => default,
            Some(v) => self.duration_value(v, key, min, max).unwrap_or(default),
        }
    }

    fn duration_value(
        &mut self,
        v: &Spanned<String>,
        key: &str,
        min: Time,
        max: Time,
    ) -> Option<Time> {
        match parse_duration(v.get_ref()) {
            Err(e) => {
                self.at(v, key, e);
                None
            }
            Ok(s) if s < u64::from(min) || s > u64::from(max) => {
                self.at(
                    v,
                    key,
                    format!(
                        "must be from {} to {}, got \"{}\"",
                        format_duration(u64::from(min)),
                        format_duration(u64::from(max)),
                        v.get_ref()
                    ),
                );
                None
            }
            Ok(s) => Some(s as Time),
        }
    }

    fn flag(field: &Field<bool>, default: bool) -> bool {
        field.as_ref().map_or(default, |v| *v.get_ref())
    }
}

/// Parses and validates scenario text.
pub fn parse(text: &str) -> Result<Scenario, Vec<Problem>> {
    if text.trim().is_empty() {
        return Err(vec![Problem {
            place: None,
            key: String::new(),
            message: "the file is empty; a scenario needs at least `name` and `[fleet] devices`"
                .into(),
        }]);
    }
    let wire: WireScenario = match toml::from_str(text) {
        Ok(w) => w,
        Err(e) => return Err(vec![toml_problem(text, &e)]),
    };
    let mut c = Checker {
        text,
        problems: Vec::new(),
    };
    let scenario = convert(&mut c, &wire);
    if c.problems.is_empty() {
        Ok(scenario)
    } else {
        Err(c.problems)
    }
}

/// Turns a TOML syntax or type error into a problem that names the key.
fn toml_problem(text: &str, e: &toml::de::Error) -> Problem {
    let place = e.span().map(|s| line_col(text, s.start));
    let key = e.span().map(|s| key_at(text, s.start)).unwrap_or_default();
    let mut message = e.message().trim().to_string();
    if message.contains("missing field") {
        message = message.replace("missing field", "missing required key");
    }
    Problem {
        place,
        key,
        message,
    }
}

/// The dotted key at a byte offset: the enclosing table header plus the key on that line (best effort, for
/// error messages).
fn key_at(text: &str, offset: usize) -> String {
    let mut table = String::new();
    let mut stage_index: Option<usize> = None;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let in_line = offset >= pos && offset < pos + line.len();
        if let Some(header) = trimmed
            .strip_prefix("[[")
            .and_then(|h| h.split("]]").next())
        {
            let header = header.trim();
            if header == "stage" {
                stage_index = Some(stage_index.map_or(0, |i| i + 1));
            }
            table = header.to_string();
        } else if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.split(']').next()) {
            table = header.trim().to_string();
        }
        if in_line {
            let mut key = trimmed
                .split_once('=')
                .map(|(k, _)| k.trim().trim_matches('"').to_string())
                .unwrap_or_default();
            if trimmed.starts_with('[') {
                key.clear();
            }
            let mut table = table.clone();
            if let (Some(i), true) = (stage_index, table.starts_with("stage")) {
                table = table.replacen("stage", &format!("stage.{i}"), 1);
            }
            return match (table.is_empty(), key.is_empty()) {
                (true, _) => key,
                (false, true) => table,
                (false, false) => format!("{table}.{key}"),
            };
        }
        pos += line.len();
    }
    table
}

fn convert(c: &mut Checker<'_>, w: &WireScenario) -> Scenario {
    let name = match &w.name {
        None => {
            c.report(
                None,
                "name",
                "missing required key (results go to results/<name>/)".into(),
            );
            String::new()
        }
        Some(v) => {
            let n = v.get_ref();
            let ok_chars = n
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
            if n.is_empty() || n.len() > 100 || !ok_chars || n.starts_with('.') {
                c.at(
                    v,
                    "name",
                    format!(
                        "\"{n}\" is not a usable results folder name: use 1 to 100 letters, digits, '-', '_' \
                         or '.', not starting with '.'"
                    ),
                );
            }
            n.clone()
        }
    };
    let seed = w.seed.as_ref().map_or(42, |v| *v.get_ref());
    let duration = c.duration(&w.duration, "duration", 21 * DAY, HOUR, MAX_SPAN);

    let fleet = match &w.fleet {
        None => {
            c.report(
                None,
                "fleet.devices",
                "missing required key: add a [fleet] table with `devices`".into(),
            );
            default_fleet()
        }
        Some(f) => convert_fleet(c, f, duration),
    };
    let timers = w
        .timers
        .as_ref()
        .map_or_else(Timers::default, |t| convert_timers(c, t.get_ref()));
    let failures = w
        .failures
        .as_ref()
        .map_or_else(Failures::default, |f| convert_failures(c, f.get_ref()));
    let infrastructure = w
        .infrastructure
        .as_ref()
        .map_or_else(Infrastructure::default, |i| {
            convert_infrastructure(c, i.get_ref())
        });
    let compliance = w
        .compliance
        .as_ref()
        .map_or_else(CompliancePolicy::default, |p| {
            convert_compliance(c, p.get_ref())
        });
    let load = w
        .load
        .as_ref()
        .map_or_else(LoadModel::default, |l| convert_load(c, l.get_ref()));
    if load.enabled {
        for (key, period, field) in [
            (
                "timers.policy_poll",
                timers.policy_poll,
                w.timers
                    .as_ref()
                    .and_then(|t| t.get_ref().policy_poll.clone()),
            ),
            (
                "timers.mdm_sync",
                timers.mdm_sync,
                w.timers.as_ref().and_then(|t| t.get_ref().mdm_sync.clone()),
            ),
        ] {
            if period % load.bucket != 0 {
                let message = format!(
                    "must be a whole number of load buckets ([load] bucket = {}) to count its requests exactly",
                    format_duration(u64::from(load.bucket))
                );
                match &field {
                    Some(v) => c.at(v, key, message),
                    None => c.report(None, key, message),
                }
            }
        }
    }
    let stages = convert_stages(c, &w.stage, duration);
    let actions = convert_actions(c, &w.action, duration, &stages);
    let mut thresholds = Vec::new();
    if let Some(table) = &w.thresholds {
        for (key, value) in table.get_ref() {
            match parse_threshold(key.get_ref(), value.get_ref()) {
                Ok(t) => thresholds.push(t),
                Err(e) => c.at(key, &format!("thresholds.\"{}\"", key.get_ref()), e),
            }
        }
    }
    Scenario {
        name,
        seed,
        duration,
        fleet,
        timers,
        failures,
        infrastructure,
        compliance,
        load,
        stages,
        actions,
        thresholds,
    }
}

/// At most this many `[[action]]` tables.
const MAX_ACTIONS: usize = 64;

fn convert_actions(
    c: &mut Checker<'_>,
    list: &[Spanned<WireAction>],
    duration: Time,
    stages: &[Stage],
) -> Vec<Action> {
    if list.len() > MAX_ACTIONS {
        c.at(
            &list[MAX_ACTIONS],
            "action",
            format!("at most {MAX_ACTIONS} actions, got {}", list.len()),
        );
    }
    let mut out = Vec::new();
    for (i, a) in list.iter().enumerate().take(MAX_ACTIONS) {
        let w = a.get_ref();
        let key = |k: &str| format!("action.{i}.{k}");
        let kind = match &w.kind {
            None => {
                c.at(
                    a,
                    &key("kind"),
                    "missing required key (restart, sync, wipe or retire)".into(),
                );
                None
            }
            Some(k) => {
                let kind = ActionKind::from_name(k.get_ref());
                if kind.is_none() {
                    c.at(
                        k,
                        &key("kind"),
                        format!(
                            "unknown action kind \"{}\": use restart, sync, wipe or retire",
                            k.get_ref()
                        ),
                    );
                }
                kind
            }
        };
        let at = match &w.at {
            None => {
                c.at(
                    a,
                    &key("at"),
                    "missing required key (when Intune sends the action)".into(),
                );
                None
            }
            Some(v) => {
                let max = duration.saturating_sub(1);
                let at = c.duration_value(v, &key("at"), 0, MAX_SPAN);
                match at {
                    Some(t) if t > max => {
                        c.at(
                            v,
                            &key("at"),
                            format!(
                                "is outside the simulated span: must be before the end of the run (duration = {})",
                                format_duration(u64::from(duration))
                            ),
                        );
                        None
                    }
                    other => other,
                }
            }
        };
        let target = match (&w.share, &w.stage) {
            (Some(_), Some(st)) => {
                c.at(
                    st,
                    &key("stage"),
                    "give either `share` or `stage`, not both".into(),
                );
                None
            }
            (None, None) => {
                c.at(
                    a,
                    &key("share"),
                    "missing: give `share` (of co-managed devices, 0 to 1) or `stage` (a stage's pilot collection)"
                        .into(),
                );
                None
            }
            (Some(v), None) => {
                let x = *v.get_ref();
                if !x.is_finite() || !(0.0..=1.0).contains(&x) {
                    c.at(
                        v,
                        &key("share"),
                        format!("must be a number from 0 to 1, got {x}"),
                    );
                    None
                } else {
                    Some(ActionTarget::Share(x))
                }
            }
            (None, Some(st)) => match stages.iter().position(|s| &s.name == st.get_ref()) {
                Some(index) => Some(ActionTarget::Stage(index)),
                None => {
                    c.at(
                        st,
                        &key("stage"),
                        format!("no stage is named \"{}\"", st.get_ref()),
                    );
                    None
                }
            },
        };
        if let (Some(kind), Some(at), Some(target)) = (kind, at, target) {
            out.push(Action { kind, at, target });
        }
    }
    out
}

fn convert_load(c: &mut Checker<'_>, w: &WireLoad) -> LoadModel {
    let d = LoadModel::default();
    let bucket = c.duration(&w.bucket, "load.bucket", d.bucket, 1, HOUR);
    let bucket = if HOUR.is_multiple_of(bucket) {
        bucket
    } else {
        if let Some(v) = &w.bucket {
            c.at(
                v,
                "load.bucket",
                format!(
                    "must divide an hour (e.g. \"10s\", \"1m\", \"5m\", \"15m\"), got \"{}\"",
                    v.get_ref()
                ),
            );
        }
        d.bucket
    };
    LoadModel {
        enabled: Checker::flag(&w.enabled, d.enabled),
        bucket,
        feedback: Checker::flag(&w.feedback, d.feedback),
        queue_limit: c.duration(&w.queue_limit, "load.queue_limit", d.queue_limit, 1, DAY),
        headroom_target: c.number(
            &w.headroom_target,
            "load.headroom_target",
            d.headroom_target,
            0.05,
            1.0,
        ),
    }
}

fn default_fleet() -> Fleet {
    Fleet {
        devices: 1,
        existing_client_share: 0.8,
        comanaged_at_start: 0.0,
        internet_share: 0.0,
        broken_client_health: 0.0,
        new_device_arrival: 14 * DAY,
        sites: 4,
        availability: AvailabilityMix {
            always_on: 0.25,
            office_hours: 0.65,
            intermittent: 0.10,
        },
        attributes: default_attributes(),
        osd: OsdArrivals::default(),
    }
}

fn default_attributes() -> Attributes {
    Attributes {
        os_build: vec![(19_044, 0.10), (19_045, 0.50), (22_631, 0.40)],
        bitlocker: 0.92,
        firewall: 0.98,
        defender: 0.97,
    }
}

fn convert_fleet(c: &mut Checker<'_>, f: &Spanned<WireFleet>, duration: Time) -> Fleet {
    let d = default_fleet();
    let w = f.get_ref();
    let devices = match &w.devices {
        None => {
            c.report(
                Some(f.span()),
                "fleet.devices",
                "missing required key (total virtual devices)".into(),
            );
            1
        }
        Some(_) => c.int(&w.devices, "fleet.devices", 1, 1, MAX_DEVICES) as u32,
    };
    let arrival = c.duration(
        &w.new_device_arrival,
        "fleet.new_device_arrival",
        d.new_device_arrival,
        0,
        MAX_SPAN,
    );
    let _ = duration;
    let availability = match &w.availability {
        None => d.availability,
        Some(a) => {
            let x = a.get_ref();
            let mix = AvailabilityMix {
                always_on: c.share(
                    &x.always_on,
                    "fleet.availability.always_on",
                    d.availability.always_on,
                ),
                office_hours: c.share(
                    &x.office_hours,
                    "fleet.availability.office_hours",
                    d.availability.office_hours,
                ),
                intermittent: c.share(
                    &x.intermittent,
                    "fleet.availability.intermittent",
                    d.availability.intermittent,
                ),
            };
            let sum = mix.always_on + mix.office_hours + mix.intermittent;
            if (sum - 1.0).abs() > SUM_TOLERANCE {
                c.at(
                    a,
                    "fleet.availability",
                    format!(
                        "shares must sum to 1, got {sum} (always_on {} + office_hours {} + intermittent {}; \
                         an absent key takes its default: 0.25, 0.65, 0.10)",
                        mix.always_on, mix.office_hours, mix.intermittent
                    ),
                );
            }
            mix
        }
    };
    let attributes = match &w.attributes {
        None => d.attributes,
        Some(a) => convert_attributes(c, a),
    };
    let osd = match &w.osd_arrivals {
        None => d.osd,
        Some(o) => {
            let x = o.get_ref();
            let count = c.int(
                &x.count,
                "fleet.osd_arrivals.count",
                0,
                0,
                MAX_DEVICES - u64::from(devices),
            ) as u32;
            let span = c.duration(&x.span, "fleet.osd_arrivals.span", 14 * DAY, 0, MAX_SPAN);
            OsdArrivals { count, span }
        }
    };
    Fleet {
        devices,
        osd,
        internet_share: c.share(&w.internet_share, "fleet.internet_share", d.internet_share),
        broken_client_health: c.share(
            &w.broken_client_health,
            "fleet.broken_client_health",
            d.broken_client_health,
        ),
        existing_client_share: c.share(
            &w.existing_client_share,
            "fleet.existing_client_share",
            d.existing_client_share,
        ),
        comanaged_at_start: c.share(
            &w.comanaged_at_start,
            "fleet.comanaged_at_start",
            d.comanaged_at_start,
        ),
        new_device_arrival: arrival,
        sites: c.int(&w.sites, "fleet.sites", 4, 1, 1_000) as u32,
        availability,
        attributes,
    }
}

fn convert_attributes(c: &mut Checker<'_>, a: &Spanned<WireAttributes>) -> Attributes {
    let d = default_attributes();
    let w = a.get_ref();
    let os_build = match &w.os_build {
        None => d.os_build.clone(),
        Some(map) => {
            let mut builds = Vec::new();
            let mut sum = 0.0;
            for (build, share) in map.get_ref() {
                let key = format!("fleet.attributes.os_build.{}", build.get_ref());
                let Ok(b) = build.get_ref().parse::<u32>() else {
                    c.at(
                        build,
                        &key,
                        "an OS build must be a whole number such as 19045".into(),
                    );
                    continue;
                };
                let s = c.share(&Some(share.clone()), &key, 0.0);
                sum += s;
                builds.push((b, s));
            }
            builds.sort_by_key(|&(b, _)| b);
            if builds.is_empty() {
                c.at(
                    map,
                    "fleet.attributes.os_build",
                    "needs at least one build with a share".into(),
                );
            } else if (sum - 1.0).abs() > SUM_TOLERANCE {
                c.at(
                    map,
                    "fleet.attributes.os_build",
                    format!("shares must sum to 1, got {sum}"),
                );
            }
            builds
        }
    };
    Attributes {
        os_build,
        bitlocker: c.share(&w.bitlocker, "fleet.attributes.bitlocker", d.bitlocker),
        firewall: c.share(&w.firewall, "fleet.attributes.firewall", d.firewall),
        defender: c.share(&w.defender, "fleet.attributes.defender", d.defender),
    }
}

fn convert_timers(c: &mut Checker<'_>, w: &WireTimers) -> Timers {
    let d = Timers::default();
    let bursts = match &w.mdm_sync_after_enroll {
        None => d.mdm_sync_after_enroll.clone(),
        Some(list) => {
            if list.get_ref().len() > 10 {
                c.at(
                    list,
                    "timers.mdm_sync_after_enroll",
                    "at most 10 bursts".into(),
                );
            }
            list.get_ref()
                .iter()
                .enumerate()
                .filter_map(|(i, item)| parse_burst(c, item, i))
                .collect()
        }
    };
    Timers {
        policy_poll: c.duration(
            &w.policy_poll,
            "timers.policy_poll",
            d.policy_poll,
            3 * MINUTE,
            DAY,
        ),
        collection_eval: c.duration(
            &w.collection_eval,
            "timers.collection_eval",
            d.collection_eval,
            MINUTE,
            DAY,
        ),
        aad_connect_sync: c.duration(
            &w.aad_connect_sync,
            "timers.aad_connect_sync",
            d.aad_connect_sync,
            30 * MINUTE,
            7 * DAY,
        ),
        hybrid_join_retry: c.duration(
            &w.hybrid_join_retry,
            "timers.hybrid_join_retry",
            d.hybrid_join_retry,
            MINUTE,
            DAY,
        ),
        enrollment_spread: c.duration(
            &w.enrollment_spread,
            "timers.enrollment_spread",
            d.enrollment_spread,
            0,
            365 * DAY,
        ),
        enrollment_retry: c.duration(
            &w.enrollment_retry,
            "timers.enrollment_retry",
            d.enrollment_retry,
            MINUTE,
            DAY,
        ),
        enrollment_attempts: c.int(
            &w.enrollment_attempts,
            "timers.enrollment_attempts",
            3,
            1,
            100,
        ) as u32,
        mdm_sync: c.duration(&w.mdm_sync, "timers.mdm_sync", d.mdm_sync, MINUTE, 7 * DAY),
        mdm_sync_after_enroll: bursts,
        sync_on_switch: Checker::flag(&w.sync_on_switch, d.sync_on_switch),
        esp_timeout: c.duration(
            &w.esp_timeout,
            "timers.esp_timeout",
            d.esp_timeout,
            MINUTE,
            DAY,
        ),
        client_install_time: c.duration(
            &w.client_install_time,
            "timers.client_install_time",
            d.client_install_time,
            MINUTE,
            DAY,
        ),
        phase: match &w.phase {
            None => d.phase,
            Some(v) => match v.get_ref().as_str() {
                "random" => PhaseMode::Random,
                "aligned" => PhaseMode::Aligned,
                other => {
                    c.at(
                        v,
                        "timers.phase",
                        format!(
                            "unknown phase mode \"{other}\"; expected \"random\" or \"aligned\""
                        ),
                    );
                    d.phase
                }
            },
        },
    }
}

/// `"3m for 15m"`: check in every 3 minutes for 15 minutes.
fn parse_burst(c: &mut Checker<'_>, item: &Spanned<String>, i: usize) -> Option<Burst> {
    let key = format!("timers.mdm_sync_after_enroll.{i}");
    let Some((interval, span)) = item.get_ref().split_once(" for ") else {
        c.at(
            item,
            &key,
            format!(
                "\"{}\" must read \"<interval> for <span>\", e.g. \"3m for 15m\"",
                item.get_ref()
            ),
        );
        return None;
    };
    let parse = |text: &str| parse_duration(text.trim());
    match (parse(interval), parse(span)) {
        (Ok(iv), Ok(sp))
            if iv >= u64::from(MINUTE)
                && iv <= u64::from(DAY)
                && sp >= iv
                && sp <= u64::from(7 * DAY) =>
        {
            Some(Burst {
                interval: iv as Time,
                span: sp as Time,
            })
        }
        (Ok(_), Ok(_)) => {
            c.at(item, &key, format!(
                "\"{}\": the interval must be from 1m to 1d and the span from the interval to 7d",
                item.get_ref()
            ));
            None
        }
        (Err(e), _) | (_, Err(e)) => {
            c.at(item, &key, e);
            None
        }
    }
}

fn convert_failures(c: &mut Checker<'_>, w: &WireFailures) -> Failures {
    let d = Failures::default();
    // A transient failure probability of 1 would retry for ever.
    Failures {
        hybrid_join: c.number(
            &w.hybrid_join,
            "failures.hybrid_join",
            d.hybrid_join,
            0.0,
            0.99,
        ),
        mdm_enrollment: c.number(
            &w.mdm_enrollment,
            "failures.mdm_enrollment",
            d.mdm_enrollment,
            0.0,
            0.99,
        ),
        client_install: c.number(
            &w.client_install,
            "failures.client_install",
            d.client_install,
            0.0,
            0.99,
        ),
        permanent: c.share(&w.permanent, "failures.permanent", d.permanent),
    }
}

fn convert_infrastructure(c: &mut Checker<'_>, w: &WireInfrastructure) -> Infrastructure {
    let d = Infrastructure::default();
    Infrastructure {
        management_points_per_site: c.int(
            &w.management_points_per_site,
            "infrastructure.management_points_per_site",
            2,
            1,
            15,
        ) as u32,
        cmg_instances: c.int(
            &w.cmg_instances,
            "infrastructure.cmg_instances",
            u64::from(d.cmg_instances),
            1,
            16,
        ) as u32,
        cmgs: c.int(
            &w.cmgs,
            "infrastructure.cmgs",
            u64::from(d.cmgs),
            1,
            MAX_CMGS,
        ) as u32,
        cmg_clients_per_instance: c.int(
            &w.cmg_clients_per_instance,
            "infrastructure.cmg_clients_per_instance",
            6_000,
            1,
            10_000,
        ) as u32,
        clients_per_management_point: c.int(
            &w.clients_per_management_point,
            "infrastructure.clients_per_management_point",
            25_000,
            1,
            100_000,
        ) as u32,
        intune_requests_per_s: w.intune_requests_per_s.as_ref().map(|v| {
            c.number(
                &Some(v.clone()),
                "infrastructure.intune_requests_per_s",
                1.0,
                0.001,
                1e9,
            )
        }),
    }
}

fn convert_compliance(c: &mut Checker<'_>, w: &WireCompliance) -> CompliancePolicy {
    let d = CompliancePolicy::default();
    let policy = CompliancePolicy {
        min_os_build: c.int(
            &w.min_os_build,
            "compliance.min_os_build",
            19_045,
            0,
            1_000_000,
        ) as u32,
        require_bitlocker: Checker::flag(&w.require_bitlocker, d.require_bitlocker),
        require_firewall: Checker::flag(&w.require_firewall, d.require_firewall),
        require_defender: Checker::flag(&w.require_defender, d.require_defender),
        noncompliant_grace: c.duration(
            &w.noncompliant_grace,
            "compliance.noncompliant_grace",
            0,
            0,
            365 * DAY,
        ),
        aad_propagation: c.duration(
            &w.aad_propagation,
            "compliance.aad_propagation",
            d.aad_propagation,
            0,
            7 * DAY,
        ),
        cae: Checker::flag(&w.cae, d.cae),
        validity: c.duration(
            &w.validity,
            "compliance.validity",
            d.validity,
            DAY,
            120 * DAY,
        ),
    };
    if policy.noncompliant_grace > policy.validity
        && let Some(g) = &w.noncompliant_grace
    {
        c.at(
            g,
            "compliance.noncompliant_grace",
            format!(
                "must not exceed compliance.validity ({}): a device whose report is older than the validity \
                 period is noncompliant anyway, so a longer grace period could never run out as written; \
                 shorten the grace or raise compliance.validity (at most 120d)",
                format_duration(u64::from(policy.validity))
            ),
        );
    }
    policy
}

fn convert_stages(c: &mut Checker<'_>, list: &[Spanned<WireStage>], duration: Time) -> Vec<Stage> {
    if list.len() > MAX_STAGES {
        c.at(
            &list[MAX_STAGES],
            "stage",
            format!("at most {MAX_STAGES} stages, got {}", list.len()),
        );
    }
    let mut names = BTreeSet::new();
    let mut compliance_moved = false;
    let mut stages = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let w = s.get_ref();
        let k = |field: &str| format!("stage.{i}.{field}");
        let name = match &w.name {
            None => {
                c.at(
                    s,
                    &k("name"),
                    "missing required key: every stage needs a unique name".into(),
                );
                String::new()
            }
            Some(n) if n.get_ref().trim().is_empty() => {
                c.at(n, &k("name"), "must not be empty".into());
                String::new()
            }
            Some(n) => {
                if !names.insert(n.get_ref().clone()) {
                    c.at(
                        n,
                        &k("name"),
                        format!(
                            "duplicate stage name \"{}\"; names must be unique",
                            n.get_ref()
                        ),
                    );
                }
                n.get_ref().clone()
            }
        };
        let start = w
            .start
            .as_ref()
            .and_then(|v| c.duration_value(v, &k("start"), 0, duration.saturating_sub(1)));
        let mut workloads = WorkloadSet::EMPTY;
        match &w.workloads {
            None => c.at(
                s,
                &k("workloads"),
                "missing required key: the workloads this stage moves".into(),
            ),
            Some(list) if list.get_ref().is_empty() => c.at(
                list,
                &k("workloads"),
                "must name at least one workload".into(),
            ),
            Some(list) => {
                for item in list.get_ref() {
                    match Workload::from_name(item.get_ref()) {
                        None => {
                            let names: Vec<&str> = Workload::ALL.iter().map(|w| w.name()).collect();
                            c.at(
                                item,
                                &k("workloads"),
                                format!(
                                    "unknown workload \"{}\"; expected one of: {}",
                                    item.get_ref(),
                                    names.join(", ")
                                ),
                            );
                        }
                        Some(wl) if workloads.contains(wl) => c.at(
                            item,
                            &k("workloads"),
                            format!("workload \"{}\" is listed twice", item.get_ref()),
                        ),
                        Some(wl) => workloads.insert(wl),
                    }
                }
            }
        }
        let authority = match &w.authority {
            None => {
                c.at(s, &k("authority"), "missing required key: \"configmgr\", \"pilot_intune\" or \"intune\"".into());
                Authority::Intune
            }
            Some(a) => Authority::from_name(a.get_ref()).unwrap_or_else(|| {
                c.at(a, &k("authority"), format!(
                    "unknown authority \"{}\"; expected \"configmgr\", \"pilot_intune\" or \"intune\"",
                    a.get_ref()
                ));
                Authority::Intune
            }),
        };
        let pilot = match (&w.pilot, authority) {
            (Some(p), Authority::PilotIntune) => {
                let x = *p.get_ref();
                if !x.is_finite() || x <= 0.0 || x > 1.0 {
                    c.at(
                        p,
                        &k("pilot"),
                        format!("must be a share above 0 and at most 1, got {x}"),
                    );
                }
                x
            }
            (None, Authority::PilotIntune) => {
                c.at(
                    s,
                    &k("pilot"),
                    "missing required key: a pilot_intune stage needs its pilot share (0 to 1]"
                        .into(),
                );
                0.0
            }
            (Some(p), _) => {
                c.at(p, &k("pilot"), format!(
                    "only a pilot_intune stage has a pilot collection; this stage's authority is \"{}\"",
                    authority.name()
                ));
                1.0
            }
            (None, _) => 1.0,
        };
        if authority != Authority::ConfigMgr && workloads.contains(Workload::CompliancePolicies) {
            compliance_moved = true;
        }
        let gate = w
            .gate
            .as_ref()
            .map(|g| convert_gate(c, g, i, compliance_moved));
        stages.push(Stage {
            name,
            start,
            workloads,
            authority,
            pilot,
            gate,
        });
    }
    stages
}

fn convert_gate(
    c: &mut Checker<'_>,
    g: &Spanned<WireGate>,
    i: usize,
    compliance_moved: bool,
) -> Gate {
    let w = g.get_ref();
    let k = |field: &str| format!("stage.{i}.gate.{field}");
    let min_switched = w
        .min_switched
        .as_ref()
        .map(|v| c.share(&Some(v.clone()), &k("min_switched"), 0.0));
    let max_noncompliant = w.max_noncompliant.as_ref().map(|v| {
        if !compliance_moved {
            c.at(
                v,
                &k("max_noncompliant"),
                "can never be evaluated: no stage up to this one moves \
                 compliance_policies to Intune, so no device reports compliance"
                    .into(),
            );
        }
        c.share(&Some(v.clone()), &k("max_noncompliant"), 1.0)
    });
    let min_age = c.duration(&w.min_age, &k("min_age"), 0, 0, MAX_SPAN);
    let timeout = w
        .timeout
        .as_ref()
        .and_then(|v| c.duration_value(v, &k("timeout"), MINUTE, MAX_SPAN));
    if let (Some(t), Some(v)) = (timeout, &w.timeout)
        && t < min_age
    {
        c.at(
            v,
            &k("timeout"),
            format!(
                "the timeout ({}) is shorter than min_age ({}): the gate could never pass",
                format_duration(u64::from(t)),
                format_duration(u64::from(min_age))
            ),
        );
    }
    let on_fail = match &w.on_fail {
        None => OnFail::Halt,
        Some(v) => match v.get_ref().as_str() {
            "halt" => OnFail::Halt,
            "rollback" => OnFail::Rollback,
            other => {
                c.at(
                    v,
                    &k("on_fail"),
                    format!("unknown action \"{other}\"; expected \"halt\" or \"rollback\""),
                );
                OnFail::Halt
            }
        },
    };
    Gate {
        min_switched,
        max_noncompliant,
        min_age,
        timeout,
        on_fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = include_str!("../../scenarios/reference.toml");

    #[test]
    fn reference_file_is_accepted_with_its_meanings() {
        let s = parse(REFERENCE).expect("the reference scenario must validate");
        assert_eq!(s.name, "reference");
        assert_eq!(s.seed, 42);
        assert_eq!(s.duration, 21 * DAY);
        assert_eq!(s.fleet.devices, 100_000);
        assert_eq!(s.fleet.sites, 4);
        assert_eq!(s.timers, Timers::default());
        assert_eq!(s.failures, Failures::default());
        assert_eq!(s.stages.len(), 3);
        assert_eq!(s.stages[0].start, Some(3 * DAY));
        assert_eq!(s.stages[0].authority, Authority::PilotIntune);
        assert_eq!(s.stages[0].pilot, 0.05);
        assert_eq!(s.stages[1].start, None);
        assert_eq!(s.stages[2].workloads.iter().count(), 5);
        let g = s.stages[0].gate.unwrap();
        assert_eq!(g.timeout, Some(5 * DAY));
        assert_eq!(g.max_noncompliant, Some(0.15));
        assert_eq!(s.thresholds.len(), 3);
        assert_eq!(
            s.fleet.attributes.os_build,
            vec![(19_044, 0.10), (19_045, 0.50), (22_631, 0.40)]
        );
    }

    #[test]
    fn minimal_file_takes_every_default() {
        let s = parse("name = \"x\"\n[fleet]\ndevices = 10\n").unwrap();
        let r = parse(REFERENCE).unwrap();
        assert_eq!(s.fleet.availability, r.fleet.availability);
        assert_eq!(s.timers, r.timers);
        assert_eq!(s.compliance, r.compliance);
        assert_eq!(s.infrastructure, r.infrastructure);
        assert_eq!(s.seed, 42);
        assert_eq!(s.duration, 21 * DAY);
    }

    fn problems(text: &str) -> Vec<Problem> {
        parse(text).expect_err("should be rejected")
    }

    #[test]
    fn problems_name_line_column_and_key() {
        let p = problems("name = \"x\"\n[fleet]\ndevices = 10\nexisting_client_share = 1.5\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].place, Some((4, 25)));
        assert_eq!(p[0].key, "fleet.existing_client_share");
        assert!(p[0].message.contains("from 0 to 1"), "{}", p[0].message);

        let p = problems("name = \"x\"\n[fleet]\ndevices = 10\nbogus = 1\n");
        assert_eq!(p[0].key, "fleet.bogus");
        assert_eq!(p[0].place, Some((4, 1)));
        assert!(p[0].message.contains("unknown field"), "{}", p[0].message);
    }

    #[test]
    fn every_problem_is_reported_not_just_the_first() {
        let p = problems(
            "name = \"x\"\n[fleet]\ndevices = 0\n[timers]\npolicy_poll = \"1m\"\nmdm_sync = \"8\"\n",
        );
        let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["fleet.devices", "timers.policy_poll", "timers.mdm_sync"]
        );
    }

    #[test]
    fn stage_problems() {
        let base = "name = \"x\"\n[fleet]\ndevices = 10\n";
        let p = problems(&format!(
            "{base}[[stage]]\nname = \"a\"\nworkloads = [\"compliance\"]\nauthority = \"intune\"\n\
             [[stage]]\nname = \"a\"\nworkloads = []\nauthority = \"pilot_intune\"\n"
        ));
        let msgs: Vec<String> = p
            .iter()
            .map(|p| format!("{}: {}", p.key, p.message))
            .collect();
        assert!(
            msgs[0].starts_with("stage.0.workloads: unknown workload \"compliance\""),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("duplicate stage name")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("stage.1.workloads: must name")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.starts_with("stage.1.pilot: missing")),
            "{msgs:?}"
        );
    }

    #[test]
    fn gate_on_compliance_without_compliance_stage_is_an_error() {
        let p = problems(
            "name = \"x\"\n[fleet]\ndevices = 10\n[[stage]]\nname = \"a\"\nworkloads = [\"client_apps\"]\n\
             authority = \"intune\"\n[stage.gate]\nmax_noncompliant = 0.1\n",
        );
        assert_eq!(p[0].key, "stage.0.gate.max_noncompliant");
        assert!(p[0].message.contains("never be evaluated"));
    }

    #[test]
    fn type_errors_and_syntax_errors_have_places() {
        let p = problems("name = \"x\"\n[fleet]\ndevices = \"many\"\n");
        assert_eq!(p[0].key, "fleet.devices");
        assert_eq!(p[0].place.map(|p| p.0), Some(3));
        let p = problems("name = \"x\"\n[fleet\ndevices = 1\n");
        assert_eq!(p[0].place.map(|p| p.0), Some(2));
        let p = problems("");
        assert!(p[0].message.contains("empty"));
        let p = problems("[fleet]\ndevices = 5\n");
        assert_eq!(p[0].key, "name");
    }
}
