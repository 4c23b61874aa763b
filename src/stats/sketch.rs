//! Log-linear buckets for relative-error quantiles (a DDSketch with a bitwise mapping).
//!
//! A magnitude `|x|` goes to bucket `key = bits(|x|) >> (52 − MANTISSA_BITS)`: the biased
//! exponent followed by the top [`MANTISSA_BITS`] bits of the mantissa. Within an octave
//! `[2^e, 2^(e+1))` that makes `2^MANTISSA_BITS` buckets of equal width, so a bucket
//! `[lo, hi)` has `hi / lo ≤ 1 + 2^−MANTISSA_BITS`. This is the
//! `BitwiseLinearlyInterpolatedMapping` of DataDog's DDSketch (C. Masson, J. E. Rim,
//! H. K. Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with Relative-Error
//! Guarantees", PVLDB 12(12), 2019; `sketches-java`), chosen over the logarithmic mapping
//! because the key is one shift of the bit pattern: no `ln`, hence fast and bit-identical
//! on every platform, which keeps sharded runs mergeable byte for byte.
//!
//! A bucket is reported by `2·lo·hi / (lo + hi)`, which is within
//! `(hi − lo) / (hi + lo) ≤ 1 / (2^(MANTISSA_BITS+1) + 1)` relative of every value in it.
//!
//! Counts are kept in a dense `Vec<u64>` over the keys seen so far (plus some slack), with
//! the key of the first element as offset. Merging adds counts, so it is exact,
//! commutative and associative; the layout (offset, slack) may depend on the order of
//! operations, but nothing observable does: quantiles read only the counts per key, and
//! the serialised form is trimmed to the first and last non-empty bucket.

use serde::{Deserialize, Serialize};

/// Mantissa bits in a bucket key: `2^MANTISSA_BITS` buckets per octave.
pub(crate) const MANTISSA_BITS: u32 = 6;
const SHIFT: u32 = 52 - MANTISSA_BITS;
/// One past the largest key of a finite value.
const KEY_END: u32 = 0x7FF << MANTISSA_BITS;
/// Slack added on the side a store grows, at least this many buckets.
const MIN_SLACK: u32 = 8;

/// The bucket key of a magnitude `m > 0` (finite, normal).
#[inline]
pub(crate) fn key_of(m: f64) -> u32 {
    (m.to_bits() >> SHIFT) as u32
}

/// The value that stands for every magnitude in bucket `key`.
pub(crate) fn representative(key: u32) -> f64 {
    let lo = f64::from_bits(u64::from(key) << SHIFT);
    let hi = f64::from_bits(u64::from(key + 1) << SHIFT);
    2.0 * lo * hi / (lo + hi)
}

/// Counts per bucket key, dense between `first` and `first + counts.len()`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buckets {
    first: u32,
    counts: Vec<u64>,
    total: u64,
}

impl Buckets {
    #[inline]
    pub(crate) fn add(&mut self, key: u32) {
        let i = key.wrapping_sub(self.first) as usize;
        if i >= self.counts.len() {
            self.cover(key, key);
        }
        self.counts[(key - self.first) as usize] += 1;
        self.total += 1;
    }

    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Heap bytes held by the counts.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.counts.capacity() * std::mem::size_of::<u64>()
    }

    /// Grows the dense range to include `[lo, hi]`, with slack on the side(s) that grew.
    fn cover(&mut self, lo: u32, hi: u32) {
        let len = self.counts.len() as u32;
        let slack = MIN_SLACK.max(len / 8);
        let (new_lo, new_hi) = if len == 0 {
            (
                lo.saturating_sub(slack),
                hi.saturating_add(slack).min(KEY_END - 1),
            )
        } else {
            let (cur_lo, cur_hi) = (self.first, self.first + len - 1);
            (
                if lo < cur_lo {
                    lo.saturating_sub(slack)
                } else {
                    cur_lo
                },
                if hi > cur_hi {
                    hi.saturating_add(slack).min(KEY_END - 1)
                } else {
                    cur_hi
                },
            )
        };
        let new_len = (new_hi - new_lo + 1) as usize;
        let mut counts = Vec::with_capacity(new_len);
        if len > 0 {
            counts.resize((self.first - new_lo) as usize, 0);
            counts.extend_from_slice(&self.counts);
        }
        counts.resize(new_len, 0);
        self.first = new_lo;
        self.counts = counts;
    }

    /// Adds every count of `other` (exact).
    pub(crate) fn merge(&mut self, other: &Buckets) {
        let Some((lo, hi)) = other.occupied() else {
            return;
        };
        let (lo_key, hi_key) = (other.first + lo as u32, other.first + hi as u32);
        let len = self.counts.len() as u32;
        if len == 0 || lo_key < self.first || hi_key >= self.first + len {
            self.cover(lo_key, hi_key);
        }
        let start = (lo_key - self.first) as usize;
        for (mine, theirs) in self.counts[start..].iter_mut().zip(&other.counts[lo..=hi]) {
            *mine += theirs;
        }
        self.total += other.total;
    }

    /// Indices of the first and last non-empty bucket.
    fn occupied(&self) -> Option<(usize, usize)> {
        let lo = self.counts.iter().position(|&c| c != 0)?;
        let hi = self.counts.iter().rposition(|&c| c != 0)?;
        Some((lo, hi))
    }

    /// The key of the value with 0-based `rank` in increasing order; `rank < total`.
    pub(crate) fn key_at_rank(&self, rank: u64) -> u32 {
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                return self.first + i as u32;
            }
        }
        unreachable!("rank {rank} out of {} values", self.total)
    }

    /// The key of the value with 0-based `rank` in decreasing order; `rank < total`.
    pub(crate) fn key_at_rank_from_top(&self, rank: u64) -> u32 {
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate().rev() {
            seen += c;
            if seen > rank {
                return self.first + i as u32;
            }
        }
        unreachable!("rank {rank} out of {} values", self.total)
    }
}

