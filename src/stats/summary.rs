//! [`Summary`]: moments, extremes and relative-error quantiles of a stream of values.

use serde::{Deserialize, Serialize};

use super::moments::Moments;
use super::sketch::{key_of, representative, Buckets, BucketsWire, MAX_RANKS};
use super::{admit, ExactF64};

/// Everything a [`Summary`] knows about its non-zero values; boxed so that a summary of
/// zeros only costs 24 bytes.
#[derive(Clone, Debug, Default)]
struct Nonzero {
    /// Sums of the non-zero values; `moments.count()` is their number.
    moments: Moments,
    min: f64,
    max: f64,
    /// Buckets of `x` for `x > 0`.
    positive: Buckets,
    /// Buckets of `|x|` for `x < 0`, made with the first negative value (most summaries
    /// see none).
    negative: Option<Box<Buckets>>,
}

impl Nonzero {
    /// The buckets of negative values, made if need be.
    fn negative_mut(&mut self) -> &mut Buckets {
        let window = self.positive.window();
        self.negative
            .get_or_insert_with(|| Box::new(Buckets::with_window(window)))
    }

    /// How many values are negative.
    fn negative_total(&self) -> u64 {
        self.negative.as_ref().map_or(0, |b| b.total())
    }
}

/// Count, mean, standard deviation, standard error, min, max and quantiles of a stream of
/// values, in bounded memory, mergeable.
///
/// Every getter is a function of the multiset of values added alone: any order of
/// [`add`](Self::add)s and any tree of [`merge`](Self::merge)s gives bit-identical
/// results, and so does a round trip through serde. See the `stats` module docs for the
/// accuracy of [`quantile`](Self::quantile) and the memory bound.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(into = "SummaryWire", try_from = "SummaryWire")]
pub struct Summary {
    /// Number of values, zeros included.
    count: u64,
    /// Buckets kept per sign, 0 for no limit (see [`with_window`](Self::with_window)).
    window: u32,
    /// `None` until the first non-zero value.
    nonzero: Option<Box<Nonzero>>,
}

impl Summary {
    /// An empty summary (24 bytes, no heap).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty summary whose quantile sketch keeps a fixed `buckets` buckets per sign
    /// (64 per octave) below the largest magnitude seen, allocated with the first non-zero
    /// value: its memory is then fixed, whatever the number of values. Quantiles of
    /// magnitudes at least `max / 2^(buckets / 64)` keep the stated relative error; a
    /// smaller one is reported as at most that bound (and at least the min). `buckets`
    /// of 0 means no limit, as [`new`](Self::new).
    pub fn with_window(buckets: u32) -> Self {
        Summary {
            window: buckets.min(super::sketch::MAX_WINDOW),
            ..Self::default()
        }
    }

