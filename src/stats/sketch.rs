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
//! Counts are kept in a dense array over the keys seen so far (plus some slack), with the
//! key of the first element as offset, 16 bits per count until a count needs more (see
//! [`Counts`]). Merging adds counts, so it is exact,
//! commutative and associative; the layout (offset, slack) may depend on the order of
//! operations, but nothing observable does: quantiles read only the counts per key, and
//! the serialised form is trimmed to the first and last non-empty bucket.

use serde::{Deserialize, Serialize};

/// Mantissa bits in a bucket key: `2^MANTISSA_BITS` buckets per octave.
pub(crate) const MANTISSA_BITS: u32 = 6;
const SHIFT: u32 = 52 - MANTISSA_BITS;
/// One past the largest key of a finite value.
const KEY_END: u32 = 0x7FF << MANTISSA_BITS;
/// The largest window of a store: every key of a finite value.
pub(crate) const MAX_WINDOW: u32 = KEY_END;
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

/// Dense bucket counts stored as narrowly as the largest count allows: 16 bits each until
/// a count passes 65,535, then 32, then 64 (the whole store widens at once, at most
/// twice). A run of up to 65,535 trials never widens a store, so a sketch costs 2 bytes
/// per bucket of its key range, a quarter of plain `u64` counts; that is what keeps the
/// per-service sketches of a 100,000-service run small.
#[derive(Clone, Debug)]
enum Counts {
    W16(Vec<u16>),
    W32(Vec<u32>),
    W64(Vec<u64>),
}

impl Default for Counts {
    fn default() -> Self {
        Counts::W16(Vec::new())
    }
}

/// Evaluates `$body` with `$v` bound to the store's vector, whatever its width.
macro_rules! with_counts {
    ($counts:expr, $v:ident => $body:expr) => {
        match $counts {
            Counts::W16($v) => $body,
            Counts::W32($v) => $body,
            Counts::W64($v) => $body,
        }
    };
}

impl Counts {
    /// `len` zero counts, in a store wide enough for counts up to `max`.
    fn zeros(len: usize, max: u64) -> Counts {
        if max <= u64::from(u16::MAX) {
            Counts::W16(vec![0; len])
        } else if max <= u64::from(u32::MAX) {
            Counts::W32(vec![0; len])
        } else {
            Counts::W64(vec![0; len])
        }
    }

    fn len(&self) -> usize {
        with_counts!(self, v => v.len())
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Counts::W16(v) => v.capacity() * 2,
            Counts::W32(v) => v.capacity() * 4,
            Counts::W64(v) => v.capacity() * 8,
        }
    }

    #[inline]
    fn get(&self, i: usize) -> u64 {
        match self {
            Counts::W16(v) => u64::from(v[i]),
            Counts::W32(v) => u64::from(v[i]),
            Counts::W64(v) => v[i],
        }
    }

    /// Adds `n` to count `i`, widening the store first if the sum would not fit.
    #[inline]
    fn add(&mut self, i: usize, n: u64) {
        match self {
            Counts::W16(v) => {
                if let Some(c) = u16::try_from(n).ok().and_then(|n| v[i].checked_add(n)) {
                    v[i] = c;
                    return;
                }
            }
            Counts::W32(v) => {
                if let Some(c) = u32::try_from(n).ok().and_then(|n| v[i].checked_add(n)) {
                    v[i] = c;
                    return;
                }
            }
            Counts::W64(v) => {
                v[i] += n;
                return;
            }
        }
        self.widen();
        self.add(i, n);
    }

    /// The same counts one width up.
    #[cold]
    fn widen(&mut self) {
        *self = match self {
            Counts::W16(v) => Counts::W32(v.iter().map(|&c| u32::from(c)).collect()),
            Counts::W32(v) => Counts::W64(v.iter().map(|&c| u64::from(c)).collect()),
            Counts::W64(_) => unreachable!("u64 counts are the widest"),
        };
    }

    /// A store of `len` counts, at the same width, holding these from index `at` on.
    fn placed(&self, at: usize, len: usize) -> Counts {
        fn place<T: Copy + Default>(v: &[T], at: usize, len: usize) -> Vec<T> {
            let mut out = Vec::with_capacity(len);
            out.resize(at, T::default());
            out.extend_from_slice(v);
            out.resize(len, T::default());
            out
        }
        match self {
            Counts::W16(v) => Counts::W16(place(v, at, len)),
            Counts::W32(v) => Counts::W32(place(v, at, len)),
            Counts::W64(v) => Counts::W64(place(v, at, len)),
        }
    }

    /// Moves every count `d` places down, the top `d` becoming 0, and returns the sum of
    /// the `d` lowest counts, which fall off (all of them when `d` is at least the length).
    fn slide_down(&mut self, d: usize) -> u64 {
        let len = self.len();
        let fallen: u64 = (0..d.min(len)).map(|i| self.get(i)).sum();
        let keep = len.saturating_sub(d);
        with_counts!(self, v => {
            v.copy_within(len - keep.., 0);
            v[keep..].fill(0);
        });
        fallen
    }

    /// Indices of the first and last non-zero count.
    fn occupied(&self) -> Option<(usize, usize)> {
        with_counts!(self, v => {
            let lo = v.iter().position(|&c| c != 0)?;
            let hi = v.iter().rposition(|&c| c != 0)?;
            Some((lo, hi))
        })
    }

    /// The index where the running sum of counts, from the first (or, `from_top`, the
    /// last) count on, first exceeds `rank`.
    fn index_of_rank(&self, rank: u64, from_top: bool) -> Option<usize> {
        fn find<T: Copy + Into<u64>>(v: &[T], rank: u64, from_top: bool) -> Option<usize> {
            let mut seen = 0u64;
            let mut step = |(i, &c): (usize, &T)| {
                seen += c.into();
                (seen > rank).then_some(i)
            };
            if from_top {
                v.iter().enumerate().rev().find_map(&mut step)
            } else {
                v.iter().enumerate().find_map(&mut step)
            }
        }
        with_counts!(self, v => find(v, rank, from_top))
    }
}

