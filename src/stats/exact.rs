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
//! Most values go to a faster exact part first: a fixed-point accumulator of 32-bit digits
//! in `i64` words that covers every multiple of `2^-192` below `2^128`, the *small
//! superaccumulator* of R. M. Neal ("Fast exact summation using small and large
//! superaccumulators", arXiv:1505.05571, 2015) cut to the window that hours, user-hours
//! and their squares fall in. Adding a value there is a few integer adds (a square, taken
//! exactly from the 106-bit product of the mantissa, five); only values outside the
//! window (magnitudes below about `2^-44`, or squares of magnitudes above `2^52`) go to
//! the expansion. The exact sum is the sum of both parts, so nothing above changes: the
//! reading is still the correctly rounded exact sum.
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

/// Digits of the fixed-point part: 32 bits each, the lowest worth `2^LSB`.
const DIGITS: usize = 11;
/// Weight of the lowest bit of the fixed-point part.
const LSB: i32 = -192;
/// Adds between carry propagations. One add puts less than `2^33` into any word, so
/// `2^29` of them stay below `2^62`, far from an `i64` overflow.
const CARRY_EVERY: u32 = 1 << 29;

/// The fixed-point part of an [`ExactSum`]: `Σ digits[i] · 2^(32 i + LSB)`. Words may hold
/// more than 32 bits between carry propagations; the top word takes every carry.
#[derive(Clone, Debug, Default)]
struct Fixed {
    digits: [i64; DIGITS],
    adds: u32,
}

impl Fixed {
    /// Adds `±m · 2^shift` (with `shift ≥ 0` counted from `2^LSB`), `m < 2^96`: three words
    /// from `shift / 32` on. The caller checks that they are below the top word.
    #[inline(always)]
    fn add_shifted(&mut self, m: u128, shift: u32, negative: bool) {
        let k = (shift / 32) as usize;
        let w = m << (shift % 32);
        let d = &mut self.digits[k..k + 3];
        let parts = [
            (w & 0xFFFF_FFFF) as i64,
            ((w >> 32) & 0xFFFF_FFFF) as i64,
            (w >> 64) as i64,
        ];
        if negative {
            d.iter_mut().zip(parts).for_each(|(d, p)| *d -= p);
        } else {
            d.iter_mut().zip(parts).for_each(|(d, p)| *d += p);
        }
    }

    /// Whether every word is 0 (the value is 0).
    fn is_zero(&self) -> bool {
        self.digits.iter().all(|&d| d == 0)
    }

    /// Counts one add and propagates carries when due.
    #[inline]
    fn counted(&mut self) {
        self.adds += 1;
        if self.adds >= CARRY_EVERY {
            self.carry();
        }
    }

    /// Leaves every word but the top one in `[0, 2^32)`, the same value.
    fn carry(&mut self) {
        for i in 0..DIGITS - 1 {
            let c = self.digits[i] >> 32;
            self.digits[i] -= c << 32;
            self.digits[i + 1] += c;
        }
        self.adds = 0;
    }

    /// The value as `f64`s whose exact sum it is (each exact: under 2^32 times a power of
    /// two in range).
    fn terms(&self) -> impl Iterator<Item = f64> {
        let mut f = self.clone();
        f.carry();
        let top = f.digits[DIGITS - 1];
        f.digits[DIGITS - 1] = top & 0xFFFF_FFFF;
        let top_high = top >> 32;
        f.digits
            .into_iter()
            .enumerate()
            .map(|(i, d)| (d, 32 * i as i32))
            .chain(std::iter::once((top_high, 32 * DIGITS as i32)))
            .filter(|&(d, _)| d != 0)
            .map(|(d, e)| d as f64 * pow2(e + LSB))
    }
}

/// `2^e` for `e` in the normal range.
fn pow2(e: i32) -> f64 {
    f64::from_bits(((1023 + e) as u64) << 52)
}

/// `n` as parts below `2^53` (each exact as an `f64`).
fn chunks_below_2_53(mut n: u64) -> impl Iterator<Item = u64> {
    const MAX: u64 = 1 << 52;
    std::iter::from_fn(move || {
        let k = n.min(MAX);
        n -= k;
        (k > 0).then_some(k)
    })
}

/// A finite non-zero normal `x` as `(mantissa, exponent, negative)`: `x = ±m · 2^e` with
/// `m < 2^53`; `None` for zero and subnormals.
#[inline]
fn decompose(x: f64) -> Option<(u64, i32, bool)> {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7FF) as i32;
    if biased == 0 || biased == 0x7FF {
        return None;
    }
    let m = (bits & ((1 << 52) - 1)) | (1 << 52);
    Some((m, biased - 1075, bits >> 63 == 1))
}