    /// Adds one value. `add(0.0)` only increments a counter.
    ///
    /// Non-finite values and magnitudes above [`MAX_MAGNITUDE`](super::MAX_MAGNITUDE) are
    /// ignored (and fail a `debug_assert`); magnitudes below
    /// [`MIN_MAGNITUDE`](super::MIN_MAGNITUDE) count as 0.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x == 0.0 {
            self.count += 1;
        } else {
            self.add_nonzero(x);
        }
    }

    fn add_nonzero(&mut self, x: f64) {
        let Some(x) = admit(x) else { return };
        self.count += 1;
        if x == 0.0 {
            return;
        }
        let nz = self.nonzero_part(x);
        nz.moments.add_admitted_nonzero(x);
        nz.min = nz.min.min(x);
        nz.max = nz.max.max(x);
        if x > 0.0 {
            nz.positive.add(key_of(x));
        } else {
            nz.negative_mut().add(key_of(-x));
        }
    }

    /// Adds `n` values `x`: the same as `n` calls of `add(x)`, in a few exact operations.
    pub fn add_repeated(&mut self, x: f64, n: u64) {
        if n == 0 {
            return;
        }
        let Some(x) = admit(x) else { return };
        self.count += n;
        if x == 0.0 {
            return;
        }
        let nz = self.nonzero_part(x);
        nz.moments.add_admitted_nonzero_times(x, n);
        nz.min = nz.min.min(x);
        nz.max = nz.max.max(x);
        if x > 0.0 {
            nz.positive.add_n(key_of(x), n);
        } else {
            nz.negative_mut().add_n(key_of(-x), n);
        }
    }

    /// The part for non-zero values, made on the first, `x`.
    #[inline]
    fn nonzero_part(&mut self, x: f64) -> &mut Nonzero {
        let window = self.window;
        self.nonzero.get_or_insert_with(|| {
            Box::new(Nonzero {
                min: x,
                max: x,
                positive: Buckets::with_window(window),
                ..Nonzero::default()
            })
        })
    }

    /// Adds `n` zeros: the same as `n` calls of `add(0.0)`.
    pub fn add_zeros(&mut self, n: u64) {
        self.count += n;
    }

    /// Adds every value of `other`. Exact: the result is the summary of both streams. A
    /// summary with a window may take in one without (its values then count as if added
    /// here); not the other way round.
    pub fn merge(&mut self, other: &Summary) {
        debug_assert!(
            other.window == self.window || other.window == 0,
            "merging a summary of window {} into one of window {}",
            other.window,
            self.window
        );
        self.count += other.count;
        let Some(theirs) = other.nonzero.as_deref() else {
            return;
        };
        let window = self.window;
        match self.nonzero.as_deref_mut() {
            None if theirs.positive.window() == window => {
                self.nonzero = Some(Box::new(theirs.clone()))
            }
            None => {
                let mut mine = Nonzero {
                    positive: Buckets::with_window(window),
                    negative: None,
                    ..theirs.clone()
                };
                mine.positive.merge(&theirs.positive);
                if let Some(n) = &theirs.negative {
                    mine.negative_mut().merge(n);
                }
                self.nonzero = Some(Box::new(mine));
            }
            Some(mine) => {
                mine.moments.merge(&theirs.moments);
                mine.min = mine.min.min(theirs.min);
                mine.max = mine.max.max(theirs.max);
                mine.positive.merge(&theirs.positive);
                if let Some(n) = &theirs.negative {
                    mine.negative_mut().merge(n);
                }
            }
        }
    }

    /// Buckets kept per sign (0: no limit), as given to [`with_window`](Self::with_window).
    pub fn window(&self) -> u32 {
        self.window
    }

    /// Number of values added, zeros included.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Number of values greater than 0 (for "probability affected").
    pub fn count_positive(&self) -> u64 {
        self.nonzero.as_ref().map_or(0, |nz| nz.positive.total())
    }

    fn zeros(&self) -> u64 {
        self.count - self.nonzero.as_ref().map_or(0, |nz| nz.moments.count())
    }

    /// Arithmetic mean; `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        match &self.nonzero {
            Some(nz) => nz.moments.mean_of(self.count),
            None => (self.count > 0).then_some(0.0),
        }
    }

    /// Sample standard deviation (divisor `n − 1`); `None` when fewer than 2 values.
    pub fn std_dev(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }

    /// Sample variance (divisor `n − 1`); `None` when fewer than 2 values.
    pub fn variance(&self) -> Option<f64> {
        match &self.nonzero {
            Some(nz) => nz.moments.variance_of(self.count),
            None => (self.count > 1).then_some(0.0),
        }
    }

    /// Standard error of the mean, `std_dev / √n`; `None` when fewer than 2 values.
    pub fn std_err(&self) -> Option<f64> {
        match &self.nonzero {
            Some(nz) => nz.moments.std_err_of(self.count),
            None => (self.count > 1).then_some(0.0),
        }
    }

    /// Smallest value (exact); `None` when empty.
    pub fn min(&self) -> Option<f64> {
        match &self.nonzero {
            Some(nz) if self.zeros() > 0 => Some(nz.min.min(0.0)),
            Some(nz) => Some(nz.min),
            None => (self.count > 0).then_some(0.0),
        }
    }

    /// Largest value (exact); `None` when empty.
    pub fn max(&self) -> Option<f64> {
        match &self.nonzero {
            Some(nz) if self.zeros() > 0 => Some(nz.max.max(0.0)),
            Some(nz) => Some(nz.max),
            None => (self.count > 0).then_some(0.0),
        }
    }

    /// The `q`-quantile: an estimate of the value of 0-based rank `⌊q·(n − 1)⌋` in
    /// increasing order, within [`QUANTILE_RELATIVE_ERROR`](super::QUANTILE_RELATIVE_ERROR)
    /// relative of it (exact for 0, for `q = 0` (the min) and for `q = 1` (the max)).
    /// `None` when empty or when `q` is not in `[0, 1]`.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.quantiles([q])[0]
    }

    /// [`quantile`](Self::quantile) of each of `qs`, in one pass over the sketch when the
    /// `qs` increase (and one pass each otherwise).
    pub fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [Option<f64>; N] {
        if N > MAX_RANKS || !qs.windows(2).all(|w| w[0] <= w[1]) {
            return qs.map(|q| self.quantiles([q])[0]);
        }
        let mut out = [None; N];
        let (Some(min), Some(max)) = (self.min(), self.max()) else {
            return out;
        };
        let n = self.count;
        // Ranks to look up among the positive values, and which answer each is.
        let mut ranks = [0u64; MAX_RANKS];
        let mut which = [0usize; MAX_RANKS];
        let mut m = 0;
        for (j, &q) in qs.iter().enumerate() {
            if !(0.0..=1.0).contains(&q) {
                continue;
            }
            let rank = ((q * (n - 1) as f64).floor() as u64).min(n - 1);
            out[j] = if rank == 0 {
                Some(min)
            } else if rank == n - 1 {
                Some(max)
            } else {
                let Some(nz) = self.nonzero.as_deref() else {
                    out[j] = Some(0.0);
                    continue;
                };
                let below_zero = nz.negative_total();
                let estimate =
                    if let Some(neg) = nz.negative.as_deref().filter(|_| rank < below_zero) {
                        -representative(neg.key_at_rank_from_top(rank))
                    } else if rank - below_zero < self.zeros() {
                        0.0
                    } else {
                        ranks[m] = rank - below_zero - self.zeros();
                        which[m] = j;
                        m += 1;
                        continue;
                    };
                // The true value at `rank` lies in [min, max], so clamping only brings the
                // estimate closer to it.
                Some(estimate.clamp(min, max))
            };
        }
        if let Some(nz) = self.nonzero.as_deref() {
            let mut keys = [0u32; MAX_RANKS];
            nz.positive.keys_at_ranks(&ranks[..m], &mut keys[..m]);
            for (&j, &key) in which[..m].iter().zip(&keys) {
                out[j] = Some(representative(key).clamp(min, max));
            }
        }
        out
    }

    /// Bytes used: the struct itself plus its heap (the boxed part and its buffers).
    pub fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.nonzero.as_ref().map_or(0, |nz| {
                std::mem::size_of::<Nonzero>()
                    + nz.positive.heap_bytes()
                    + nz.negative
                        .as_ref()
                        .map_or(0, |b| std::mem::size_of::<Buckets>() + b.heap_bytes())
                    + nz.moments.heap_bytes()
            })
    }
}

