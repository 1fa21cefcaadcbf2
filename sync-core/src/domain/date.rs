//! Calendar dates for documents, in Indian Standard Time, without a
//! date-time dependency: invoices only ever need a civil date.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::CoreError;

/// IST is UTC+05:30 all year round.
pub const IST_OFFSET_MS: i64 = (5 * 60 + 30) * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, CoreError> {
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || !(2000..=2999).contains(&year)
        {
            return Err(CoreError::invalid(
                "date",
                format!(
                    "{year:04}-{month:02}-{day:02} is not a calendar date between 2000 and 2999"
                ),
            ));
        }
        Ok(Date { year, month, day })
    }

    /// The civil date in India at a Unix time in milliseconds.
    pub fn from_unix_ms_ist(ms: u64) -> Date {
        let days = (ms as i64 + IST_OFFSET_MS).div_euclid(86_400_000);
        civil_from_days(days)
    }

    /// The financial year (1 April – 31 March) as its starting calendar year:
    /// 15 March 2026 is in FY 2025 (2025-26); 1 April 2026 starts FY 2026.
    pub fn financial_year(&self) -> u16 {
        if self.month >= 4 {
            self.year
        } else {
            self.year - 1
        }
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(&self) -> i64 {
        let (y, m, d) = (self.year as i64, self.month as i64, self.day as i64);
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// DD-MM-YYYY, as Indian documents print dates.
    pub fn to_indian(&self) -> String {
        format!("{:02}-{:02}-{:04}", self.day, self.month, self.year)
    }
}

fn civil_from_days(z: i64) -> Date {
    // Howard Hinnant's algorithm.
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = if m <= 2 { y + 1 } else { y };
    Date {
        year: y as u16,
        month: m,
        day: d,
    }
}

fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Date, CoreError> {
        let bad = || {
            CoreError::invalid(
                "date",
                format!(
                    "`{}` is not a date in YYYY-MM-DD form",
                    s.chars().take(32).collect::<String>()
                ),
            )
        };
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let y = s[0..4].parse().map_err(|_| bad())?;
        let m = s[5..7].parse().map_err(|_| bad())?;
        let d = s[8..10].parse().map_err(|_| bad())?;
        Date::new(y, m, d)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_year_turns_on_first_april() {
        assert_eq!(Date::new(2026, 3, 31).unwrap().financial_year(), 2025);
        assert_eq!(Date::new(2026, 4, 1).unwrap().financial_year(), 2026);
    }

    #[test]
    fn ist_date_of_unix_time() {
        // 2025-03-31T18:30:00Z is midnight, 1 April 2025, in India.
        let ms = Date::new(2025, 4, 1).unwrap().days_since_epoch() as u64 * 86_400_000
            - IST_OFFSET_MS as u64;
        assert_eq!(Date::from_unix_ms_ist(ms), Date::new(2025, 4, 1).unwrap());
        assert_eq!(
            Date::from_unix_ms_ist(ms - 1),
            Date::new(2025, 3, 31).unwrap()
        );
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!(
            "2024-02-29".parse::<Date>().unwrap().to_indian(),
            "29-02-2024"
        );
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("2023-13-01".parse::<Date>().is_err());
        assert!("01-01-2023".parse::<Date>().is_err());
    }
}
