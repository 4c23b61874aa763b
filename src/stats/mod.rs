//! Streaming, mergeable accumulators: [`Summary`] (moments, extremes, quantiles),
//! [`Moments`] (count, mean, variance), [`Total`] (count, sum, mean) and [`Histogram`]
//! (counts per bin).
//!
//! The Monte Carlo engine feeds one value per trial and merges batch accumulators in batch
//! order; `run --shard` serialises them and `merge` combines them later. Memory does not
//! grow with the number of values.
//!
//! # Determinism: a function of the multiset of values
//!
//! Every getter of every accumulator here depends only on the multiset of values added:
//! not on their order, not on how they were split into batches or shards, not on the
//! merge tree, not on a serde round trip, and not on the platform (only IEEE-754 `+ − × ÷
//! √` and bit operations are used; no `ln`, `exp` or `fma`). That is what lets the same
//! scenario and seed give byte-identical output whatever `--threads` is, and lets `merge`
//! of all shards give the same bytes as one run.
//!
//! # Moments: exact sums, not Welford
//!
//! The textbook streaming choice is Welford's update (B. P. Welford, "Note on a method for
//! calculating corrected sums of squares and products", Technometrics 4(3), 1962) with the
//! pairwise merge of Chan, Golub & LeVeque ("Updating formulae and a pairwise algorithm for
//! computing sample variances", Stanford CS tech. report STAN-CS-79-773, 1979). Both are
//! numerically sound but round differently for different merge trees, so
//! `((a + b) + c) + d` and `(a + b) + (c + d)` disagree in the last bits, and a sharded run
//! would not reproduce a single run byte for byte. Instead the accumulators keep `n`, `Σx`
//! and `Σx²` *exactly*, as Shewchuk expansions (see `exact.rs`), with each `x²` split into
//! two doubles by Dekker's exact product, and round once on read:
//!
//! * `mean = round(Σx) / n`: within 1 ulp of the exact mean of the values;
//! * `variance = round(n·Σx² − (Σx)²) / n / (n − 1)`, the numerator computed exactly (while
//!   `n ≤ 2^53`): within a few ulp of the exact sample variance, with no cancellation even
//!   when the mean dwarfs the spread (where Welford loses digits).
//!
//! Zeros are counted and never touch the sums (`add(0.0)` is one compare and one
//! increment). A non-zero add goes, for values between about `2^-44` and `2^52` (hours and
//! user-hours, and their squares), to a fixed-point part of 32-bit digits (a cut-down
//! small superaccumulator: R. M. Neal, "Fast exact summation using small and large
//! superaccumulators", arXiv:1505.05571, 2015), a few integer adds; other values go to the
//! expansion, one error-free addition per partial (up to 8 before the partials are
//! rewritten in shortest form). See `exact.rs` and Speed below.
//!
//! # Quantiles: a DDSketch, written here
//!
//! [`Summary::quantile`] uses log-linear buckets: a DDSketch (Masson, Rim & Lee, PVLDB
//! 12(12), 2019) with the bitwise mapping of `sketches-java` (see `sketch.rs`). The crate
//! `sketches-ddsketch` 0.4 is not used, because:
//! * its key is `floor(ln(x) / ln γ)`: `ln` comes from the platform's libm, so a value on
//!   a bucket edge can land in different buckets on different machines, breaking
//!   byte-identical merges of shards run on different hosts;
//! * it collapses its lowest buckets once `max_num_bins` is reached (2048 by default,
//!   fewer than the ≈ 2,200 buckets that `[1e-6, 1e13]` needs at 1 % accuracy) and treats
//!   everything below `min_value` (1e-9) as 0;
//! * its serde form carries the config as floats (`gamma`, `gamma_ln`, `min_value`) that
//!   must compare equal for a merge to succeed, which a float parser that is off by one
//!   ulp breaks; and an empty `DDSketch` is about 180 bytes, with a negative store and a
//!   float sum we do not need.
//!
//! **Accuracy guarantee.** For `q` in `[0, 1]`, `quantile(q)` returns an estimate of the
//! value `v` of 0-based rank `⌊q·(n − 1)⌋` in sorted order with
//! `|estimate − v| ≤ QUANTILE_RELATIVE_ERROR · |v|` (`1/129 ≈ 0.775 %`, plus a few ulp of
//! rounding), for every finite value in the accepted range, with no collapsing. It is
//! exact when `v = 0`, for `q = 0` (the exact min) and `q = 1` (the exact max), and the
//! estimate is always within `[min, max]`, so a constant stream is reported exactly.
//!
//! **Windowed summaries.** [`Summary::with_window`]`(w)` keeps only the `w` buckets
//! (`w/64` octaves) that end at the largest magnitude seen, and counts smaller magnitudes
//! in the lowest of them, as the collapsing stores of DDSketch do (`sketches-java`'s
//! `CollapsingLowestDenseStore`). The guarantee above then holds for every `v` with
//! `|v| ≥ max|x| / 2^(w/64)`; a smaller `v` is estimated by a value between the min and
//! that bound. Which values collapse depends only on the largest magnitude, so the result
//! is still a function of the multiset of values. `run` gives each service's downtime
//! and restoration-time sketches a window of 1,024 buckets (16 octaves: with a 10-day
//! horizon, every duration over 14 seconds keeps its accuracy), and so do `compare` and
//! `portal` to their per-service downtime sketches.
//!
//! # Accepted values
//!
//! Finite values with magnitude up to [`MAX_MAGNITUDE`] (`1e100`; hours are below 1e6 and
//! user-hours below 1e13). Magnitudes below [`MIN_MAGNITUDE`] (`1e-100`) count as 0. Other
//! values (NaN, ±∞, larger magnitudes) are ignored: they fail a `debug_assert` in debug
//! builds and are dropped without a trace in release builds, so no NaN reaches a getter.
//! These bounds keep every product in the exact sums free of overflow and underflow.
//!
//! # Memory
//!
//! * `Summary`: 24 bytes while it has seen only zeros (no heap). After the first non-zero
//!   value, one boxed part of 336 bytes (its exact sums held in place), two small
//!   buffers for values outside the sums' fixed-point window (none in practice: at most
//!   8–16 `f64` each), and 1 byte per bucket between the smallest and largest magnitude
//!   seen, for each sign (2 bytes once one bucket passes 255 values, 4 past 65,535, 8
//!   past 2^32): 64 buckets per octave (factor of 2), with some growth slack. So about
//!   `4/3 × (64 × log2(max/min) + 16)` bytes per sign while counts fit 8 bits: about 1 KB
//!   for values in `[0.1, 240]` hours, 3 KB for `[1e-6, 1e5]`, 5.5 KB for `[1e-6, 1e13]`,
//!   and an absolute bound of about 0.9 MB (both signs over the whole accepted range,
//!   64-bit counts). A summary made with [`Summary::with_window`]`(w)` holds at most `w`
//!   buckets per sign (the range of keys it has seen within its window, laid out with
//!   its first value of that sign), so its memory does not grow with the number of
//!   values beyond `w` buckets at the widest count any bucket needs; see the accuracy
//!   note above. [`Summary::size_bytes`] reports the actual figure.
//! * `Moments`: 248 bytes, both exact sums' fixed-point parts held in place, plus a
//!   buffer for values outside their window. `Total`: 16 bytes, and its exact sum (120
//!   bytes) boxed with the first non-zero value.
//! * [`Histogram`]: one byte per bin until a bin passes 255 (the per-service share bins
//!   of `run`).
//!
//! # Speed
//!
//! Counted with `valgrind --tool=callgrind` on `run` of a generated 1,000-service scenario
//! (512 trials, one thread): the exact `Σx` and `Σx²` of one non-zero value took about
//! 375 instructions as expansions only (`Σx²` needs two terms per value from Dekker's
//! product) and about 145 with the fixed-point part; the per-service statistics went
//! from 31 % to 18 % of the worker's instructions. `Summary::add(0.0)` is a compare and an
//! increment; `quantile` walks the buckets (≈ 0.3 µs over ≈ 1,000).