/// Serialised form. Floats are written as exact decimal strings (see [`ExactF64`]).
#[derive(Serialize, Deserialize)]
struct SummaryWire {
    count: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    window: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonzero: Option<NonzeroWire>,
}

#[derive(Serialize, Deserialize)]
struct NonzeroWire {
    count: u64,
    sum: Vec<ExactF64>,
    sum_sq: Vec<ExactF64>,
    min: ExactF64,
    max: ExactF64,
    positive: BucketsWire,
    negative: BucketsWire,
}

fn is_zero(w: &u32) -> bool {
    *w == 0
}

impl From<Summary> for SummaryWire {
    fn from(s: Summary) -> Self {
        SummaryWire {
            count: s.count,
            window: s.window,
            nonzero: s.nonzero.map(|nz| {
                let (sum, sum_sq) = nz.moments.to_wire_sums();
                NonzeroWire {
                    count: nz.moments.count(),
                    sum,
                    sum_sq,
                    min: ExactF64(nz.min),
                    max: ExactF64(nz.max),
                    positive: BucketsWire::from(&nz.positive),
                    negative: BucketsWire::from(
                        nz.negative
                            .as_deref()
                            .unwrap_or(&Buckets::with_window(s.window)),
                    ),
                }
            }),
        }
    }
}

