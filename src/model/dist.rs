//! Validated distributions of durations (hours), sampled by inverse transform.
//!
//! Every draw consumes exactly one uniform number. That is what makes `compare` sharp:
//! when a variant changes a distribution's parameters, the same uniform lands on the same
//! quantile of the new distribution, so base and variant stay paired draw for draw
//! (common random numbers), and the draws of everything after it stay aligned too.

use rand::Rng;

/// z such that Φ(z) = 0.95: LogNormal(median, p95) gives σ = ln(p95 / median) / z.
const Z95: f64 = 1.644_853_626_951_472_2;

#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Fixed(f64),
    Exp {
        mean: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// ln X ~ Normal(mu, sigma).
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Weibull {
        shape: f64,
        scale: f64,
    },
    /// Observed values; each is drawn with equal probability.
    Empirical(Vec<f64>),
}

impl Dist {
    pub fn zero() -> Dist {
        Dist::Fixed(0.0)
    }

    pub fn log_normal(median: f64, p95: f64) -> Dist {
        Dist::LogNormal {
            mu: median.ln(),
            sigma: (p95 / median).ln() / Z95,
        }
    }

    /// A key equal for two distributions exactly when their `Debug` forms are equal (Rust
    /// prints floats so that they round-trip, `-0.0` apart from `0.0` and every NaN as
    /// `NaN`): the kind, then each parameter's bits, every NaN as one. Lets the compiled
    /// model share a slot between identical distributions without formatting each.
    pub fn key(&self) -> (u8, Vec<u64>) {
        let bits = |x: &f64| {
            if x.is_nan() {
                f64::NAN.to_bits()
            } else {
                x.to_bits()
            }
        };
        let (kind, params): (u8, &[f64]) = match self {
            Dist::Fixed(x) => (0, std::slice::from_ref(x)),
            Dist::Exp { mean } => (1, std::slice::from_ref(mean)),
            Dist::Uniform { min, max } => (2, &[*min, *max]),
            Dist::Triangular { min, mode, max } => (3, &[*min, *mode, *max]),
            Dist::LogNormal { mu, sigma } => (4, &[*mu, *sigma]),
            Dist::Weibull { shape, scale } => (5, &[*shape, *scale]),
            Dist::Empirical(v) => (6, v),
        };
        (kind, params.iter().map(bits).collect())
    }

    /// Whether every draw is zero (lets the engine skip work that would take no time).
    pub fn is_zero(&self) -> bool {
        matches!(self, Dist::Fixed(x) if *x == 0.0)
    }

    /// The same distribution with every duration multiplied by `k > 0`: its shape is
    /// kept (a LogNormal keeps its spread, a Weibull its shape), so quantile `u` of the
    /// result is `k ×` quantile `u` of this one.
    pub fn scaled(&self, k: f64) -> Dist {
        match self {
            Dist::Fixed(x) => Dist::Fixed(x * k),
            Dist::Exp { mean } => Dist::Exp { mean: mean * k },
            Dist::Uniform { min, max } => Dist::Uniform {
                min: min * k,
                max: max * k,
            },
            Dist::Triangular { min, mode, max } => Dist::Triangular {
                min: min * k,
                mode: mode * k,
                max: max * k,
            },
            Dist::LogNormal { mu, sigma } => Dist::LogNormal {
                mu: mu + k.ln(),
                sigma: *sigma,
            },
            Dist::Weibull { shape, scale } => Dist::Weibull {
                shape: *shape,
                scale: scale * k,
            },
            Dist::Empirical(v) => Dist::Empirical(v.iter().map(|x| x * k).collect()),
        }
    }

