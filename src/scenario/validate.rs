//! The scenario document → the domain [`Scenario`]: the schema walk (`scenario::walk`) checks every plain
//! key; this module adds the rules that span keys — shares that sum to 1, timer periods that are whole load
//! buckets, the grace period within the validity period, stage names, pilots, gates and action targets —
//! and collects every problem with its place, key and what is allowed.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::de::DeTable;

use super::keys::*;
use super::schema::SUM_TOLERANCE;
use super::section::Section;
use super::walk::walk;
use super::{Lines, Problem, line_col, read};
use crate::metrics::names::ring_slug;
use crate::model::action::{Action, ActionKind, ActionTarget};
use crate::model::scenario::*;
use crate::model::time::{HOUR, Time};
use crate::model::workload::{Authority, Workload};
use crate::units::format_duration;
use crate::units::text::shown;

/// Most stages a plan may have.
pub const MAX_STAGES: usize = 32;
/// At most this many `[[action]]` tables.
const MAX_ACTIONS: usize = 64;

struct Checker<'l, 't> {
    lines: &'l Lines<'t>,
    problems: Vec<Problem>,
}

impl Checker<'_, '_> {
    fn report(&mut self, span: Option<Range<usize>>, key: &str, message: String) {
        self.problems.push(Problem {
            place: span.map(|s| self.lines.place(s.start)),
            key: key.to_string(),
            message,
        });
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
    let doc = DeTable::parse(text).map_err(|e| vec![toml_problem(text, &e)])?;
    let lines = Lines::new(text);
    let (root, problems) = walk(&lines, &doc);
    let mut c = Checker {
        lines: &lines,
        problems,
    };
    let scenario = convert(&mut c, &root);
    if c.problems.is_empty() {
        Ok(scenario)
    } else {
        Err(c.problems)
    }
}

/// Turns a TOML syntax error into a problem that names the key.
fn toml_problem(text: &str, e: &toml::de::Error) -> Problem {
    let message = e.message().trim();
    // The parser's nesting limit comes without a place: the culprit is the most deeply dotted key.
    let (start, message) = match e.span() {
        Some(s) => (Some(s.start), message.to_string()),
        None if message.contains("recursion limit") => (
            deepest_key(text),
            format!("{message}: keys or values nest too deeply"),
        ),
        None => (None, message.to_string()),
    };
    Problem {
        place: start.map(|s| line_col(text, s)),
        key: start.map(|s| key_at(text, s)).unwrap_or_default(),
        message,
    }
}

/// The start of the line whose key (or table header) has the most dotted segments, if any has two or more.
fn deepest_key(text: &str) -> Option<usize> {
    let mut best = (1, None);
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let key = line.split('=').next().unwrap_or_default();
        let segments = key.matches('.').count() + 1;
        if segments > best.0 {
            best = (segments, Some(pos));
        }
        pos += line.len();
    }
    best.1
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

fn convert(c: &mut Checker<'_, '_>, root: &Section) -> Scenario {
    let name = root.text(&NAME).unwrap_or_default().to_string();
    if let Some(place) = root.place(&NAME)
        && root.text(&NAME).is_some()
        && !super::name::is_folder_name(&name)
    {
        c.report(
            Some(place),
            "name",
            format!(
                "\"{}\" is not a usable results folder name: use 1 to 100 letters, digits, '-', '_' \
                 or '.', not starting with '.'",
                shown(&name)
            ),
        );
    }
    let start = root.instant(&START).unwrap_or_default();
    let duration = root.duration(&DURATION);
    let fleet = convert_fleet(c, root.table("fleet"));
    let timers = read::timers(root.table("timers"));
    let compliance = convert_compliance(c, root.table("compliance"));
    let load = convert_load(c, root.table("load"));
    let l = root.table("load");
    if load.enabled && !l.invalid(&LOAD_ENABLED) && !l.invalid(&LOAD_BUCKET) {
        let t = root.table("timers");
        for (key, period) in [
            (&POLICY_POLL, timers.policy_poll),
            (&MDM_SYNC, timers.mdm_sync),
        ] {
            if period % load.bucket != 0 && !t.invalid(key) {
                c.report(
                    t.place(key),
                    &key.path(),
                    format!(
                        "must be a whole number of load buckets ([load] bucket = {}) to count its requests exactly",
                        format_duration(u64::from(load.bucket))
                    ),
                );
            }
        }
    }
    // A refused `duration` reads as its default: the rules comparing times with it are skipped.
    let end = (!root.invalid(&DURATION)).then_some(duration);
    let stages = convert_stages(c, root.array("stage"), end);
    let names_known = root.array("stage").iter().all(|s| !s.invalid(&STAGE_NAME));
    let actions = convert_actions(c, root.array("action"), end, &stages, names_known);
    let thresholds = root.thresholds(&THRESHOLDS);
    if !load.enabled && !l.invalid(&LOAD_ENABLED) {
        // Without load there is no `load` section to read: such a threshold could only fail.
        for t in thresholds.iter().filter(|t| t.key.starts_with("load.")) {
            c.report(
                root.place(&THRESHOLDS),
                &format!("thresholds.\"{}\"", shown(&t.key)),
                "names a load value, but load is not modelled ([load] enabled = false): enable load or \
                 remove the threshold"
                    .into(),
            );
        }
    }
    Scenario {
        name,
        seed: root.whole(&SEED),
        start,
        duration,
        fleet,
        timers,
        failures: read::failures(root.table("failures")),
        comanagement: convert_comanagement(c, root.table("comanagement")),
        failure_codes: convert_failure_codes(c, root.array("failure")),
        infrastructure: read::infrastructure(root.table("infrastructure")),
        compliance,
        load,
        stages,
        actions,
        thresholds,
    }
}

fn convert_fleet(c: &mut Checker<'_, '_>, s: &Section) -> Fleet {
    let fleet = read::fleet(s);
    let a = s.table("availability");
    let mix = fleet.availability;
    let sum = mix.always_on + mix.office_hours + mix.intermittent;
    let refused = [&ALWAYS_ON, &OFFICE_HOURS, &INTERMITTENT]
        .iter()
        .any(|k| a.invalid(k));
    if (sum - 1.0).abs() > SUM_TOLERANCE && !refused {
        let d = AvailabilityMix::default();
        c.report(
            a.span.clone(),
            "fleet.availability",
            format!(
                "shares must sum to 1, got {sum} (always_on {} + office_hours {} + intermittent {}; \
                 an absent key takes its default: {}, {}, {:.2})",
                mix.always_on,
                mix.office_hours,
                mix.intermittent,
                d.always_on,
                d.office_hours,
                d.intermittent
            ),
        );
    }
    if s.place(&FLEET_DEVICES).is_none() && fleet.inventory.is_none() {
        c.report(
            s.span.clone(),
            "fleet.devices",
            "missing required key (total virtual devices, a whole number from 1 to 100000000), unless \
             `inventory` gives the fleet"
                .into(),
        );
    }
    if fleet
        .inventory
        .as_ref()
        .is_some_and(|i| i.file.trim().is_empty())
    {
        c.report(
            s.place(&FLEET_INVENTORY),
            "fleet.inventory",
            "must name a CSV file (relative to the scenario file)".into(),
        );
    }
    let r = s.table("readiness");
    let readiness = fleet.readiness;
    let shares = [
        (&READY_INACTIVE, readiness.inactive),
        (&READY_UNHEALTHY, readiness.unhealthy),
        (&READY_INELIGIBLE_OS, readiness.ineligible_os),
        (&READY_INTUNE_ENROLLED, readiness.intune_enrolled),
        (&READY_SERVERS, readiness.servers),
    ];
    let sum: f64 = shares.iter().map(|(_, x)| x).sum();
    if sum > 1.0 + SUM_TOLERANCE && !shares.iter().any(|(k, _)| r.invalid(k)) {
        let written = shares
            .iter()
            .filter(|(_, x)| *x > 0.0)
            .map(|(k, x)| format!("{} {x}", k.name))
            .collect::<Vec<_>>()
            .join(" + ");
        c.report(
            r.span.clone(),
            "fleet.readiness",
            format!(
                "shares must sum to at most 1, got {sum} ({written}): each device is in one state at t = 0"
            ),
        );
    }
    let osd = s.table("osd_arrivals");
    let most = MAX_DEVICES - u64::from(fleet.devices);
    if u64::from(fleet.osd.count) > most {
        c.report(
            osd.place(&OSD_COUNT),
            "fleet.osd_arrivals.count",
            format!(
                "must be a whole number from 0 to {most}, got {} (`devices` plus OS-deployment arrivals \
                 are at most {MAX_DEVICES})",
                fleet.osd.count
            ),
        );
    }
    fleet
}

/// Most `[[failure]]` tables a scenario may have.
const MAX_FAILURE_CODES: usize = 100;

fn convert_failure_codes(c: &mut Checker<'_, '_>, list: &[Section]) -> Vec<FailureCode> {
    if list.len() > MAX_FAILURE_CODES {
        c.report(
            list[MAX_FAILURE_CODES].span.clone(),
            "failure",
            format!(
                "at most {MAX_FAILURE_CODES} failure codes, got {}",
                list.len()
            ),
        );
    }
    let mut out = Vec::new();
    let mut sums = [0.0; 3];
    for (i, f) in list.iter().enumerate().take(MAX_FAILURE_CODES) {
        let key = |k: &str| format!("failure.{i}.{k}");
        let code = f.text(&FAILURE_CODE).filter(|code| {
            let ok = !code.is_empty()
                && code.len() <= 40
                && code.chars().all(|ch| ch.is_ascii_alphanumeric());
            if !ok {
                c.report(
                    f.place(&FAILURE_CODE),
                    &key("code"),
                    format!(
                        "\"{}\" is not an error code: use 1 to 40 letters and digits, e.g. \"0x80180014\"",
                        shown(code)
                    ),
                );
            }
            ok
        });
        let step = f.text(&FAILURE_STEP).and_then(FailureStep::from_name);
        let kind = match f.text(&FAILURE_KIND) {
            Some("transient") => Some(FailureKind::Transient),
            Some("configuration") => Some(FailureKind::Configuration),
            _ => None,
        };
        let share = f.opt_number(&FAILURE_SHARE);
        let fixed_at = f.opt_duration(&FAILURE_FIXED_AT);
        if kind == Some(FailureKind::Transient) && fixed_at.is_some() {
            c.report(
                f.place(&FAILURE_FIXED_AT),
                &key("fixed_at"),
                "only a configuration error is fixed; a transient one is retried anyway (drop fixed_at, or \
                 set kind = \"configuration\")"
                    .into(),
            );
        }
        if let (Some(step), Some(share)) = (step, share) {
            let sum = &mut sums[step as usize];
            *sum += share;
            if *sum > 1.0 + SUM_TOLERANCE {
                c.report(
                    f.place(&FAILURE_SHARE),
                    &key("share"),
                    format!(
                        "the shares of the {} codes sum to {} with this one: a device hits at most one code \
                         per step, so they must sum to at most 1",
                        step.name(),
                        (*sum * 1e6).round() / 1e6
                    ),
                );
            }
        }
        if let (Some(code), Some(step), Some(kind), Some(share)) = (code, step, kind, share) {
            out.push(FailureCode {
                code: code.to_string(),
                share,
                step,
                kind,
                fixed_at,
            });
        }
    }
    out
}

/// Warnings for a valid scenario: things it says that the run will not see or the product does not do (a
/// `fixed_at` after the end; a stage listing `resource_access` on a ConfigMgr version that merged it into
/// Device configuration).
pub fn warnings(s: &Scenario) -> Vec<String> {
    let merged = s.stages_listing_merged_resource_access().map(|stage| {
        format!(
            "stage \"{}\" lists resource_access, unsupported from ConfigMgr {} ([comanagement] \
             configmgr_version = {}): it is part of device_configuration, which moves it",
            stage.name.escape_debug(),
            RESOURCE_ACCESS_MERGED_IN,
            s.comanagement.configmgr_version
        )
    });
    let fixes = s
        .failure_codes
        .iter()
        .enumerate()
        .filter(|(_, f)| f.fixed_at.is_some_and(|t| t >= s.duration))
        .map(|(i, f)| {
            format!(
                "failure.{i}.fixed_at: the fix of {} comes after the end of the run (duration = {}): its devices \
                 never succeed in it",
                f.code,
                format_duration(u64::from(s.duration))
            )
        });
    merged.chain(fixes).collect()
}

fn convert_comanagement(c: &mut Checker<'_, '_>, s: &Section) -> CoManagement {
    let mut comanagement = read::comanagement(s);
    let pilot = comanagement.auto_enrollment == AutoEnrollment::Pilot;
    match (s.place(&AUTO_ENROLLMENT_PILOT_SHARE), pilot) {
        (None, true) if !s.invalid(&AUTO_ENROLLMENT) => c.report(
            s.place(&AUTO_ENROLLMENT).or(s.span.clone()),
            "comanagement.pilot_share",
            "missing required key: auto_enrollment = \"pilot\" needs the pilot collection's share of \
             path-1 clients, pilot_share (above 0, at most 1)"
                .into(),
        ),
        (Some(place), false) if !s.invalid(&AUTO_ENROLLMENT) => {
            c.report(
                Some(place),
                "comanagement.pilot_share",
                format!(
                    "only auto_enrollment = \"pilot\" has a pilot collection; auto_enrollment is \"{}\"",
                    s.text(&AUTO_ENROLLMENT).unwrap_or("all")
                ),
            );
            comanagement.pilot_share = 1.0;
        }
        _ => {}
    }
    // The version is YYMM, so its last two digits are a month.
    let month = comanagement.configmgr_version % 100;
    if !s.invalid(&CONFIGMGR_VERSION) && !(1..=12).contains(&month) {
        c.report(
            s.place(&CONFIGMGR_VERSION),
            &CONFIGMGR_VERSION.path(),
            format!(
                "must be a ConfigMgr version as YYMM (e.g. 2403), from 1710 to 9912; {} has no month {month:02}",
                comanagement.configmgr_version
            ),
        );
    }
    comanagement
}

fn convert_load(c: &mut Checker<'_, '_>, s: &Section) -> LoadModel {
    let mut load = read::load(s);
    if !HOUR.is_multiple_of(load.bucket) {
        c.report(
            s.place(&LOAD_BUCKET),
            "load.bucket",
            format!(
                "must divide an hour (e.g. \"10s\", \"1m\", \"5m\", \"15m\"), got \"{}\"",
                format_duration(u64::from(load.bucket))
            ),
        );
        load.bucket = LoadModel::default().bucket;
    }
    load
}

fn convert_compliance(c: &mut Checker<'_, '_>, s: &Section) -> CompliancePolicy {
    let policy = read::compliance(s);
    if policy.noncompliant_grace > policy.validity
        && !s.invalid(&VALIDITY)
        && !s.invalid(&NONCOMPLIANT_GRACE)
        && let Some(place) = s.place(&NONCOMPLIANT_GRACE)
    {
        c.report(
            Some(place),
            "compliance.noncompliant_grace",
            format!(
                "must not exceed compliance.validity ({}): a device whose report is older than the validity \
                 period is noncompliant anyway, so a longer grace period could never run out as written; \
                 shorten the grace or raise compliance.validity (at most 120d)",
                format_duration(u64::from(policy.validity))
            ),
        );
    }
    if policy.min_os_from.is_some()
        && policy.raised_min_os_build < policy.min_os_build
        && !s.invalid(&RAISED_MIN_OS_BUILD)
        && !s.invalid(&MIN_OS_BUILD)
    {
        let place = s.place(&RAISED_MIN_OS_BUILD).or(s.place(&MIN_OS_FROM));
        c.report(
            place,
            "compliance.raised_min_os_build",
            format!(
                "must be at least compliance.min_os_build ({}): min_os_from raises the minimum OS build, it \
                 cannot lower it; set raised_min_os_build to a build of {} or more",
                policy.min_os_build, policy.min_os_build
            ),
        );
    }
    policy
}

fn convert_actions(
    c: &mut Checker<'_, '_>,
    list: &[Section],
    end: Option<Time>,
    stages: &[Stage],
    names_known: bool,
) -> Vec<Action> {
    if list.len() > MAX_ACTIONS {
        c.report(
            list[MAX_ACTIONS].span.clone(),
            "action",
            format!("at most {MAX_ACTIONS} actions, got {}", list.len()),
        );
    }
    let mut out = Vec::new();
    for (i, a) in list.iter().enumerate().take(MAX_ACTIONS) {
        let key = |k: &str| format!("action.{i}.{k}");
        let kind = a.text(&ACTION_KIND).and_then(ActionKind::from_name);
        let at = a.opt_duration(&ACTION_AT).filter(|&t| {
            let Some(duration) = end else {
                return true;
            };
            let inside = t < duration;
            if !inside {
                c.report(
                    a.place(&ACTION_AT),
                    &key("at"),
                    format!(
                        "is outside the simulated span: must be before the end of the run (duration = {})",
                        format_duration(u64::from(duration))
                    ),
                );
            }
            inside
        });
        let target = match (a.place(&ACTION_SHARE), a.place(&ACTION_STAGE)) {
            (Some(_), Some(st)) => {
                c.report(
                    Some(st),
                    &key("stage"),
                    "give either `share` or `stage`, not both".into(),
                );
                None
            }
            (None, None) => {
                c.report(
                    a.span.clone(),
                    &key("share"),
                    "missing: give `share` (of co-managed devices, 0 to 1) or `stage` (a stage's pilot collection)"
                        .into(),
                );
                None
            }
            (Some(_), None) => a.opt_number(&ACTION_SHARE).map(ActionTarget::Share),
            (None, Some(st)) => {
                let name = a.text(&ACTION_STAGE).unwrap_or_default();
                match stages.iter().position(|s| s.name == name) {
                    Some(index) => Some(ActionTarget::Stage(index)),
                    // A refused stage name or stage value: whether it names a stage is unknown.
                    None if !names_known || a.invalid(&ACTION_STAGE) => None,
                    None => {
                        c.report(
                            Some(st),
                            &key("stage"),
                            format!(
                                "no stage is named \"{}\"{}",
                                shown(name),
                                super::suggest::value_hint(
                                    name,
                                    stages.iter().map(|s| s.name.as_str())
                                )
                            ),
                        );
                        None
                    }
                }
            }
        };
        let leave_collection = a.flag(&ACTION_LEAVE_COLLECTION);
        if leave_collection && kind.is_some_and(|k| k != ActionKind::Retire) {
            c.report(
                a.place(&ACTION_LEAVE_COLLECTION),
                &key("leave_collection"),
                format!(
                    "only a retire action can take devices out of the co-management collection; this action's kind is \"{}\"",
                    kind.map_or("", ActionKind::name)
                ),
            );
        }
        let user_consent = a.flag(&ACTION_USER_CONSENT);
        if a.place(&ACTION_USER_CONSENT).is_some()
            && kind.is_some_and(|k| k != ActionKind::RemoteControl)
        {
            c.report(
                a.place(&ACTION_USER_CONSENT),
                &key("user_consent"),
                format!(
                    "only a remote_control action asks the user's consent; this action's kind is \"{}\"",
                    kind.map_or("", ActionKind::name)
                ),
            );
        }
        if let (Some(kind), Some(at), Some(target)) = (kind, at, target) {
            out.push(Action {
                kind,
                at,
                target,
                leave_collection,
                user_consent,
            });
        }
    }
    out
}

fn convert_stages(c: &mut Checker<'_, '_>, list: &[Section], end: Option<Time>) -> Vec<Stage> {
    if list.len() > MAX_STAGES {
        c.report(
            list[MAX_STAGES].span.clone(),
            "stage",
            format!("at most {MAX_STAGES} stages, got {}", list.len()),
        );
    }
    let mut names = BTreeSet::new();
    let mut slugs = BTreeMap::new();
    let mut compliance_moved = false;
    // A refused workloads or authority up to a stage: whether compliance has moved is unknown.
    let mut compliance_unknown = false;
    let mut stages = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let k = |field: &str| format!("stage.{i}.{field}");
        let name = s.text(&STAGE_NAME).unwrap_or_default().to_string();
        if s.text(&STAGE_NAME).is_some() {
            if name.trim().is_empty() {
                c.report(s.place(&STAGE_NAME), &k("name"), "must not be empty".into());
            } else if !names.insert(name.clone()) {
                c.report(
                    s.place(&STAGE_NAME),
                    &k("name"),
                    format!(
                        "duplicate stage name \"{}\"; names must be unique",
                        shown(&name)
                    ),
                );
            } else {
                // Per-ring metrics are named from the stage's slug: two stages may not share one.
                let slug = ring_slug(&name);
                if slug.is_empty() {
                    c.report(
                        s.place(&STAGE_NAME),
                        &k("name"),
                        format!(
                            "\"{}\" needs at least one ASCII letter or digit: per-ring metrics are named \
                             from it (`compliance_latency@<name>`)",
                            shown(&name)
                        ),
                    );
                } else if let Some(other) = slugs.insert(slug.clone(), name.clone()) {
                    c.report(
                        s.place(&STAGE_NAME),
                        &k("name"),
                        format!(
                            "\"{}\" and \"{}\" both name per-ring metrics `<metric>@{slug}` (names are \
                             lowercased, other characters joined as `_`); rename one",
                            shown(&other),
                            shown(&name)
                        ),
                    );
                }
            }
        }
        let start = s.opt_duration(&STAGE_START).filter(|&t| {
            let Some(duration) = end else {
                return true;
            };
            let last = duration.saturating_sub(1);
            if t > last {
                c.report(
                    s.place(&STAGE_START),
                    &k("start"),
                    format!(
                        "must be from 0s to {} (before the end of the run), got \"{}\"",
                        format_duration(u64::from(last)),
                        format_duration(u64::from(t))
                    ),
                );
            }
            t <= last
        });
        let authority_refused = s.invalid(&STAGE_AUTHORITY);
        compliance_unknown |= authority_refused || s.invalid(&STAGE_WORKLOADS);
        let listed = s.workloads(&STAGE_WORKLOADS);
        if listed.contains(Workload::ResourceAccess)
            && !listed.contains(Workload::DeviceConfiguration)
        {
            c.report(
                s.place(&STAGE_WORKLOADS),
                &k("workloads"),
                "resource_access cannot move alone: from ConfigMgr 2203 it is part of \
                 device_configuration, which moves it together with endpoint_protection; \
                 list device_configuration instead"
                    .into(),
            );
        }
        let workloads = listed.coupled();
        let authority = s
            .text(&STAGE_AUTHORITY)
            .and_then(Authority::from_name)
            .unwrap_or(Authority::Intune);
        let pilot = match (s.place(&STAGE_PILOT), authority) {
            (Some(_), Authority::PilotIntune) => s.number(&STAGE_PILOT),
            (None, Authority::PilotIntune) => {
                c.report(
                    s.span.clone(),
                    &k("pilot"),
                    "missing required key: a pilot_intune stage needs its pilot share (0 to 1]"
                        .into(),
                );
                0.0
            }
            (Some(_), _) if authority_refused => 1.0,
            (Some(p), _) => {
                c.report(
                    Some(p),
                    &k("pilot"),
                    format!(
                        "only a pilot_intune stage has a pilot collection; this stage's authority is \"{}\"",
                        authority.name()
                    ),
                );
                1.0
            }
            (None, _) => 1.0,
        };
        if authority != Authority::ConfigMgr && workloads.contains(Workload::CompliancePolicies) {
            compliance_moved = true;
        }
        let g = s.table("gate");
        let gate = g
            .span
            .is_some()
            .then(|| convert_gate(c, g, i, compliance_moved || compliance_unknown));
        stages.push(Stage {
            name,
            start,
            workloads,
            listed,
            authority,
            pilot,
            gate,
        });
    }
    stages
}