impl TryFrom<SummaryWire> for Summary {
    type Error = String;

    fn try_from(w: SummaryWire) -> Result<Self, String> {
        let Some(nz) = w.nonzero else {
            return Ok(Summary {
                count: w.count,
                window: w.window,
                nonzero: None,
            });
        };
        let positive = Buckets::try_from(nz.positive)?;
        let negative = Buckets::try_from(nz.negative)?;
        if positive.window() != w.window || negative.window() != w.window {
            return Err("the sketches' windows differ from the summary's".to_string());
        }
        if nz.count == 0
            || nz.count > w.count
            || positive.total().checked_add(negative.total()) != Some(nz.count)
        {
            return Err(format!(
                "inconsistent counts: {} values, {} non-zero, {} positive, {} negative",
                w.count,
                nz.count,
                positive.total(),
                negative.total()
            ));
        }
        if nz.min.0 > nz.max.0 {
            return Err("min is greater than max".to_string());
        }
        Ok(Summary {
            count: w.count,
            window: w.window,
            nonzero: Some(Box::new(Nonzero {
                moments: Moments::from_wire_sums(nz.count, &nz.sum, &nz.sum_sq),
                min: nz.min.0,
                max: nz.max.0,
                positive,
                negative: (negative.total() > 0).then(|| Box::new(negative)),
            })),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::prec;
    use super::*;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Exp, LogNormal};

    fn summary_of(values: &[f64]) -> Summary {
        let mut s = Summary::new();
        values.iter().for_each(|&v| s.add(v));
        s
    }

    /// Every getter, as bits, for bit-identity checks.
    fn fingerprint(s: &Summary) -> Vec<Option<u64>> {
        let mut out = vec![
            Some(s.count()),
            Some(s.count_positive()),
            s.mean().map(f64::to_bits),
            s.variance().map(f64::to_bits),
            s.std_dev().map(f64::to_bits),
            s.std_err().map(f64::to_bits),
            s.min().map(f64::to_bits),
            s.max().map(f64::to_bits),
        ];
        out.extend((0..=1000).map(|i| s.quantile(f64::from(i) / 1000.0).map(f64::to_bits)));
        out
    }

    fn distributions() -> Vec<(&'static str, Vec<f64>)> {
        let mut rng = ChaCha8Rng::seed_from_u64(2024);
        let n = 20_000;
        let exp = Exp::new(0.1).unwrap();
        let lognormal = LogNormal::new(1.0, 2.5).unwrap();
        let user_hours = LogNormal::<f64>::new(20.0, 3.0).unwrap();
        vec![
            (
                "exponential",
                (0..n).map(|_| exp.sample(&mut rng)).collect(),
            ),
            (
                "lognormal",
                (0..n).map(|_| lognormal.sample(&mut rng)).collect(),
            ),
            (
                "90% zeros",
                (0..n)
                    .map(|_| {
                        if rng.random_bool(0.9) {
                            0.0
                        } else {
                            exp.sample(&mut rng)
                        }
                    })
                    .collect(),
            ),
            ("constant", vec![7.25; n]),
            (
                "wide range 1e-6..1e13",
                (0..n)
                    .map(|_| 10f64.powf(rng.random_range(-6.0..13.0)))
                    .collect(),
            ),
            (
                "user-hours",
                (0..n)
                    .map(|_| user_hours.sample(&mut rng).min(1e13))
                    .collect(),
            ),
            (
                "signed with zeros",
                (0..n)
                    .map(|_| match rng.random_range(0..3) {
                        0 => 0.0,
                        1 => -lognormal.sample(&mut rng),
                        _ => lognormal.sample(&mut rng),
                    })
                    .collect(),
            ),
            ("single", vec![3.5]),
            ("two", vec![0.0, 2.0]),
        ]
    }

    /// Boundaries a sampling test rarely reaches: one value has no standard error (even
    /// a zero, which is counted apart from the rest), and the first rank past the
    /// negative values is the zeros', not the negatives'.
    #[test]
    fn edge_ranks_and_counts() {
        let mut one_zero = Summary::new();
        one_zero.add(0.0);
        assert_eq!(one_zero.std_err(), None);
        one_zero.add(0.0);
        assert_eq!(one_zero.std_err(), Some(0.0));
        let mut s = Summary::new();
        for x in [-5.0, 0.0, 3.0] {
            s.add(x);
        }
        assert_eq!(s.quantile(0.5), Some(0.0));
        let mut t = Summary::new();
        for x in [-5.0, -4.0, 2.0, 3.0] {
            t.add(x);
        }
        // Rank ⌊0.67·3⌋ = 2: the smallest positive value, within the sketch's accuracy.
        let q = t.quantile(0.67).unwrap();
        assert!(
            (q - 2.0).abs() <= 2.0 * super::super::QUANTILE_RELATIVE_ERROR * 2.0,
            "{q}"
        );
    }

    #[test]
    fn empty_summary_is_tiny_and_answers_none() {
        let s = Summary::new();
        assert_eq!(std::mem::size_of::<Summary>(), 24);
        // The sizes the module docs state.
        assert_eq!(std::mem::size_of::<Nonzero>(), 336);
        assert_eq!(std::mem::size_of::<Moments>(), 248);
        assert_eq!(std::mem::size_of::<super::super::Total>(), 16);
        assert_eq!(s.size_bytes(), 24);
        assert_eq!((s.count(), s.count_positive()), (0, 0));
        assert_eq!((s.mean(), s.std_dev(), s.std_err()), (None, None, None));
        assert_eq!((s.min(), s.max(), s.quantile(0.5)), (None, None, None));
    }

    #[test]
    fn zeros_only_stay_on_the_stack() {
        let mut s = Summary::default();
        for _ in 0..1000 {
            s.add(0.0);
        }
        s.add(-0.0);
        assert_eq!(s.size_bytes(), 24);
        assert_eq!((s.count(), s.count_positive()), (1001, 0));
        assert_eq!(
            (s.mean(), s.std_dev(), s.std_err()),
            (Some(0.0), Some(0.0), Some(0.0))
        );
        assert_eq!(
            (s.min(), s.max(), s.quantile(0.99)),
            (Some(0.0), Some(0.0), Some(0.0))
        );
    }

    #[test]
    fn small_counts() {
        let s = summary_of(&[3.5]);
        assert_eq!(
            (s.mean(), s.std_dev(), s.std_err()),
            (Some(3.5), None, None)
        );
        assert_eq!(
            (s.min(), s.max(), s.quantile(0.5)),
            (Some(3.5), Some(3.5), Some(3.5))
        );
        assert_eq!(s.count_positive(), 1);
        let s = summary_of(&[0.0, 2.0]);
        assert_eq!((s.mean(), s.variance()), (Some(1.0), Some(2.0)));
        assert_eq!(s.std_err(), Some(1.0));
        assert_eq!(
            (s.quantile(0.0), s.quantile(0.5), s.quantile(1.0)),
            (Some(0.0), Some(0.0), Some(2.0))
        );
        assert_eq!(
            (s.quantile(-0.1), s.quantile(1.5), s.quantile(f64::NAN)),
            (None, None, None)
        );
    }

    #[test]
    fn quantiles_are_within_the_stated_relative_error() {
        for (name, values) in distributions() {
            let s = summary_of(&values);
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len();
            for i in 0..=1000 {
                let q = f64::from(i) / 1000.0;
                let exact = sorted[((q * (n - 1) as f64).floor() as usize).min(n - 1)];
                let estimate = s.quantile(q).unwrap();
                let err = (estimate - exact).abs();
                assert!(
                    err <= prec::QUANTILE_REL * exact.abs(),
                    "{name}: q={q}: {estimate} vs exact {exact}, relative error {}",
                    err / exact.abs()
                );
            }
            assert_eq!(s.quantile(0.0), Some(sorted[0]), "{name}");
            assert_eq!(s.quantile(1.0), Some(sorted[n - 1]), "{name}");
            assert_eq!(s.min(), Some(sorted[0]), "{name}");
            assert_eq!(s.max(), Some(sorted[n - 1]), "{name}");
            assert_eq!(
                s.count_positive(),
                values.iter().filter(|&&v| v > 0.0).count() as u64
            );
            let mean = values.iter().sum::<f64>() / n as f64;
            prec::assert_rel(s.mean().unwrap(), mean, prec::MOMENT_REL);
            if n > 1 {
                let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
                if var > 0.0 {
                    prec::assert_rel(s.variance().unwrap(), var, prec::MOMENT_REL);
                } else {
                    assert_eq!(s.variance(), Some(0.0), "{name}");
                }
            }
        }
    }

    /// Several quantiles in one pass are the single ones, bit for bit, on every kind of
    /// stream (signed, with zeros, windowed), in any order of `q`.
    #[test]
    fn quantiles_at_once_are_the_single_ones() {
        let qs = [0.0, 0.05, 0.5, 0.9, 0.95, 0.99, 1.0];
        let check = |s: &Summary, name: &str| {
            let one: Vec<_> = qs
                .iter()
                .map(|&q| s.quantile(q).map(f64::to_bits))
                .collect();
            let all: Vec<_> = s
                .quantiles(qs)
                .iter()
                .map(|x| x.map(f64::to_bits))
                .collect();
            assert_eq!(all, one, "{name}");
            let back = s.quantiles([0.99, 0.5, f64::NAN, 1.5]);
            assert_eq!(
                back.map(|x| x.map(f64::to_bits)),
                [0.99, 0.5, f64::NAN, 1.5].map(|q| s.quantile(q).map(f64::to_bits)),
                "{name}, unordered"
            );
        };
        for (name, values) in distributions() {
            check(&summary_of(&values), name);
            let mut w = Summary::with_window(64);
            values.iter().for_each(|&v| w.add(v));
            check(&w, name);
        }
        check(&Summary::new(), "empty");
    }

    /// A value added `n` times at once is `n` adds of it, bit for bit, merged or not.
    #[test]
    fn repeated_values_are_single_adds() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for x in [
            1.0,
            0.37,
            -2.5,
            1e-100,
            3e12,
            7.0 / 3.0,
            0.0,
            f64::MIN_POSITIVE,
        ] {
            for n in [1u64, 2, 17, 300, 70_000] {
                let extra: Vec<f64> = (0..50).map(|_| rng.random_range(-5.0..5.0)).collect();
                let mut one = summary_of(&extra);
                for _ in 0..n {
                    one.add(x);
                }
                let mut many = summary_of(&extra);
                many.add_repeated(x, n);
                assert_eq!(fingerprint(&many), fingerprint(&one), "{x} × {n}");
                let mut w = Summary::with_window(64);
                w.add_repeated(x, n);
                w.merge(&summary_of(&extra));
                let mut w1 = Summary::with_window(64);
                extra.iter().for_each(|&v| w1.add(v));
                (0..n).for_each(|_| w1.add(x));
                assert_eq!(fingerprint(&w), fingerprint(&w1), "{x} × {n}, windowed");
            }
        }
    }

    #[test]
    fn constant_stream_is_reported_exactly() {
        let s = summary_of(&[7.25; 1000]);
        for q in [0.01, 0.5, 0.95, 0.99] {
            assert_eq!(s.quantile(q), Some(7.25));
        }
        assert_eq!((s.mean(), s.std_dev()), (Some(7.25), Some(0.0)));
    }

    #[test]
    fn chunked_merges_equal_one_stream_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        for (name, mut values) in distributions() {
            let whole = fingerprint(&summary_of(&values));
            // Batches merged in batch order, as the engine does.
            for chunk in [1, 7, 100, 4096] {
                let mut merged = Summary::new();
                for part in values.chunks(chunk) {
                    merged.merge(&summary_of(part));
                }
                assert_eq!(fingerprint(&merged), whole, "{name}, chunks of {chunk}");
            }
            // Shards of batches merged later: a different merge tree.
            let mut shards = Vec::new();
            for shard in values.chunks(values.len().div_ceil(3)) {
                let mut acc = Summary::new();
                shard.chunks(64).for_each(|b| acc.merge(&summary_of(b)));
                shards.push(acc);
            }
            let mut merged = Summary::new();
            shards.iter().rev().for_each(|s| merged.merge(s));
            assert_eq!(fingerprint(&merged), whole, "{name}, shards in reverse");
            // Any order of adds.
            values.shuffle(&mut rng);
            assert_eq!(fingerprint(&summary_of(&values)), whole, "{name}, shuffled");
        }
    }

