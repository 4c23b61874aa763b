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
//! key of the first element as offset, 8 bits per count until a count needs more (see
//! [`Counts`]); a windowed store's array never holds more than its window. Merging adds counts, so it is exact,
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

/// Dense bucket counts stored as narrowly as the largest count allows: 8 bits each until
/// a count passes 255, then 16, 32 and 64 (the whole store widens at once, at most three
/// times). Most buckets of a per-service sketch hold a few values, so a sketch costs one
/// byte per bucket of its key range until one bucket passes 255 values, and two until one
/// passes 65,535: that is what keeps the per-service sketches of a 100,000-service run
/// small.
#[derive(Clone, Debug)]
pub(super) enum Counts {
    W8(Vec<u8>),
    W16(Vec<u16>),
    W32(Vec<u32>),
    W64(Vec<u64>),
}

impl Default for Counts {
    fn default() -> Self {
        Counts::W8(Vec::new())
    }
}

/// Evaluates `$body` with `$v` bound to the store's vector, whatever its width.
macro_rules! with_counts {
    ($counts:expr, $v:ident => $body:expr) => {
        match $counts {
            Counts::W8($v) => $body,
            Counts::W16($v) => $body,
            Counts::W32($v) => $body,
            Counts::W64($v) => $body,
        }
    };
}

