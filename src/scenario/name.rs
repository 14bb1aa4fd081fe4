//! The rule for a scenario name, which becomes a results folder (`results/<name>/`,
//! `results/baselines/<name>/`): one path component of plain characters, so a name — written in a scenario,
//! or read back from a `summary.json` or `shard.json` someone may have forged — can never reach outside
//! `results/` (no separator, no `..`, no leading `.`, no control or invisible character).

/// Longest name, in bytes.
pub const MAX_LEN: usize = 100;

/// The rule, as messages state it.
pub const RULE: &str = "use 1 to 100 letters, digits, '-', '_' or '.', not starting with '.'";

/// Whether `name` can be a results folder name.
pub fn is_folder_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_LEN
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_plain_path_component_is_a_name() {
        for good in ["quickstart", "a.b-c_d", &"x".repeat(MAX_LEN)] {
            assert!(is_folder_name(good), "{good:?}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "/abs",
            "a/b",
            "a\\b",
            ".hidden",
            "a\u{1b}b",
            "a b",
            "é",
            &"x".repeat(MAX_LEN + 1),
        ] {
            assert!(!is_folder_name(bad), "{bad:?}");
        }
    }
}
