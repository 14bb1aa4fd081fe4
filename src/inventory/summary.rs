//! What an inventory was understood to say: columns, counts per site, path, state and attribute, rows
//! ignored and why — the text of `cofleet inventory summarize`. Tallies are ordered maps, so the text is
//! the same on every run.

use std::collections::BTreeMap;
use std::fmt;

use super::{Format, Row, Tri, bump};
use crate::model::availability::Profile;
use crate::model::device::Path;
use crate::model::inventory::DeviceFacts;

/// Ignored rows listed per reason.
const LINES_SHOWN: usize = 5;

/// What an inventory was understood to say.
#[derive(Debug, Default)]
pub struct Understood {
    /// The preset.
    pub format: Format,
    /// Columns read: (header, field).
    pub columns: Vec<(String, &'static str)>,
    /// Columns no preset or `--map` knows: ignored.
    pub unknown_columns: Vec<String>,
    /// Data rows read.
    pub rows: u64,
    /// Device rows kept.
    pub devices: u64,
    /// Rows ignored, per reason: count and the first lines.
    pub ignored: BTreeMap<&'static str, (u64, Vec<u64>)>,
    /// Devices per site (`(unknown)` for none).
    pub sites: BTreeMap<String, u64>,
    /// Devices per path: existing client, new internet, drawn.
    pub path: [u64; 3],
    /// Devices per state at start: co-managed, not co-managed, drawn.
    pub state: [u64; 3],
    /// Devices per ConfigMgr client state.
    pub cm_client: BTreeMap<String, u64>,
    /// Devices per join type.
    pub join: BTreeMap<String, u64>,
    /// Devices per network: internet, not internet, drawn.
    pub internet: Tri,
    /// Devices per online profile: always on, office hours, intermittent, drawn.
    pub profile: [u64; 4],
    /// Devices per OS build (`(drawn)` for none).
    pub os_build: BTreeMap<u32, u64>,
    /// Devices without an OS build.
    pub os_build_drawn: u64,
    /// BitLocker on/off/drawn.
    pub bitlocker: Tri,
    /// Firewall on/off/drawn.
    pub firewall: Tri,
    /// Defender on/off/drawn.
    pub defender: Tri,
    /// Devices with a last-seen time.
    pub last_seen: u64,
}

fn tri(t: &mut Tri, v: Option<bool>) {
    t[match v {
        Some(true) => 0,
        Some(false) => 1,
        None => 2,
    }] += 1;
}

impl Understood {
    pub(super) fn ignore(&mut self, why: &'static str, line: u64) {
        let e = self.ignored.entry(why).or_default();
        e.0 += 1;
        if e.1.len() < LINES_SHOWN {
            e.1.push(line);
        }
    }

    /// Rows ignored in all.
    pub fn ignored_total(&self) -> u64 {
        self.ignored.values().map(|(n, _)| n).sum()
    }

