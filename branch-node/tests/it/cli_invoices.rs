//! The accountant at the command line: a counter sale drafted with a
//! catalogue item and typed lines, lines added and removed, finalized, and
//! the invoice shown by its printed number with each line's tax and every
//! amount to the paisa. Real binary, real database; each command is written
//! as it would be typed at a shell.

use std::path::PathBuf;

use serde_json::Value;

use super::cli::bn;

/// A standalone Karnataka branch (state 29, invoices BLR1/…) with a part
/// and a service in its catalogue, worked by its owner.
struct Shop {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

fn shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.sqlite");
    let gstin = sync_core::testkit::gstin("29", "ABCDE1234F");
    let init = format!(
        "init --branch-name Jayanagar --gstin {gstin} --state-code 29 --invoice-prefix BLR1 \
         --credit-note-prefix BLRC --owner-name Olivia --owner-pin 2468"
    );
    let (ok, _, err) = bn(
        &db,
        &words(&init).iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(ok, "{err}");
    let s = Shop { _dir: dir, db };
    s.text(
        "item create --sku SSD-512 --name '512GB NVMe SSD' --hsn-sac 84717020 --gst-rate 18 \
         --unit pcs --sale-price 3200",
    );
    s.text(
        "item create --sku LAB-DIAG --name Diagnosis --hsn-sac 998713 --gst-rate 18 --unit hrs \
         --sale-price 500 --service",
    );
    s
}

/// A command line split as a shell would: on blanks, with '…' quoting.
fn words(line: &str) -> Vec<String> {
    let mut out = vec![];
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.get_or_insert_default();
            }
            c if c.is_whitespace() && !quoted => out.extend(word.take()),
            c => word.get_or_insert_default().push(c),
        }
    }
    out.extend(word);
    out
}

impl Shop {
    fn run(&self, line: &str) -> (bool, String, String) {
        let mut args = vec![
            "--user".to_string(),
            "Olivia".into(),
            "--pin".into(),
            "2468".into(),
        ];
        args.extend(words(line));
        bn(
            &self.db,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    }

    /// Run, expect success, and return its text.
    fn text(&self, line: &str) -> String {
        let (ok, out, err) = self.run(line);
        assert!(ok, "{line}: {err}");
        out
    }

    /// Run, expect success, and read its stdout as JSON.
    fn json(&self, line: &str) -> Value {
        let out = self.text(line);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{line} printed {out}: {e}"))
    }

    /// Run, expect a refusal, and read its JSON error.
    fn refused(&self, line: &str) -> Value {
        let (ok, out, err) = self.run(line);
        assert!(!ok, "{line} should be refused, printed {out}");
        assert!(out.is_empty(), "nothing on stdout when refused: {out}");
        serde_json::from_str::<Value>(&err).unwrap()["error"].clone()
    }
}

/// The cells of the row that holds `what`, from that cell on.
fn row<'a>(out: &'a str, what: &str) -> Vec<&'a str> {
    let line = out
        .lines()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no row with {what} in\n{out}"));
    let from = line.find(what).unwrap() + what.len();
    line[from..].split_whitespace().collect()
}

/// The figure of the totals row labelled `label`.
fn total<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(label).filter(|v| v.starts_with(' ')))
        .unwrap_or_else(|| panic!("no total {label} in\n{out}"))
        .trim()
}

/// Every amount printed has exactly two decimals: "250.00", never "250.0".
fn two_decimals_everywhere(out: &str) {
    for word in out.split_whitespace() {
        let n = word.trim_start_matches(['+', '-']).replace(',', "");
        if n.parse::<rust_decimal::Decimal>().is_ok() && n.contains('.') {
            let decimals = n.split('.').nth(1).unwrap().len();
            // Quantities (1.5 hrs) are not money; every other figure is.
            assert!(
                decimals == 2 || out.contains(&format!("{word} hrs")),
                "`{word}` is not to the paisa in\n{out}"
            );
        }
    }
}

