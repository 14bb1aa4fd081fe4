//! `cofleet fit`: the scenario's unknowns fitted to an observed rollout (docs/fit.md).
//!
//! A candidate is the scenario document with the free keys overridden (the path `cofleet sweep --set`
//! takes, [`crate::scenario::overrides::build_on`]), simulated with one seed for every candidate (common
//! random numbers), and scored by the squared differences of shares at the observed times. Nelder–Mead
//! (argmin) searches the box of the `--param` bounds; a parametric bootstrap gives the intervals.

pub mod observed;
pub mod param;
pub mod plot;

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;
use toml::{Table, Value};

use crate::engine::simulate;
use crate::model::Model;
use crate::model::scenario::Scenario;
use crate::model::time::{HOUR, Time};
use crate::report::csv_out::{timeline_counts, timeline_rows};
use crate::report::milestones::reached_at;
use crate::scenario::overrides::{Override, build_on};

pub use observed::Observed;
pub use param::Param;

/// Shares whose first reach the forecast reports, in percent.
pub const FORECAST_SHARES: [u32; 4] = [50, 90, 95, 99];

/// What a fit needs besides the parameters' values.
pub struct Problem<'a> {
    /// The scenario document (without variants).
    pub doc: &'a Table,
    /// Scenario file name, for messages.
    pub file: &'a str,
    /// Free parameters.
    pub params: &'a [Param],
    /// Fixed overrides applied to every candidate (`seed`, `fleet.devices`).
    pub fixed: &'a [Override],
    /// Observed shares.
    pub observed: &'a Observed,
    /// The scenario's availability shares (always_on, office_hours, intermittent): the unfitted ones absorb
    /// a fitted share's change so the three still sum to 1.
    pub availability: [f64; 3],
}

/// The simulated timeline of one candidate: its column names, its rows (one per hour) and fleet size.
pub struct Simulated {
    /// The device-count columns of timeline.csv.
    pub header: Vec<String>,
    /// Their counts, one row per hour.
    pub rows: Vec<Vec<i64>>,
    /// Devices simulated.
    pub devices: u32,
    /// The candidate scenario.
    pub scenario: Scenario,
}

impl Simulated {
    /// Share of the fleet in `column` at hour `hour` (the last row past the end).
    pub fn share(&self, column: usize, hour: usize) -> f64 {
        let row = &self.rows[hour.min(self.rows.len() - 1)];
        row[column] as f64 / f64::from(self.devices)
    }

    /// First hour at which `column` holds at least `percent` % of the fleet: the milestones' rule.
    pub fn reached(&self, column: usize, percent: u32) -> Option<Time> {
        reached_at(
            self.rows.len(),
            u64::from(self.devices),
            u64::from(percent),
            |r| self.rows[r][column],
        )
    }

    /// Index of a timeline column.
    pub fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|c| c == name)
            .expect("observed columns are timeline columns")
    }
}

impl Problem<'_> {
    /// The overrides of the candidate at unit coordinates `u` (each clamped to 0..=1).
    pub fn overrides(&self, u: &[f64], seed: Option<u64>) -> Vec<Override> {
        let mut all = self.fixed.to_vec();
        for (p, &x) in self.params.iter().zip(u) {
            all.push(Override {
                key: p.key.clone(),
                value: p.value_at(x),
                place: None,
            });
        }
        all.extend(self.availability_complement(u));
        if let Some(seed) = seed {
            all.retain(|o| o.key != "seed");
            all.push(Override {
                key: "seed".into(),
                value: crate::fit::seed_value(seed),
                place: None,
            });
        }
        all
    }

    /// When availability shares are fitted, the others scaled in proportion to the scenario's values so the
    /// three sum to 1 (docs/fit.md, "Shares that sum to 1"); none otherwise.
    fn availability_complement(&self, u: &[f64]) -> Vec<Override> {
        let mut fitted = [None; 3];
        for (p, &x) in self.params.iter().zip(u) {
            if let Some(i) = param::AVAILABILITY.iter().position(|k| *k == p.key) {
                fitted[i] = Some(p.at(x));
            }
        }
        if fitted.iter().all(Option::is_none) {
            return Vec::new();
        }
        let rest = (1.0 - fitted.iter().flatten().sum::<f64>()).max(0.0);
        let free: Vec<usize> = (0..3).filter(|&i| fitted[i].is_none()).collect();
        let base: f64 = free.iter().map(|&i| self.availability[i]).sum();
        free.iter()
            .map(|&i| Override {
                key: param::AVAILABILITY[i].to_string(),
                value: Value::Float(if base > 0.0 {
                    self.availability[i] * rest / base
                } else {
                    rest / free.len() as f64
                }),
                place: None,
            })
            .collect()
    }

    /// Simulates the candidate at `u`, with `seed` replacing the scenario's when given.
    pub fn simulate(&self, u: &[f64], seed: Option<u64>) -> Result<Simulated, String> {
        let scenario = build_on(self.doc, self.file, "fit", &self.overrides(u, seed))
            .map_err(|e| e.to_string())?;
        let devices = scenario.fleet.total_devices();
        let model = Model::new(scenario.clone());
        let outcome = simulate(&model, &|_| {});
        Ok(Simulated {
            header: timeline_counts(),
            rows: timeline_rows(&outcome, devices),
            devices,
            scenario,
        })
    }

    /// Sum over observed columns and times of the squared difference of shares, against `target`.
    pub fn objective(&self, sim: &Simulated, target: &[Vec<f64>]) -> f64 {
        let columns: Vec<usize> = self
            .observed
            .columns
            .iter()
            .map(|c| sim.column(c))
            .collect();
        let mut sum = 0.0;
        for (row, time) in target.iter().zip(&self.observed.times) {
            let hour = (time / HOUR) as usize;
            for (&c, &obs) in columns.iter().zip(row) {
                let d = sim.share(c, hour) - obs;
                sum += d * d;
            }
        }
        sum
    }

    /// The shares a simulation shows at the observed times and columns: synthetic observations.
    pub fn shares_of(&self, sim: &Simulated) -> Vec<Vec<f64>> {
        self.observed
            .times
            .iter()
            .map(|t| {
                let hour = (t / HOUR) as usize;
                self.observed
                    .columns
                    .iter()
                    .map(|c| sim.share(sim.column(c), hour))
                    .collect()
            })
            .collect()
    }
}

