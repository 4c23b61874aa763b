//! [`Moments`]: count, mean and variance from exact sums.

use serde::{Deserialize, Serialize};

use super::exact::{n_s2_minus_s1_squared, ExactSum};
use super::{admit, ExactF64};

/// Count, mean, variance, standard deviation and standard error of a stream of values, in
/// bounded memory, mergeable.
///
/// Keeps `n`, `Σx` and `Σx²` exactly (see the module docs of `stats`), so every getter is
/// a function of the multiset of values added alone: any order of [`add`](Self::add)s and
/// any tree of [`merge`](Self::merge)s gives bit-identical results.
///
/// Size: 248 bytes, the fixed-point parts of both sums held in place (a moment's sums are
/// read together with the rest of its summary); for values outside their window, a small
/// buffer (at most 8–16 `f64`) per sum besides.
/// Zeros only count.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(into = "MomentsWire", from = "MomentsWire")]
pub struct Moments {
    count: u64,
    sum: ExactSum,
    sum_sq: ExactSum,
}

impl Moments {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one value. Non-finite values and magnitudes above
    /// [`MAX_MAGNITUDE`](super::MAX_MAGNITUDE) are ignored (and fail a `debug_assert`);
    /// magnitudes below [`MIN_MAGNITUDE`](super::MIN_MAGNITUDE) count as 0.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x == 0.0 {
            self.count += 1;
            return;
        }
        let Some(x) = admit(x) else { return };
        self.count += 1;
        if x != 0.0 {
            self.sum.add(x);
            self.sum_sq.add_square(x);
        }
    }

    /// Adds `x`, already admitted and not 0.
    #[inline]
    pub(crate) fn add_admitted_nonzero(&mut self, x: f64) {
        self.count += 1;
        self.sum.add(x);
        self.sum_sq.add_square(x);
    }

    /// Adds `n` values `x`, already admitted and not 0.
    pub(crate) fn add_admitted_nonzero_times(&mut self, x: f64, n: u64) {
        self.count += n;
        self.sum.add_times(x, n);
        self.sum_sq.add_square_times(x, n);
    }

    /// Adds `n` zeros: the same as `n` calls of `add(0.0)`.
    pub fn add_zeros(&mut self, n: u64) {
        self.count += n;
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Moments) {
        self.count += other.count;
        self.sum.merge(&other.sum);
        self.sum_sq.merge(&other.sum_sq);
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of the values, correctly rounded (0 when empty).
    pub fn sum(&self) -> f64 {
        self.sum.value()
    }

    /// Arithmetic mean; `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        self.mean_of(self.count())
    }

    /// Sample variance (divisor `n − 1`); `None` when fewer than 2 values.
    pub fn variance(&self) -> Option<f64> {
        self.variance_of(self.count())
    }

    /// Sample standard deviation (divisor `n − 1`); `None` when fewer than 2 values.
    pub fn std_dev(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }

    /// Standard error of the mean, `std_dev / √n`; `None` when fewer than 2 values.
    pub fn std_err(&self) -> Option<f64> {
        self.std_err_of(self.count())
    }

    /// Mean of `n` values whose non-zero ones are in the sums.
    pub(crate) fn mean_of(&self, n: u64) -> Option<f64> {
        (n > 0).then(|| self.sum.value() / n as f64)
    }

    /// Sample variance of `n` values whose non-zero ones are in the sums.
    pub(crate) fn variance_of(&self, n: u64) -> Option<f64> {
        if n < 2 {
            return None;
        }
        let nf = n as f64;
        Some(n_s2_minus_s1_squared(n, &self.sum, &self.sum_sq) / nf / (nf - 1.0))
    }

    pub(crate) fn std_err_of(&self, n: u64) -> Option<f64> {
        self.variance_of(n).map(|v| (v / n as f64).sqrt())
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.sum.heap_bytes() + self.sum_sq.heap_bytes()
    }

    pub(crate) fn to_wire_sums(&self) -> (Vec<ExactF64>, Vec<ExactF64>) {
        let wire = |s: &ExactSum| s.canonical_partials().into_iter().map(ExactF64).collect();
        (wire(&self.sum), wire(&self.sum_sq))
    }

    pub(crate) fn from_wire_sums(count: u64, sum: &[ExactF64], sum_sq: &[ExactF64]) -> Self {
        let exact =
            |w: &[ExactF64]| ExactSum::from_partials(&w.iter().map(|p| p.0).collect::<Vec<_>>());
        Moments {
            count,
            sum: exact(sum),
            sum_sq: exact(sum_sq),
        }
    }
}

/// Serialised form: the count and the partials of both exact sums.
#[derive(Serialize, Deserialize)]
struct MomentsWire {
    count: u64,
    sum: Vec<ExactF64>,
    sum_sq: Vec<ExactF64>,
}

impl From<Moments> for MomentsWire {
    fn from(m: Moments) -> Self {
        let (sum, sum_sq) = m.to_wire_sums();
        MomentsWire {
            count: m.count(),
            sum,
            sum_sq,
        }
    }
}

impl From<MomentsWire> for Moments {
    fn from(w: MomentsWire) -> Self {
        Moments::from_wire_sums(w.count, &w.sum, &w.sum_sq)
    }
}

#[cfg(test)]
mod tests {
    use super::super::prec;
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn empty_and_single() {
        let mut m = Moments::new();
        assert_eq!(
            (m.count(), m.mean(), m.std_dev(), m.std_err()),
            (0, None, None, None)
        );
        m.add(2.5);
        assert_eq!((m.count(), m.mean(), m.std_dev()), (1, Some(2.5), None));
        m.add(0.0);
        assert_eq!(m.mean(), Some(1.25));
        assert_eq!(m.variance(), Some(3.125));
    }

    #[test]
    fn exact_where_welford_would_round() {
        let mut m = Moments::new();
        for x in [1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0] {
            m.add(x);
        }
        assert_eq!(m.mean(), Some(1e9 + 2.0));
        assert_eq!(m.variance(), Some(1.0));
        assert_eq!(m.std_err(), Some((1.0f64 / 3.0).sqrt()));
    }

    #[test]
    fn matches_two_pass_formulas() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let xs: Vec<f64> = (0..10_000)
            .map(|_| {
                if rng.random_bool(0.7) {
                    0.0
                } else {
                    rng.random::<f64>() * 1e4 - 2e3
                }
            })
            .collect();
        let mut m = Moments::new();
        xs.iter().for_each(|&x| m.add(x));
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        prec::assert_rel(m.mean().unwrap(), mean, prec::MOMENT_REL);
        prec::assert_rel(m.variance().unwrap(), var, prec::MOMENT_REL);
        prec::assert_rel(m.sum(), xs.iter().sum::<f64>(), prec::MOMENT_REL);
    }

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "not admitted"))]
    fn non_finite_values_are_ignored() {
        let mut m = Moments::new();
        m.add(1.0);
        m.add(f64::NAN);
        m.add(f64::INFINITY);
        assert_eq!(m.count(), 1);
        assert_eq!(m.mean(), Some(1.0));
    }
}