mod exact;
mod histogram;
mod moments;
mod sketch;
mod summary;
mod total;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use histogram::Histogram;
pub use moments::Moments;
pub use summary::Summary;
pub use total::Total;

/// Largest magnitude accepted by `add`; larger values are ignored.
pub const MAX_MAGNITUDE: f64 = 1e100;

/// Magnitudes below this count as 0.
pub const MIN_MAGNITUDE: f64 = 1e-100;

/// Bound on the relative error of [`Summary::quantile`] (apart from a few ulp of rounding):
/// `1 / (2^(b+1) + 1)` for `b` mantissa bits per bucket key, here `1/129`.
pub const QUANTILE_RELATIVE_ERROR: f64 = 1.0 / ((2u32 << sketch::MANTISSA_BITS) + 1) as f64;

/// The 0.975 quantile of the standard normal distribution, `Φ⁻¹(0.975)`.
pub const Z_95: f64 = 1.959963984540054;

/// Half-width of the two-sided 95 % confidence interval of a mean, by the normal
/// approximation (central limit theorem): `Φ⁻¹(0.975) × std_err`. The interval is
/// `mean ± ci95_half_width(std_err)`. Fine for the thousands of trials of a Monte Carlo
/// run; for a handful of values a Student t quantile would be wider.
pub fn ci95_half_width(std_err: f64) -> f64 {
    Z_95 * std_err
}