    #[test]
    fn serde_json_round_trip_is_bit_identical() {
        for (name, values) in distributions() {
            let s = summary_of(&values);
            let json = serde_json::to_string(&s).unwrap();
            let back: Summary = serde_json::from_str(&json).unwrap();
            assert_eq!(fingerprint(&back), fingerprint(&s), "{name}");
            // Reserialising gives the same bytes, and merging still works after it.
            assert_eq!(serde_json::to_string(&back).unwrap(), json, "{name}");
            let mut twice = back.clone();
            twice.merge(&s);
            let mut doubled = values.clone();
            doubled.extend_from_slice(&values);
            assert_eq!(
                fingerprint(&twice),
                fingerprint(&summary_of(&doubled)),
                "{name}"
            );
        }
        let empty: Summary =
            serde_json::from_str(&serde_json::to_string(&Summary::new()).unwrap()).unwrap();
        assert_eq!(empty.count(), 0);
        let m = {
            let mut m = Moments::new();
            [0.1, 0.2, 0.0, 1e9 + 0.3].iter().for_each(|&x| m.add(x));
            m
        };
        let back: Moments = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn serde_rejects_inconsistent_input() {
        let good = serde_json::to_string(&summary_of(&[1.0, 2.0, 0.0])).unwrap();
        assert!(serde_json::from_str::<Summary>(&good).is_ok());
        let bad = good.replacen("\"count\":3", "\"count\":1", 1);
        assert!(serde_json::from_str::<Summary>(&bad).is_err(), "{bad}");
    }

    #[test]
    fn value_stability() {
        // Literal expectations: a change here changes published figures.
        let values: Vec<f64> = (1..=1000).map(|i| f64::from(i) * 0.37).collect();
        let s = summary_of(&values);
        assert_eq!(s.mean(), Some(185.185));
        assert_eq!(s.std_dev(), Some(106.86319135542728));
        assert_eq!(s.std_err(), Some(3.3793108271756633));
        // Exact values at ranks 499, 949 and 989: 185.0, 351.5 and 366.3.
        assert_eq!(s.quantile(0.5), Some(184.9945945945946));
        assert_eq!(s.quantile(0.95), Some(349.98857142857145));
        assert_eq!(s.quantile(0.99), Some(365.9890710382514));
    }

    #[test]
    fn memory_stays_bounded() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut s = Summary::new();
        for _ in 0..200_000 {
            s.add(10f64.powf(rng.random_range(-6.0..13.0)));
        }
        // 64 buckets per octave over log2(1e19) ≈ 63.1 octaves, 2 bytes each (no bucket
        // reaches 65,536 values), plus at most a third slack.
        let buckets = 64.0 * (1e19f64).log2();
        let bound =
            |bytes_per_bucket: f64| bytes_per_bucket * (4.0 / 3.0) * (buckets + 16.0) + 512.0;
        let size = s.size_bytes();
        assert!(size as f64 <= bound(2.0), "{size}");
        // Ten times more values over the same range: the buckets widen to 4 bytes once
        // one passes 65,535 values, and that is all.
        for _ in 0..2_000_000 {
            s.add(10f64.powf(rng.random_range(-6.0..13.0)));
        }
        let more = s.size_bytes();
        assert!(more as f64 <= bound(4.0), "{more}");
        for _ in 0..2_000_000 {
            s.add(10f64.powf(rng.random_range(-6.0..13.0)));
        }
        assert_eq!(s.size_bytes(), more);
    }