/// Counts per bucket key, dense between `first` and `first + counts.len()`.
///
/// With a `window` of `w` buckets the store always holds exactly `w` counts, ending at
/// the largest key seen; a smaller key is counted in the first bucket (the lowest buckets
/// *collapse*, like the `CollapsingLowestDenseStore` of DataDog's `sketches-java`). Its
/// memory is then fixed from the first value on. What it holds still depends only on the
/// multiset of keys added: every key above `max key − w + 1` exactly, and the rest
/// together in that bucket.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buckets {
    first: u32,
    counts: Counts,
    total: u64,
    /// 0: unbounded; otherwise the number of buckets kept.
    window: u32,
    /// With a window: how many keys below `first` were counted (they belong to the first
    /// bucket; kept apart so that this 64-bit count never widens the store).
    below: u64,
}

impl Buckets {
    /// An empty store of `window` buckets (0: unbounded).
    pub(crate) fn with_window(window: u32) -> Self {
        Buckets {
            window,
            ..Buckets::default()
        }
    }

    #[inline]
    pub(crate) fn add(&mut self, key: u32) {
        self.total += 1;
        let mut i = key.wrapping_sub(self.first) as usize;
        if i >= self.counts.len() {
            self.cover(key, key);
            i = key.wrapping_sub(self.first) as usize;
            if i >= self.counts.len() {
                // Below a window: counted with its first bucket.
                self.below += 1;
                return;
            }
        }
        self.counts.add(i, 1);
    }

    /// The count of bucket `i` (the first one with the keys below a window).
    fn count_at(&self, i: usize) -> u64 {
        self.counts.get(i) + if i == 0 { self.below } else { 0 }
    }

    /// Indices of the first and last non-empty bucket.
    fn occupied(&self) -> Option<(usize, usize)> {
        let (lo, hi) = match self.counts.occupied() {
            Some((_, hi)) if self.below > 0 => (0, hi),
            Some(found) => found,
            None if self.below > 0 => (0, 0),
            None => return None,
        };
        Some((lo, hi))
    }

    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    pub(crate) fn window(&self) -> u32 {
        self.window
    }

