//! A fleet taken from the organisation's inventory: what each row says of its device. Every fact is
//! optional; a device whose row does not say draws it from the scenario's shares, from its own random
//! stream, exactly as a device of a fleet without an inventory does (docs/model.md, inventory).

use super::availability::Profile;
use super::device::Path;

/// What one inventory row says of its device; `None` = not known, drawn from the scenario's shares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceFacts {
    /// Its path to co-management (from its ConfigMgr client and join type).
    pub path: Option<Path>,
    /// Already co-managed at t = 0 (an active ConfigMgr client enrolled in Intune).
    pub comanaged: Option<bool>,
    /// Already hybrid Azure AD joined at t = 0.
    pub hybrid_joined: Option<bool>,
    /// Its ConfigMgr traffic goes through the CMG.
    pub internet: Option<bool>,
    /// When it is online.
    pub profile: Option<Profile>,
    /// OS build number.
    pub os_build: Option<u32>,
    /// BitLocker on.
    pub bitlocker: Option<bool>,
    /// Firewall on.
    pub firewall: Option<bool>,
    /// Defender antimalware on.
    pub defender: Option<bool>,
}

/// Which row device `id` of a fleet of `devices` takes from an inventory of `rows` rows: row `id` while
/// there are rows, then a resampled row keyed by the device (`key`, a pure function of seed and id), so a
/// fleet larger than the inventory keeps its mix and every row's own device.
pub fn row_of(id: u32, devices: u32, rows: usize, key: u64) -> usize {
    if (id as usize) < rows && (devices as usize) >= rows {
        id as usize
    } else {
        (key % rows as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_kept_then_resampled() {
        assert_eq!(row_of(3, 10, 10, 999), 3);
        assert_eq!(row_of(3, 20, 10, 999), 3);
        assert_eq!(row_of(12, 20, 10, 999), 9);
        assert_eq!(row_of(3, 5, 10, 17), 7, "a smaller fleet samples every row");
    }
}
