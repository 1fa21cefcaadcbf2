//! CSV as RFC 4180 writes it, with OWASP's guard against formula injection:
//! a text cell a spreadsheet would run (`=`, `+`, `-`, `@`, tab, carriage
//! return first: a customer named `=HYPERLINK(…)`) gets a leading `'`, so it
//! opens as the text it is; a number in a numeric column, such as a credit
//! note's `-12.50`, stays a number.

use crate::{Kind, Table, plain_number};

fn quoted(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn cell(kind: Kind, s: &str) -> String {
    let numeric = kind != Kind::Text && plain_number(s) == Some(s);
    if !numeric && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        quoted(&format!("'{s}"))
    } else {
        quoted(s)
    }
}

pub(crate) fn write(t: &Table) -> String {
    let line = |cells: Vec<String>| cells.join(",") + "\n";
    let mut out = line(t.columns.iter().map(|c| cell(Kind::Text, c)).collect());
    for r in &t.rows {
        out.push_str(&line(
            r.iter()
                .enumerate()
                .map(|(i, c)| cell(t.kind(i), c))
                .collect(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::{Kind, Table};

    fn customers(names: &[&str]) -> Table {
        let mut t = Table::new(
            "t",
            "T",
            &[
                ("customer", Kind::Text),
                ("invoiced", Kind::Money),
                ("jobs", Kind::Integer),
            ],
        );
        t.rows = names
            .iter()
            .map(|n| vec![n.to_string(), "-12.50".into(), "-3".into()])
            .collect();
        t
    }

    #[test]
    fn text_that_looks_like_a_formula_gets_a_quote() {
        let csv = customers(&[
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1",
            "@x",
            "-2",
            "\tTab",
            "\rCr",
            "Asha Rao",
        ])
        .to_csv();
        let lines: Vec<&str> = csv.split('\n').collect();
        assert_eq!(lines[0], "customer,invoiced,jobs");
        assert_eq!(
            lines[1],
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-12.50,-3"
        );
        assert_eq!(lines[2], "'+1,-12.50,-3");
        assert_eq!(lines[3], "'@x,-12.50,-3");
        assert_eq!(lines[4], "'-2,-12.50,-3");
        assert_eq!(lines[5], "'\tTab,-12.50,-3");
        assert_eq!(lines[6], "\"'\rCr\",-12.50,-3");
        assert_eq!(lines[7], "Asha Rao,-12.50,-3");
    }

    #[test]
    fn a_numeric_cell_that_is_no_number_is_neutralized_too() {
        let mut t = customers(&["x"]);
        t.rows[0][1] = "=1+1".into();
        t.rows[0][2] = "-1e5".into();
        assert_eq!(t.to_csv(), "customer,invoiced,jobs\nx,'=1+1,'-1e5\n");
    }
}
