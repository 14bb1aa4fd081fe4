//! A free parameter, `--param KEY=LOW..HIGH`: a numeric or duration scenario key and its search bounds,
//! checked against the key's range in the key table (src/scenario/keys.rs).

use toml::Value;

use crate::scenario::lookup;
use crate::scenario::schema::Kind;
use crate::units::{format_duration, parse_duration};

/// How a parameter's value is written into the scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Form {
    /// A number (shares, rates).
    Number,
    /// A whole number.
    Whole,
    /// A duration, searched in seconds.
    Duration,
}

/// One free parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Dotted key path, as `--set` takes it (`timers.enrollment_spread`, `stage.0.pilot`).
    pub key: String,
    /// How its value is written.
    pub form: Form,
    /// Lower bound (seconds for a duration).
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Param {
    /// The value at unit coordinate `x` (clamped to 0..=1) of the bounds.
    pub fn at(&self, x: f64) -> f64 {
        let v = self.low + x.clamp(0.0, 1.0) * (self.high - self.low);
        match self.form {
            Form::Number => v,
            Form::Whole | Form::Duration => v.round(),
        }
    }

    /// The scenario value at unit coordinate `x`.
    pub fn value_at(&self, x: f64) -> Value {
        let v = self.at(x);
        match self.form {
            Form::Number => Value::Float(v),
            Form::Whole => Value::Integer(v as i64),
            Form::Duration => Value::String(format!("{}s", v as u64)),
        }
    }

    /// A value for people: durations as durations.
    pub fn shown(&self, v: f64) -> String {
        match self.form {
            Form::Duration => format_duration(v.round() as u64),
            Form::Whole => format!("{}", v.round() as i64),
            Form::Number => format!("{v:.4}"),
        }
    }

    /// Unit coordinate of value `v`.
    pub fn unit(&self, v: f64) -> f64 {
        if self.high > self.low {
            (v - self.low) / (self.high - self.low)
        } else {
            0.5
        }
    }
}

/// The availability shares, which sum to 1: fitting some of them rescales the others.
pub const AVAILABILITY: [&str; 3] = [
    "fleet.availability.always_on",
    "fleet.availability.office_hours",
    "fleet.availability.intermittent",
];

/// Refuses parameter sets the sum-to-1 rule of the availability shares cannot follow: all three fitted (none
/// left to absorb the change), or fitted shares whose upper bounds sum above 1.
pub fn check_share_groups(params: &[Param]) -> Result<(), String> {
    let fitted: Vec<&Param> = params
        .iter()
        .filter(|p| AVAILABILITY.contains(&p.key.as_str()))
        .collect();
    if fitted.len() == AVAILABILITY.len() {
        return Err(
            "--param: the three fleet.availability shares sum to 1; fit at most two of them".into(),
        );
    }
    let high: f64 = fitted.iter().map(|p| p.high).sum();
    if high > 1.0 {
        return Err(format!(
            "--param: the upper bounds of {} sum to {high}, above 1 (the availability shares sum to 1)",
            fitted
                .iter()
                .map(|p| p.key.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
    Ok(())
}

/// The key path with array indices dropped (`stage.0.pilot` → `stage.pilot`), as the key table names keys.
fn schema_path(key: &str) -> String {
    key.split('.')
        .filter(|s| s.parse::<usize>().is_err())
        .collect::<Vec<_>>()
        .join(".")
}

/// Parses `KEY=LOW..HIGH` (clap value parser): the key must be a numeric or duration key, the bounds of its
/// kind, ordered and inside the key's range.
pub fn parse_param(arg: &str) -> Result<Param, String> {
    let (key, range) = arg.split_once('=').ok_or_else(|| {
        format!("`{arg}`: expected KEY=LOW..HIGH, e.g. timers.enrollment_spread=1d..4d")
    })?;
    let key = key.trim().to_string();
    let (low, high) = range
        .split_once("..")
        .ok_or_else(|| format!("`{arg}`: expected bounds LOW..HIGH after `=`"))?;
    lookup::check_path(&key)?;
    let spec =
        lookup::key(&schema_path(&key)).ok_or_else(|| format!("`{key}` is a table, not a key"))?;
    let (form, low, high, min, max) = match spec.kind {
        Kind::Number { min, max } => (Form::Number, number(low)?, number(high)?, min, max),
        Kind::PositiveShare => (
            Form::Number,
            number(low)?,
            number(high)?,
            f64::MIN_POSITIVE,
            1.0,
        ),
        Kind::Whole { min, max } => (
            Form::Whole,
            number(low)?,
            number(high)?,
            min as f64,
            max as f64,
        ),
        Kind::Duration { min, max } => (
            Form::Duration,
            parse_duration(low)? as f64,
            parse_duration(high)? as f64,
            f64::from(min),
            f64::from(max),
        ),
        _ => {
            return Err(format!(
                "`{key}` is not a numeric or duration key; only those can be fitted"
            ));
        }
    };
    if low >= high {
        return Err(format!(
            "`{arg}`: the lower bound must be below the upper bound"
        ));
    }
    if low < min || high > max {
        let shown = |v: f64| match form {
            Form::Duration => format_duration(v as u64),
            _ => format!("{v}"),
        };
        return Err(format!(
            "`{arg}`: bounds outside the range of `{key}`, {}..={}",
            shown(min),
            shown(max)
        ));
    }
    Ok(Param {
        key,
        form,
        low,
        high,
    })
}

fn number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("`{text}` is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked_against_the_key() {
        let p = parse_param("timers.enrollment_spread=1d..4d").unwrap();
        assert_eq!((p.low, p.high), (86_400.0, 345_600.0));
        assert_eq!(p.value_at(0.0), Value::String("86400s".into()));
        assert!(parse_param("fleet.existing_client_share=0.9..0.1").is_err());
        assert!(parse_param("fleet.existing_client_share=0.1..1.5").is_err());
        assert!(parse_param("name=1..2").is_err());
        assert!(parse_param("fleet.no_such=1..2").is_err());
    }
}
