//! The organisation's device inventory as a CSV: one device per row, read into the model's
//! [`DeviceFacts`] through a column preset (canonical, the Intune admin center export, or the ConfigMgr SQL
//! query of docs/inventory.md) and `--map column=field`. What was understood is tallied ([`Understood`]) for
//! `cofleet inventory summarize`. Device ids and names are read only to find duplicates: nothing of them
//! leaves this module.

mod preset;
mod summary;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

pub use preset::Format;
pub use summary::Understood;

use crate::model::availability::Profile;
use crate::model::device::Path as DevicePath;
use crate::model::inventory::DeviceFacts;
use crate::rng::mix64;

/// Malformed values listed in an error; the rest are counted.
pub const MAX_SHOWN: usize = 20;

/// What a column feeds. The canonical fields are the columns of the canonical format; the others are the
/// raw columns of an export, combined per row into the canonical facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// The device's id (required; only duplicates are checked).
    DeviceId,
    /// Its name (dropped).
    Name,
    /// ConfigMgr site or AD site.
    Site,
    /// OS build (`19045`, `10.0.19045`, `10.0.19045.3803`).
    OsBuild,
    /// `domain`, `hybrid` or `azure_ad`.
    Join,
    /// `active`, `inactive` or `none`.
    CmClient,
    /// Enrolled in Intune.
    IntuneEnrolled,
    /// `intranet`, `internet` or `vpn`.
    Network,
    /// Last seen (kept only as counted; the model does not use it).
    LastSeen,
    /// `always_on`, `office_hours` or `intermittent`.
    OnlineProfile,
    /// BitLocker on.
    Bitlocker,
    /// Firewall on.
    Firewall,
    /// Defender antimalware on.
    Defender,
    /// Intune's "Managed by": `Intune`, `Co-managed`, `ConfigMgr`.
    ManagedBy,
    /// ConfigMgr client installed (`v_R_System.Client0`).
    CmInstalled,
    /// ConfigMgr client active (`v_CH_ClientSummary.ClientActiveStatus`).
    CmActive,
    /// Hybrid Azure AD joined (co-management state view).
    HybridJoined,
    /// Azure AD joined (co-management state view).
    AadJoined,
    /// A column read and ignored on purpose.
    Ignore,
}

/// The canonical fields with their column names, in the canonical order.
pub const CANONICAL: [(&str, Field); 13] = [
    ("device_id", Field::DeviceId),
    ("name", Field::Name),
    ("site", Field::Site),
    ("os_build", Field::OsBuild),
    ("join", Field::Join),
    ("cm_client", Field::CmClient),
    ("intune_enrolled", Field::IntuneEnrolled),
    ("network", Field::Network),
    ("last_seen", Field::LastSeen),
    ("online_profile", Field::OnlineProfile),
    ("bitlocker", Field::Bitlocker),
    ("firewall", Field::Firewall),
    ("defender", Field::Defender),
];

/// The fields `--map` accepts besides the canonical ones: those of the exports, and `ignore`.
const EXPORT_FIELDS: [(&str, Field); 6] = [
    ("managed_by", Field::ManagedBy),
    ("cm_installed", Field::CmInstalled),
    ("cm_active", Field::CmActive),
    ("hybrid_joined", Field::HybridJoined),
    ("aad_joined", Field::AadJoined),
    ("ignore", Field::Ignore),
];

/// Every field `--map` accepts, with its name: the canonical ones, then [`EXPORT_FIELDS`].
fn mappable() -> impl Iterator<Item = &'static (&'static str, Field)> {
    CANONICAL.iter().chain(&EXPORT_FIELDS)
}

impl Field {
    /// Its name in `--map` and messages.
    pub fn name(self) -> &'static str {
        mappable().find(|(_, f)| *f == self).map_or("?", |(n, _)| n)
    }
}

