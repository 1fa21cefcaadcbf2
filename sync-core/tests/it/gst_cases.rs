//! The worked GST invoices, as data: shared by `gst_worked.rs` (the pure
//! computation) and branch-node's `gst_through_the_whole_path.rs` (the same
//! invoices made from job cards, finalized and read back). Every expected
//! figure is a literal worked out by hand; see the comment above each case.
#![allow(dead_code)]

use std::str::FromStr;

use sync_core::Decimal;
use sync_core::body::{Line, LineKind};
pub use sync_core::domain::gst::Supply;
use sync_core::ids::RecordId;

pub use Supply::{InterState as Inter, IntraState as Intra};

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("bad decimal {s:?}: {e}"))
}

/// A line: SAC codes (99xxxx) are services, everything else a part.
pub fn ln(hsn: &str, qty: &str, price: &str, discount: &str, rate: &str) -> Line {
    let service = hsn.starts_with("99");
    Line {
        id: RecordId([7; 16]),
        kind: if service {
            LineKind::Service
        } else {
            LineKind::Part
        },
        item: None,
        description: if service {
            "Repair service"
        } else {
            "Spare part"
        }
        .to_string(),
        hsn_sac: hsn.to_string(),
        qty: d(qty),
        unit: "nos".to_string(),
        unit_price: d(price),
        discount: d(discount),
        gst_rate: d(rate),
    }
}

/// Expected figures of one line: [taxable, cgst, sgst, igst, total].
pub type LineWant = [&'static str; 5];
/// Expected row of the by-rate breakdown: (rate key, [taxable, cgst, sgst, igst]).
pub type RateWant = (&'static str, [&'static str; 4]);

