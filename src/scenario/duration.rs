//! Durations as written in scenario files: `"90s"`, `"30m"`, `"36h"`, `"5d"`, `"2w"`,
//! `"1y"` and sums such as `"1d 12h"` or `"8h30m"`. Internally, time is hours as `f64`.

/// The longest duration a scenario may state: a thousand years. Anything longer is a typo
/// (or a hostile file) and would only push the simulation into numeric trouble.
pub const MAX_HOURS: f64 = 1000.0 * HOURS_PER_YEAR;

/// `1y` is 8760 hours (365 days, no leap years), as `docs/scenario-format.md` states.
pub const HOURS_PER_YEAR: f64 = 8760.0;

const UNITS: &[(&str, f64)] = &[
    ("ms", 1.0 / 3_600_000.0),
    ("s", 1.0 / 3600.0),
    ("m", 1.0 / 60.0),
    ("h", 1.0),
    ("d", 24.0),
    ("w", 168.0),
    ("y", HOURS_PER_YEAR),
];

/// Parses a duration string into hours.
///
/// The grammar is one or more `<number><unit>` terms, optionally separated by spaces; a
/// number is plain decimal digits with an optional fraction (no sign, no exponent).
pub fn parse_hours(text: &str) -> Result<f64, String> {
    let expected = "expected a duration such as \"90s\", \"30m\", \"36h\", \"5d\", \"2w\", \"1y\" or a sum such as \"1d 12h\"";
    let s = text.trim();
    if s.is_empty() {
        return Err(format!("empty duration; {expected}"));
    }
    if s.starts_with('-') {
        return Err(format!(
            "negative duration \"{text}\"; durations are zero or more"
        ));
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut total = 0.0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        if i == bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let number = &s[start..i];
        if number.is_empty() {
            return Err(format!("\"{text}\" is not a duration; {expected}"));
        }
        if number.matches('.').count() > 1 || number.starts_with('.') || number.ends_with('.') {
            return Err(format!("bad number \"{number}\" in duration \"{text}\""));
        }
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &s[unit_start..i];
        if unit.is_empty() {
            return Err(format!(
                "\"{text}\" has no unit; {expected} (units: ms, s, m, h, d, w, y)"
            ));
        }
        let Some(&(_, factor)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(format!(
                "unknown unit \"{unit}\" in \"{text}\"; units are ms, s, m, h, d, w, y"
            ));
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("bad number \"{number}\" in duration \"{text}\""))?;
        total += value * factor;
        if i < bytes.len() && !(bytes[i] == b' ' || bytes[i].is_ascii_digit()) {
            return Err(format!("\"{text}\" is not a duration; {expected}"));
        }
    }
    if !total.is_finite() || total > MAX_HOURS {
        return Err(format!(
            "duration \"{text}\" is longer than the 1000-year limit"
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_sums() {
        assert_eq!(parse_hours("90s").unwrap(), 0.025);
        assert_eq!(parse_hours("30m").unwrap(), 0.5);
        assert_eq!(parse_hours("36h").unwrap(), 36.0);
        assert_eq!(parse_hours("5d").unwrap(), 120.0);
        assert_eq!(parse_hours("2w").unwrap(), 336.0);
        assert_eq!(parse_hours("1y").unwrap(), 8760.0);
        assert_eq!(parse_hours("1d 12h").unwrap(), 36.0);
        assert_eq!(parse_hours("8h30m").unwrap(), 8.5);
        assert_eq!(parse_hours("0h").unwrap(), 0.0);
        assert_eq!(parse_hours("1.5h").unwrap(), 1.5);
    }

    #[test]
    fn rejects() {
        for bad in [
            "5 hours", "-3h", "3", "", "h", "1e308h", "3h-", "1..5h", "3x", "nanh",
        ] {
            assert!(parse_hours(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse_hours("5 hours").unwrap_err().contains("unknown unit"));
        assert!(parse_hours("3").unwrap_err().contains("no unit"));
        assert!(parse_hours("-3h").unwrap_err().contains("negative"));
        assert!(parse_hours("99999999999999999999y").is_err());
    }
}