/// The cost argmin minimises: the objective at the clamped point, plus the squared distance outside the box
/// so the simplex is pulled back into the bounds.
fn cost_at(problem: &Problem, target: &[Vec<f64>], u: &[f64]) -> Result<f64, String> {
    let outside: f64 = u.iter().map(|x| (x - x.clamp(0.0, 1.0)).powi(2)).sum();
    let sim = problem.simulate(u, None)?;
    Ok(problem.objective(&sim, target) + outside)
}

/// [`cost_at`] for argmin, with the initial simplex's costs computed beforehand (in parallel: argmin's
/// Nelder–Mead evaluates its vertices one at a time).
struct Cost<'a, 'b> {
    problem: &'a Problem<'b>,
    target: &'a [Vec<f64>],
    /// The initial simplex's vertices and their costs.
    known: &'a [(Vec<f64>, f64)],
    /// Simulations run by argmin.
    runs: &'a std::cell::Cell<u64>,
}

impl CostFunction for Cost<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, u: &Self::Param) -> Result<f64, argmin::core::Error> {
        if let Some((_, c)) = self.known.iter().find(|(v, _)| v == u) {
            return Ok(*c);
        }
        self.runs.set(self.runs.get() + 1);
        cost_at(self.problem, self.target, u).map_err(argmin::core::Error::msg)
    }
}

/// The best point a search found.
#[derive(Debug, Clone)]
pub struct Estimate {
    /// Unit coordinates (clamped), one per parameter.
    pub u: Vec<f64>,
    /// Objective there.
    pub objective: f64,
    /// Nelder–Mead iterations.
    pub iterations: u64,
    /// Simulations run.
    pub evaluations: u64,
    /// Whether the simplex shrank below the tolerance before the iteration limit.
    pub converged: bool,
}

/// Minimises the objective against `target` from `start` (unit coordinates), `iterations` at most.
pub fn search(
    problem: &Problem,
    target: &[Vec<f64>],
    start: &[f64],
    iterations: u64,
) -> Result<Estimate, String> {
    let n = start.len();
    let mut simplex = vec![start.to_vec()];
    for i in 0..n {
        let mut v = start.to_vec();
        // A step of a quarter of the box, towards the wider side.
        v[i] = if v[i] <= 0.5 {
            v[i] + 0.25
        } else {
            v[i] - 0.25
        };
        simplex.push(v);
    }
    let known: Vec<(Vec<f64>, f64)> = {
        use rayon::prelude::*;
        simplex
            .par_iter()
            .map(|v| cost_at(problem, target, v).map(|c| (v.clone(), c)))
            .collect::<Result<_, _>>()?
    };
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(1e-7)
        .map_err(|e| e.to_string())?;
    let runs = std::cell::Cell::new(known.len() as u64);
    let cost = Cost {
        problem,
        target,
        known: &known,
        runs: &runs,
    };
    let result = Executor::new(cost, solver)
        .configure(|s| s.max_iters(iterations))
        .run()
        .map_err(|e| e.to_string())?;
    let state = result.state();
    let u: Vec<f64> = state
        .get_best_param()
        .cloned()
        .unwrap_or_else(|| start.to_vec())
        .iter()
        .map(|x| x.clamp(0.0, 1.0))
        .collect();
    let evaluations = runs.get();
    let converged = state.get_iter() < iterations;
    Ok(Estimate {
        u,
        objective: state.get_best_cost(),
        iterations: state.get_iter(),
        evaluations,
        converged,
    })
}

/// Percentile `q` (0..=1) of sorted `values`, nearest rank.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// A seed as an override value: beyond the integers TOML holds, as its digits (which overrides accept).
pub fn seed_value(seed: u64) -> Value {
    i64::try_from(seed).map_or_else(|_| Value::String(seed.to_string()), Value::Integer)
}
