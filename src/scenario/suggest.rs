//! "Did you mean …?" for names a scenario or `--set` gets wrong, and the hint for a share written as a
//! percentage. A misspelt key or enum value costs a user a trip to the docs; naming the closest allowed
//! spelling turns it into a one-character fix. The threshold keeps nonsense from being matched to
//! something arbitrary: a suggestion that is wrong is worse than none.

/// Least normalised Damerau–Levenshtein similarity (1 − edits / longer length) for a suggestion: one or
/// two slips in a name of ordinary length pass, an unrelated word does not.
const MIN_EDIT_SIMILARITY: f64 = 0.7;
/// Least Jaro–Winkler similarity for a suggestion: catches a name cut short or with the right start and a
/// wrong ending (`compliance` for `compliance_policies`), which the edit distance scores low.
const MIN_JARO_WINKLER: f64 = 0.9;
/// Characters a name must share with the start of a suggestion taken on Jaro–Winkler alone: two short
/// words with the same first letters (`median`, `mean`) are not a name cut short.
const MIN_COMMON_START: usize = 4;

/// The allowed name closest to `name`, if one is close enough to be what was meant.
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let typed = name.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            let edit = strsim::normalized_damerau_levenshtein(&typed, c);
            let common_start = typed
                .chars()
                .zip(c.chars())
                .take_while(|(a, b)| a == b)
                .count();
            let jw = if common_start >= MIN_COMMON_START {
                strsim::jaro_winkler(&typed, c)
            } else {
                0.0
            };
            (c, edit, jw)
        })
        .filter(|&(_, edit, jw)| edit >= MIN_EDIT_SIMILARITY || jw >= MIN_JARO_WINKLER)
        // The first of equally close names wins: the schema's order is stable, so the message is too.
        .fold(None, |best: Option<(&str, f64)>, (c, edit, jw)| {
            let score = edit + jw;
            match best {
                Some((_, b)) if b >= score => best,
                _ => Some((c, score)),
            }
        })
        .map(|(c, _)| c)
}

/// ` — did you mean `x`?` for the closest key or table name, or nothing.
pub fn key_hint<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    closest(name, candidates).map_or_else(String::new, |c| format!(" — did you mean `{c}`?"))
}

/// ` — did you mean "x"?` for the closest allowed value (written as a TOML string), or nothing.
pub fn value_hint<'c>(value: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    closest(value, candidates).map_or_else(String::new, |c| format!(" — did you mean \"{c}\"?"))
}

/// ` — a share is a fraction: did you mean 0.70?` when a share's value reads as a percentage (above 1, at
/// most 100), or nothing.
pub fn percentage_hint(x: f64) -> String {
    if x > 1.0 && x <= 100.0 {
        format!(
            " — a share is a fraction: did you mean {}?",
            fraction(x / 100.0)
        )
    } else {
        String::new()
    }
}

/// A fraction with at least two decimals (`0.70`, `0.05`, `0.125`), rounded to four so that `33.3 / 100`
/// reads `0.333`, not its binary expansion.
fn fraction(x: f64) -> String {
    let s = format!("{x:.4}");
    let trimmed = s.trim_end_matches('0');
    match trimmed.find('.') {
        // Two or more digits after the point.
        Some(dot) if trimmed.len() - dot > 2 => trimmed.to_string(),
        _ => format!("{x:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLEET: &[&str] = &[
        "devices",
        "existing_client_share",
        "new_device_arrival",
        "sites",
        "availability",
    ];

    #[test]
    fn a_slip_gets_the_name_it_was_meant_to_be() {
        assert_eq!(
            closest("new_device_arival", FLEET.iter().copied()),
            Some("new_device_arrival")
        );
        assert_eq!(closest("devcies", FLEET.iter().copied()), Some("devices"));
        assert_eq!(closest("Sites", FLEET.iter().copied()), Some("sites"));
        let workloads = ["compliance_policies", "client_apps", "resource_access"];
        assert_eq!(
            closest("compliance_policy", workloads),
            Some("compliance_policies")
        );
        assert_eq!(
            closest("compliance", workloads),
            Some("compliance_policies")
        );
        assert_eq!(closest("aligend", ["random", "aligned"]), Some("aligned"));
        assert_eq!(
            key_hint("devicez", FLEET.iter().copied()),
            " — did you mean `devices`?"
        );
        assert_eq!(
            value_hint("rolback", ["halt", "rollback"]),
            " — did you mean \"rollback\"?"
        );
    }

    #[test]
    fn nonsense_gets_no_suggestion() {
        for name in ["cloud", "x", "zzzzzz", "region", "bogus"] {
            assert_eq!(closest(name, FLEET.iter().copied()), None, "{name}");
        }
        assert_eq!(closest("wipe", ["halt", "rollback"]), None);
        assert_eq!(closest("median", ["count", "mean", "p50"]), None);
        assert_eq!(key_hint("qqq", FLEET.iter().copied()), "");
    }

    #[test]
    fn a_share_written_as_a_percentage_gets_its_fraction() {
        assert_eq!(
            percentage_hint(70.0),
            " — a share is a fraction: did you mean 0.70?"
        );
        assert_eq!(
            percentage_hint(5.0),
            " — a share is a fraction: did you mean 0.05?"
        );
        assert_eq!(
            percentage_hint(12.5),
            " — a share is a fraction: did you mean 0.125?"
        );
        assert_eq!(
            percentage_hint(33.3),
            " — a share is a fraction: did you mean 0.333?"
        );
        assert_eq!(
            percentage_hint(100.0),
            " — a share is a fraction: did you mean 1.00?"
        );
        for not_a_percentage in [1.0, 0.5, -3.0, 100.5, 1e6] {
            assert_eq!(percentage_hint(not_a_percentage), "", "{not_a_percentage}");
        }
    }
}