fn convert_gate(
    c: &mut Checker<'_, '_>,
    g: &Section,
    i: usize,
    compliance_may_have_moved: bool,
) -> Gate {
    let k = |field: &str| format!("stage.{i}.gate.{field}");
    if !compliance_may_have_moved && let Some(place) = g.place(&GATE_MAX_NONCOMPLIANT) {
        c.report(
            Some(place),
            &k("max_noncompliant"),
            "can never be evaluated: no stage up to this one moves \
             compliance_policies to Intune, so no device reports compliance"
                .into(),
        );
    }
    let min_age = g.duration(&GATE_MIN_AGE);
    let timeout = g.opt_duration(&GATE_TIMEOUT);
    if let Some(t) = timeout
        && t < min_age
        && !g.invalid(&GATE_MIN_AGE)
    {
        c.report(
            g.place(&GATE_TIMEOUT),
            &k("timeout"),
            format!(
                "the timeout ({}) is shorter than min_age ({}): the gate could never pass",
                format_duration(u64::from(t)),
                format_duration(u64::from(min_age))
            ),
        );
    }
    Gate {
        min_switched: g.opt_number(&GATE_MIN_SWITCHED),
        max_noncompliant: g.opt_number(&GATE_MAX_NONCOMPLIANT),
        min_age,
        timeout,
        on_fail: match g.text(&GATE_ON_FAIL) {
            Some("rollback") => OnFail::Rollback,
            _ => OnFail::Halt,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::DAY;

    const REFERENCE: &str = include_str!("../../scenarios/reference.toml");

    #[test]
    fn reference_file_is_accepted_with_its_meanings() {
        let s = parse(REFERENCE).expect("the reference scenario must validate");
        assert_eq!(s.name, "reference");
        assert_eq!(s.seed, 42);
        assert_eq!(s.duration, 21 * DAY);
        assert_eq!(s.fleet.devices, 100_000);
        assert_eq!(s.fleet.sites, 4);
        // The reference writes the 2-day spread out; left out, it scales with the clients in scope.
        assert_eq!(s.timers.enrollment_spread, Some(2 * DAY));
        assert_eq!(
            s.timers,
            Timers {
                enrollment_spread: Some(2 * DAY),
                ..Timers::default()
            }
        );
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
        assert_eq!(
            s.timers,
            Timers {
                enrollment_spread: None,
                ..r.timers.clone()
            }
        );
        assert_eq!(s.comanagement, r.comanagement);
        assert_eq!(s.fleet.readiness, r.fleet.readiness);
        assert_eq!(s.fleet.vpn_share, r.fleet.vpn_share);
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
    fn stage_names_whose_ring_slugs_collide_or_are_empty_are_refused() {
        let stage = |name: &str| {
            format!(
                "[[stage]]\nname = \"{name}\"\nworkloads = [\"compliance_policies\"]\nauthority = \"intune\"\n"
            )
        };
        let p = problems(&format!(
            "name = \"x\"\n[fleet]\ndevices = 10\n{}{}{}",
            stage("Pilot ring"),
            stage("pilot-ring"),
            stage("--")
        ));
        let msgs: Vec<String> = p
            .iter()
            .map(|p| format!("{}: {}", p.key, p.message))
            .collect();
        assert!(
            msgs.iter().any(|m| m.starts_with(
                "stage.1.name: \"Pilot ring\" and \"pilot-ring\" both name per-ring metrics `<metric>@pilot_ring`"
            )),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m
                    .starts_with("stage.2.name: \"--\" needs at least one ASCII letter or digit")),
            "{msgs:?}"
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
    fn a_refused_value_hides_no_other_problem_and_makes_no_rule_fire_on_its_default() {
        let p = problems(
            "name = \"x\"\nduration = \"5\"\n[fleet]\ndevices = 10\nnew_device_arival = \"1d\"\n\
             [fleet.availability]\nalways_on = 70\n[[stage]]\nname = \"a\"\nstart = \"40d\"\n\
             workloads = [\"compliance_policy\"]\nauthority = \"pilot_intun\"\npilot = 0.1\n\
             [stage.gate]\nmax_noncompliant = 0.1\nmin_age = \"1x\"\ntimeout = \"1h\"\n\
             [[action]]\nkind = \"wipe\"\nat = \"1d\"\nstage = \"b\"\n",
        );
        let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "duration",
                "fleet.new_device_arival",
                "fleet.availability.always_on",
                "stage.0.workloads",
                "stage.0.authority",
                "stage.0.gate.min_age",
                "action.0.stage",
            ],
            "{p:#?}"
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