#[test]
fn a_counter_sale_from_the_shell_shown_by_its_number() {
    let s = shop();

    // A walk-in buys two SSDs, named by SKU: the catalogue gives the rest.
    let d = s.json("invoice draft --customer-name 'Ravi Kumar' --item SSD-512 --qty 2 --json");
    let draft = d["id"].as_str().unwrap().to_string();
    let l = &d["lines"][0];
    assert_eq!(
        (&l["hsn_sac"], &l["unit"], &l["kind"], &l["gst_rate"]),
        (
            &"84717020".into(),
            &"pcs".into(),
            &"part".into(),
            &"18".into()
        )
    );
    assert_eq!((&l["unit_price"], &l["qty"]), (&"3200".into(), &"2".into()));

    // A typed service line; a typed part in grams, added and then removed.
    let out = s.text(&format!(
        "invoice line add {draft} --line 'Keyboard cleaning' --hsn 998713 --rate 18 --price 250"
    ));
    assert!(
        out.contains("Keyboard cleaning") && out.contains("250.00"),
        "{out}"
    );
    s.text(&format!(
        "invoice line add {draft} --line 'Thermal paste' --hsn 34039900 --rate 5 --price 99.50 \
         --qty 2 --unit g --kind part"
    ));

    // A rate with three decimals is refused, naming the field, and the
    // draft is as it was; so are a typed line without its HSN/SAC and an
    // unknown SKU.
    let before = s.json("invoice drafts --json");
    let e = s.refused(&format!(
        "invoice line add {draft} --line Fan --hsn 998713 --rate 12.345 --price 250"
    ));
    assert_eq!(e["field"], "gst_rate", "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("at most 2 decimals"),
        "{e}"
    );
    let e = s.refused(&format!(
        "invoice line add {draft} --line Fan --rate 18 --price 9"
    ));
    assert_eq!(e["field"], "hsn_sac", "{e}");
    let e = s.refused(&format!("invoice line add {draft} --item NO-SUCH"));
    assert_eq!(e["field"], "item", "{e}");
    assert_eq!(s.json("invoice drafts --json"), before);

    // The diagnosis service from the catalogue at a price of its own: its
    // unit (hrs) and SAC come from the item.
    let d = s.json(&format!(
        "invoice line add {draft} --item LAB-DIAG --price 250.50 --json"
    ));
    let l = &d["lines"][3];
    assert_eq!(
        (&l["hsn_sac"], &l["unit"], &l["kind"], &l["unit_price"]),
        (
            &"998713".into(),
            &"hrs".into(),
            &"service".into(),
            &"250.50".into()
        )
    );

    // The thermal paste goes, by its place on the draft.
    let out = s.text(&format!("invoice line remove {draft} 3"));
    assert!(!out.contains("Thermal paste"), "{out}");
    let e = s.refused(&format!("invoice line remove {draft} 9"));
    assert_eq!(e["field"], "line", "{e}");
    let names: Vec<Value> = s.json("invoice drafts --json")[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["description"].clone())
        .collect();
    assert_eq!(names, ["512GB NVMe SSD", "Keyboard cleaning", "Diagnosis"]);

    let out = s.text(&format!("invoice finalize {draft}"));
    assert!(out.starts_with("TAX INVOICE BLR1/"), "{out}");
    let number = s.json("invoice list --json")[0]["number"]
        .as_str()
        .unwrap()
        .to_string();

    // Worked by hand (Karnataka to Karnataka: CGST and SGST at 9 % each,
    // each rounded to the paisa half away from zero):
    //   SSD        2 × 3,200.00 = 6,400.00; 9 % = 576.00 each; 7,552.00
    //   cleaning   1 ×   250.00 =   250.00; 9 % =  22.50 each;   295.00
    //   diagnosis  1 ×   250.50 =   250.50; 9 % =  22.545 → 22.55 each
    //              (banker's rounding would say 22.54);          295.60
    //   taxable 6,900.50; CGST = SGST = 576.00 + 22.50 + 22.55 = 621.05;
    //   8,142.60 rounds to 8,143.00 with a round-off of +0.40.
    let out = s.text(&format!("invoice show {number}"));
    assert!(out.starts_with(&format!("TAX INVOICE {number}")), "{out}");
    assert_eq!(
        row(&out, "Description"),
        [
            "HSN/SAC", "Qty", "Price", "Discount", "Taxable", "GST", "CGST", "SGST", "Total"
        ]
    );
    assert_eq!(
        row(&out, "512GB NVMe SSD"),
        [
            "84717020", "2", "pcs", "3,200.00", "0.00", "6,400.00", "18%", "576.00", "576.00",
            "7,552.00"
        ]
    );
    assert_eq!(
        row(&out, "Keyboard cleaning"),
        [
            "998713", "1", "nos", "250.00", "0.00", "250.00", "18%", "22.50", "22.50", "295.00"
        ]
    );
    assert_eq!(
        row(&out, "Diagnosis"),
        [
            "998713", "1", "hrs", "250.50", "0.00", "250.50", "18%", "22.55", "22.55", "295.60"
        ]
    );
    assert_eq!(total(&out, "Taxable value"), "6,900.50");
    assert_eq!(total(&out, "CGST"), "621.05");
    assert_eq!(total(&out, "SGST"), "621.05");
    assert_eq!(total(&out, "Round-off"), "+0.40");
    assert_eq!(total(&out, "Grand total (₹)"), "8,143.00");
    assert_eq!(total(&out, "Balance due"), "8,143.00");
    assert!(!out.contains("IGST"), "{out}");
    two_decimals_everywhere(&out);

    // The same invoice by its id, and by its number typed in lower case.
    let id = s.json(&format!("invoice show {number} --json"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(s.text(&format!("invoice show {id}")), out);
    assert_eq!(
        s.text(&format!("invoice show {}", number.to_lowercase())),
        out
    );

    // Paid by its number: nothing is due.
    s.text(&format!(
        "payment record --invoice {number} --amount 8143 --mode cash"
    ));
    let out = s.text(&format!("invoice show {number}"));
    assert_eq!(total(&out, "Amount paid"), "8,143.00");
    assert_eq!(total(&out, "Balance due"), "0.00");

    // A number never issued, and something that is no number at all.
    let unknown = number.replace("000001", "000099");
    let e = s.refused(&format!("invoice show {unknown}"));
    assert_eq!(e["code"], "not_found", "{e}");
    assert!(e["message"].as_str().unwrap().contains(&unknown), "{e}");
    let e = s.refused("invoice show 'no such'");
    assert_eq!(e["field"], "document", "{e}");
}

#[test]
fn estimate_lines_name_catalogue_items_and_units_and_bill_across_states() {
    let s = shop();
    let opened = s.json(
        "job open --customer-name 'Asha Rao' --customer-mobile 9845012345 --complaint 'Slow boot'",
    );
    let job = opened["job"]["id"].as_str().unwrap().to_string();
    let est = s.json(&format!("job estimate-add {job} --item SSD-512"))["estimate"].clone();
    assert_eq!(
        (&est[0]["description"], &est[0]["unit"], &est[0]["kind"]),
        (&"512GB NVMe SSD".into(), &"pcs".into(), &"part".into())
    );
    // The old flag names still work beside the short ones.
    let est = s.json(&format!(
        "job estimate-add {job} --description Labour --hsn-sac 998713 --gst-rate 18 \
         --unit-price 300 --qty 1.5 --unit hrs"
    ))["estimate"]
        .clone();
    assert_eq!(
        (&est[1]["unit"], &est[1]["qty"]),
        (&"hrs".into(), &"1.5".into())
    );

    // Billed to a Tamil Nadu business: IGST at the full rate.
    //   SSD     1 × 3,200.00 = 3,200.00; IGST 18 % = 576.00; 3,776.00
    //   labour  1.5 × 300.00 =   450.00; IGST 18 % =  81.00;   531.00
    //   taxable 3,650.00, IGST 657.00, 4,307.00 with no round-off.
    let buyer = sync_core::testkit::gstin("33", "PQRST6789K");
    let out = s.text(&format!("invoice draft --job {job} --gstin {buyer}"));
    assert!(out.contains("Place of supply: Tamil Nadu (33)"), "{out}");
    assert_eq!(
        row(&out, "512GB NVMe SSD"),
        [
            "84717020", "1", "pcs", "3,200.00", "0.00", "3,200.00", "18%", "576.00", "3,776.00"
        ]
    );
    assert_eq!(
        row(&out, "Labour"),
        [
            "998713", "1.5", "hrs", "300.00", "0.00", "450.00", "18%", "81.00", "531.00"
        ]
    );
    assert_eq!(total(&out, "IGST"), "657.00");
    assert_eq!(total(&out, "Grand total (₹)"), "4,307.00");
    two_decimals_everywhere(&out);
}
