//! Sizes in bytes as people read them (memory estimates and limits).

/// Bytes in decimal units with three significant digits: "138 MB", "1.52 GB".
pub fn human_bytes(bytes: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value >= 100.0 {
        format!("{value:.0} {}", units[unit])
    } else if value >= 10.0 {
        format!("{value:.1} {}", units[unit])
    } else {
        format!("{value:.2} {}", units[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(138_000_000), "138 MB");
        assert_eq!(human_bytes(1_520_000_000), "1.52 GB");
        assert_eq!(human_bytes(u64::MAX), "18.4 EB");
    }
}