/// A `--map column=field` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    /// The column as written in the file's header.
    pub column: String,
    /// The field it feeds.
    pub field: Field,
}

/// Parses `column=field` (for clap).
pub fn parse_map(text: &str) -> Result<ColumnMap, String> {
    let (column, field) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("`{text}`: expected column=field"))?;
    let field = mappable()
        .find(|(n, _)| *n == field.trim())
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let names: Vec<_> = mappable().map(|(n, _)| *n).collect();
            format!("`{field}` is not a field; one of: {}", names.join(", "))
        })?;
    if column.trim().is_empty() {
        return Err(format!("`{text}`: the column name is empty"));
    }
    Ok(ColumnMap {
        column: column.trim().to_string(),
        field,
    })
}

/// Why an inventory could not be read.
#[derive(Debug)]
pub enum InventoryError {
    /// The file could not be read.
    Io(std::io::Error),
    /// The file has no header or no device rows.
    Empty(String),
    /// No column is the device id.
    NoId(String),
    /// Rows with values that are not allowed: (line, column, value, what is allowed), the first
    /// [`MAX_SHOWN`], and how many in all.
    Malformed(Vec<Malformed>, usize),
}

/// One malformed value.
#[derive(Debug, Clone)]
pub struct Malformed {
    /// 1-based line of the file.
    pub line: u64,
    /// The column's header.
    pub column: String,
    /// The value as written.
    pub value: String,
    /// What is allowed.
    pub allowed: String,
}

