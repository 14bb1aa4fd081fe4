//! Scenario edits for tests, through the parsed TOML document instead of text search-and-replace: a plain
//! edit ([`ScenarioEdit::set`]) requires its key to be in the scenario already, so a test whose scenario file
//! or builder changed fails loudly naming the key and the scenario instead of silently running the unedited
//! scenario. Adding a key that is not there is a separate, explicit call ([`ScenarioEdit::add`],
//! [`ScenarioEdit::push`]).
//!
//! Key paths are dotted as in `--set` (`fleet.devices`, `stage.0.pilot`: a number indexes an array of tables);
//! a segment holding dots is quoted (`thresholds."switch_latency.compliance_policies.p95"`). Values are TOML
//! (`5000`, `0.2`, `"5d"`, `{ count = 8000, span = "5d" }`). The edited scenario is written back by the `toml`
//! crate, so its layout (line and column numbers) is not the original's: tests that assert a position in an
//! error message keep a literal scenario instead.

use toml::{Table, Value};

/// A scenario document being edited; [`ScenarioEdit::text`] gives the edited scenario.
pub struct ScenarioEdit {
    /// Where the scenario came from, for the panic messages: a file name or the text itself.
    origin: String,
    doc: Table,
}

/// Scenario `text` with each key of `set` — which must be in the text — set to its value.
pub fn scenario_with(text: &str, set: &[(&str, &str)]) -> String {
    set.iter()
        .fold(ScenarioEdit::new(text), |e, (key, value)| e.set(key, value))
        .text()
}

impl ScenarioEdit {
    /// The scenario file at `path`.
    pub fn file(path: &str) -> Self {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Self::parse(path.to_string(), &text)
    }

    /// Scenario `text` (a test's own builder).
    pub fn new(text: &str) -> Self {
        Self::parse(format!("the scenario text\n---\n{text}\n---"), text)
    }

    fn parse(origin: String, text: &str) -> Self {
        let doc = text
            .parse::<Table>()
            .unwrap_or_else(|e| panic!("{origin} is not TOML: {e}"));
        ScenarioEdit { origin, doc }
    }

    /// Sets `key`, which must be in the scenario, to `value` of the same type (integers and floats mix).
    pub fn set(mut self, key: &str, value: &str) -> Self {
        let value = parse_value(key, value);
        let slot = self.slot(key);
        let Some(old) = slot else {
            panic!(
                "cannot set `{key}`: it is not in {}; use add() for a key the scenario does not have",
                self.origin
            )
        };
        let numeric = |v: &Value| matches!(v, Value::Integer(_) | Value::Float(_));
        assert!(
            old.type_str() == value.type_str() || numeric(old) && numeric(&value),
            "cannot set `{key}` (a {}) to a {} in {}",
            old.type_str(),
            value.type_str(),
            self.origin
        );
        *old = value;
        self
    }

    /// Sets `key`, which must be in the scenario, to `value` of any type: for tests of values the format
    /// refuses.
    pub fn set_any_type(mut self, key: &str, value: &str) -> Self {
        let value = parse_value(key, value);
        match self.slot(key) {
            Some(old) => *old = value,
            None => panic!("cannot set `{key}`: it is not in {}", self.origin),
        }
        self
    }

