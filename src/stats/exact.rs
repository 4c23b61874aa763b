//! Exact sums of `f64` values, correctly rounded on read.
//!
//! An [`ExactSum`] holds the running sum as a Shewchuk expansion: a short list of
//! non-overlapping partials, in increasing magnitude, whose exact (real-number) sum is the
//! exact sum of every value added. Adding is the `msum`/`grow-expansion` step of
//! J. R. Shewchuk, "Adaptive Precision Floating-Point Arithmetic and Fast Robust Geometric
//! Predicates", Discrete & Computational Geometry 18 (1997), as used by CPython's
//! `math.fsum` (R. Hettinger's recipe 393090). [`ExactSum::value`] rounds the expansion
//! to the nearest `f64` (ties to even) with `math.fsum`'s final half-way correction.
//!
//! Because the exact sum does not depend on the order of additions, and the rounding of
//! an exact value is unique, `value()` is bit-identical for any order of `add`s and any
//! merge tree. Only IEEE-754 `+ - *` are used (no `ln`, no `fma` call), so it is also
//! bit-identical across platforms.
//!
//! Products are made exact with Dekker's `two_prod` (T. J. Dekker, "A floating-point
//! technique for extending the available precision", Numerische Mathematik 18 (1971)),
//! which is exact while no product overflows or underflows; the callers keep magnitudes in
//! `[MIN_MAGNITUDE, MAX_MAGNITUDE]` (see the parent module) so that always holds.

/// Dekker's split of `a` into two halves of at most 26 significant bits each.
#[inline]
fn split(a: f64) -> (f64, f64) {
    const SPLITTER: f64 = 134_217_729.0; // 2^27 + 1
    let c = SPLITTER * a;
    let hi = c - (c - a);
    (hi, a - hi)
}

/// `a * b = p + e` exactly (Dekker), barring overflow and underflow.
#[inline]
pub(crate) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    let e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    (p, e)
}

/// Number of partials above which `add` rewrites them in canonical form.
const COMPRESS_ABOVE: usize = 8;

/// The exact sum of the `f64` values added, as a Shewchuk expansion.
///
/// Invariant: `partials` are non-zero, non-overlapping and in increasing magnitude. After
/// each `add` there are at most [`COMPRESS_ABOVE`], unless the shortest form itself is
/// longer (a sum whose bits span more than 8 × 53 binary orders of magnitude).
#[derive(Clone, Debug, Default)]
pub(crate) struct ExactSum {
    partials: Vec<f64>,
}

/// Equal when the exact sums are equal, whatever their partials.
impl PartialEq for ExactSum {
    fn eq(&self, other: &Self) -> bool {
        self.canonical_partials() == other.canonical_partials()
    }
}

impl ExactSum {
    /// Adds `x` exactly. `x` must be finite.
    #[inline]
    pub(crate) fn add(&mut self, x: f64) {
        self.add_raw(x);
        if self.partials.len() > COMPRESS_ABOVE {
            self.partials = self.canonical_partials();
        }
    }

    /// `add` without the occasional compression.
    #[inline]
    fn add_raw(&mut self, mut x: f64) {
        let mut kept = 0;
        for j in 0..self.partials.len() {
            let mut y = self.partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        self.partials.truncate(kept);
        if x != 0.0 {
            self.partials.push(x);
        }
    }

    /// The shortest-form expansion of the same exact value: the correctly rounded sum,
    /// then the correctly rounded remainder, and so on, in increasing magnitude. It
    /// depends only on the exact value, so it serialises canonically; it also undoes the
    /// gaps that `add` leaves between partials, which would slow later adds.
    pub(crate) fn canonical_partials(&self) -> Vec<f64> {
        let mut rest = ExactSum {
            partials: self.partials.clone(),
        };
        let mut out = Vec::new();
        loop {
            let v = rest.value();
            if v == 0.0 {
                break;
            }
            out.push(v);
            rest.add_raw(-v);
        }
        out.reverse();
        out
    }

    /// Adds the exact sum held by `other`.
    pub(crate) fn merge(&mut self, other: &ExactSum) {
        for &p in &other.partials {
            self.add(p);
        }
    }

    /// Heap bytes held by the partials.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.partials.capacity() * std::mem::size_of::<f64>()
    }

    /// The partials (for serialisation and products).
    pub(crate) fn partials(&self) -> &[f64] {
        &self.partials
    }

