//! Numbers and durations as people read them, for every output: durations in the
//! shortest readable form ("1d 12h"), counts with thousands separators, large figures in
//! words ("1.20 billion"), and the plain numbers of CSV cells.

/// Formats hours as the shortest readable duration, for reports ("1d 12h", "45m").
pub fn format_hours(hours: f64) -> String {
    if !hours.is_finite() {
        return "-".into();
    }
    if hours < 1.0 / 60.0 {
        return format!("{:.0}s", hours * 3600.0);
    }
    if hours < 1.0 {
        return format!("{:.0}m", hours * 60.0);
    }
    if hours < 48.0 {
        let h = hours.floor();
        let m = ((hours - h) * 60.0).round();
        if (1.0..60.0).contains(&m) {
            return format!("{h:.0}h {m:.0}m");
        }
        return format!("{:.0}h", hours.round());
    }
    let d = (hours / 24.0).floor();
    let h = (hours - d * 24.0).round();
    if (1.0..24.0).contains(&h) {
        format!("{d:.0}d {h:.0}h")
    } else {
        format!("{:.0}d", (hours / 24.0).round())
    }
}

/// `47000000` → `47,000,000`.
pub fn thousands(n: impl Into<u128>) -> String {
    let n: u128 = n.into();
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A large number in words people read: 1.2 billion, 340 million, 12,300.
pub fn human(x: f64) -> String {
    let a = x.abs();
    if a >= 1e9 {
        format!("{:.2} billion", x / 1e9)
    } else if a >= 1e6 {
        format!("{:.2} million", x / 1e6)
    } else if a >= 1e4 {
        thousands(x.round() as u64)
    } else if a >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// A large number in words ([`human`]), with the rounding noise of a
/// difference of sums (a few ulp either side of 0) shown as 0.
pub fn figure(x: f64) -> String {
    human(if x.abs() < 0.005 { 0.0 } else { x })
}

/// A share in `[0, 1]` as a percentage, with as many decimals (2 to 6) as it takes not
/// to round a share below 1 up to 100 %: 0.5 → "50.00%", 0.99996 → "99.996%".
pub fn availability_percent(share: f64) -> String {
    let p = 100.0 * share;
    let mut decimals = 2;
    while decimals < 6 && share < 1.0 && format!("{p:.decimals$}").starts_with("100") {
        decimals += 1;
    }
    format!("{p:.decimals$}%")
}

/// A number for CSV: empty when absent.
pub fn num(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(format_hours(36.0), "36h");
        assert_eq!(format_hours(8.5), "8h 30m");
        assert_eq!(format_hours(0.5), "30m");
        assert_eq!(format_hours(127.5), "5d 8h");
        assert_eq!(format_hours(f64::NAN), "-");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0u64), "0");
        assert_eq!(thousands(999u64), "999");
        assert_eq!(thousands(1000u64), "1,000");
        assert_eq!(thousands(47_000_000u64), "47,000,000");
    }

    #[test]
    fn figures_in_words() {
        assert_eq!(human(1.2e9), "1.20 billion");
        assert_eq!(human(3.4e8), "340.00 million");
        assert_eq!(human(12_300.0), "12,300");
        assert_eq!(human(12.4), "12");
        assert_eq!(human(1.234), "1.23");
        assert_eq!(figure(1e-9), "0.00");
        assert_eq!(num(None), "");
        assert_eq!(availability_percent(1.0), "100.00%");
        assert_eq!(availability_percent(0.5), "50.00%");
        assert_eq!(availability_percent(0.99996), "99.996%");
        assert_eq!(availability_percent(0.9999), "99.99%");
        assert_eq!(num(Some(0.5)), "0.5");
    }
}
