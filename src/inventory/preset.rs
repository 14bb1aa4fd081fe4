//! Column presets: which column of an export feeds which field. Headers are matched ignoring case, spaces
//! and punctuation, so `Device ID` (the Intune admin center's export) and `DeviceId` (the same report's
//! column in Azure Monitor) are one column. Every preset also reads the canonical column names. Sources in
//! docs/inventory.md.

use super::{CANONICAL, Field};

/// A column preset (`[fleet] inventory_format`, `--format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// The canonical columns only.
    #[default]
    Canonical,
    /// The Intune admin center's device export (Devices > All devices > Export).
    Intune,
    /// The ConfigMgr SQL query of docs/inventory.md.
    ConfigMgr,
}

/// Intune admin center device export, normalized header → field.
const INTUNE: &[(&str, Field)] = &[
    ("deviceid", Field::DeviceId),
    ("devicename", Field::Name),
    ("managedby", Field::ManagedBy),
    ("jointype", Field::Join),
    ("osversion", Field::OsBuild),
    ("lastcheckin", Field::LastSeen),
    ("lastcontact", Field::LastSeen),
    ("encrypted", Field::Bitlocker),
    ("os", Field::Ignore),
    ("ownership", Field::Ignore),
    ("compliance", Field::Ignore),
    ("serialnumber", Field::Ignore),
    ("primaryuserupn", Field::Ignore),
    ("primaryuseremailaddress", Field::Ignore),
    ("primaryuserdisplayname", Field::Ignore),
    ("manufacturer", Field::Ignore),
    ("model", Field::Ignore),
    ("enrollmentdate", Field::Ignore),
    ("azureaddeviceid", Field::Ignore),
];

/// The ConfigMgr query's columns (the views' own column names), normalized header → field.
const CONFIGMGR: &[(&str, Field)] = &[
    ("resourceid", Field::DeviceId),
    ("name0", Field::Name),
    ("adsitename0", Field::Site),
    ("buildnumber0", Field::OsBuild),
    ("client0", Field::CmInstalled),
    ("clientactivestatus", Field::CmActive),
    ("lastactivetime", Field::LastSeen),
    ("mdmenrolled", Field::IntuneEnrolled),
    ("hybridaadjoined", Field::HybridJoined),
    ("aadjoined", Field::AadJoined),
    ("protectionstatus0", Field::Bitlocker),
    ("comgmtpolicypresent", Field::Ignore),
];

/// `Device ID` → `deviceid`.
pub fn normalize(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl Format {
    /// Parses `canonical`, `intune` or `configmgr`.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "canonical" => Some(Format::Canonical),
            "intune" => Some(Format::Intune),
            "configmgr" => Some(Format::ConfigMgr),
            _ => None,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Canonical => "canonical",
            Format::Intune => "intune",
            Format::ConfigMgr => "configmgr",
        }
    }

    /// The column that is the device id.
    pub fn id_column(self) -> &'static str {
        match self {
            Format::Canonical => "device_id",
            Format::Intune => "Device ID",
            Format::ConfigMgr => "ResourceID",
        }
    }

    /// The field a header feeds, if the preset knows it.
    pub fn field(self, header: &str) -> Option<Field> {
        let n = normalize(header);
        let own: &[(&str, Field)] = match self {
            Format::Canonical => &[],
            Format::Intune => INTUNE,
            Format::ConfigMgr => CONFIGMGR,
        };
        own.iter()
            .find(|(h, _)| *h == n)
            .map(|(_, f)| *f)
            .or_else(|| {
                CANONICAL
                    .iter()
                    .find(|(c, _)| normalize(c) == n)
                    .map(|(_, f)| *f)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_whatever_their_spelling() {
        assert_eq!(Format::Intune.field("Device ID"), Some(Field::DeviceId));
        assert_eq!(Format::Intune.field("DeviceId"), Some(Field::DeviceId));
        assert_eq!(Format::Intune.field("Managed by"), Some(Field::ManagedBy));
        assert_eq!(Format::ConfigMgr.field("AD_Site_Name0"), Some(Field::Site));
        assert_eq!(Format::Canonical.field("os_build"), Some(Field::OsBuild));
        assert_eq!(Format::Canonical.field("Managed by"), None);
    }
}
