//! The GST rates in force, with the dates they came into force. A line, an
//! item or an estimate is checked against the rates of its own date, so a
//! document dated before a change keeps the rates of its day and nothing
//! issued after it can carry a rate the law no longer has.
//!
//! The table is law, not configuration: every replica must judge a line
//! alike, so it is compiled in, and a change of law is a release.

use rust_decimal::Decimal;

use crate::domain::date::Date;
use crate::error::CoreError;

/// From each date, the rates (percent, GST as a whole: CGST + SGST or IGST)
/// in force until the next row's date.
/// - 1 July 2017: the rates GST began with (0.25 % on rough diamonds and 3 %
///   on gold among them);
/// - 22 September 2025: the 56th GST Council's two-slab structure — 12 % and
///   28 % go, 40 % comes for sin and luxury goods.
const TABLE: &[Slabs] = &[
    Slabs {
        from: (2017, 7, 1),
        rates: &["0", "0.25", "3", "5", "12", "18", "28"],
    },
    Slabs {
        from: (2025, 9, 22),
        rates: &["0", "0.25", "3", "5", "18", "40"],
    },
];

/// The rates in force from a day (year, month, day).
struct Slabs {
    from: (u16, u8, u8),
    rates: &'static [&'static str],
}

/// The rates in force on `date` (empty before GST began).
pub fn in_force(date: Date) -> Vec<Decimal> {
    let key = (date.year, date.month, date.day);
    TABLE
        .iter()
        .rev()
        .find(|s| s.from <= key)
        .map(|s| s.rates.iter().map(|r| r.parse().expect("a rate")).collect())
        .unwrap_or_default()
}

/// `rate` is one of the rates in force on `date`.
pub fn check(field: &str, rate: Decimal, date: Date) -> Result<(), CoreError> {
    let rates = in_force(date);
    if rates.contains(&rate) {
        return Ok(());
    }
    let listed: Vec<String> = rates.iter().map(|r| format!("{r} %")).collect();
    Err(CoreError::invalid(
        field,
        format!(
            "{} % is not a GST rate in force on {} (in force: {})",
            rate.normalize(),
            date.to_indian(),
            listed.join(", ")
        ),
    ))
}

/// The rates in force on the day an op was made (its clock, in India).
pub fn check_at(field: &str, rate: Decimal, wall_ms: u64) -> Result<(), CoreError> {
    check(field, rate, Date::from_unix_ms_ist(wall_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: u16, m: u8, d: u8) -> Date {
        Date::new(y, m, d).unwrap()
    }

    #[test]
    fn each_date_has_the_rates_of_its_own_day() {
        let r = |s: &str| s.parse::<Decimal>().unwrap();
        assert!(check("gst_rate", r("12"), day(2025, 9, 21)).is_ok());
        assert!(check("gst_rate", r("12"), day(2025, 9, 22)).is_err());
        assert!(check("gst_rate", r("40"), day(2025, 9, 21)).is_err());
        assert!(check("gst_rate", r("40"), day(2025, 9, 22)).is_ok());
        // The same rate however it is written.
        assert!(check("gst_rate", r("18.00"), day(2026, 12, 1)).is_ok());
        assert!(check("gst_rate", r("0.250"), day(2026, 12, 1)).is_ok());
        assert!(check("gst_rate", r("12.345"), day(2026, 12, 1)).is_err());
        assert!(check("gst_rate", r("18"), day(2017, 6, 30)).is_err());
        let e = check("gst_rate", r("28"), day(2026, 12, 1)).unwrap_err();
        assert!(
            e.to_string()
                .contains("28 % is not a GST rate in force on 01-12-2026"),
            "{e}"
        );
    }
}
