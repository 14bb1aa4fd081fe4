//! The scenario format looked up by path: the table or key a dotted path names, a table's keys and
//! sub-tables in schema order, the "unknown field" message and the check of an override's key path. The
//! indexes are built once from [`super::schema::TABLES`] and [`super::keys::KEYS`], so validation never scans
//! the whole schema per key.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::keys::KEYS;
use super::schema::{Key, TABLES, Table};

impl Table {
    /// The keys of this table, in schema order.
    pub fn keys(&self) -> impl Iterator<Item = &'static Key> + use<> {
        keys_of(self.path).iter().copied()
    }
}

static TABLE_INDEX: LazyLock<HashMap<&'static str, &'static Table>> =
    LazyLock::new(|| TABLES.iter().map(|t| (t.path, t)).collect());

static KEY_INDEX: LazyLock<HashMap<String, &'static Key>> =
    LazyLock::new(|| KEYS.iter().map(|k| (k.path(), k)).collect());

/// One table's keys and sub-tables, in schema order.
#[derive(Default)]
struct Layout {
    keys: Vec<&'static Key>,
    tables: Vec<&'static Table>,
}

/// Per table path, built once: the walk visits a table's keys without scanning the whole schema.
static LAYOUT: LazyLock<HashMap<&'static str, Layout>> = LazyLock::new(|| {
    let mut layout: HashMap<&str, Layout> = HashMap::new();
    for t in TABLES {
        layout.entry(t.path).or_default();
        if !t.path.is_empty() {
            layout.entry(parent(t.path)).or_default().tables.push(t);
        }
    }
    for k in KEYS {
        layout.entry(k.table).or_default().keys.push(k);
    }
    layout
});

/// The keys of the table at `path`, in schema order (none for an unknown path).
pub fn keys_of(path: &str) -> &'static [&'static Key] {
    LAYOUT.get(path).map_or(&[], |l| l.keys.as_slice())
}

/// The sub-tables of the table at `path` (`fleet` → `fleet.availability`, …), in schema order.
pub fn tables_in(path: &str) -> &'static [&'static Table] {
    LAYOUT.get(path).map_or(&[], |l| l.tables.as_slice())
}

/// The table at a dotted path without indices (`stage.gate`), if the format has one.
pub fn table(path: &str) -> Option<&'static Table> {
    TABLE_INDEX.get(path).copied()
}

/// The key at a dotted path without indices (`stage.gate.min_switched`), if the format has one.
pub fn key(path: &str) -> Option<&'static Key> {
    KEY_INDEX.get(path).copied()
}

/// Joins a table path and a name into a dotted path.
pub fn join(table: &str, name: &str) -> String {
    if table.is_empty() {
        name.to_string()
    } else {
        format!("{table}.{name}")
    }
}

/// The message for a name that is neither a key nor a table of `table`: names what is allowed there.
pub fn unknown_message(table: &str, name: &str) -> String {
    let mut names: Vec<String> = keys_of(table)
        .iter()
        .map(|k| format!("`{}`", k.name))
        .collect();
    names.extend(
        tables_in(table)
            .iter()
            .map(|t| format!("`{}`", leaf(t.path))),
    );
    let allowed = keys_of(table)
        .iter()
        .map(|k| k.name)
        .chain(tables_in(table).iter().map(|t| leaf(t.path)));
    format!(
        "unknown field `{}`, expected one of {}{}",
        crate::units::text::shown_key(name),
        names.join(", "),
        super::suggest::key_hint(name, allowed)
    )
}

/// The last segment of a dotted path (`gate` of `stage.gate`).
fn leaf(path: &str) -> &str {
    path.rfind('.').map_or(path, |i| &path[i + 1..])
}

fn parent(path: &str) -> &str {
    path.rfind('.').map_or("", |i| &path[..i])
}

/// Checks an override's key path (`timers.policy_poll`, `stage.0.gate.timeout`,
/// `thresholds."hybrid_join.p95"`) against the format: every named segment must be a table or key where it
/// stands, and an array of tables is indexed by a number. Whether the value fits is left to validation.
pub fn check_path(path: &str) -> Result<(), String> {
    let mut table = "";
    let mut segments = path.split('.').map(str::trim).peekable();
    while let Some(seg) = segments.next() {
        let here = join(table, seg);
        if let Some(t) = self::table(&here) {
            table = t.path;
            if t.array
                && let Some(index) = segments.next()
                && index.parse::<usize>().is_err()
            {
                return Err(format!(
                    "`{here}` is an array of tables: index it with a number (`{here}.0`), not `{index}`"
                ));
            }
            continue;
        }
        return match key(&here) {
            // A free-form table (thresholds, OS builds) or a leaf: the rest is up to validation.
            Some(_) => Ok(()),
            None => Err(unknown_message(table, seg)),
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::action::ActionKind;
    use crate::model::workload::Authority;
    use crate::scenario::schema::{Kind, preset_fits};

    #[test]
    fn every_default_fits_its_kind_and_every_key_its_table() {
        for k in KEYS {
            assert!(
                preset_fits(k),
                "{}: default {:?} does not fit {:?}",
                k.path(),
                k.preset,
                k.kind
            );
            assert!(
                table(k.table).is_some(),
                "{}: no table `{}`",
                k.path(),
                k.table
            );
            assert_eq!(key(&k.path()), Some(k), "{} is declared twice", k.path());
            assert!(!k.doc.is_empty(), "{} has no doc", k.path());
        }
    }

    #[test]
    fn choices_are_the_model_spellings() {
        use crate::scenario::keys::{ACTION_KIND, STAGE_AUTHORITY};
        let Kind::Choice { names, .. } = STAGE_AUTHORITY.kind else {
            panic!("authority is a choice")
        };
        assert!(names.iter().all(|n| Authority::from_name(n).is_some()));
        assert_eq!(names.len(), 3);
        let Kind::Choice { names, .. } = ACTION_KIND.kind else {
            panic!("kind is a choice")
        };
        let model: Vec<&str> = ActionKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, model.as_slice());
    }

    #[test]
    fn override_paths_are_checked_against_the_schema() {
        assert!(check_path("timers.policy_poll").is_ok());
        assert!(check_path("stage.2.gate.on_fail").is_ok());
        assert!(check_path("fleet.availability").is_ok());
        assert!(check_path("fleet.attributes.os_build.19045").is_ok());
        let e = check_path("fleet.devicez").unwrap_err();
        assert!(
            e.starts_with("unknown field `devicez`") && e.contains("`devices`"),
            "{e}"
        );
        assert!(e.ends_with(" — did you mean `devices`?"), "{e}");
        let e = check_path("stage.0.gate.min_swiched").unwrap_err();
        assert!(e.ends_with(" — did you mean `min_switched`?"), "{e}");
        let e = check_path("fleet.availabilty.always_on").unwrap_err();
        assert!(e.ends_with(" — did you mean `availability`?"), "{e}");
        assert!(
            !check_path("cloud.region")
                .unwrap_err()
                .contains("did you mean")
        );
        assert!(check_path("cloud.region").is_err());
    }
}