pub struct Case {
    pub name: &'static str,
    pub supply: Supply,
    pub lines: Vec<Line>,
    pub want_lines: Vec<LineWant>,
    /// [taxable, cgst, sgst, igst, before_round_off, round_off, grand_total]
    pub want: [&'static str; 7],
    pub by_rate: Vec<RateWant>,
}

pub fn cases() -> Vec<Case> {
    vec![
        // 1. Intra, 18%, one repair service.
        // 1 × 1499.00 = 1499.00; CGST 9% = 134.91; SGST 134.91;
        // total 1768.82 → 1769, round-off +0.18
        Case {
            name: "01 intra 18% service",
            supply: Intra,
            lines: vec![ln("998713", "1", "1499.00", "0", "18")],
            want_lines: vec![["1499.00", "134.91", "134.91", "0", "1768.82"]],
            want: [
                "1499.00", "134.91", "134.91", "0", "1768.82", "0.18", "1769",
            ],
            by_rate: vec![("18", ["1499.00", "134.91", "134.91", "0"])],
        },
        // 2. Inter, 18%, one part; no round-off.
        // 1 × 2450.00; IGST 18% = 441.00; total 2891.00 → 2891, round-off 0
        Case {
            name: "02 inter 18% part, exact rupee",
            supply: Inter,
            lines: vec![ln("8473", "1", "2450.00", "0", "18")],
            want_lines: vec![["2450.00", "0", "0", "441.00", "2891.00"]],
            want: ["2450.00", "0", "0", "441.00", "2891.00", "0", "2891"],
            by_rate: vec![("18", ["2450.00", "0", "0", "441.00"])],
        },
        // 3. Intra, 5%; tax is exactly x.xx5 (banker's would give 21.22).
        // 849.00 × 2.5% = 21.225 → 21.23 each; total 849 + 42.46 = 891.46
        // → 891, round-off −0.46
        Case {
            name: "03 intra 5%, 21.225 rounds up, round-off down",
            supply: Intra,
            lines: vec![ln("85044090", "1", "849.00", "0", "5")],
            want_lines: vec![["849.00", "21.23", "21.23", "0", "891.46"]],
            want: ["849.00", "21.23", "21.23", "0", "891.46", "-0.46", "891"],
            by_rate: vec![("5", ["849.00", "21.23", "21.23", "0"])],
        },
        // 4. Intra, zero-rated.
        // 2 × 350.00 = 700.00; CGST 0, SGST 0; total 700.00 → 700
        Case {
            name: "04 intra 0%",
            supply: Intra,
            lines: vec![ln("49011010", "2", "350.00", "0", "0")],
            want_lines: vec![["700.00", "0", "0", "0", "700.00"]],
            want: ["700.00", "0", "0", "0", "700.00", "0", "700"],
            by_rate: vec![("0", ["700.00", "0", "0", "0"])],
        },
        // 5. Inter, zero-rated; total exactly .50 must round UP (banker's: 1200).
        // 1 × 1200.50; IGST 0; total 1200.50 → 1201, round-off +0.50
        Case {
            name: "05 inter 0%, 1200.50 → 1201",
            supply: Inter,
            lines: vec![ln("49011010", "1", "1200.50", "0", "0")],
            want_lines: vec![["1200.50", "0", "0", "0", "1200.50"]],
            want: ["1200.50", "0", "0", "0", "1200.50", "0.50", "1201"],
            by_rate: vec![("0", ["1200.50", "0", "0", "0"])],
        },
        // 6. Intra, mixed 18% / 5% / 0%.
        // L1 998713 1 × 499.00: CGST 9% = 44.91, SGST 44.91, total 588.82
        // L2 8473 1 × 1249.00: CGST 9% = 112.41, SGST 112.41, total 1473.82
        // L3 85044090 1 × 329.00: 2.5% = 8.225 → 8.23 each, total 345.46
        // L4 49011010 1 × 99.00 at 0%: total 99.00
        // taxable 2176.00; CGST 165.55; SGST 165.55; Σ 2507.10 → 2507, −0.10
        // by rate: 18 → 1748.00 / 157.32 / 157.32; 5 → 329.00 / 8.23 / 8.23;
        //          0 → 99.00
        Case {
            name: "06 intra mixed 18/5/0",
            supply: Intra,
            lines: vec![
                ln("998713", "1", "499.00", "0", "18"),
                ln("8473", "1", "1249.00", "0", "18"),
                ln("85044090", "1", "329.00", "0", "5"),
                ln("49011010", "1", "99.00", "0", "0"),
            ],
            want_lines: vec![
                ["499.00", "44.91", "44.91", "0", "588.82"],
                ["1249.00", "112.41", "112.41", "0", "1473.82"],
                ["329.00", "8.23", "8.23", "0", "345.46"],
                ["99.00", "0", "0", "0", "99.00"],
            ],
            want: [
                "2176.00", "165.55", "165.55", "0", "2507.10", "-0.10", "2507",
            ],
            by_rate: vec![
                ("0", ["99.00", "0", "0", "0"]),
                ("18", ["1748.00", "157.32", "157.32", "0"]),
                ("5", ["329.00", "8.23", "8.23", "0"]),
            ],
        },
        // 7. Inter, mixed 18% / 5% / 0%.
        // L1 998713 1 × 650.00: IGST 18% = 117.00, total 767.00
        // L2 84733099 2 × 175.50 = 351.00: IGST 5% = 17.55, total 368.55
        // L3 49011010 1 × 120.00 at 0%: total 120.00
        // taxable 1121.00; IGST 134.55; Σ 1255.55 → 1256, +0.45
        Case {
            name: "07 inter mixed 18/5/0",
            supply: Inter,
            lines: vec![
                ln("998713", "1", "650.00", "0", "18"),
                ln("84733099", "2", "175.50", "0", "5"),
                ln("49011010", "1", "120.00", "0", "0"),
            ],
            want_lines: vec![
                ["650.00", "0", "0", "117.00", "767.00"],
                ["351.00", "0", "0", "17.55", "368.55"],
                ["120.00", "0", "0", "0", "120.00"],
            ],
            want: ["1121.00", "0", "0", "134.55", "1255.55", "0.45", "1256"],
            by_rate: vec![
                ("0", ["120.00", "0", "0", "0"]),
                ("18", ["650.00", "0", "0", "117.00"]),
                ("5", ["351.00", "0", "0", "17.55"]),
            ],
        },
        // 8. Intra with a discount.
        // 1 × 1499.00 − 150.00 = 1349.00; CGST 9% = 121.41; SGST 121.41;
        // total 1591.82 → 1592, +0.18
        Case {
            name: "08 intra discount",
            supply: Intra,
            lines: vec![ln("998713", "1", "1499.00", "150.00", "18")],
            want_lines: vec![["1349.00", "121.41", "121.41", "0", "1591.82"]],
            want: [
                "1349.00", "121.41", "121.41", "0", "1591.82", "0.18", "1592",
            ],
            by_rate: vec![("18", ["1349.00", "121.41", "121.41", "0"])],
        },
        // 9. Inter, quantity 3 with a discount in paise.
        // 3 × 899.00 = 2697.00 − 100.50 = 2596.50; IGST 18% = 467.37;
        // total 3063.87 → 3064, +0.13
        Case {
            name: "09 inter qty 3 with discount",
            supply: Inter,
            lines: vec![ln("8473", "3", "899.00", "100.50", "18")],
            want_lines: vec![["2596.50", "0", "0", "467.37", "3063.87"]],
            want: ["2596.50", "0", "0", "467.37", "3063.87", "0.13", "3064"],
            by_rate: vec![("18", ["2596.50", "0", "0", "467.37"])],
        },
        // 10. Intra, 2.5 m of cable.
        // 2.5 × 42.00 = 105.00; CGST 9% = 9.45; SGST 9.45; total 123.90
        // → 124, +0.10
        Case {
            name: "10 intra 2.5 m cable",
            supply: Intra,
            lines: vec![ln("85444999", "2.5", "42.00", "0", "18")],
            want_lines: vec![["105.00", "9.45", "9.45", "0", "123.90"]],
            want: ["105.00", "9.45", "9.45", "0", "123.90", "0.10", "124"],
            by_rate: vec![("18", ["105.00", "9.45", "9.45", "0"])],
        },
        // 11. Inter, three-decimal quantity; taxable itself needs rounding.
        // 2.375 × 18.50 = 43.9375 → 43.94; IGST 18% = 7.9092 → 7.91;
        // total 51.85 → 52, +0.15
        Case {
            name: "11 inter 2.375 m, taxable rounded",
            supply: Inter,
            lines: vec![ln("85444999", "2.375", "18.50", "0", "18")],
            want_lines: vec![["43.94", "0", "0", "7.91", "51.85"]],
            want: ["43.94", "0", "0", "7.91", "51.85", "0.15", "52"],
            by_rate: vec![("18", ["43.94", "0", "0", "7.91"])],
        },
        // 12. Intra; taxable is exactly half a paisa (banker's would give 1.48).
        // 1.5 × 0.99 = 1.485 → 1.49; CGST 9% = 0.1341 → 0.13; SGST 0.13;
        // total 1.75 → 2, +0.25
        Case {
            name: "12 intra taxable 1.485 → 1.49",
            supply: Intra,
            lines: vec![ln("85444999", "1.5", "0.99", "0", "18")],
            want_lines: vec![["1.49", "0.13", "0.13", "0", "1.75"]],
            want: ["1.49", "0.13", "0.13", "0", "1.75", "0.25", "2"],
            by_rate: vec![("18", ["1.49", "0.13", "0.13", "0"])],
        },
        // 13. Inter, round-off down.
        // 1 × 2345.00; IGST 18% = 422.10; total 2767.10 → 2767, −0.10
        Case {
            name: "13 inter round-off down",
            supply: Inter,
            lines: vec![ln("998713", "1", "2345.00", "0", "18")],
            want_lines: vec![["2345.00", "0", "0", "422.10", "2767.10"]],
            want: ["2345.00", "0", "0", "422.10", "2767.10", "-0.10", "2767"],
            by_rate: vec![("18", ["2345.00", "0", "0", "422.10"])],
        },
        // 14. Intra 0%, .49 rounds down.
        // 1 × 100.49; no tax; total 100.49 → 100, −0.49
        Case {
            name: "14 intra 0%, 100.49 → 100",
            supply: Intra,
            lines: vec![ln("49011010", "1", "100.49", "0", "0")],
            want_lines: vec![["100.49", "0", "0", "0", "100.49"]],
            want: ["100.49", "0", "0", "0", "100.49", "-0.49", "100"],
            by_rate: vec![("0", ["100.49", "0", "0", "0"])],
        },
        // 15. Intra 18%, total exactly .50 → rounds UP.
        // 1 × 25.00; CGST 9% = 2.25; SGST 2.25; total 29.50 → 30, +0.50
        Case {
            name: "15 intra 29.50 → 30",
            supply: Intra,
            lines: vec![ln("8473", "1", "25.00", "0", "18")],
            want_lines: vec![["25.00", "2.25", "2.25", "0", "29.50"]],
            want: ["25.00", "2.25", "2.25", "0", "29.50", "0.50", "30"],
            by_rate: vec![("18", ["25.00", "2.25", "2.25", "0"])],
        },
        // 16. Inter 5%, total exactly .50 on an even rupee (banker's: 52).
        // 1 × 50.00; IGST 5% = 2.50; total 52.50 → 53, +0.50
        Case {
            name: "16 inter 52.50 → 53",
            supply: Inter,
            lines: vec![ln("85044090", "1", "50.00", "0", "5")],
            want_lines: vec![["50.00", "0", "0", "2.50", "52.50"]],
            want: ["50.00", "0", "0", "2.50", "52.50", "0.50", "53"],
            by_rate: vec![("5", ["50.00", "0", "0", "2.50"])],
        },
        // 17. Intra 18% on 0.25 (not a midpoint: 0.0225 → 0.02).
        // CGST 0.25 × 9% = 0.0225 → 0.02; SGST 0.02; total 0.29 → 0, −0.29
        Case {
            name: "17 intra 0.25 at 18%",
            supply: Intra,
            lines: vec![ln("8473", "1", "0.25", "0", "18")],
            want_lines: vec![["0.25", "0.02", "0.02", "0", "0.29"]],
            want: ["0.25", "0.02", "0.02", "0", "0.29", "-0.29", "0"],
            by_rate: vec![("18", ["0.25", "0.02", "0.02", "0"])],
        },
        // 18. Intra 5% on 10.05.
        // CGST 10.05 × 2.5% = 0.25125 → 0.25; SGST 0.25; total 10.55 → 11, +0.45
        Case {
            name: "18 intra 10.05 at 5%",
            supply: Intra,
            lines: vec![ln("85044090", "1", "10.05", "0", "5")],
            want_lines: vec![["10.05", "0.25", "0.25", "0", "10.55"]],
            want: ["10.05", "0.25", "0.25", "0", "10.55", "0.45", "11"],
            by_rate: vec![("5", ["10.05", "0.25", "0.25", "0"])],
        },
        // 19. Inter 5% on 0.50: exact half paisa (banker's would give 0.02).
        // IGST 0.50 × 5% = 0.025 → 0.03; total 0.53 → 1, +0.47
        Case {
            name: "19 inter 0.50 at 5%: 0.025 → 0.03",
            supply: Inter,
            lines: vec![ln("85044090", "1", "0.50", "0", "5")],
            want_lines: vec![["0.50", "0", "0", "0.03", "0.53"]],
            want: ["0.50", "0", "0", "0.03", "0.53", "0.47", "1"],
            by_rate: vec![("5", ["0.50", "0", "0", "0.03"])],
        },
        // 20. Intra 5% on 1.00: CGST 2.5% = 0.025 → 0.03 (banker's: 0.02).
        // CGST 0.03; SGST 0.03; total 1.06 → 1, −0.06
        Case {
            name: "20 intra 1.00 at 5%: 0.025 → 0.03",
            supply: Intra,
            lines: vec![ln("85044090", "1", "1.00", "0", "5")],
            want_lines: vec![["1.00", "0.03", "0.03", "0", "1.06"]],
            want: ["1.00", "0.03", "0.03", "0", "1.06", "-0.06", "1"],
            by_rate: vec![("5", ["1.00", "0.03", "0.03", "0"])],
        },
        // 21. Intra 18% on 2.50: CGST 9% = 0.225 → 0.23 (banker's: 0.22).
        // CGST 0.23; SGST 0.23; total 2.96 → 3, +0.04
        Case {
            name: "21 intra 2.50 at 18%: 0.225 → 0.23",
            supply: Intra,
            lines: vec![ln("8473", "1", "2.50", "0", "18")],
            want_lines: vec![["2.50", "0.23", "0.23", "0", "2.96"]],
            want: ["2.50", "0.23", "0.23", "0", "2.96", "0.04", "3"],
            by_rate: vec![("18", ["2.50", "0.23", "0.23", "0"])],
        },
        // 22. Intra 18% on 0.50: CGST 9% = 0.045 → 0.05 (banker's: 0.04).
        // CGST 0.05; SGST 0.05; total 0.60 → 1, +0.40
        Case {
            name: "22 intra 0.50 at 18%: 0.045 → 0.05",
            supply: Intra,
            lines: vec![ln("8473", "1", "0.50", "0", "18")],
            want_lines: vec![["0.50", "0.05", "0.05", "0", "0.60"]],
            want: ["0.50", "0.05", "0.05", "0", "0.60", "0.40", "1"],
            by_rate: vec![("18", ["0.50", "0.05", "0.05", "0"])],
        },
        // 23. Intra, a one-paisa item.
        // 1 × 0.01; CGST 9% = 0.0009 → 0.00; SGST 0.00; total 0.01 → 0, −0.01
        Case {
            name: "23 intra one paisa",
            supply: Intra,
            lines: vec![ln("8473", "1", "0.01", "0", "18")],
            want_lines: vec![["0.01", "0", "0", "0", "0.01"]],
            want: ["0.01", "0", "0", "0", "0.01", "-0.01", "0"],
            by_rate: vec![("18", ["0.01", "0", "0", "0"])],
        },
        // 24. Inter, one-paisa lines: three separate 1 × 0.01 lines and one
        // 3 × 0.01 line.
        // 0.01 × 18% = 0.0018 → 0.00 (×3 lines); 0.03 × 18% = 0.0054 → 0.01
        // line totals 0.01, 0.01, 0.01, 0.04; taxable 0.06; IGST 0.01;
        // Σ 0.07 → 0, −0.07
        Case {
            name: "24 inter one-paisa lines",
            supply: Inter,
            lines: vec![
                ln("8473", "1", "0.01", "0", "18"),
                ln("8473", "1", "0.01", "0", "18"),
                ln("8473", "1", "0.01", "0", "18"),
                ln("8473", "3", "0.01", "0", "18"),
            ],
            want_lines: vec![
                ["0.01", "0", "0", "0", "0.01"],
                ["0.01", "0", "0", "0", "0.01"],
                ["0.01", "0", "0", "0", "0.01"],
                ["0.03", "0", "0", "0.01", "0.04"],
            ],
            want: ["0.06", "0", "0", "0.01", "0.07", "-0.07", "0"],
            by_rate: vec![("18", ["0.06", "0", "0", "0.01"])],
        },
        // 25. Inter, large invoice (lakhs).
        // 12 × 48,999.00 = 5,87,988.00; IGST 18% = 1,05,837.84;
        // total 6,93,825.84 → 6,93,826, +0.16
        Case {
            name: "25 inter large: 12 laptops",
            supply: Inter,
            lines: vec![ln("84713010", "12", "48999.00", "0", "18")],
            want_lines: vec![["587988.00", "0", "0", "105837.84", "693825.84"]],
            want: [
                "587988.00",
                "0",
                "0",
                "105837.84",
                "693825.84",
                "0.16",
                "693826",
            ],
            by_rate: vec![("18", ["587988.00", "0", "0", "105837.84"])],
        },
        // 26. Intra, large mixed invoice.
        // L1 8473 5 × 1,23,456.78 = 6,17,283.90; 9% = 55,555.551 → 55,555.55
        //    each; total 6,17,283.90 + 1,11,111.10 = 7,28,395.00
        // L2 998713 1 × 25,000.00 − 2,500.00 = 22,500.00; 9% = 2,025.00 each;
        //    total 26,550.00
        // L3 85044090 40 × 1,299.99 = 51,999.60; 2.5% = 1,299.99 each;
        //    total 54,599.58
        // taxable 6,91,783.50; CGST 58,880.54; SGST 58,880.54;
        // Σ 8,09,544.58 → 8,09,545, +0.42
        // by rate: 18 → 6,39,783.90 / 57,580.55 / 57,580.55;
        //          5 → 51,999.60 / 1,299.99 / 1,299.99
        Case {
            name: "26 intra large mixed",
            supply: Intra,
            lines: vec![
                ln("8473", "5", "123456.78", "0", "18"),
                ln("998713", "1", "25000.00", "2500.00", "18"),
                ln("85044090", "40", "1299.99", "0", "5"),
            ],
            want_lines: vec![
                ["617283.90", "55555.55", "55555.55", "0", "728395.00"],
                ["22500.00", "2025.00", "2025.00", "0", "26550.00"],
                ["51999.60", "1299.99", "1299.99", "0", "54599.58"],
            ],
            want: [
                "691783.50",
                "58880.54",
                "58880.54",
                "0",
                "809544.58",
                "0.42",
                "809545",
            ],
            by_rate: vec![
                ("18", ["639783.90", "57580.55", "57580.55", "0"]),
                ("5", ["51999.60", "1299.99", "1299.99", "0"]),
            ],
        },
        // 27. Intra, per-line rounding differs from rounding the sum.
        // 3 lines of 1 × 10.50: CGST 9% = 0.945 → 0.95 each line;
        // Σ CGST = 2.85 (rounding the sum would give 31.50 × 9% = 2.835 → 2.84);
        // line total 12.40; Σ 37.20 → 37, −0.20
        Case {
            name: "27 intra per-line rounding 3 × 10.50",
            supply: Intra,
            lines: vec![
                ln("8473", "1", "10.50", "0", "18"),
                ln("8473", "1", "10.50", "0", "18"),
                ln("8473", "1", "10.50", "0", "18"),
            ],
            want_lines: vec![
                ["10.50", "0.95", "0.95", "0", "12.40"],
                ["10.50", "0.95", "0.95", "0", "12.40"],
                ["10.50", "0.95", "0.95", "0", "12.40"],
            ],
            want: ["31.50", "2.85", "2.85", "0", "37.20", "-0.20", "37"],
            by_rate: vec![("18", ["31.50", "2.85", "2.85", "0"])],
        },
        // 28. Inter, per-line rounding differs from rounding the sum.
        // 2 lines of 1 × 0.25: IGST 18% = 0.045 → 0.05 each; Σ IGST 0.10
        // (rounding the sum: 0.50 × 18% = 0.09); totals 0.30 each;
        // Σ 0.60 → 1, +0.40
        Case {
            name: "28 inter per-line rounding 2 × 0.25",
            supply: Inter,
            lines: vec![
                ln("8473", "1", "0.25", "0", "18"),
                ln("8473", "1", "0.25", "0", "18"),
            ],
            want_lines: vec![
                ["0.25", "0", "0", "0.05", "0.30"],
                ["0.25", "0", "0", "0.05", "0.30"],
            ],
            want: ["0.50", "0", "0", "0.10", "0.60", "0.40", "1"],
            by_rate: vec![("18", ["0.50", "0", "0", "0.10"])],
        },
        // 29. Intra, rates written "18.00", "18" and "5.0" fall under the
        // normalized keys "18" and "5".
        // L1 1 × 300.00 at 18.00: 9% = 27.00 each; total 354.00
        // L2 1 × 120.00 at 18: 9% = 10.80 each; total 141.60
        // L3 1 × 80.00 at 5.0: 2.5% = 2.00 each; total 84.00
        // taxable 500.00; CGST 39.80; SGST 39.80; Σ 579.60 → 580, +0.40
        // by rate: 18 → 420.00 / 37.80 / 37.80; 5 → 80.00 / 2.00 / 2.00
        Case {
            name: "29 intra rate keys normalized",
            supply: Intra,
            lines: vec![
                ln("998713", "1", "300.00", "0", "18.00"),
                ln("8473", "1", "120.00", "0", "18"),
                ln("85044090", "1", "80.00", "0", "5.0"),
            ],
            want_lines: vec![
                ["300.00", "27.00", "27.00", "0", "354.00"],
                ["120.00", "10.80", "10.80", "0", "141.60"],
                ["80.00", "2.00", "2.00", "0", "84.00"],
            ],
            want: ["500.00", "39.80", "39.80", "0", "579.60", "0.40", "580"],
            by_rate: vec![
                ("18", ["420.00", "37.80", "37.80", "0"]),
                ("5", ["80.00", "2.00", "2.00", "0"]),
            ],
        },
        // 30. Intra 12%.
        // 1 × 1234.00; CGST 6% = 74.04; SGST 74.04; total 1382.08 → 1382, −0.08
        Case {
            name: "30 intra 12%",
            supply: Intra,
            lines: vec![ln("85176290", "1", "1234.00", "0", "12")],
            want_lines: vec![["1234.00", "74.04", "74.04", "0", "1382.08"]],
            want: ["1234.00", "74.04", "74.04", "0", "1382.08", "-0.08", "1382"],
            by_rate: vec![("12", ["1234.00", "74.04", "74.04", "0"])],
        },
        // 31. Inter 28%.
        // 1 × 777.77; IGST 28% = 217.7756 → 217.78; total 995.55 → 996, +0.45
        Case {
            name: "31 inter 28%",
            supply: Inter,
            lines: vec![ln("85171300", "1", "777.77", "0", "28")],
            want_lines: vec![["777.77", "0", "0", "217.78", "995.55"]],
            want: ["777.77", "0", "0", "217.78", "995.55", "0.45", "996"],
            by_rate: vec![("28", ["777.77", "0", "0", "217.78"])],
        },
        // 32. Intra, fractional rate 0.25% (0.125% each half).
        // 1 × 1000.00; CGST 0.125% = 1.25; SGST 1.25; total 1002.50 → 1003, +0.50
        Case {
            name: "32 intra 0.25%",
            supply: Intra,
            lines: vec![ln("71023100", "1", "1000.00", "0", "0.25")],
            want_lines: vec![["1000.00", "1.25", "1.25", "0", "1002.50"]],
            want: ["1000.00", "1.25", "1.25", "0", "1002.50", "0.50", "1003"],
            by_rate: vec![("0.25", ["1000.00", "1.25", "1.25", "0"])],
        },
        // 33. Inter, fractional quantity with a discount, 5%.
        // 12.5 × 24.90 = 311.25 − 11.25 = 300.00; IGST 5% = 15.00;
        // total 315.00 → 315, round-off 0
        Case {
            name: "33 inter 12.5 m with discount at 5%",
            supply: Inter,
            lines: vec![ln("85444999", "12.5", "24.90", "11.25", "5")],
            want_lines: vec![["300.00", "0", "0", "15.00", "315.00"]],
            want: ["300.00", "0", "0", "15.00", "315.00", "0", "315"],
            by_rate: vec![("5", ["300.00", "0", "0", "15.00"])],
        },
    ]
}
