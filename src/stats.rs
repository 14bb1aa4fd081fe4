//! Statistics across seed replicas: the mean with a 95 % confidence interval from Student's t distribution,
//! and Welch's interval on the difference of two means (unequal variances, fractional degrees of freedom).
//!
//! Replicas of a run are independent (different seeds), so the replica means of a statistic are i.i.d.
//! samples of it; with few replicas their spread is known only roughly, which the t quantile accounts for.
//! Sweeps summarise their variants with it and the gate compares a run's replicas with a baseline's: both
//! take it from here, and it takes nothing from either.

/// Published 97.5 % quantiles of Student's t for 1 to 30 degrees of freedom: the test reference.
#[cfg(test)]
const T975: [f64; 30] = [
    12.706_204_736,
    4.302_652_730,
    3.182_446_305,
    2.776_445_105,
    2.570_581_836,
    2.446_911_851,
    2.364_624_252,
    2.306_004_135,
    2.262_157_163,
    2.228_138_852,
    2.200_985_160,
    2.178_812_830,
    2.160_368_656,
    2.144_786_688,
    2.131_449_546,
    2.119_905_299,
    2.109_815_578,
    2.100_922_040,
    2.093_024_054,
    2.085_963_447,
    2.079_613_845,
    2.073_873_068,
    2.068_657_610,
    2.063_898_562,
    2.059_538_553,
    2.055_529_439,
    2.051_830_516,
    2.048_407_142,
    2.045_229_642,
    2.042_272_456,
];

/// The 97.5 % quantile of the standard normal distribution.
const Z975: f64 = 1.959_963_984_540_054;

/// The 97.5 % quantile of Student's t with `df` degrees of freedom (the half-width factor of a two-sided
/// 95 % interval), for any real `df` (Welch's df is fractional): solves P(T > t) = 0.025 by bisection on the
/// exact tail, ½ · I_{df/(df+t²)}(df/2, ½) (regularised incomplete beta). Beyond 10⁴ df the Cornish–Fisher
/// expansion is exact to 1e-12. `df` below 1 is treated as 1.
pub fn t975(df: f64) -> f64 {
    let df = if df.is_nan() { 1.0 } else { df.max(1.0) };
    if df > 1e4 {
        return cornish_fisher(df);
    }
    let (mut lo, mut hi) = (0.0_f64, 20.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if upper_tail(mid, df) > 0.025 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// P(T > t) for t ≥ 0.
fn upper_tail(t: f64, df: f64) -> f64 {
    0.5 * inc_beta(df / 2.0, 0.5, df / (df + t * t))
}

fn cornish_fisher(df: f64) -> f64 {
    let z = Z975;
    let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
    z + (z3 + z) / (4.0 * df)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df.powi(2))
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * df.powi(3))
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92_160.0 * df.powi(4))
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = G[0] + (1..9).map(|i| G[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Regularised incomplete beta I_x(a, b) by its continued fraction (Lentz), using the symmetry
/// I_x(a, b) = 1 − I_{1−x}(b, a) where that converges faster.
fn inc_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..500 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        for aa in [
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ] {
            d = 1.0 + aa * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + aa / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// A statistic estimated from replicas: their mean and, with two or more, a 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplicaMean {
    /// Mean over the replicas.
    pub mean: f64,
    /// Sample variance (n − 1 denominator); `None` with one replica.
    pub variance: Option<f64>,
    /// Replicas that had a value.
    pub n: usize,
    /// 95 % confidence interval of the mean; `None` with one replica (no spread to estimate).
    pub ci: Option<(f64, f64)>,
}

impl ReplicaMean {
    /// Estimates from the replicas' values; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<ReplicaMean> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Some(ReplicaMean {
                mean,
                variance: None,
                n,
                ci: None,
            });
        }
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let half = t975((n - 1) as f64) * (variance / n as f64).sqrt();
        Some(ReplicaMean {
            mean,
            variance: Some(variance),
            n,
            ci: Some((mean - half, mean + half)),
        })
    }
}

