//! How text and numbers are written into the page: escaped, and amounts and
//! quantities as a shop prints them.

use rust_decimal::Decimal;
use sync_core::domain::money::{format_inr, to_paisa};

/// HTML-escape text for element content and quoted attribute values
/// (`&`, `<`, `>`, `"`, `'`).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A quantity or rate without trailing zeros: 1.500 → "1.5", 18.00 → "18".
pub(super) fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Round-off with its sign: "+0.40", "-0.32", "0.00".
pub(super) fn signed_inr(d: Decimal) -> String {
    if d > Decimal::ZERO && !to_paisa(d).is_zero() {
        format!("+{}", format_inr(d))
    } else {
        format_inr(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_escapes_the_five_characters() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(esc("plain ₹ text"), "plain ₹ text");
    }

    #[test]
    fn numbers_print_without_trailing_zeros_and_round_off_with_its_sign() {
        assert_eq!(plain("1.500".parse().unwrap()), "1.5");
        assert_eq!(plain("18.00".parse().unwrap()), "18");
        assert_eq!(signed_inr("0.40".parse().unwrap()), "+0.40");
        assert_eq!(signed_inr("-0.32".parse().unwrap()), "-0.32");
        assert_eq!(signed_inr(Decimal::ZERO), "0.00");
    }
}
