//! [`Histogram`]: counts per bin, stored narrowly.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::sketch::Counts;

/// Counts of a fixed number of bins, 8 bits each until a count passes 255, then 16, 32
/// and 64 (the whole histogram widens at once), so that one kept per service stays small:
/// 101 bins cost 101 bytes where `u64` counts cost 808. Empty, with no bins and no heap,
/// until the first count. Serialised as the list of its counts.
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    counts: Counts,
}

impl Histogram {
    /// No bins.
    pub fn new() -> Self {
        Self::default()
    }

    /// `bins` bins of count 0.
    pub fn with_bins(bins: usize) -> Self {
        Histogram {
            counts: Counts::zeros(bins, 0),
        }
    }

    /// Whether it has no bins.
    pub fn is_empty(&self) -> bool {
        self.counts.len() == 0
    }

    /// Its number of bins.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Counts one more in `bin` (below [`len`](Self::len)).
    pub fn add(&mut self, bin: usize) {
        self.counts.add(bin, 1);
    }

    /// The count of `bin` (below [`len`](Self::len)).
    pub fn get(&self, bin: usize) -> u64 {
        self.counts.get(bin)
    }

    /// The counts, bin by bin.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len()).map(|i| self.counts.get(i))
    }

    /// Adds the counts of `other` bin by bin, growing to its number of bins.
    pub fn merge(&mut self, other: &Histogram) {
        if self.len() < other.len() {
            self.counts = self.counts.relaid(0, 0, other.len());
        }
        for (i, c) in other.iter().enumerate() {
            if c != 0 {
                self.counts.add(i, c);
            }
        }
    }
}

impl From<&[u64]> for Histogram {
    fn from(counts: &[u64]) -> Self {
        let mut h = Histogram {
            counts: Counts::zeros(counts.len(), counts.iter().copied().max().unwrap_or(0)),
        };
        for (i, &c) in counts.iter().enumerate() {
            h.counts.add(i, c);
        }
        h
    }
}

impl Serialize for Histogram {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Histogram {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Histogram::from(
            Vec::<u64>::deserialize(deserializer)?.as_slice(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_widen_merge_and_serialise_as_a_list() {
        let mut h = Histogram::with_bins(101);
        assert_eq!(h.len(), 101);
        for _ in 0..300 {
            h.add(7);
        }
        h.add(100);
        assert_eq!((h.get(7), h.get(100), h.get(0)), (300, 1, 0));
        let mut short = Histogram::new();
        assert!(short.is_empty());
        short.merge(&h);
        short.merge(&Histogram::from(&[1, 2][..]));
        assert_eq!((short.get(0), short.get(1), short.get(7)), (1, 2, 300));
        let json = serde_json::to_string(&short).unwrap();
        let plain: Vec<u64> = short.iter().collect();
        assert_eq!(json, serde_json::to_string(&plain).unwrap());
        let back: Histogram = serde_json::from_str(&json).unwrap();
        assert_eq!(back.iter().collect::<Vec<_>>(), plain);
        assert_eq!(serde_json::to_string(&Histogram::new()).unwrap(), "[]");
    }
}