/// The exact sum of the `f64` values added: a fixed-point part for the values it covers,
/// a Shewchuk expansion for the others.
///
/// Invariant: `partials` are non-zero, non-overlapping and in increasing magnitude. After
/// each `add` there are at most [`COMPRESS_ABOVE`], unless the shortest form itself is
/// longer (a sum whose bits span more than 8 × 53 binary orders of magnitude).
#[derive(Clone, Debug, Default)]
pub(crate) struct ExactSum {
    /// Held in place, not boxed: an accumulator's sums sit beside its other fields, one
    /// allocation and a few cache lines apart rather than several.
    fixed: Fixed,
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
        if let Some((m, e, negative)) = decompose(x) {
            // Three words from `shift / 32`, below the top word.
            let shift = e - LSB;
            if (0..32 * (DIGITS as i32 - 3)).contains(&shift) {
                self.fixed
                    .add_shifted(u128::from(m), shift as u32, negative);
                self.fixed.counted();
                return;
            }
        }
        self.add_to_expansion(x);
    }

    /// Adds `x²` exactly. `x` must be finite and at most [`MAX_MAGNITUDE`] in magnitude
    /// (so that the square neither overflows nor underflows).
    ///
    /// [`MAX_MAGNITUDE`]: super::MAX_MAGNITUDE
    #[inline]
    pub(crate) fn add_square(&mut self, x: f64) {
        if let Some((m, e, _)) = decompose(x) {
            // m² < 2^106 at 2^(2e): its low 64 bits from `shift`, its high 42 bits from
            // `shift + 64`, five words in all, below the top word.
            let shift = 2 * e - LSB;
            if (0..32 * (DIGITS as i32 - 5)).contains(&shift) {
                let p = u128::from(m) * u128::from(m);
                self.fixed
                    .add_shifted(p & u128::from(u64::MAX), shift as u32, false);
                self.fixed.add_shifted(p >> 64, shift as u32 + 64, false);
                self.fixed.counted();
                return;
            }
        }
        let (p, e) = two_prod(x, x);
        self.add(p);
        if e != 0.0 {
            self.add(e);
        }
    }

    /// Adds `x · n` exactly, as `n` adds of `x` would. `x` must be admitted (see the
    /// parent module), so that neither the product nor its rounding error leaves the
    /// normal range.
    pub(crate) fn add_times(&mut self, x: f64, n: u64) {
        for k in chunks_below_2_53(n) {
            let (p, e) = two_prod(x, k as f64);
            self.add(p);
            if e != 0.0 {
                self.add(e);
            }
        }
    }

    /// Adds `x² · n` exactly, as `n` calls of [`add_square`](Self::add_square) would.
    pub(crate) fn add_square_times(&mut self, x: f64, n: u64) {
        let (p, e) = two_prod(x, x);
        for t in [p, e] {
            if t != 0.0 {
                self.add_times(t, n);
            }
        }
    }

    /// Adds `x` to the expansion part.
    fn add_to_expansion(&mut self, x: f64) {
        self.add_raw(x);
        if self.partials.len() > COMPRESS_ABOVE {
            self.partials = self.canonical_partials_of(self.partials.clone());
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
        self.canonical_partials_of(self.expansion())
    }

    /// The shortest-form expansion of the exact sum of `partials` (an expansion).
    fn canonical_partials_of(&self, partials: Vec<f64>) -> Vec<f64> {
        let mut rest = ExactSum {
            fixed: Fixed::default(),
            partials,
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

    /// Both parts as one expansion with the same exact sum.
    fn expansion(&self) -> Vec<f64> {
        let mut all = ExactSum {
            fixed: Fixed::default(),
            partials: self.partials.clone(),
        };
        for t in self.fixed.terms() {
            all.add_raw(t);
        }
        all.partials
    }

    /// Adds the exact sum held by `other`.
    pub(crate) fn merge(&mut self, other: &ExactSum) {
        if !other.fixed.is_zero() {
            let mine = &mut self.fixed;
            mine.carry();
            let mut theirs = other.fixed.clone();
            theirs.carry();
            for (a, b) in mine.digits.iter_mut().zip(theirs.digits) {
                *a += b;
            }
            mine.counted();
        }
        for &p in &other.partials {
            self.add_to_expansion(p);
        }
    }

    /// Whether it holds nothing (the exact sum 0 as it was made).
    pub(crate) fn is_zero(&self) -> bool {
        self.fixed.is_zero() && self.partials.is_empty()
    }

    /// Heap bytes held: the partials (the fixed-point part is held in place).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.partials.capacity() * std::mem::size_of::<f64>()
    }

    /// The partials (for serialisation and products).
    pub(crate) fn partials(&self) -> Vec<f64> {
        self.expansion()
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
        if self.fixed.is_zero() {
            round_expansion(&self.partials)
        } else {
            round_expansion(&self.expansion())
        }
    }
}

/// The exact sum of the expansion `p` rounded to the nearest `f64`, ties to even.
fn round_expansion(p: &[f64]) -> f64 {
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

/// `n * s2 - s1 * s1`, computed exactly and then rounded once; exact while `n <= 2^53`.
///
/// With `s1 = Σx` and `s2 = Σx²` this is `n² ×` the population variance, so it is never
/// negative in exact arithmetic; the result is clamped at 0 only as a guard.
pub(crate) fn n_s2_minus_s1_squared(n: u64, s1: &ExactSum, s2: &ExactSum) -> f64 {
    let nf = n as f64;
    let mut acc = ExactSum::default();
    let (s1, s2) = (s1.partials(), s2.partials());
    for &a in &s2 {
        let (p, e) = two_prod(nf, a);
        acc.add(p);
        acc.add(e);
    }
    for &a in &s1 {
        for &b in &s1 {
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

    /// Ties in rounding, beyond the fixed-point range (so the expansion rounds): the sum
    /// lies exactly half-way between two doubles plus or minus a tiny remainder, which
    /// decides the direction. Expected values are the exact rational sums, correctly
    /// rounded (worked out with Python's `fractions` and `math.fsum`, which agree).
    #[test]
    fn half_way_sums_are_decided_by_the_remainder() {
        let p = |k: i32| 2.0f64.powi(k);
        let ulp = p(148); // of 2^200
        assert_eq!(sum_of(&[p(200), p(147), p(94)]), p(200) + ulp);
        assert_eq!(sum_of(&[p(200), p(147), -p(94)]), p(200));
        assert_eq!(sum_of(&[p(200), -p(147), -p(94)]), p(200) - ulp / 2.0);
        assert_eq!(sum_of(&[-p(200), -p(147), -p(94)]), -(p(200) + ulp));
        // An exact tie with nothing below: to even.
        assert_eq!(sum_of(&[p(200), p(147)]), p(200));
        assert_eq!(sum_of(&[p(200) + ulp, p(147)]), p(200) + 2.0 * ulp);
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

    /// The fixed-point part changes how a sum is held, never its value: against sums kept
    /// as expansions only, over values inside, outside and across its window, of both
    /// signs, with carries forced often.
    #[test]
    fn the_fixed_point_part_agrees_with_expansions_exactly() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let values: Vec<f64> = (0..20_000)
            .map(|_| {
                let mag = 2f64.powi(rng.random_range(-330..330));
                let x = rng.random::<f64>() * mag;
                if rng.random_bool(0.3) {
                    -x
                } else {
                    x
                }
            })
            .chain([
                1.0,
                -1.0,
                2f64.powi(-44),
                2f64.powi(52),
                2f64.powi(116),
                1e-100,
                1e100,
            ])
            .collect();
        let (mut fast, mut fast_sq) = (ExactSum::default(), ExactSum::default());
        let (mut slow, mut slow_sq) = (ExactSum::default(), ExactSum::default());
        for (i, &x) in values.iter().enumerate() {
            fast.add(x);
            fast_sq.add_square(x);
            slow.add_to_expansion(x);
            let (p, e) = two_prod(x, x);
            slow_sq.add_to_expansion(p);
            slow_sq.add_to_expansion(e);
            if i % 1000 == 0 {
                fast.fixed.carry();
            }
        }
        assert!(!fast.fixed.is_zero() && !fast.partials.is_empty());
        assert_eq!(fast.canonical_partials(), slow.canonical_partials());
        assert_eq!(fast_sq.canonical_partials(), slow_sq.canonical_partials());
        assert_eq!(fast.value().to_bits(), slow.value().to_bits());
        // Merged halves, and a sum rebuilt from its canonical partials, agree too.
        let (mut a, mut b) = (ExactSum::default(), ExactSum::default());
        for (i, &x) in values.iter().enumerate() {
            if i % 2 == 0 {
                a.add(x)
            } else {
                b.add(x)
            }
        }
        b.merge(&a);
        assert_eq!(b.canonical_partials(), slow.canonical_partials());
        let back = ExactSum::from_partials(&fast.canonical_partials());
        assert_eq!(back, fast);
    }

    #[test]
    fn many_adds_carry_without_overflow() {
        let mut s = ExactSum::default();
        let f = &mut s.fixed;
        // Words near the carry bound, then one more add of the largest parts.
        f.digits = [(1 << 62) - 1; DIGITS];
        f.digits[DIGITS - 1] = 0;
        f.adds = CARRY_EVERY - 1;
        let before: Vec<f64> = s.canonical_partials();
        s.add(2f64.powi(60) * 1.999);
        assert_eq!(s.fixed.adds, 0);
        let mut expected = ExactSum::from_partials(&before);
        expected.add_to_expansion(2f64.powi(60) * 1.999);
        assert_eq!(s, expected);
    }
}
