//! [`Total`]: count and exact sum, for figures of which only the mean is reported.

use serde::{Deserialize, Serialize};

use super::exact::ExactSum;
use super::{admit, ExactF64};

/// Count, sum and mean of a stream of values, in bounded memory, mergeable: a
/// [`Moments`](super::Moments) without the sum of squares, so each non-zero value costs
/// one exact add instead of two. Every getter is a function of the multiset of values.
///
/// Size: 16 bytes; once a non-zero value has been added, the exact sum (120 bytes, its
/// fixed-point part in place) and, for values outside its window, a small buffer.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(into = "TotalWire", from = "TotalWire")]
pub struct Total {
    count: u64,
    /// Boxed, and made with the first non-zero value: most of the totals kept per service
    /// (degraded hours, hours by cause) stay 0 in most runs.
    sum: Option<Box<ExactSum>>,
}

impl Total {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one value. Non-finite values and magnitudes above
    /// [`MAX_MAGNITUDE`](super::MAX_MAGNITUDE) are ignored (and fail a `debug_assert`);
    /// magnitudes below [`MIN_MAGNITUDE`](super::MIN_MAGNITUDE) count as 0.
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.add_value(x);
    }

    /// [`add`](Self::add), returning the value as counted (`None` if it was ignored).
    #[inline]
    pub(crate) fn add_value(&mut self, x: f64) -> Option<f64> {
        if x == 0.0 {
            self.count += 1;
            return Some(0.0);
        }
        let x = admit(x)?;
        self.count += 1;
        if x != 0.0 {
            self.sum.get_or_insert_default().add(x);
        }
        Some(x)
    }

    pub(crate) fn from_parts(count: u64, sum: ExactSum) -> Self {
        Total {
            count,
            sum: (!sum.is_zero()).then(|| Box::new(sum)),
        }
    }

    /// Adds `n` zeros: the same as `n` calls of `add(0.0)`.
    pub fn add_zeros(&mut self, n: u64) {
        self.count += n;
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Total) {
        self.count += other.count;
        if let Some(theirs) = &other.sum {
            self.sum.get_or_insert_default().merge(theirs);
        }
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of the values, correctly rounded (0 when empty).
    pub fn sum(&self) -> f64 {
        self.sum.as_ref().map_or(0.0, |s| s.value())
    }

    /// Arithmetic mean; `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum() / self.count as f64)
    }
}

/// Equal when the counts and the exact sums are.
impl PartialEq for Total {
    fn eq(&self, other: &Self) -> bool {
        let partials = |t: &Total| {
            t.sum
                .as_ref()
                .map_or_else(Vec::new, |s| s.canonical_partials())
        };
        self.count == other.count && partials(self) == partials(other)
    }
}

/// Serialised form: the count and the canonical partials of the exact sum.
#[derive(Serialize, Deserialize)]
struct TotalWire {
    count: u64,
    sum: Vec<ExactF64>,
}

impl From<Total> for TotalWire {
    fn from(t: Total) -> Self {
        TotalWire {
            count: t.count,
            sum: t
                .sum
                .map_or_else(Vec::new, |s| s.canonical_partials())
                .into_iter()
                .map(ExactF64)
                .collect(),
        }
    }
}

impl From<TotalWire> for Total {
    fn from(w: TotalWire) -> Self {
        Total::from_parts(
            w.count,
            ExactSum::from_partials(&w.sum.iter().map(|p| p.0).collect::<Vec<_>>()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::Moments;
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The same count, sum and mean as `Moments` over the same values, bit for bit, in
    /// one stream or merged from parts, and through serde.
    #[test]
    fn agrees_with_moments() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let values: Vec<f64> = (0..5_000)
            .map(|_| {
                if rng.random_bool(0.5) {
                    0.0
                } else {
                    10f64.powf(rng.random_range(-8.0..12.0))
                }
            })
            .collect();
        let (mut t, mut m) = (Total::new(), Moments::new());
        values.iter().for_each(|&v| {
            t.add(v);
            m.add(v);
        });
        assert_eq!(t.count(), m.count());
        assert_eq!(t.sum().to_bits(), m.sum().to_bits());
        assert_eq!(t.mean().map(f64::to_bits), m.mean().map(f64::to_bits));
        let mut merged = Total::new();
        for chunk in values.chunks(333).rev() {
            let mut p = Total::new();
            chunk.iter().for_each(|&v| p.add(v));
            merged.merge(&p);
        }
        assert_eq!(merged, t);
        let back: Total = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
        assert_eq!(Total::new().mean(), None);
    }
}
