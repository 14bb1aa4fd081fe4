//! A walked scenario document as a tree of [`Section`]s: each table instance with its checked values, and
//! typed readers that give a key's value or, when it is absent, its schema default — the one way the
//! model's structs and their `Default` impls (`scenario::read`) get a value.

use std::collections::BTreeMap;
use std::ops::Range;

use super::schema::{Key, Preset};
use crate::model::calendar::Start;
use crate::model::scenario::{Burst, Threshold};
use crate::model::time::Time;
use crate::model::workload::WorkloadSet;

/// A checked value (or the place of one that was written but is not valid).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Written but refused (a problem was reported); reads as absent.
    Invalid,
    /// A [`Kind::Whole`] value.
    Whole(u64),
    /// A [`Kind::Number`] or [`Kind::PositiveShare`] value.
    Number(f64),
    /// A [`Kind::Duration`] value, in seconds.
    Duration(Time),
    /// A [`Kind::Bool`] value.
    Bool(bool),
    /// A [`Kind::Instant`] value.
    Instant(Start),
    /// A [`Kind::Text`] or [`Kind::Choice`] value.
    Text(String),
    /// A [`Kind::Bursts`] value.
    Bursts(Vec<Burst>),
    /// A [`Kind::Workloads`] value.
    Workloads(WorkloadSet),
    /// A [`Kind::BuildShares`] value, ascending by build.
    Builds(Vec<(u32, f64)>),
    /// A [`Kind::Thresholds`] value, in key order.
    Thresholds(Vec<Threshold>),
}

/// One table instance of the document (`[timers]`, the second `[[stage]]`), with its checked values.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Where the table is written; `None` when it is absent (or for the top level).
    pub span: Option<Range<usize>>,
    pub(super) values: BTreeMap<&'static str, (Range<usize>, Val)>,
    pub(super) tables: BTreeMap<&'static str, Section>,
    pub(super) arrays: BTreeMap<&'static str, Vec<Section>>,
}

static ABSENT: Section = Section::EMPTY;

impl Section {
    /// A table that is not written: every key reads as its default.
    pub const EMPTY: Section = Section {
        span: None,
        values: BTreeMap::new(),
        tables: BTreeMap::new(),
        arrays: BTreeMap::new(),
    };

    fn value(&self, key: &Key) -> Option<&Val> {
        match self.values.get(key.name) {
            Some((_, Val::Invalid)) | None => None,
            Some((_, v)) => Some(v),
        }
    }

    /// Whether `key` is written but was refused: a rule spanning keys skips it, since its default in its
    /// place would make the rule report a problem the user did not write.
    pub fn invalid(&self, key: &Key) -> bool {
        matches!(self.values.get(key.name), Some((_, Val::Invalid)))
    }

    /// Where `key` is written, valid or not.
    pub fn place(&self, key: &Key) -> Option<Range<usize>> {
        self.values.get(key.name).map(|(s, _)| s.clone())
    }

    /// A whole-number key: its value, else its default (0 for a required key).
    pub fn whole(&self, key: &Key) -> u64 {
        match (self.value(key), key.preset) {
            (Some(Val::Whole(x)), _) => *x,
            (None, Preset::Whole(x)) => x,
            _ => 0,
        }
    }

    /// An optional whole-number key: its value, if written and valid.
    pub fn opt_whole(&self, key: &Key) -> Option<u64> {
        match self.value(key) {
            Some(Val::Whole(x)) => Some(*x),
            _ => None,
        }
    }

    /// A number key: its value, else its default (0 for a key without one).
    pub fn number(&self, key: &Key) -> f64 {
        self.opt_number(key).unwrap_or(match key.preset {
            Preset::Number(x) => x,
            _ => 0.0,
        })
    }

    /// An optional number key: its value, if written and valid.
    pub fn opt_number(&self, key: &Key) -> Option<f64> {
        match self.value(key) {
            Some(Val::Number(x)) => Some(*x),
            _ => None,
        }
    }

    /// A duration key: its value, else its default (0 for a key without one).
    pub fn duration(&self, key: &Key) -> Time {
        self.opt_duration(key).unwrap_or(match key.preset {
            Preset::Duration(d) => d,
            _ => 0,
        })
    }

    /// An optional duration key: its value, if written and valid.
    pub fn opt_duration(&self, key: &Key) -> Option<Time> {
        match self.value(key) {
            Some(Val::Duration(d)) => Some(*d),
            _ => None,
        }
    }

    /// A bool key: its value, else its default.
    pub fn flag(&self, key: &Key) -> bool {
        match (self.value(key), key.preset) {
            (Some(Val::Bool(b)), _) => *b,
            (None, Preset::Bool(b)) => b,
            _ => false,
        }
    }

    /// A date-time key: its value, `None` when absent.
    pub fn instant(&self, key: &Key) -> Option<Start> {
        match self.value(key) {
            Some(Val::Instant(s)) => Some(*s),
            _ => None,
        }
    }

    /// A text or choice key: its value, else its default choice, else `None`.
    pub fn text(&self, key: &Key) -> Option<&str> {
        match (self.value(key), key.preset) {
            (Some(Val::Text(s)), _) => Some(s),
            (None, Preset::Choice(c)) => Some(c),
            _ => None,
        }
    }

    /// A bursts key: its value, else its default.
    pub fn bursts(&self, key: &Key) -> Vec<Burst> {
        match (self.value(key), key.preset) {
            (Some(Val::Bursts(b)), _) => b.clone(),
            (None, Preset::Bursts(b)) => b.to_vec(),
            _ => Vec::new(),
        }
    }

    /// A build-shares key: its value, else its default.
    pub fn builds(&self, key: &Key) -> Vec<(u32, f64)> {
        match (self.value(key), key.preset) {
            (Some(Val::Builds(b)), _) => b.clone(),
            (None, Preset::Builds(b)) => b.to_vec(),
            _ => Vec::new(),
        }
    }

    /// A workloads key: its value, else the empty set.
    pub fn workloads(&self, key: &Key) -> WorkloadSet {
        match self.value(key) {
            Some(Val::Workloads(w)) => *w,
            _ => WorkloadSet::EMPTY,
        }
    }

    /// A thresholds key: its value, else none.
    pub fn thresholds(&self, key: &Key) -> Vec<Threshold> {
        match self.value(key) {
            Some(Val::Thresholds(t)) => t.clone(),
            _ => Vec::new(),
        }
    }

    /// A sub-table by name (`availability` in `[fleet]`); an absent one reads as [`Section::EMPTY`].
    pub fn table(&self, name: &str) -> &Section {
        self.tables.get(name).unwrap_or(&ABSENT)
    }

    /// An array of tables by name (`stage` at the top level), in file order.
    pub fn array(&self, name: &str) -> &[Section] {
        self.arrays.get(name).map_or(&[], Vec::as_slice)
    }
}