impl Counts {
    /// `len` zero counts, in a store wide enough for counts up to `max`.
    pub(super) fn zeros(len: usize, max: u64) -> Counts {
        if max <= u64::from(u8::MAX) {
            Counts::W8(vec![0; len])
        } else if max <= u64::from(u16::MAX) {
            Counts::W16(vec![0; len])
        } else if max <= u64::from(u32::MAX) {
            Counts::W32(vec![0; len])
        } else {
            Counts::W64(vec![0; len])
        }
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        with_counts!(self, v => v.len())
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Counts::W8(v) => v.capacity(),
            Counts::W16(v) => v.capacity() * 2,
            Counts::W32(v) => v.capacity() * 4,
            Counts::W64(v) => v.capacity() * 8,
        }
    }

    #[inline]
    pub(super) fn get(&self, i: usize) -> u64 {
        fn at<T: Copy + Into<u64>>(v: &[T], i: usize) -> u64 {
            v[i].into()
        }
        with_counts!(self, v => at(v, i))
    }

    /// Adds `n` to count `i`, widening the store first if the sum would not fit.
    #[inline]
    pub(super) fn add(&mut self, i: usize, n: u64) {
        match self {
            Counts::W8(v) => {
                if let Some(c) = u8::try_from(n).ok().and_then(|n| v[i].checked_add(n)) {
                    v[i] = c;
                    return;
                }
            }
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
            Counts::W8(v) => Counts::W16(v.iter().map(|&c| u16::from(c)).collect()),
            Counts::W16(v) => Counts::W32(v.iter().map(|&c| u32::from(c)).collect()),
            Counts::W32(v) => Counts::W64(v.iter().map(|&c| u64::from(c)).collect()),
            Counts::W64(_) => unreachable!("u64 counts are the widest"),
        };
    }

    /// A store of `len` counts, at the same width, holding the counts from index `skip`
    /// on at index `at` on (as many as fit).
    pub(super) fn relaid(&self, skip: usize, at: usize, len: usize) -> Counts {
        fn place<T: Copy + Default>(v: &[T], skip: usize, at: usize, len: usize) -> Vec<T> {
            let mut out = vec![T::default(); len];
            let from = v.get(skip..).unwrap_or(&[]);
            let n = from.len().min(len.saturating_sub(at));
            out[at..at + n].copy_from_slice(&from[..n]);
            out
        }
        match self {
            Counts::W8(v) => Counts::W8(place(v, skip, at, len)),
            Counts::W16(v) => Counts::W16(place(v, skip, at, len)),
            Counts::W32(v) => Counts::W32(place(v, skip, at, len)),
            Counts::W64(v) => Counts::W64(place(v, skip, at, len)),
        }
    }

    /// Sets the first `n` counts to 0 and returns their sum.
    fn take_first(&mut self, n: usize) -> u64 {
        fn take<T: Copy + Default + Into<u64>>(v: &mut [T], n: usize) -> u64 {
            let n = n.min(v.len());
            let sum = v[..n].iter().map(|&c| c.into()).sum();
            v[..n].fill(T::default());
            sum
        }
        with_counts!(self, v => take(v, n))
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

    /// For each of the increasing `ranks`, the index where the running sum of counts
    /// from the first (or, `from_top`, the last) count on first exceeds it (`None` past
    /// the end), in one pass.
    fn indices_of_ranks(&self, ranks: &[u64], from_top: bool, out: &mut [Option<usize>]) {
        fn find<'a, T: Copy + Into<u64> + 'a>(
            v: impl Iterator<Item = (usize, &'a T)>,
            ranks: &[u64],
            out: &mut [Option<usize>],
        ) {
            let mut k = 0;
            let mut seen = 0u64;
            for (i, &c) in v {
                if k == ranks.len() {
                    return;
                }
                seen += c.into();
                while k < ranks.len() && seen > ranks[k] {
                    out[k] = Some(i);
                    k += 1;
                }
            }
        }
        out.iter_mut().for_each(|o| *o = None);
        with_counts!(self, v => if from_top {
            find(v.iter().enumerate().rev(), ranks, out)
        } else {
            find(v.iter().enumerate(), ranks, out)
        })
    }
}

/// Counts per bucket key, dense over the range of keys seen so far (plus some slack).
///
/// With a `window` of `w` buckets, every key above `top − w`, `top` being the largest key
/// seen, is counted exactly, and every smaller key is counted in the bucket of key
/// `top − w + 1`, its *floor* (the lowest buckets *collapse*, like the
/// `CollapsingLowestDenseStore` of DataDog's `sketches-java`); the dense range holds at
/// most `w` counts, however many values it sees, with zeros at any key below the floor.
/// What it holds depends only on the multiset of keys added: every key above the floor
/// exactly, and the rest together in the floor's bucket.
#[derive(Clone, Debug)]
pub(crate) struct Buckets {
    /// The key of the first count.
    first: u32,
    /// With a window: the largest key seen (0 while empty). Without: `u32::MAX`, so that
    /// no key is ever above it.
    top: u32,
    /// 0: unbounded; otherwise the number of buckets kept.
    window: u32,
    counts: Counts,
    total: u64,
    /// With a window: how many keys below its floor were counted (they belong to the
    /// floor's bucket; kept apart so that this 64-bit count never widens the store).
    below: u64,
}

impl Default for Buckets {
    fn default() -> Self {
        Buckets::with_window(0)
    }
}

/// Buckets a windowed store lays out around its first key.
const FIRST_SPAN: u32 = 32;

impl Buckets {
    /// An empty store of `window` buckets (0: unbounded).
    pub(crate) fn with_window(window: u32) -> Self {
        Buckets {
            first: 0,
            top: if window == 0 { u32::MAX } else { 0 },
            window,
            counts: Counts::default(),
            total: 0,
            below: 0,
        }
    }

    #[inline]
    pub(crate) fn add(&mut self, key: u32) {
        self.total += 1;
        let i = key.wrapping_sub(self.first) as usize;
        if i < self.counts.len() && key <= self.top {
            self.counts.add(i, 1);
        } else {
            self.add_outside(key, 1);
        }
    }

    /// Counts `n` keys `key`.
    pub(crate) fn add_n(&mut self, key: u32, n: u64) {
        self.total += n;
        let i = key.wrapping_sub(self.first) as usize;
        if i < self.counts.len() && key <= self.top {
            self.counts.add(i, n);
        } else {
            self.add_outside(key, n);
        }
    }

    /// Counts `n` keys `key` that lie outside the dense range or above the largest key
    /// seen (not in `total`).
    fn add_outside(&mut self, key: u32, n: u64) {
        if self.window == 0 {
            self.cover(key, key);
        } else if self.is_empty() {
            self.top = key;
            let lo = key.saturating_sub(FIRST_SPAN / 2).max(self.floor());
            self.relay(lo, key.saturating_add(FIRST_SPAN / 2));
        } else if key > self.top {
            self.raise_top(key);
        } else if key < self.floor() {
            self.below += n;
            return;
        } else if key < self.first {
            let lo = key.saturating_sub(self.slack()).max(self.floor());
            self.relay(lo, self.last());
        }
        self.counts.add((key - self.first) as usize, n);
    }

    /// With a window: the key of its lowest bucket, which also counts every key below
    /// it. Without: 0 (nothing is below it).
    fn floor(&self) -> u32 {
        if self.window == 0 {
            0
        } else {
            self.top.saturating_sub(self.window - 1)
        }
    }

    fn is_empty(&self) -> bool {
        self.counts.len() == 0 && self.below == 0
    }

    /// The last key of the dense range (`first − 1` when empty).
    fn last(&self) -> u32 {
        (self.first + self.counts.len() as u32).wrapping_sub(1)
    }

    /// How far beyond the keys it needs a windowed dense range grows: an eighth of its
    /// length, at least 16 buckets, so that it is laid out again a few times only.
    fn slack(&self) -> u32 {
        16.max(self.counts.len() as u32 / 8)
    }

    /// Lays a windowed dense range out again over `[lo, hi]`, cut to the window's length
    /// from `lo` (and to the largest key): it must hold every non-zero count, which it
    /// does when `lo` is at or below the first of them and at or above the floor.
    fn relay(&mut self, lo: u32, hi: u32) {
        let hi = hi.min(lo + (self.window - 1)).min(KEY_END - 1);
        let len = (hi - lo + 1) as usize;
        self.counts = if self.counts.len() == 0 {
            Counts::zeros(len, 0)
        } else {
            let skip = lo.saturating_sub(self.first) as usize;
            let at = self.first.saturating_sub(lo) as usize;
            self.counts.relaid(skip, at, len)
        };
        self.first = lo;
    }

    /// With a window: makes `key`, above the largest key seen, the new largest. The counts
    /// that fall below the new floor move to `below`, and the dense range reaches `key`.
    fn raise_top(&mut self, key: u32) {
        debug_assert!(self.window > 0 && key > self.top);
        self.top = key;
        let floor = self.floor();
        if self.first < floor {
            let fallen = ((floor - self.first) as usize).min(self.counts.len());
            self.below += self.counts.take_first(fallen);
        }
        if key > self.last() {
            let lo = self.first.max(floor);
            self.relay(lo, key.saturating_add(self.slack()));
        }
    }

    /// The count of key `key` (the floor's with the keys below a window).
    fn count_of(&self, key: u32) -> u64 {
        let i = key.wrapping_sub(self.first) as usize;
        let dense = if i < self.counts.len() {
            self.counts.get(i)
        } else {
            0
        };
        dense
            + if self.window > 0 && key == self.floor() {
                self.below
            } else {
                0
            }
    }

    /// The first and last key with a non-zero count.
    fn occupied(&self) -> Option<(u32, u32)> {
        let dense = self
            .counts
            .occupied()
            .map(|(lo, hi)| (self.first + lo as u32, self.first + hi as u32));
        match dense {
            Some((_, hi)) if self.below > 0 => Some((self.floor(), hi)),
            None if self.below > 0 => Some((self.floor(), self.floor())),
            found => found,
        }
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

    /// Grows an unbounded dense range to include `[lo, hi]`, with slack on the side(s)
    /// that grew.
    fn cover(&mut self, lo: u32, hi: u32) {
        debug_assert_eq!(self.window, 0);
        let len = self.counts.len() as u32;
        let slack = MIN_SLACK.max(len / 8);
        let (new_lo, new_hi) = if len == 0 {
            (
                lo.saturating_sub(slack),
                hi.saturating_add(slack).min(KEY_END - 1),
            )
        } else {
            let (cur_lo, cur_hi) = (self.first, self.last());
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
        self.counts = self.counts.relaid(0, at as usize, new_len);
        self.first = new_lo;
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
        if self.window == 0 {
            let len = self.counts.len();
            if len == 0 || lo < self.first || hi > self.last() {
                self.cover(lo, hi);
            }
        } else {
            if self.is_empty() {
                self.top = hi;
            } else if hi > self.top {
                self.raise_top(hi);
            }
            // The dense range must hold the other's keys from this one's floor on.
            let need = lo.max(self.floor());
            if self.counts.len() == 0 {
                self.relay(need, hi);
            } else if need < self.first || hi > self.last() {
                self.relay(need.min(self.first).max(self.floor()), hi.max(self.last()));
            }
        }
        // Keys below the other's window are below this one too: it ends at or above the
        // other's.
        self.below += other.below;
        if let Some((a, b)) = other.counts.occupied() {
            let floor = self.floor();
            for j in a..=b {
                let c = other.counts.get(j);
                if c == 0 {
                    continue;
                }
                let key = other.first + j as u32;
                if key < floor {
                    self.below += c;
                } else {
                    self.counts.add((key - self.first) as usize, c);
                }
            }
        }
        self.total += other.total;
    }

    /// The key of the value with 0-based `rank` in increasing order; `rank < total`. (The
    /// summaries use [`keys_at_ranks`](Self::keys_at_ranks); this is its reference.)
    #[cfg(test)]
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
        if from_top {
            // Past every count in the dense range: among the keys below a window.
            match self.counts.index_of_rank(rank, true) {
                Some(i) => self.first + i as u32,
                None => self.floor(),
            }
        } else if rank < self.below {
            self.floor()
        } else {
            let i = self
                .counts
                .index_of_rank(rank - self.below, false)
                .expect("rank below the total");
            self.first + i as u32
        }
    }

    /// [`key_at_rank`](Self::key_at_rank) of each of the increasing `ranks` (each below
    /// the total), in one pass over the counts.
    pub(crate) fn keys_at_ranks(&self, ranks: &[u64], out: &mut [u32]) {
        debug_assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
        debug_assert!(ranks.last().is_none_or(|&r| r < self.total));
        let n = ranks.len();
        assert!(n <= MAX_RANKS, "at most {MAX_RANKS} ranks at once");
        let mut dense = [0u64; MAX_RANKS];
        let mut found = [None; MAX_RANKS];
        // Ranks in the lower half are found from the first bucket up, those in the upper
        // half from the last one down: the high quantiles walk few buckets.
        let low = ranks.partition_point(|&r| r < self.total / 2);
        // Ranks among the keys below a window are its floor's; the others are looked up
        // in the dense range.
        let skip = ranks[..low].partition_point(|&r| r < self.below);
        for (d, &r) in dense.iter_mut().zip(&ranks[skip..low]) {
            *d = r - self.below;
        }
        self.counts
            .indices_of_ranks(&dense[..low - skip], false, &mut found[..low - skip]);
        for (o, f) in out[skip..low].iter_mut().zip(&found) {
            *o = self.first + f.expect("rank below the total") as u32;
        }
        out[..skip].fill(self.floor());
        // From the top: rank `r` is `total − 1 − r`, increasing as `r` decreases.
        let high = n - low;
        for (d, &r) in dense.iter_mut().zip(ranks[low..].iter().rev()) {
            *d = self.total - 1 - r;
        }
        self.counts
            .indices_of_ranks(&dense[..high], true, &mut found[..high]);
        for (o, f) in out[low..n].iter_mut().rev().zip(&found) {
            // Past every count in the dense range: among the keys below a window.
            *o = f.map_or(self.floor(), |i| self.first + i as u32);
        }
    }
}

/// The most ranks [`Buckets::keys_at_ranks`] looks up at once.
pub(crate) const MAX_RANKS: usize = 8;

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
                first_key: lo,
                counts: (lo..=hi).map(|k| b.count_of(k)).collect(),
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
        if w.window > 0 && (w.window > KEY_END || w.counts.len() > w.window as usize) {
            return Err(format!(
                "{} buckets in a window of {}",
                w.counts.len(),
                w.window
            ));
        }
        let mut b = Buckets::with_window(w.window);
        let Some(last) = w.counts.len().checked_sub(1) else {
            return Ok(b);
        };
        if w.window > 0 {
            b.top = w.first_key + last as u32;
        }
        // Within the window (checked above), so the floor is at or below the first key.
        let floor = b.floor();
        // A window's lowest bucket may hold a large count: kept apart, as when added.
        let skip = usize::from(w.window > 0 && w.first_key == floor);
        if skip == 1 {
            b.below = w.counts[0];
        }
        let dense = &w.counts[skip..];
        b.counts = Counts::zeros(dense.len(), dense.iter().copied().max().unwrap_or(0));
        b.first = w.first_key + skip as u32;
        for (i, &c) in dense.iter().enumerate() {
            b.counts.add(i, c);
        }
        b.total = total;
        Ok(b)
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
    fn a_store_costs_one_byte_a_bucket_until_a_count_passes_255() {
        let mut b = Buckets::default();
        for k in 1000..1640 {
            b.add(k);
        }
        assert!(matches!(b.counts, Counts::W8(_)));
        assert!(b.heap_bytes() <= 640 * 5 / 4, "{}", b.heap_bytes());
        for _ in 0..255 {
            b.add(1200);
        }
        assert!(matches!(b.counts, Counts::W16(_)));
        assert_eq!(b.key_at_rank_from_top(439), 1200);
        assert_eq!(b.total(), 640 + 255);
    }

    /// The multiset view of a store: (key, count) of every non-empty bucket.
    fn contents(b: &Buckets) -> Vec<(u32, u64)> {
        let Some((lo, hi)) = b.occupied() else {
            return Vec::new();
        };
        (lo..=hi)
            .map(|k| (k, b.count_of(k)))
            .filter(|&(_, c)| c != 0)
            .collect()
    }

    /// What a store of window `w` must hold after the keys `keys`, by definition: every
    /// key above `top − w + 1` with its count, every other key counted at `top − w + 1`.
    fn reference(keys: &[u32], w: u32) -> Vec<(u32, u64)> {
        let Some(&top) = keys.iter().max() else {
            return Vec::new();
        };
        let floor = top.saturating_sub(w - 1);
        let mut m = std::collections::BTreeMap::new();
        for &k in keys {
            *m.entry(k.max(floor)).or_insert(0u64) += 1;
        }
        m.into_iter().collect()
    }

    /// Random streams, windows and merge trees against the definition.
    #[test]
    fn windows_hold_what_the_definition_says() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        for round in 0..300 {
            let w = [1, 2, 9, 64, 1024][round % 5];
            let spread = [3u32, 40, 700, 5000][rng.random_range(0..4)];
            let base = rng.random_range(0..3000u32);
            let n = rng.random_range(1..400);
            let keys: Vec<u32> = (0..n).map(|_| base + rng.random_range(0..spread)).collect();
            let want = reference(&keys, w);
            let mut one = Buckets::with_window(w);
            keys.iter().for_each(|&k| one.add(k));
            assert_eq!(contents(&one), want, "round {round}");
            assert!(one.heap_bytes() <= 8 * w as usize, "round {round}");
            // Split at random points into windowed and unbounded parts, merged in turn.
            let mut merged = Buckets::with_window(w);
            for part in keys.chunks(rng.random_range(1..=n)) {
                let mut p = if rng.random_bool(0.5) {
                    Buckets::with_window(w)
                } else {
                    Buckets::default()
                };
                part.iter().for_each(|&k| p.add(k));
                merged.merge(&p);
            }
            assert_eq!(contents(&merged), want, "round {round}, merged");
            assert_eq!(merged.total(), n as u64);
            let back = Buckets::try_from(BucketsWire::from(&merged)).unwrap();
            assert_eq!(contents(&back), want, "round {round}, read back");
            for r in 0..n as u64 {
                assert_eq!(back.key_at_rank(r), one.key_at_rank(r));
                assert_eq!(merged.key_at_rank_from_top(r), one.key_at_rank_from_top(r));
            }
        }
    }

    /// A windowed store holds only the range of keys it has seen, never more than its
    /// window, whatever the order of the keys; and it answers as one laid out over the
    /// whole window would: every rank, and the wire form.
    #[test]
    fn a_window_holds_only_the_keys_seen() {
        let mut b = Buckets::with_window(1024);
        for k in [5000, 5003, 4990] {
            b.add(k);
        }
        // A first span of 32 buckets around the first key, not the window's 1,024.
        assert!(
            b.heap_bytes() <= FIRST_SPAN as usize + 1,
            "{}",
            b.heap_bytes()
        );
        assert_eq!(contents(&b), [(4990, 1), (5000, 1), (5003, 1)]);
        // Keys spread over twice the window, in a scrambled order, then merged from
        // parts: the same contents as the sorted stream, at most one byte a bucket.
        let keys: Vec<u32> = (0..5000u32).map(|i| 3000 + (i * 7919) % 2048).collect();
        let mut one = Buckets::with_window(1024);
        keys.iter().for_each(|&k| one.add(k));
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        let mut inc = Buckets::with_window(1024);
        sorted.iter().for_each(|&k| inc.add(k));
        let mut dec = Buckets::with_window(1024);
        sorted.iter().rev().for_each(|&k| dec.add(k));
        let c = contents(&one);
        assert_eq!(c.first().unwrap().0, 5047 - 1023);
        assert_eq!((contents(&inc), contents(&dec)), (c.clone(), c.clone()));
        for s in [&one, &inc, &dec] {
            assert!(s.heap_bytes() <= 1024, "{}", s.heap_bytes());
            for r in (0..5000).step_by(97) {
                assert_eq!(s.key_at_rank(r), one.key_at_rank(r));
                assert_eq!(s.key_at_rank_from_top(r), one.key_at_rank_from_top(r));
            }
        }
        let mut parts = [
            Buckets::with_window(1024),
            Buckets::default(),
            Buckets::with_window(1024),
        ];
        for (i, &k) in keys.iter().enumerate() {
            parts[i % 3].add(k);
        }
        let mut merged = Buckets::with_window(1024);
        parts.iter().rev().for_each(|p| merged.merge(p));
        assert_eq!((contents(&merged), merged.total()), (c, 5000));
        // Several ranks in one pass give the keys of one rank at a time.
        let ranks = [0, 1, 2400, 2401, 4000, 4999];
        let mut keys_out = [0; 6];
        merged.keys_at_ranks(&ranks, &mut keys_out);
        let one_by_one: Vec<u32> = ranks.iter().map(|&r| merged.key_at_rank(r)).collect();
        assert_eq!(keys_out.to_vec(), one_by_one);
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
        assert!(one.heap_bytes() <= 100, "{}", one.heap_bytes());
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