/// Checks a value for the accumulators: `Some(0.0)` for zero and magnitudes below
/// [`MIN_MAGNITUDE`], `Some(x)` for other accepted values, `None` (after a failed
/// `debug_assert`) for the rest.
#[inline]
fn admit(x: f64) -> Option<f64> {
    let m = x.abs();
    if m <= MAX_MAGNITUDE {
        Some(if m < MIN_MAGNITUDE { 0.0 } else { x })
    } else {
        debug_assert!(
            false,
            "value {x} not admitted: must be finite and within ±{MAX_MAGNITUDE:e}"
        );
        None
    }
}

/// An `f64` serialised as the shortest decimal string that parses back to the same bits
/// (`format!("{:e}")`, read with `str::parse`, both exact in `std`). A JSON number would
/// not do: `serde_json` without its `float_roundtrip` feature may parse a 17-digit number
/// one ulp off, and the partials of an exact sum need every bit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ExactF64(pub(crate) f64);

impl Serialize for ExactF64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{:e}", self.0))
    }
}

impl<'de> Deserialize<'de> for ExactF64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(ExactF64(x)),
            _ => Err(serde::de::Error::custom(format!(
                "expected a finite number as a string, found {text:?}"
            ))),
        }
    }
}

/// Float tolerances of the tests, in one place, each with its reason.
#[cfg(test)]
mod prec {
    /// Exact-sum moments against naive two-pass `f64` formulas over ~1e4 values: the naive
    /// side rounds at each of ~1e4 steps, so it is off by up to ~1e4 ulp ≈ 2e-12 in the
    /// worst case and far less in practice.
    pub const MOMENT_REL: f64 = 1e-11;

    /// Quantile estimates: the documented bound plus room for the few ulp of rounding in
    /// the bucket representative.
    pub const QUANTILE_REL: f64 = super::QUANTILE_RELATIVE_ERROR * (1.0 + 1e-12);

    pub fn assert_rel(actual: f64, expected: f64, tol: f64) {
        let err = (actual - expected).abs();
        assert!(
            err <= tol * expected.abs(),
            "{actual} vs {expected}: relative error {} > {tol}",
            err / expected.abs()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci95_uses_the_normal_quantile() {
        assert_eq!(ci95_half_width(1.0), 1.959963984540054);
        assert_eq!(ci95_half_width(0.0), 0.0);
    }

    #[test]
    fn quantile_bound_is_one_over_129() {
        assert_eq!(QUANTILE_RELATIVE_ERROR, 1.0 / 129.0);
    }

    #[test]
    fn exact_f64_strings_round_trip_every_bit() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut values = vec![0.1, 1e-100, 1e100, 5e-324, f64::MAX, -0.0, 1.0 / 3.0];
        values.extend((0..20_000).map(|_| f64::from_bits(rng.random::<u64>() >> 1)));
        for x in values.into_iter().filter(|x| x.is_finite()) {
            let json = serde_json::to_string(&ExactF64(x)).unwrap();
            let back: ExactF64 = serde_json::from_str(&json).unwrap();
            assert_eq!(back.0.to_bits(), x.to_bits(), "{json}");
        }
        assert!(serde_json::from_str::<ExactF64>("\"NaN\"").is_err());
        assert!(serde_json::from_str::<ExactF64>("\"inf\"").is_err());
    }
}