/// Difference `b − a` of two estimated means with Welch's 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    /// `b.mean − a.mean`.
    pub diff: f64,
    /// 95 % confidence interval of the difference.
    pub ci: (f64, f64),
}

impl Difference {
    /// Whether the interval excludes zero: a significant difference at the 5 % level.
    pub fn significant(&self) -> bool {
        self.ci.0 > 0.0 || self.ci.1 < 0.0
    }
}

/// Welch's interval on `b − a`; `None` unless both have two or more replicas.
pub fn welch(a: &ReplicaMean, b: &ReplicaMean) -> Option<Difference> {
    let (va, vb) = (a.variance? / a.n as f64, b.variance? / b.n as f64);
    let diff = b.mean - a.mean;
    let se2 = va + vb;
    if se2 <= 0.0 {
        // Both spreads are zero: the difference is exactly known.
        return Some(Difference {
            diff,
            ci: (diff, diff),
        });
    }
    let df = se2.powi(2) / (va.powi(2) / (a.n - 1) as f64 + vb.powi(2) / (b.n - 1) as f64);
    let half = t975(df) * se2.sqrt();
    Some(Difference {
        diff,
        ci: (diff - half, diff + half),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn t_quantiles_match_published_values() {
        close(t975(1.0), 12.706, 5e-4);
        close(t975(9.0), 2.262, 5e-4);
        close(t975(30.0), 2.042, 5e-4);
        close(t975(40.0), 2.021_075, 1e-5);
        close(t975(60.0), 2.000_298, 1e-5);
        close(t975(120.0), 1.979_930, 1e-5);
        close(t975(1e9), Z975, 1e-6);
        for (i, t) in T975.iter().enumerate() {
            close(t975((i + 1) as f64), *t, 1e-8);
        }
        // The expansion joins the exact solution.
        close(cornish_fisher(1e4), t975(1e4 - 1e-9), 1e-9);
        // Fractional df: t(0.975, 2.5) = 3.57465 (checked by integrating the t density numerically).
        close(t975(2.5), 3.574_65, 1e-5);
        let mut prev = f64::INFINITY;
        for i in 2..400 {
            let t = t975(f64::from(i) / 4.0);
            assert!(t <= prev, "t975 decreases with df");
            prev = t;
        }
        assert_eq!(t975(0.2), t975(1.0));
    }

    #[test]
    fn estimate_has_the_textbook_interval() {
        // mean 5, sd 2 (n = 4: values 3, 3, 7, 7 → s² = 16/3), half = t(3) · s / 2.
        let e = ReplicaMean::of(&[3.0, 3.0, 7.0, 7.0]).unwrap();
        assert_eq!(e.mean, 5.0);
        let half = 3.182_446_305 * (16.0_f64 / 3.0).sqrt() / 2.0;
        close(e.ci.unwrap().0, 5.0 - half, 1e-9);
        close(e.ci.unwrap().1, 5.0 + half, 1e-9);
        let one = ReplicaMean::of(&[4.0]).unwrap();
        assert_eq!((one.mean, one.ci), (4.0, None));
        assert!(ReplicaMean::of(&[]).is_none());
    }

    #[test]
    fn welch_detects_a_shift_and_not_noise() {
        let a = ReplicaMean::of(&[10.0, 11.0, 9.0, 10.5, 9.5]).unwrap();
        let shifted = ReplicaMean::of(&[20.0, 21.0, 19.0, 20.5, 19.5]).unwrap();
        let same = ReplicaMean::of(&[10.2, 10.9, 9.1, 10.4, 9.6]).unwrap();
        let d = welch(&a, &shifted).unwrap();
        assert_eq!(d.diff, 10.0);
        assert!(d.significant());
        assert!(!welch(&a, &same).unwrap().significant());
        // Equal variances and sizes: df = 2(n − 1) = 8; se = sqrt(2 s²/n).
        let s2 = 0.625_f64;
        let half = 2.306_004_135 * (2.0 * s2 / 5.0).sqrt();
        close(d.ci.1 - d.diff, half, 1e-9);
        assert!(welch(&a, &ReplicaMean::of(&[1.0]).unwrap()).is_none());
    }
}