    pub(super) fn count(&mut self, row: &Row<'_>, f: &DeviceFacts) {
        bump(&mut self.sites, row.site.unwrap_or("(unknown)"));
        self.path[match f.path {
            Some(Path::ExistingClient) => 0,
            Some(Path::NewInternet) => 1,
            None => 2,
        }] += 1;
        self.state[match f.comanaged {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        }] += 1;
        let cm = row.cm_client().map_or("(drawn)", |c| match c {
            super::CmClient::Active => "active",
            super::CmClient::Inactive => "inactive",
            super::CmClient::None => "none",
        });
        bump(&mut self.cm_client, cm);
        let join = row.join().map_or("(unknown)", |j| match j {
            super::Join::Domain => "domain",
            super::Join::Hybrid => "hybrid",
            super::Join::AzureAd => "azure_ad",
        });
        bump(&mut self.join, join);
        tri(&mut self.internet, f.internet);
        self.profile[match f.profile {
            Some(Profile::AlwaysOn) => 0,
            Some(Profile::OfficeHours) => 1,
            Some(Profile::Intermittent) => 2,
            None => 3,
        }] += 1;
        match f.os_build {
            Some(b) => *self.os_build.entry(b).or_default() += 1,
            None => self.os_build_drawn += 1,
        }
        tri(&mut self.bitlocker, f.bitlocker);
        tri(&mut self.firewall, f.firewall);
        tri(&mut self.defender, f.defender);
        self.last_seen += u64::from(row.last_seen);
    }
}

/// `n (p %)` of `total`.
fn share(n: u64, total: u64) -> String {
    format!("{n} ({:.1} %)", 100.0 * n as f64 / total.max(1) as f64)
}

fn tri_line(f: &mut fmt::Formatter<'_>, name: &str, t: &Tri, total: u64) -> fmt::Result {
    let known = t[0] + t[1];
    let on = if known == 0 {
        "no value: all drawn from the scenario's share".to_string()
    } else {
        format!("{:.1} % of known", 100.0 * t[0] as f64 / known as f64)
    };
    writeln!(
        f,
        "  {name:<10} on {}, off {}, drawn {} — {on}",
        share(t[0], total),
        share(t[1], total),
        share(t[2], total)
    )
}

impl fmt::Display for Understood {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.devices;
        writeln!(
            f,
            "format {}: {} rows read, {} devices, {} rows ignored",
            self.format.name(),
            self.rows,
            n,
            self.ignored_total()
        )?;
        writeln!(f, "columns:")?;
        for (h, field) in &self.columns {
            writeln!(f, "  {h} → {field}")?;
        }
        if !self.unknown_columns.is_empty() {
            writeln!(
                f,
                "unknown columns (ignored; map one with --map COLUMN=FIELD): {}",
                self.unknown_columns.join(", ")
            )?;
        }
        writeln!(f, "sites ({}):", self.sites.len())?;
        for (site, c) in &self.sites {
            writeln!(f, "  {site:<20} {}", share(*c, n))?;
        }
        writeln!(
            f,
            "path:\n  existing_client {}, new_internet {}, drawn {}",
            share(self.path[0], n),
            share(self.path[1], n),
            share(self.path[2], n)
        )?;
        writeln!(
            f,
            "state at start:\n  co_managed {}, not co_managed {}, drawn {}",
            share(self.state[0], n),
            share(self.state[1], n),
            share(self.state[2], n)
        )?;
        let list = |m: &BTreeMap<String, u64>| {
            m.iter()
                .map(|(k, c)| format!("{k} {}", share(*c, n)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(f, "cm_client:\n  {}", list(&self.cm_client))?;
        writeln!(f, "join:\n  {}", list(&self.join))?;
        writeln!(
            f,
            "network:\n  internet {}, intranet or vpn {}, drawn {}",
            share(self.internet[0], n),
            share(self.internet[1], n),
            share(self.internet[2], n)
        )?;
        writeln!(
            f,
            "online_profile:\n  always_on {}, office_hours {}, intermittent {}, drawn {}",
            share(self.profile[0], n),
            share(self.profile[1], n),
            share(self.profile[2], n),
            share(self.profile[3], n)
        )?;
        let mut builds: Vec<String> = self
            .os_build
            .iter()
            .map(|(b, c)| format!("{b} {}", share(*c, n)))
            .collect();
        if self.os_build_drawn > 0 {
            builds.push(format!("(drawn) {}", share(self.os_build_drawn, n)));
        }
        writeln!(f, "os_build:\n  {}", builds.join(", "))?;
        writeln!(f, "attributes:")?;
        tri_line(f, "bitlocker", &self.bitlocker, n)?;
        tri_line(f, "firewall", &self.firewall, n)?;
        tri_line(f, "defender", &self.defender, n)?;
        writeln!(
            f,
            "last_seen: {} (counted, not used by the model)",
            share(self.last_seen, n)
        )?;
        if self.ignored.is_empty() {
            writeln!(f, "rows ignored: none")?;
        } else {
            writeln!(f, "rows ignored:")?;
            for (why, (c, lines)) in &self.ignored {
                let lines: Vec<_> = lines.iter().map(u64::to_string).collect();
                writeln!(
                    f,
                    "  {why}: {c} (lines {}{})",
                    lines.join(", "),
                    if *c as usize > lines.len() {
                        ", …"
                    } else {
                        ""
                    }
                )?;
            }
        }
        writeln!(
            f,
            "device ids and names are not kept: nothing of them reaches the results"
        )
    }
}