impl fmt::Display for InventoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InventoryError::Io(e) => write!(f, "cannot read the inventory: {e}"),
            InventoryError::Empty(why) | InventoryError::NoId(why) => write!(f, "{why}"),
            InventoryError::Malformed(shown, total) => {
                write!(
                    f,
                    "{total} malformed value{}",
                    if *total == 1 { "" } else { "s" }
                )?;
                for m in shown {
                    write!(
                        f,
                        "\n  line {}, column `{}`: {:?} is not {}",
                        m.line, m.column, m.value, m.allowed
                    )?;
                }
                if *total > shown.len() {
                    write!(f, "\n  … and {} more", total - shown.len())?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for InventoryError {}

/// An inventory read: one [`DeviceFacts`] per device row kept, in file order, and what was understood.
#[derive(Debug)]
pub struct Inventory {
    /// Facts per device row.
    pub facts: Vec<DeviceFacts>,
    /// What was understood.
    pub understood: Understood,
}

/// Reads the inventory at `path` with `format` and extra `maps` (which win over the preset).
pub fn read(path: &Path, format: Format, maps: &[ColumnMap]) -> Result<Inventory, InventoryError> {
    let bytes = std::fs::read(path).map_err(InventoryError::Io)?;
    parse(&bytes, format, maps)
}

/// Parses inventory CSV bytes (a UTF-8 byte-order mark is skipped).
pub fn parse(
    bytes: &[u8],
    format: Format,
    maps: &[ColumnMap],
) -> Result<Inventory, InventoryError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .byte_headers()
        .map_err(|e| InventoryError::Empty(format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(InventoryError::Empty(
            "the file is empty: an inventory needs a header row and one row per device".into(),
        ));
    }
    let columns: Vec<Option<Field>> = header
        .iter()
        .map(|h| {
            maps.iter()
                .find(|m| m.column.eq_ignore_ascii_case(h))
                .map(|m| m.field)
                .or_else(|| format.field(h))
        })
        .collect();
    let mut understood = Understood {
        format,
        ..Understood::default()
    };
    for (h, c) in header.iter().zip(&columns) {
        match c {
            Some(f) => understood.columns.push((h.clone(), f.name())),
            None => understood.unknown_columns.push(h.clone()),
        }
    }
    let Some(id_col) = columns.iter().position(|c| *c == Some(Field::DeviceId)) else {
        return Err(InventoryError::NoId(format!(
            "no column is the device id (`{}`); the columns are: {} (map one with --map COLUMN=device_id, \
             or `inventory_format`)",
            format.id_column(),
            header.join(", ")
        )));
    };
    let mut facts = Vec::new();
    let mut seen: HashSet<u128, BuildHasherDefault<Prehashed>> = HashSet::default();
    let mut malformed = Vec::new();
    let mut malformed_total = 0usize;
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                malformed_total += 1;
                if malformed.len() < MAX_SHOWN {
                    malformed.push(Malformed {
                        line: e.position().map_or(0, |p| p.line()),
                        column: String::new(),
                        value: String::new(),
                        allowed: format!("a CSV row ({e})"),
                    });
                }
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        understood.rows += 1;
        if record.len() != header.len() {
            malformed_total += 1;
            if malformed.len() < MAX_SHOWN {
                malformed.push(Malformed {
                    line,
                    column: String::new(),
                    value: format!("{} fields", record.len()),
                    allowed: format!("{} fields, as the header", header.len()),
                });
            }
            continue;
        }
        let id = record[id_col].trim_ascii();
        if id.is_empty() {
            understood.ignore("no device id", line);
            continue;
        }
        if !seen.insert(id_digest(id)) {
            understood.ignore("duplicate device id", line);
            continue;
        }
        let mut row = Row::default();
        for (i, field) in columns.iter().enumerate() {
            let Some(field) = field else { continue };
            let value = record[i].trim_ascii();
            if let Err(allowed) = row.set(*field, value) {
                malformed_total += 1;
                if malformed.len() < MAX_SHOWN {
                    malformed.push(Malformed {
                        line,
                        column: header[i].clone(),
                        value: String::from_utf8_lossy(value).into_owned(),
                        allowed: allowed.to_string(),
                    });
                }
            }
        }
        let fact = row.facts();
        understood.count(&row, &fact);
        facts.push(fact);
    }
    if malformed_total > 0 {
        return Err(InventoryError::Malformed(malformed, malformed_total));
    }
    if facts.is_empty() {
        return Err(InventoryError::Empty(format!(
            "no device rows ({} row{} read, {} ignored)",
            understood.rows,
            if understood.rows == 1 { "" } else { "s" },
            understood.ignored_total()
        )));
    }
    understood.devices = facts.len() as u64;
    Ok(Inventory { facts, understood })
}

/// A 128-bit digest of a device id: duplicates are found by digest (two ids share one with a chance of
/// about 2^-128 per pair), so the ids themselves are not kept.
fn id_digest(id: &[u8]) -> u128 {
    let (mut a, mut b) = (
        0x9E37_79B9_7F4A_7C15_u64,
        0xD1B5_4A32_D192_ED03_u64 ^ id.len() as u64,
    );
    for chunk in id.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        a = mix64(a ^ w);
        b = mix64(b.wrapping_add(w).rotate_left(17));
    }
    (u128::from(a) << 64) | u128::from(b)
}

/// A hasher for keys that are digests already: their low 64 bits.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

/// How a device joins: domain only, hybrid Azure AD, Azure AD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Join {
    /// On-premises AD only.
    Domain,
    /// Hybrid Azure AD joined.
    Hybrid,
    /// Azure AD (Entra) joined.
    AzureAd,
}

/// ConfigMgr client state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CmClient {
    /// Installed and active.
    Active,
    /// Installed, inactive.
    Inactive,
    /// No client.
    None,
}

/// One row's values, as read.
#[derive(Debug, Default, Clone)]
pub struct Row<'r> {
    site: Option<&'r str>,
    os_build: Option<u32>,
    join: Option<Join>,
    cm_client: Option<CmClient>,
    intune: Option<bool>,
    network: Option<Network>,
    last_seen: bool,
    profile: Option<Profile>,
    bitlocker: Option<bool>,
    firewall: Option<bool>,
    defender: Option<bool>,
    managed_by: Option<(CmClient, bool)>,
    cm_installed: Option<bool>,
    cm_active: Option<bool>,
    hybrid: Option<bool>,
    aad: Option<bool>,
}