/// The serialised form: the counts from the first to the last non-empty bucket.
#[derive(Serialize, Deserialize)]
pub(crate) struct BucketsWire {
    first_key: u32,
    counts: Vec<u64>,
}

impl From<&Buckets> for BucketsWire {
    fn from(b: &Buckets) -> Self {
        match b.occupied() {
            Some((lo, hi)) => BucketsWire {
                first_key: b.first + lo as u32,
                counts: b.counts[lo..=hi].to_vec(),
            },
            None => BucketsWire {
                first_key: 0,
                counts: Vec::new(),
            },
        }
    }
}

impl TryFrom<BucketsWire> for Buckets {
    type Error = String;

    fn try_from(w: BucketsWire) -> Result<Self, String> {
        if u64::from(w.first_key) + w.counts.len() as u64 > u64::from(KEY_END) {
            return Err(format!("bucket keys beyond {KEY_END}"));
        }
        let mut total: u64 = 0;
        for &c in &w.counts {
            total = total
                .checked_add(c)
                .ok_or_else(|| "bucket counts overflow".to_string())?;
        }
        let mut counts = w.counts;
        counts.shrink_to_fit();
        Ok(Buckets {
            first: if counts.is_empty() { 0 } else { w.first_key },
            counts,
            total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_narrow_enough() {
        let bound = 1.0 / f64::from((1u32 << (MANTISSA_BITS + 1)) + 1);
        for key in [key_of(1e-6), key_of(1.0), key_of(1.5), key_of(3.7e12)] {
            for k in key..key + 200 {
                let lo = f64::from_bits(u64::from(k) << SHIFT);
                let hi = f64::from_bits(u64::from(k + 1) << SHIFT);
                let r = representative(k);
                assert!(lo <= r && r <= hi);
                assert!((r - lo) / lo <= bound * (1.0 + 1e-12));
                assert!((hi - r) / hi <= bound * (1.0 + 1e-12));
                assert_eq!(key_of(lo), k);
                assert_eq!(key_of(hi), k + 1);
            }
        }
    }

    #[test]
    fn merge_adds_counts_whatever_the_layout() {
        let mut a = Buckets::default();
        let mut b = Buckets::default();
        for k in [500, 510, 400] {
            a.add(k);
        }
        for k in [300, 900, 510] {
            b.add(k);
        }
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab.total(), 6);
        for r in 0..6 {
            assert_eq!(ab.key_at_rank(r), ba.key_at_rank(r));
        }
        assert_eq!(
            (0..6).map(|r| ab.key_at_rank(r)).collect::<Vec<_>>(),
            [300, 400, 500, 510, 510, 900]
        );
        assert_eq!(ab.key_at_rank_from_top(0), 900);
        let wire = BucketsWire::from(&ab);
        assert_eq!(wire.first_key, 300);
        assert_eq!(wire.counts.len(), 601);
    }
}
