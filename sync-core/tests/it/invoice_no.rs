//! CGST Rule 46's format for a document number, from outside the crate:
//! at most 16 characters of letters (upper *and* lower case), digits, `-`
//! and `/`, the first a letter or digit. Every rule has a case that passes
//! and a case that fails, so loosening or tightening any one of them fails
//! a test here.

use sync_core::domain::invoice_no::{DocType, MAX_LEN, Series, check_format};

fn ok(n: &str) {
    assert!(
        check_format(n).is_ok(),
        "`{n}` must pass: {:?}",
        check_format(n)
    );
}

fn refused(n: &str) {
    let e = check_format(n).expect_err(&format!("`{n}` must be refused"));
    assert!(e.to_string().starts_with("number:"), "names the field: {e}");
}

#[test]
fn each_format_rule_passes_and_fails() {
    // length: 16 passes, 17 fails (counted in characters)
    ok("ABCDEFGHIJ123456");
    refused("ABCDEFGHIJ1234567");
    assert_eq!(MAX_LEN, 16);
    // empty
    refused("");
    // character set: upper case, digits, `-`, `/`
    ok("INV-2526/001");
    refused("INV_2526");
    refused("INV 2526");
    refused("INV#1");
    refused("ИНВ1");
    // first character
    ok("1INV");
    refused("-INV1");
    refused("/INV1");
}

/// Rule 46 allows "alphabets" without a case: lower-case letters pass, alone,
/// mixed with upper case, first or last, and at the full 16 characters.
#[test]
fn lower_case_letters_pass() {
    ok("inv-2526/001");
    ok("blr1/2526/00042x");
    ok("Blr1/2526/00042");
    ok("a");
    ok("z9");
    ok("abcdefghijklmnop");
    ok("aBcD-eFgH/1234ij");
    // …but the other rules still hold for them
    refused("abcdefghijklmnopq");
    refused("-abc");
    refused("/abc");
    refused("inv_1");
    refused("inv 1");
    // only ASCII letters: a lower-case letter outside a-z is refused
    refused("invé1");
    refused("ß1");
}

#[test]
fn printed_numbers_of_a_series_pass_the_format() {
    for prefix in ["B", "BLR1", "MUMBA"] {
        let s = Series::new(prefix, DocType::TaxInvoice, 2025).unwrap();
        for n in [1, 42, s.max_number()] {
            let printed = s.format(n).unwrap();
            ok(&printed);
            assert!(printed.len() <= MAX_LEN, "{printed}");
            assert_eq!(s.parse(&printed).unwrap(), n);
        }
    }
}