    /// Rebuilds a sum from partials read back from a serialised form. Any finite partials
    /// are accepted: they are re-added, which restores the invariant.
    pub(crate) fn from_partials(partials: &[f64]) -> Self {
        let mut sum = ExactSum::default();
        for &p in partials {
            sum.add(p);
        }
        sum
    }

    /// The exact sum rounded to the nearest `f64`, ties to even (`math.fsum`'s last step).
    pub(crate) fn value(&self) -> f64 {
        let p = &self.partials;
        let mut n = p.len();
        if n == 0 {
            return 0.0;
        }
        n -= 1;
        let mut hi = p[n];
        let mut lo = 0.0;
        // Sum from the top while the sum stays exact.
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        // Half-way case: the partials below `lo` decide which way the tie goes.
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
        hi
    }
}

/// `n * s2 - s1 * s1`, computed exactly and then rounded once; exact while `n <= 2^53`.
///
/// With `s1 = Σx` and `s2 = Σx²` this is `n² ×` the population variance, so it is never
/// negative in exact arithmetic; the result is clamped at 0 only as a guard.
pub(crate) fn n_s2_minus_s1_squared(n: u64, s1: &ExactSum, s2: &ExactSum) -> f64 {
    let nf = n as f64;
    let mut acc = ExactSum::default();
    for &a in s2.partials() {
        let (p, e) = two_prod(nf, a);
        acc.add(p);
        acc.add(e);
    }
    for &a in s1.partials() {
        for &b in s1.partials() {
            let (p, e) = two_prod(a, b);
            acc.add(-p);
            acc.add(-e);
        }
    }
    acc.value().max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn sum_of(values: &[f64]) -> f64 {
        let mut s = ExactSum::default();
        for &v in values {
            s.add(v);
        }
        s.value()
    }

    #[test]
    fn known_sums_are_correctly_rounded() {
        // Literal expectations from CPython's math.fsum test suite.
        assert_eq!(sum_of(&[0.1; 10]), 1.0);
        assert_eq!(
            sum_of(&[1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50]),
            1e-100
        );
        assert_eq!(sum_of(&[1e-16, 1.0, 1e16]), 10000000000000002.0);
        assert_eq!(
            sum_of(&[2.0f64.powi(53), -0.5, -2.0f64.powi(-54)]),
            2.0f64.powi(53) - 1.0
        );
        assert_eq!(sum_of(&[]), 0.0);
    }

    #[test]
    fn sum_is_independent_of_order_and_merge_tree() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut values: Vec<f64> = (0..5000)
            .map(|_| {
                let mag = 10f64.powi(rng.random_range(-8..14));
                rng.random::<f64>() * mag
            })
            .collect();
        let reference = sum_of(&values);
        for round in 0..5 {
            values.shuffle(&mut rng);
            assert_eq!(
                sum_of(&values).to_bits(),
                reference.to_bits(),
                "shuffle {round}"
            );
            // Merge chunks right-to-left: a different tree from left-to-right adds.
            let mut acc = ExactSum::default();
            for chunk in values.chunks(37 + round * 11).rev() {
                let mut part = ExactSum::default();
                for &v in chunk {
                    part.add(v);
                }
                part.merge(&acc);
                acc = part;
            }
            assert_eq!(acc.value().to_bits(), reference.to_bits(), "tree {round}");
        }
    }

    #[test]
    fn two_prod_is_exact() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for _ in 0..1000 {
            let a: f64 = rng.random::<f64>() * 1e6;
            let b: f64 = rng.random::<f64>() * 1e-3;
            let (p, e) = two_prod(a, b);
            assert_eq!(p, a * b);
            assert_eq!(e, a.mul_add(b, -p));
        }
    }

    #[test]
    fn variance_numerator_is_exact_despite_a_large_mean() {
        // Σx = 3e9 + 6, Σx² = 3e18 + 12e9 + 14, n = 3: n·Σx² − (Σx)² = 6 exactly.
        let (mut s1, mut s2) = (ExactSum::default(), ExactSum::default());
        for x in [1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0] {
            s1.add(x);
            let (p, e) = two_prod(x, x);
            s2.add(p);
            s2.add(e);
        }
        assert_eq!(n_s2_minus_s1_squared(3, &s1, &s2), 6.0);
    }
}