    /// Every key path the scenario sets to a value that is not a table, in document order of the `toml`
    /// crate (tables sorted by key, arrays of tables by index).
    pub fn keys(&self) -> Vec<String> {
        fn walk_keys(value: &Value, path: String, out: &mut Vec<String>) {
            match value {
                Value::Table(t) => {
                    for (k, v) in t {
                        let seg = if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                            k.clone()
                        } else {
                            format!("\"{k}\"")
                        };
                        let path = if path.is_empty() {
                            seg
                        } else {
                            format!("{path}.{seg}")
                        };
                        walk_keys(v, path, out);
                    }
                }
                Value::Array(items) if items.iter().all(Value::is_table) && !items.is_empty() => {
                    for (i, item) in items.iter().enumerate() {
                        walk_keys(item, format!("{path}.{i}"), out);
                    }
                }
                _ => out.push(path),
            }
        }
        let mut out = Vec::new();
        walk_keys(&Value::Table(self.doc.clone()), String::new(), &mut out);
        out
    }

    /// Adds `key`, which must not be in the scenario yet, creating the tables on its way.
    pub fn add(mut self, key: &str, value: &str) -> Self {
        let value = parse_value(key, value);
        let segments = split_key(key);
        let (last, parents) = segments.split_last().expect("a key has a segment");
        let origin = &self.origin;
        let mut table = &mut self.doc;
        let mut at = 0;
        while at < parents.len() {
            let seg = &parents[at];
            let entry = table
                .entry(seg.clone())
                .or_insert_with(|| Value::Table(Table::new()));
            table = match entry {
                Value::Table(t) => t,
                Value::Array(items) => {
                    at += 1;
                    let index = parents.get(at).and_then(|s| s.parse::<usize>().ok());
                    match index.and_then(|i| items.get_mut(i)) {
                        Some(Value::Table(t)) => t,
                        _ => panic!("cannot add `{key}`: no table `{seg}.N` there in {origin}"),
                    }
                }
                other => panic!(
                    "cannot add `{key}`: `{seg}` is a {}, not a table, in {origin}",
                    other.type_str()
                ),
            };
            at += 1;
        }
        assert!(
            !table.contains_key(last),
            "cannot add `{key}`: it is already in {origin}; use set() to change it"
        );
        table.insert(last.clone(), value);
        self
    }

    /// Removes `key`, which must be in the scenario.
    pub fn remove(mut self, key: &str) -> Self {
        let segments = split_key(key);
        let (last, parents) = segments.split_last().expect("a key has a segment");
        let parent = match parents {
            [] => Some(&mut self.doc),
            _ => match walk(&mut self.doc, parents) {
                Some(Value::Table(t)) => Some(t),
                _ => None,
            },
        };
        if parent.and_then(|t| t.remove(last)).is_none() {
            panic!("cannot remove `{key}`: it is not in {}", self.origin);
        }
        self
    }

    /// Appends a table (TOML text: `name = "x"` lines, `[gate]` sub-tables) to the array of tables `key`
    /// (`stage`, `action`, `variant`), creating the array when the scenario has none.
    pub fn push(mut self, key: &str, table: &str) -> Self {
        let entry: Table = table
            .parse()
            .unwrap_or_else(|e| panic!("the [[{key}]] entry is not TOML: {e}\n{table}"));
        let segments = split_key(key);
        let (last, parents) = segments.split_last().expect("a key has a segment");
        let parent = match parents {
            [] => &mut self.doc,
            _ => match walk(&mut self.doc, parents) {
                Some(Value::Table(t)) => t,
                _ => panic!(
                    "cannot push to `{key}`: its table is not in {}",
                    self.origin
                ),
            },
        };
        match parent
            .entry(last.clone())
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            Value::Array(items) => items.push(Value::Table(entry)),
            other => panic!(
                "cannot push to `{key}`: it is a {} in {}",
                other.type_str(),
                self.origin
            ),
        }
        self
    }

    /// The edited scenario as TOML text.
    pub fn text(self) -> String {
        toml::to_string(&self.doc).expect("a TOML table serialises")
    }

    /// The value at `key`, if the scenario has it.
    fn slot(&mut self, key: &str) -> Option<&mut Value> {
        walk(&mut self.doc, &split_key(key))
    }
}

/// The value at the path `segments` below `table`: a number indexes an array.
fn walk<'a>(table: &'a mut Table, segments: &[String]) -> Option<&'a mut Value> {
    let (first, rest) = segments.split_first()?;
    let mut value = table.get_mut(first)?;
    for seg in rest {
        value = match value {
            Value::Table(t) => t.get_mut(seg)?,
            Value::Array(items) => items.get_mut(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

/// `a.b."c.d".0` → `a`, `b`, `c.d`, `0`.
fn split_key(key: &str) -> Vec<String> {
    let mut segments = vec![String::new()];
    let mut quoted = false;
    for ch in key.chars() {
        match ch {
            '"' => quoted = !quoted,
            '.' if !quoted => segments.push(String::new()),
            _ => segments.last_mut().expect("never empty").push(ch),
        }
    }
    assert!(
        !quoted && segments.iter().all(|s| !s.is_empty()),
        "`{key}` is not a key path"
    );
    segments
}

/// `text` as a TOML value; a test that writes a bare duration (`5d` for `"5d"`) fails here.
fn parse_value(key: &str, text: &str) -> Value {
    format!("v = {text}")
        .parse::<Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| panic!("the value for `{key}` is not a TOML value: {text}"))
}
