//! Field checks shared by every entry point: lengths, character sets, and
//! Indian identifiers (mobile, GSTIN, state code, HSN/SAC). Each error names
//! the field and the rule.

use crate::error::CoreError;

/// Free text: trimmed length within bounds, no control characters except
/// newline and tab. HTML and SQL are just text here: every output escapes.
pub fn text(field: &str, v: &str, min: usize, max: usize) -> Result<(), CoreError> {
    let n = v.trim().chars().count();
    if n < min {
        return Err(CoreError::invalid(
            field,
            if min == 1 {
                "must not be empty".to_string()
            } else {
                format!("must be at least {min} characters")
            },
        ));
    }
    if v.chars().count() > max {
        return Err(CoreError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(CoreError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// An Indian mobile number: 10 digits starting 6-9, optionally written with
/// +91 or a leading 0. Returns the 10-digit form.
pub fn mobile(field: &str, v: &str) -> Result<String, CoreError> {
    let compact: String = v.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = compact
        .strip_prefix("+91")
        .or_else(|| {
            if compact.len() == 11 {
                compact.strip_prefix('0')
            } else {
                None
            }
        })
        .unwrap_or(&compact);
    if digits.len() == 10
        && digits.chars().all(|c| c.is_ascii_digit())
        && matches!(digits.as_bytes()[0], b'6'..=b'9')
    {
        Ok(digits.to_string())
    } else {
        Err(CoreError::invalid(
            field,
            "must be a 10-digit Indian mobile number starting with 6, 7, 8 or 9",
        ))
    }
}

/// A GST state code: two digits, 01 to 38 (96 foreign country, 97 other
/// territory). Checked against the table invoices print names from, so every
/// code accepted here has one.
pub fn state_code(field: &str, v: &str) -> Result<(), CoreError> {
    if super::states::state_name(v).is_some() {
        Ok(())
    } else {
        Err(CoreError::invalid(
            field,
            "must be a two-digit GST state code (01-38, 96, 97)",
        ))
    }
}

/// A GSTIN: 15 characters — state code, PAN (5 letters, 4 digits, 1 letter),
/// entity number, `Z`, and a check character (verified, mod-36 Luhn).
pub fn gstin(field: &str, v: &str) -> Result<(), CoreError> {
    let b = v.as_bytes();
    let shape = b.len() == 15
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2..7].iter().all(u8::is_ascii_uppercase)
        && b[7..11].iter().all(u8::is_ascii_digit)
        && b[11].is_ascii_uppercase()
        && b[13] == b'Z';
    if !shape {
        return Err(CoreError::invalid(
            field,
            "must be a 15-character GSTIN like 29ABCDE1234F1Z5",
        ));
    }
    state_code(field, &v[..2])?;
    if gstin_check_char(&v[..14]) != b[14] as char {
        return Err(CoreError::invalid(
            field,
            "check character does not match: the GSTIN is mistyped",
        ));
    }
    Ok(())
}

/// The GSTIN check character of the first 14 characters.
pub fn gstin_check_char(first14: &str) -> char {
    const CHARS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut sum = 0u32;
    for (i, c) in first14.bytes().enumerate() {
        let v = CHARS.iter().position(|x| *x == c).unwrap_or(0) as u32;
        let p = v * if i % 2 == 0 { 1 } else { 2 };
        sum += p / 36 + p % 36;
    }
    CHARS[((36 - sum % 36) % 36) as usize] as char
}

/// HSN (goods: 4, 6 or 8 digits) or SAC (services: 6 digits starting 99).
pub fn hsn_sac(field: &str, v: &str) -> Result<(), CoreError> {
    if matches!(v.len(), 4 | 6 | 8) && v.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CoreError::invalid(
            field,
            "must be an HSN code (4, 6 or 8 digits) or a SAC (6 digits, e.g. 998713)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles() {
        assert_eq!(mobile("mobile", "+91 98450-12345").unwrap(), "9845012345");
        assert_eq!(mobile("mobile", "09845012345").unwrap(), "9845012345");
        assert!(mobile("mobile", "5845012345").is_err());
        assert!(mobile("mobile", "98450").is_err());
        assert!(mobile("mobile", "98450abcde").is_err());
    }

    #[test]
    fn gstins() {
        let base = "29ABCDE1234F1Z";
        let good = format!("{base}{}", gstin_check_char(base));
        assert!(gstin("gstin", &good).is_ok());
        let mut bad = good.clone();
        bad.replace_range(14..15, if good.ends_with('0') { "1" } else { "0" });
        assert!(gstin("gstin", &bad).is_err());
        assert!(gstin("gstin", "29ABCDE1234F1Y5").is_err());
        assert!(gstin("gstin", "99ABCDE1234F1Z5").is_err());
    }

    #[test]
    fn texts() {
        assert!(text("name", "  ", 1, 10).is_err());
        assert!(text("name", "<script>alert(1)</script>", 1, 100).is_ok());
        assert!(text("name", "a\u{0}b", 1, 10).is_err());
        assert!(text("name", &"x".repeat(11), 1, 10).is_err());
    }
}
