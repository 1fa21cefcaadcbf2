//! Money: `Decimal` rupees, rounded half away from zero (as GST law rounds),
//! never banker's rounding and never a float.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::CoreError;

/// Round to the paisa, half away from zero.
pub fn to_paisa(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Round to the rupee, half away from zero.
pub fn to_rupee(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
}

/// A money amount typed by a person: at most two decimal places, not negative,
/// below a crore of crores.
/// No amount a shop writes reaches ₹10,00,00,00,000. With quantities below
/// [`crate::domain::stock::MAX_QTY`], a line's value and a document's sum
/// stay far inside `Decimal`'s range, so arithmetic on checked input
/// cannot overflow (and panic) on any replica.
pub const MAX_AMOUNT_RUPEES: i64 = 10_000_000_000;

pub fn check_amount(field: &str, d: Decimal) -> Result<(), CoreError> {
    if d.is_sign_negative() && !d.is_zero() {
        return Err(CoreError::invalid(field, "must not be negative"));
    }
    if d.normalize().scale() > 2 {
        return Err(CoreError::invalid(
            field,
            "must have at most 2 decimal places (paise)",
        ));
    }
    if d >= Decimal::from(MAX_AMOUNT_RUPEES) {
        return Err(CoreError::invalid(
            field,
            "must be below ₹10,00,00,00,000 (no shop reaches it)",
        ));
    }
    Ok(())
}

/// Format as Indian rupees with lakh/crore grouping: 123456.5 → "1,23,456.50".
pub fn format_inr(d: Decimal) -> String {
    let d = to_paisa(d);
    let neg = d.is_sign_negative() && !d.is_zero();
    let s = format!("{:.2}", d.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let grouped = group_indian(int);
    format!("{}{}.{}", if neg { "-" } else { "" }, grouped, frac)
}

fn group_indian(int: &str) -> String {
    if int.len() <= 3 {
        return int.to_string();
    }
    let (head, last3) = int.split_at(int.len() - 3);
    let mut parts = Vec::new();
    let mut h = head;
    while h.len() > 2 {
        let (a, b) = h.split_at(h.len() - 2);
        parts.push(b);
        h = a;
    }
    if !h.is_empty() {
        parts.push(h);
    }
    parts.reverse();
    format!("{},{}", parts.join(","), last3)
}

/// Amount in words as printed on Indian invoices:
/// 1234.50 → "Rupees One Thousand Two Hundred Thirty Four and Fifty Paise Only".
pub fn amount_in_words(d: Decimal) -> String {
    let d = to_paisa(d.abs());
    let rupees = d.trunc();
    let paise = ((d - rupees) * Decimal::from(100)).trunc();
    let r: u64 = rupees.try_into().unwrap_or(0);
    let p: u64 = paise.try_into().unwrap_or(0);
    let mut s = format!(
        "Rupees {}",
        if r == 0 { "Zero".to_string() } else { words(r) }
    );
    if p > 0 {
        s.push_str(&format!(" and {} Paise", words(p)));
    }
    s.push_str(" Only");
    s
}

fn words(n: u64) -> String {
    const ONES: [&str; 20] = [
        "",
        "One",
        "Two",
        "Three",
        "Four",
        "Five",
        "Six",
        "Seven",
        "Eight",
        "Nine",
        "Ten",
        "Eleven",
        "Twelve",
        "Thirteen",
        "Fourteen",
        "Fifteen",
        "Sixteen",
        "Seventeen",
        "Eighteen",
        "Nineteen",
    ];
    const TENS: [&str; 10] = [
        "", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety",
    ];
    fn below_100(n: u64) -> String {
        if n < 20 {
            ONES[n as usize].to_string()
        } else if n.is_multiple_of(10) {
            TENS[(n / 10) as usize].to_string()
        } else {
            format!("{} {}", TENS[(n / 10) as usize], ONES[(n % 10) as usize])
        }
    }
    fn below_1000(n: u64) -> String {
        let mut parts = Vec::new();
        if n >= 100 {
            parts.push(format!("{} Hundred", ONES[(n / 100) as usize]));
        }
        if !n.is_multiple_of(100) {
            parts.push(below_100(n % 100));
        }
        parts.join(" ")
    }
    let mut parts = Vec::new();
    let crore = n / 10_000_000;
    let lakh = (n / 100_000) % 100;
    let thousand = (n / 1000) % 100;
    let rest = n % 1000;
    if crore > 0 {
        parts.push(format!("{} Crore", words_or_below(crore)));
    }
    if lakh > 0 {
        parts.push(format!("{} Lakh", below_100(lakh)));
    }
    if thousand > 0 {
        parts.push(format!("{} Thousand", below_100(thousand)));
    }
    if rest > 0 {
        parts.push(below_1000(rest));
    }
    fn words_or_below(n: u64) -> String {
        if n < 1000 { below_1000(n) } else { words(n) }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rounds_half_away_from_zero_not_to_even() {
        assert_eq!(to_paisa(d("2.125")), d("2.13"));
        assert_eq!(to_paisa(d("2.135")), d("2.14"));
        assert_eq!(to_rupee(d("10.50")), d("11"));
        assert_eq!(to_rupee(d("11.50")), d("12"));
        assert_eq!(to_rupee(d("11.49")), d("11"));
    }

    #[test]
    fn indian_grouping() {
        assert_eq!(format_inr(d("123456")), "1,23,456.00");
        assert_eq!(format_inr(d("12345678.9")), "1,23,45,678.90");
        assert_eq!(format_inr(d("999")), "999.00");
        assert_eq!(format_inr(d("1000")), "1,000.00");
    }

    #[test]
    fn words() {
        assert_eq!(
            amount_in_words(d("1234.50")),
            "Rupees One Thousand Two Hundred Thirty Four and Fifty Paise Only"
        );
        assert_eq!(
            amount_in_words(d("2500000")),
            "Rupees Twenty Five Lakh Only"
        );
        assert_eq!(amount_in_words(d("10000001")), "Rupees One Crore One Only");
    }

    #[test]
    fn amount_checks() {
        assert!(check_amount("amount", d("10.25")).is_ok());
        assert!(check_amount("amount", d("10.250")).is_ok());
        assert!(check_amount("amount", d("10.255")).is_err());
        assert!(check_amount("amount", d("-1")).is_err());
    }
}