    #[test]
    fn a_windowed_summary_has_fixed_memory_and_the_stated_accuracy_above_its_floor() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let lognormal = LogNormal::new(1.0, 3.0).unwrap();
        let mut values: Vec<f64> = (0..20_000).map(|_| lognormal.sample(&mut rng)).collect();
        let mut s = Summary::with_window(640);
        values.iter().for_each(|&v| s.add(v));
        let size = s.size_bytes();
        // At most 640 buckets of 1 byte for the positive sign (no bucket of the window
        // holds 256 values yet); a boxed part and the sums besides.
        let sketch = s.nonzero.as_ref().unwrap().positive.heap_bytes();
        assert!(sketch <= 640, "{sketch}");
        assert!(size <= 640 + 600, "{size}");
        values.sort_by(f64::total_cmp);
        let max = values[values.len() - 1];
        let floor = max / 2f64.powi(10);
        for i in 1..1000 {
            let q = f64::from(i) / 1000.0;
            let v = values[(q * (values.len() - 1) as f64).floor() as usize];
            let est = s.quantile(q).unwrap();
            if v >= floor * (1.0 + 1.0 / 64.0) {
                prec::assert_rel(est, v, prec::QUANTILE_REL);
            } else {
                assert!(
                    values[0] <= est && est <= floor * (1.0 + 1.0 / 64.0),
                    "{v} {est}"
                );
            }
        }
        // Ten times more values in the same range: the window's buckets widen to 2 bytes
        // once one passes 255 values, and that is all (most values fall below the window:
        // their count is kept apart, in 64 bits); the exact sums' two buffers may only
        // grow to their bound of 16 `f64` each.
        for _ in 0..200_000 {
            s.add(lognormal.sample(&mut rng).min(max));
        }
        let wide = s.nonzero.as_ref().unwrap().positive.heap_bytes();
        assert!(wide <= 2 * 640, "{wide}");
        assert!(
            s.size_bytes() <= size + (wide - sketch) + 2 * 16 * 8,
            "{}",
            s.size_bytes()
        );
        // Chunked merges and a serde round trip give the same bits, window included.
        let chunks: Vec<Summary> = values
            .chunks(777)
            .map(|c| {
                let mut p = Summary::with_window(640);
                c.iter().for_each(|&v| p.add(v));
                p
            })
            .collect();
        let mut whole = Summary::with_window(640);
        values.iter().rev().for_each(|&v| whole.add(v));
        let mut merged = Summary::with_window(640);
        chunks.iter().rev().for_each(|c| merged.merge(c));
        assert_eq!(fingerprint(&merged), fingerprint(&whole));
        let json = serde_json::to_string(&merged).unwrap();
        let back: Summary = serde_json::from_str(&json).unwrap();
        assert_eq!(fingerprint(&back), fingerprint(&whole));
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "not admitted"))]
    fn non_finite_values_are_ignored() {
        let mut s = Summary::new();
        s.add(1.0);
        s.add(f64::NAN);
        s.add(f64::NEG_INFINITY);
        s.add(1e300);
        assert_eq!((s.count(), s.mean(), s.max()), (1, Some(1.0), Some(1.0)));
    }

    #[test]
    fn tiny_magnitudes_count_as_zero() {
        let s = summary_of(&[1e-200, 2.0]);
        assert_eq!((s.count(), s.count_positive(), s.min()), (2, 1, Some(0.0)));
    }
}