/// Where a device's ConfigMgr traffic goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// On the corporate network.
    Intranet,
    /// On the internet (through the CMG).
    Internet,
    /// On VPN: reaches its site's management points through the tunnel.
    Vpn,
}

/// `v` lower-cased (ASCII) into `buf`, without allocating; `""` when longer than `buf` (every allowed word
/// is shorter, and an empty value never reaches a comparison).
fn lower<'b>(v: &str, buf: &'b mut [u8; 40]) -> &'b str {
    let Some(dst) = buf.get_mut(..v.len()) else {
        return "";
    };
    dst.copy_from_slice(v.as_bytes());
    dst.make_ascii_lowercase();
    std::str::from_utf8(dst).unwrap_or("")
}

/// An empty value, or one that says "not known".
fn unknown(v: &str) -> bool {
    v.is_empty()
        || ["unknown", "n/a", "null", "-"]
            .iter()
            .any(|u| v.eq_ignore_ascii_case(u))
}

const BOOL: &str = "true/false, yes/no, 1/0 or on/off";

fn boolean(v: &str) -> Result<bool, &'static str> {
    match lower(v, &mut [0; 40]) {
        "true" | "yes" | "y" | "1" | "on" | "enabled" | "encrypted" => Ok(true),
        "false" | "no" | "n" | "0" | "off" | "disabled" | "not encrypted" => Ok(false),
        _ => Err(BOOL),
    }
}

/// `19045`, `10.0.19045` or `10.0.19045.3803`.
fn build(v: &str) -> Result<u32, &'static str> {
    const WHAT: &str = "an OS build (19045, 10.0.19045 or 10.0.19045.3803)";
    let parts: Vec<&str> = v.split('.').collect();
    let b = match parts.len() {
        1 => parts[0],
        3 | 4 => parts[2],
        _ => return Err(WHAT),
    };
    b.parse().map_err(|_| WHAT)
}