    /// Heap bytes held by the counts.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.counts.heap_bytes()
    }

    /// Grows the dense range to include `[lo, hi]`, with slack on the side(s) that grew;
    /// a window only slides up to end at `hi` if `hi` is above it.
    fn cover(&mut self, lo: u32, hi: u32) {
        if self.window > 0 {
            return self.slide_to(hi);
        }
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
        let at = if len > 0 { self.first - new_lo } else { 0 };
        self.counts = self.counts.placed(at as usize, new_len);
        self.first = new_lo;
    }

    /// Makes a window end at key `hi` if `hi` is above it (allocating it on first use).
    fn slide_to(&mut self, hi: u32) {
        let w = self.window;
        if self.counts.len() == 0 {
            self.counts = Counts::zeros(w as usize, 0);
            self.first = hi.saturating_sub(w - 1);
            return;
        }
        let top = self.first + (w - 1);
        if hi > top {
            self.below += self.counts.slide_down((hi - top) as usize);
            self.first += hi - top;
        }
    }

    /// Adds every count of `other` (exact). `other` has the same window or none (its
    /// counts are then taken in as if added here).
    pub(crate) fn merge(&mut self, other: &Buckets) {
        debug_assert!(
            other.window == self.window || other.window == 0,
            "merging a store of window {} into one of window {}",
            other.window,
            self.window
        );
        let Some((lo, hi)) = other.occupied() else {
            return;
        };
        let (lo_key, hi_key) = (other.first + lo as u32, other.first + hi as u32);
        let len = self.counts.len() as u32;
        if len == 0 || lo_key < self.first || hi_key >= self.first + len {
            self.cover(lo_key, hi_key);
        }
        // Keys below a window (only a window's first bucket has any below it, and this
        // window ends at or above the other's, so they are below this one too).
        self.below += other.below;
        for j in lo..=hi {
            let c = other.counts.get(j);
            if c != 0 {
                match (other.first + j as u32).checked_sub(self.first) {
                    Some(i) => self.counts.add(i as usize, c),
                    None => self.below += c,
                }
            }
        }
        self.total += other.total;
    }

    /// The key of the value with 0-based `rank` in increasing order; `rank < total`.
    pub(crate) fn key_at_rank(&self, rank: u64) -> u32 {
        self.key_of_rank(rank, false)
    }

    /// The key of the value with 0-based `rank` in decreasing order; `rank < total`.
    pub(crate) fn key_at_rank_from_top(&self, rank: u64) -> u32 {
        self.key_of_rank(rank, true)
    }

    fn key_of_rank(&self, rank: u64, from_top: bool) -> u32 {
        assert!(
            rank < self.total,
            "rank {rank} out of {} values",
            self.total
        );
        let i = if from_top {
            // Past every count in the array: among the keys below a window.
            self.counts.index_of_rank(rank, true).unwrap_or(0)
        } else if rank < self.below {
            0
        } else {
            self.counts
                .index_of_rank(rank - self.below, false)
                .expect("rank below the total")
        };
        self.first + i as u32
    }
}

/// The serialised form: the counts from the first to the last non-empty bucket.
#[derive(Serialize, Deserialize)]
pub(crate) struct BucketsWire {
    first_key: u32,
    counts: Vec<u64>,
    /// The store's window; absent for an unbounded store.
    #[serde(default, skip_serializing_if = "is_zero")]
    window: u32,
}

fn is_zero(w: &u32) -> bool {
    *w == 0
}

