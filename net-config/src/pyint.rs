//! Integer parsing with Python's `int(text, base)` rules.
//!
//! kconfiglib decides whether an int/hex value is valid, and how relations compare, with
//! Python's `int()`. Matching its answers on odd inputs (`" 12 "`, `"1_000"`, `"010"`,
//! `"0X1f"`) is what makes our resolution equal kconfiglib's, so the rules are copied here.

/// Parses `text` as Python's `int(text, base)` would; `None` where Python raises `ValueError`.
///
/// `base` is 0 (auto-detect a `0x`/`0o`/`0b` prefix, decimal otherwise), 10 or 16.
pub fn parse(text: &str, base: u32) -> Option<i128> {
    let s = text.trim_matches(|c: char| c.is_whitespace());
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = s.to_ascii_lowercase();
    let (radix, digits, prefixed) = match base {
        0 => {
            if let Some(rest) = lower.strip_prefix("0x") {
                (16, rest, true)
            } else if let Some(rest) = lower.strip_prefix("0o") {
                (8, rest, true)
            } else if let Some(rest) = lower.strip_prefix("0b") {
                (2, rest, true)
            } else {
                (10, lower.as_str(), false)
            }
        }
        16 => match lower.strip_prefix("0x") {
            Some(rest) => (16, rest, true),
            None => (16, lower.as_str(), false),
        },
        b => (b, lower.as_str(), false),
    };
    // Underscores may separate digits, and may follow a base prefix, but never lead,
    // trail or double up.
    let digits = if prefixed {
        digits.strip_prefix('_').unwrap_or(digits)
    } else {
        digits
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if !clean.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Base 0 forbids leading zeros on non-zero decimal numbers ("010" is an error).
    if base == 0
        && radix == 10
        && clean.len() > 1
        && clean.starts_with('0')
        && clean.chars().any(|c| c != '0')
    {
        return None;
    }
    let value = i128::from_str_radix(&clean, radix).ok()?;
    Some(if negative { -value } else { value })
}

/// Formats like Python's `hex()`: lowercase, `0x` prefix, sign in front.
pub fn to_hex(value: i128) -> String {
    if value < 0 {
        format!("-0x{:x}", value.unsigned_abs())
    } else {
        format!("0x{value:x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_python_int() {
        assert_eq!(parse("12", 10), Some(12));
        assert_eq!(parse(" 12 ", 10), Some(12));
        assert_eq!(parse("-7", 10), Some(-7));
        assert_eq!(parse("1_000", 10), Some(1000));
        assert_eq!(parse("1__0", 10), None);
        assert_eq!(parse("_1", 10), None);
        assert_eq!(parse("0x10", 10), None);
        assert_eq!(parse("0x10", 16), Some(16));
        assert_eq!(parse("0X1F", 16), Some(31));
        assert_eq!(parse("1f", 16), Some(31));
        assert_eq!(parse("0x_1f", 0), Some(31));
        assert_eq!(parse("010", 0), None);
        assert_eq!(parse("010", 10), Some(10));
        assert_eq!(parse("000", 0), Some(0));
        assert_eq!(parse("0b101", 0), Some(5));
        assert_eq!(parse("", 10), None);
        assert_eq!(parse("y", 0), None);
    }

    #[test]
    fn hex_like_python() {
        assert_eq!(to_hex(255), "0xff");
        assert_eq!(to_hex(-16), "-0x10");
        assert_eq!(to_hex(0), "0x0");
    }
}
