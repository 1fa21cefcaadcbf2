//! The GST state codes: the two digits a GSTIN begins with and a place of
//! supply names, with the names an invoice prints. The one table of them:
//! [`validate::state_code`](super::validate::state_code) accepts exactly
//! these codes, and a printed invoice names them from here, so a code the
//! rules let through always has a name on paper.

/// GST state codes (as the first two digits of a GSTIN and as the place of
/// supply) and their names: 01-38 the states and union territories, 96 a
/// foreign country, 97 other territory. 99 (Centre Jurisdiction) is not a
/// code the shop's rules accept, so it has no entry.
pub const GST_STATES: &[(&str, &str)] = &[
    ("01", "Jammu and Kashmir"),
    ("02", "Himachal Pradesh"),
    ("03", "Punjab"),
    ("04", "Chandigarh"),
    ("05", "Uttarakhand"),
    ("06", "Haryana"),
    ("07", "Delhi"),
    ("08", "Rajasthan"),
    ("09", "Uttar Pradesh"),
    ("10", "Bihar"),
    ("11", "Sikkim"),
    ("12", "Arunachal Pradesh"),
    ("13", "Nagaland"),
    ("14", "Manipur"),
    ("15", "Mizoram"),
    ("16", "Tripura"),
    ("17", "Meghalaya"),
    ("18", "Assam"),
    ("19", "West Bengal"),
    ("20", "Jharkhand"),
    ("21", "Odisha"),
    ("22", "Chhattisgarh"),
    ("23", "Madhya Pradesh"),
    ("24", "Gujarat"),
    ("25", "Daman and Diu"),
    ("26", "Dadra and Nagar Haveli and Daman and Diu"),
    ("27", "Maharashtra"),
    ("28", "Andhra Pradesh (before division)"),
    ("29", "Karnataka"),
    ("30", "Goa"),
    ("31", "Lakshadweep"),
    ("32", "Kerala"),
    ("33", "Tamil Nadu"),
    ("34", "Puducherry"),
    ("35", "Andaman and Nicobar Islands"),
    ("36", "Telangana"),
    ("37", "Andhra Pradesh"),
    ("38", "Ladakh"),
    ("96", "Foreign Country"),
    ("97", "Other Territory"),
];

/// The name of a GST state code ("29" → "Karnataka"), if it is one.
pub fn state_name(code: &str) -> Option<&'static str> {
    GST_STATES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate;

    #[test]
    fn names_of_codes() {
        assert_eq!(state_name("29"), Some("Karnataka"));
        assert_eq!(state_name("27"), Some("Maharashtra"));
        assert_eq!(state_name("33"), Some("Tamil Nadu"));
        assert_eq!(state_name("36"), Some("Telangana"));
        assert_eq!(state_name("07"), Some("Delhi"));
        assert_eq!(state_name("96"), Some("Foreign Country"));
        assert_eq!(state_name("97"), Some("Other Territory"));
        assert_eq!(state_name("99"), None);
        assert_eq!(state_name("7"), None);
        for n in 1..=38 {
            assert!(state_name(&format!("{n:02}")).is_some(), "{n}");
        }
    }

    #[test]
    fn validate_accepts_exactly_the_named_codes() {
        for n in 0..=999 {
            for code in [format!("{n:02}"), format!("{n:03}"), n.to_string()] {
                assert_eq!(
                    validate::state_code("state_code", &code).is_ok(),
                    state_name(&code).is_some(),
                    "{code}"
                );
            }
        }
        for code in ["", " 29", "29 ", "+9", "2a", "٢٩"] {
            assert!(
                validate::state_code("state_code", code).is_err(),
                "{code:?}"
            );
        }
    }
}