impl From<&Buckets> for BucketsWire {
    fn from(b: &Buckets) -> Self {
        match b.occupied() {
            Some((lo, hi)) => BucketsWire {
                first_key: b.first + lo as u32,
                counts: (lo..=hi).map(|i| b.count_at(i)).collect(),
                window: b.window,
            },
            None => BucketsWire {
                first_key: 0,
                counts: Vec::new(),
                window: b.window,
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
        if w.window > 0 {
            if w.window > KEY_END || w.counts.len() > w.window as usize {
                return Err(format!(
                    "{} buckets in a window of {}",
                    w.counts.len(),
                    w.window
                ));
            }
            let mut b = Buckets::with_window(w.window);
            if let Some(last) = w.counts.len().checked_sub(1) {
                b.slide_to(w.first_key + last as u32);
                let at = (w.first_key - b.first) as usize;
                for (i, &c) in w.counts.iter().enumerate() {
                    if at + i == 0 {
                        b.below = c; // the first bucket's count may be large: kept apart
                    } else {
                        b.counts.add(at + i, c);
                    }
                }
            }
            b.total = total;
            return Ok(b);
        }
        let mut counts = Counts::zeros(w.counts.len(), w.counts.iter().copied().max().unwrap_or(0));
        for (i, &c) in w.counts.iter().enumerate() {
            counts.add(i, c);
        }
        Ok(Buckets {
            first: if w.counts.is_empty() { 0 } else { w.first_key },
            counts,
            total,
            window: 0,
            below: 0,
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

    #[test]
    fn counts_widen_without_losing_a_count() {
        let mut b = Buckets::default();
        for _ in 0..70_000 {
            b.add(600);
        }
        b.add(601);
        assert!(matches!(b.counts, Counts::W32(_)));
        let mut c = Buckets::default();
        c.add(599);
        // Merging a u32 store into a u16 store widens the u16 one.
        c.merge(&b);
        assert_eq!(c.total(), 70_002);
        assert_eq!(
            (
                c.key_at_rank(0),
                c.key_at_rank(1),
                c.key_at_rank(70_000),
                c.key_at_rank(70_001)
            ),
            (599, 600, 600, 601)
        );
        let mut big = Buckets::default();
        big.add(10);
        big.counts
            .add(big.counts.occupied().unwrap().0, u64::from(u32::MAX));
        big.total += u64::from(u32::MAX);
        assert!(matches!(big.counts, Counts::W64(_)));
        let wire = BucketsWire::from(&c);
        assert_eq!(wire.counts, [1, 70_000, 1]);
        let back = Buckets::try_from(wire).unwrap();
        assert!(matches!(back.counts, Counts::W32(_)));
        assert_eq!(back.total(), 70_002);
        assert_eq!(back.key_at_rank_from_top(0), 601);
    }

    #[test]
    fn a_store_costs_two_bytes_a_bucket() {
        let mut b = Buckets::default();
        for k in 1000..1640 {
            b.add(k);
        }
        assert!(matches!(b.counts, Counts::W16(_)));
        assert!(b.heap_bytes() <= 2 * 640 * 5 / 4, "{}", b.heap_bytes());
    }

    /// The multiset view of a store: (key, count) of every non-empty bucket.
    fn contents(b: &Buckets) -> Vec<(u32, u64)> {
        (0..b.counts.len())
            .filter(|&i| b.count_at(i) != 0)
            .map(|i| (b.first + i as u32, b.count_at(i)))
            .collect()
    }

    #[test]
    fn a_window_collapses_below_the_largest_key_whatever_the_order() {
        let keys: Vec<u32> = (0..3000u32).map(|i| 1000 + (i * 7919) % 2500).collect();
        let mut one = Buckets::with_window(100);
        keys.iter().for_each(|&k| one.add(k));
        // Largest key 3499: buckets 3400..=3499 kept, everything below counted at 3400.
        let c = contents(&one);
        assert_eq!(c.first().unwrap().0, 3400);
        assert_eq!(c.last().unwrap().0, 3499);
        let below = keys.iter().filter(|&&k| k <= 3400).count() as u64;
        assert_eq!(c.first().unwrap().1, below);
        assert_eq!(one.total(), 3000);
        assert_eq!(one.heap_bytes(), 200);
        // Reversed, and split into three stores merged in another order: the same.
        let mut rev = Buckets::with_window(100);
        keys.iter().rev().for_each(|&k| rev.add(k));
        assert_eq!(contents(&rev), c);
        let mut parts: Vec<Buckets> = (0..3).map(|_| Buckets::with_window(100)).collect();
        for (i, &k) in keys.iter().enumerate() {
            parts[i % 3].add(k);
        }
        let mut merged = parts.pop().unwrap();
        merged.merge(&parts[0]);
        merged.merge(&parts[1]);
        assert_eq!(contents(&merged), c);
        assert_eq!(merged.total(), 3000);
        // A key far above slides the whole window past the old one.
        merged.add(9000);
        assert_eq!(contents(&merged), [(8901, 3000), (9000, 1)]);
        // The wire form keeps the window and reads back the same store.
        let back = Buckets::try_from(BucketsWire::from(&one)).unwrap();
        assert_eq!(
            (contents(&back), back.window(), back.total()),
            (c, 100, 3000)
        );
        let mut wide = BucketsWire::from(&one);
        wide.window = 50;
        assert!(Buckets::try_from(wide).is_err());
    }
}