impl<'r> Row<'r> {
    fn set(&mut self, field: Field, raw: &'r [u8]) -> Result<(), &'static str> {
        let v = std::str::from_utf8(raw).map_err(|_| "UTF-8 text")?;
        if unknown(v) {
            return Ok(());
        }
        let mut buf = [0; 40];
        let l = lower(v, &mut buf);
        match field {
            Field::DeviceId | Field::Name | Field::Ignore => {}
            Field::Site => self.site = Some(v),
            Field::OsBuild => self.os_build = Some(build(v)?),
            Field::Join => {
                self.join = Some(match l {
                    "domain" | "domain joined" | "ad" => Join::Domain,
                    "hybrid" | "hybrid azure ad joined" | "microsoft entra hybrid joined" => {
                        Join::Hybrid
                    }
                    "azure_ad" | "azure ad joined" | "microsoft entra joined" | "aad" => {
                        Join::AzureAd
                    }
                    _ => {
                        return Err(
                            "domain, hybrid or azure_ad (or Intune's \"Azure AD joined\", \"Hybrid Azure AD \
                             joined\", \"Microsoft Entra joined\", \"Microsoft Entra hybrid joined\")",
                        );
                    }
                })
            }
            Field::CmClient => {
                self.cm_client = Some(match l {
                    "active" => CmClient::Active,
                    "inactive" => CmClient::Inactive,
                    "none" => CmClient::None,
                    _ => return Err("active, inactive or none"),
                })
            }
            Field::IntuneEnrolled => self.intune = Some(boolean(v)?),
            Field::Network => {
                self.network = Some(match l {
                    "intranet" => Network::Intranet,
                    "internet" => Network::Internet,
                    "vpn" => Network::Vpn,
                    _ => return Err("intranet, internet or vpn"),
                })
            }
            Field::LastSeen => self.last_seen = true,
            Field::OnlineProfile => {
                self.profile = Some(match l {
                    "always_on" => Profile::AlwaysOn,
                    "office_hours" => Profile::OfficeHours,
                    "intermittent" => Profile::Intermittent,
                    _ => return Err("always_on, office_hours or intermittent"),
                })
            }
            // ConfigMgr's ProtectionStatus: 0 off, 1 on, 2 unknown.
            Field::Bitlocker if v == "2" => {}
            Field::Bitlocker => self.bitlocker = Some(boolean(v)?),
            Field::Firewall => self.firewall = Some(boolean(v)?),
            Field::Defender => self.defender = Some(boolean(v)?),
            Field::ManagedBy => {
                self.managed_by = Some(match l {
                    "co-managed" | "comanaged" => (CmClient::Active, true),
                    "intune" | "mdm" => (CmClient::None, true),
                    "configmgr" | "configuration manager" => (CmClient::Active, false),
                    _ => return Err("Intune, Co-managed or ConfigMgr"),
                })
            }
            Field::CmInstalled => self.cm_installed = Some(boolean(v)?),
            Field::CmActive => self.cm_active = Some(boolean(v)?),
            Field::HybridJoined => self.hybrid = Some(boolean(v)?),
            Field::AadJoined => self.aad = Some(boolean(v)?),
        }
        Ok(())
    }

    /// The ConfigMgr client state: written, else from "Managed by", else from installed/active.
    fn cm_client(&self) -> Option<CmClient> {
        self.cm_client.or(self.managed_by.map(|(c, _)| c)).or(
            match (self.cm_installed, self.cm_active) {
                (Some(false), _) => Some(CmClient::None),
                (Some(true), Some(false)) => Some(CmClient::Inactive),
                (Some(true), _) => Some(CmClient::Active),
                (None, Some(true)) => Some(CmClient::Active),
                (None, Some(false)) => Some(CmClient::Inactive),
                (None, None) => None,
            },
        )
    }

    fn intune(&self) -> Option<bool> {
        self.intune.or(self.managed_by.map(|(_, i)| i))
    }

    fn join(&self) -> Option<Join> {
        self.join.or(match (self.hybrid, self.aad) {
            (Some(true), _) => Some(Join::Hybrid),
            (_, Some(true)) => Some(Join::AzureAd),
            (Some(false), Some(false)) => Some(Join::Domain),
            _ => None,
        })
    }

    /// The model's facts (docs/inventory.md, "From a row to a device").
    fn facts(&self) -> DeviceFacts {
        let cm = self.cm_client();
        let intune = self.intune();
        let path = match (cm, self.join()) {
            (Some(CmClient::Active | CmClient::Inactive), _) => Some(DevicePath::ExistingClient),
            (Some(CmClient::None), _) => Some(DevicePath::NewInternet),
            (None, Some(Join::Domain | Join::Hybrid)) => Some(DevicePath::ExistingClient),
            (None, Some(Join::AzureAd)) => Some(DevicePath::NewInternet),
            (None, None) => None,
        };
        let comanaged = match (cm, intune) {
            (Some(CmClient::Active), Some(i)) => Some(i),
            (Some(CmClient::Inactive | CmClient::None), _) | (_, Some(false)) => Some(false),
            _ => None,
        };
        DeviceFacts {
            path,
            comanaged,
            hybrid_joined: self.join().map(|j| j == Join::Hybrid),
            internet: self.network.map(|n| n == Network::Internet),
            profile: self.profile,
            os_build: self.os_build,
            bitlocker: self.bitlocker,
            firewall: self.firewall,
            defender: self.defender,
        }
    }
}

/// Shares of a yes/no attribute: (yes, no, unknown).
pub type Tri = [u64; 3];

/// Adds one to a tally keyed by a label (allocating only for a new label).
fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_string(), 1);
        }
    }
}