    /// The mean, for reports and for the closed-form checks in tests.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(x) => *x,
            Dist::Exp { mean } => *mean,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Weibull { shape, scale } => {
                scale * statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
            Dist::Empirical(v) => v.iter().sum::<f64>() / v.len() as f64,
        }
    }

    /// The value at quantile `u` in [0, 1).
    pub fn quantile(&self, u: f64) -> f64 {
        match self {
            Dist::Fixed(x) => *x,
            Dist::Exp { mean } => -mean * (1.0 - u).ln(),
            Dist::Uniform { min, max } => min + u * (max - min),
            Dist::Triangular { min, mode, max } => {
                let (a, c, b) = (*min, *mode, *max);
                if b <= a {
                    return a;
                }
                let fc = (c - a) / (b - a);
                if u < fc {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                }
            }
            Dist::LogNormal { mu, sigma } => {
                if *sigma == 0.0 {
                    return mu.exp();
                }
                // Φ⁻¹(u) = √2 · erf⁻¹(2u − 1); u = 0 maps to 0 hours.
                if u <= 0.0 {
                    return 0.0;
                }
                let z = std::f64::consts::SQRT_2 * statrs::function::erf::erf_inv(2.0 * u - 1.0);
                (mu + sigma * z).exp()
            }
            Dist::Weibull { shape, scale } => scale * (-(1.0 - u).ln()).powf(1.0 / shape),
            Dist::Empirical(v) => {
                let i = ((u * v.len() as f64) as usize).min(v.len() - 1);
                v[i]
            }
        }
    }

    /// One draw. Every distribution consumes exactly one uniform, `Fixed` included, so
    /// that a variant which only changes a distribution's form (`"1h"` to
    /// `Uniform(min: "1h", max: "1h")`) leaves every later draw of the same stream where
    /// it was.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let u: f64 = rng.random();
        match self {
            Dist::Fixed(x) => *x,
            _ => {
                let x = self.quantile(u);
                // Guard against float overflow at the extreme tail (u → 1).
                if x.is_finite() {
                    x.max(0.0)
                } else {
                    crate::scenario::duration::MAX_HOURS
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The key that lets the compiled model share slots tells distributions apart
    /// exactly as their `Debug` forms do (what it replaced), on values chosen where the
    /// two could part: signed zeros, NaNs of other bits, neighbouring floats, the same
    /// numbers under another kind, empirical lists that are prefixes of each other.
    #[test]
    fn keys_are_equal_exactly_when_debug_forms_are() {
        let other_nan = f64::from_bits(f64::NAN.to_bits() ^ 1);
        let next = f64::from_bits(2.5f64.to_bits() + 1);
        let dists = [
            Dist::Fixed(0.0),
            Dist::Fixed(-0.0),
            Dist::Fixed(f64::NAN),
            Dist::Fixed(other_nan),
            Dist::Fixed(-f64::NAN),
            Dist::Fixed(f64::INFINITY),
            Dist::Fixed(2.5),
            Dist::Fixed(next),
            Dist::Exp { mean: 2.5 },
            Dist::Exp { mean: 2.5 },
            Dist::Uniform { min: 1.0, max: 2.5 },
            Dist::LogNormal {
                mu: 1.0,
                sigma: 2.5,
            },
            Dist::Weibull {
                shape: 1.0,
                scale: 2.5,
            },
            Dist::Triangular {
                min: 1.0,
                mode: 2.5,
                max: 3.0,
            },
            Dist::Empirical(vec![1.0, 2.5]),
            Dist::Empirical(vec![1.0]),
            Dist::Empirical(vec![1.0, 2.5]),
            Dist::Empirical(vec![]),
        ];
        let mut pairs = 0;
        for a in &dists {
            for b in &dists {
                let same_debug = format!("{a:?}") == format!("{b:?}");
                assert_eq!(a.key() == b.key(), same_debug, "{a:?} and {b:?}");
                pairs += usize::from(same_debug);
            }
        }
        // The diagonal, the repeated Exp and Empirical, and the NaNs (three of them,
        // one Debug form): so both answers were checked.
        assert_eq!(pairs, dists.len() + 2 * 2 + 6);
    }

    #[test]
    fn lognormal_hits_its_quantiles() {
        let d = Dist::log_normal(10.0, 40.0);
        assert!((d.quantile(0.5) - 10.0).abs() < 1e-9);
        assert!((d.quantile(0.95) - 40.0).abs() < 1e-6);
    }

    /// Common random numbers: a fixed value and a distribution that always gives that
    /// value consume the same random numbers, so the draw after them is the same.
    #[test]
    fn every_distribution_consumes_one_uniform() {
        let forms = [
            Dist::Fixed(1.0),
            Dist::Uniform { min: 1.0, max: 1.0 },
            Dist::Exp { mean: 3.0 },
            Dist::log_normal(2.0, 5.0),
            Dist::Empirical(vec![1.0]),
        ];
        let after = |d: &Dist| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
            d.sample(&mut rng);
            rng.random::<u64>()
        };
        let expected = after(&forms[0]);
        for d in &forms {
            assert_eq!(after(d), expected, "{d:?}");
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        assert_eq!(Dist::Fixed(1.0).sample(&mut rng), 1.0);
        assert_eq!(Dist::Uniform { min: 1.0, max: 1.0 }.sample(&mut rng), 1.0);
    }

    #[test]
    fn sample_means_match() {
        // 200,000 draws: the sample mean's standard error is σ/√n; the tolerance is 5 of them.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let cases = [
            (Dist::Exp { mean: 4.0 }, 4.0),
            (
                Dist::Uniform { min: 1.0, max: 3.0 },
                1.0 / 12f64.sqrt() * 2.0,
            ),
            (
                Dist::Triangular {
                    min: 1.0,
                    mode: 2.0,
                    max: 8.0,
                },
                1.5,
            ),
            (
                Dist::Weibull {
                    shape: 1.5,
                    scale: 100.0,
                },
                61.0,
            ),
            (Dist::Empirical(vec![3.0, 5.0, 20.0]), 7.8),
        ];
        let n = 200_000;
        for (d, sd) in cases {
            let mean: f64 = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
            let tol = 5.0 * sd / (n as f64).sqrt();
            assert!(
                (mean - d.mean()).abs() < tol,
                "{d:?}: {mean} vs {}",
                d.mean()
            );
        }
    }
}
