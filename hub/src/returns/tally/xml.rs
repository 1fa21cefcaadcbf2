//! The vouchers written as Tally's import file: the envelope, a
//! TALLYMESSAGE per voucher, every text escaped.

use sync_core::domain::date::Date;

use super::{Voucher, amount};
use crate::returns::text_2dp;

/// The file importing `vouchers` into the company `company`.
pub(super) fn file(company: &str, vouchers: &[Voucher]) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ENVELOPE>\n");
    x.push_str(" <HEADER>\n  <TALLYREQUEST>Import Data</TALLYREQUEST>\n </HEADER>\n");
    x.push_str(
        " <BODY>\n  <IMPORTDATA>\n   <REQUESTDESC>\n    <REPORTNAME>Vouchers</REPORTNAME>\n",
    );
    x.push_str("    <STATICVARIABLES>\n");
    leaf(&mut x, 5, "SVCURRENTCOMPANY", company);
    x.push_str("    </STATICVARIABLES>\n   </REQUESTDESC>\n   <REQUESTDATA>\n");
    for v in vouchers {
        write_voucher(&mut x, v);
    }
    x.push_str("   </REQUESTDATA>\n  </IMPORTDATA>\n </BODY>\n</ENVELOPE>\n");
    x
}

fn ymd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year, d.month, d.day)
}

fn yes(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

fn write_voucher(x: &mut String, v: &Voucher) {
    x.push_str("    <TALLYMESSAGE xmlns:UDF=\"TallyUDF\">\n");
    x.push_str(&format!(
        "     <VOUCHER VCHTYPE=\"{}\" ACTION=\"Create\" OBJVIEW=\"Accounting Voucher View\">\n",
        escape(v.kind)
    ));
    let i = 6;
    leaf(x, i, "DATE", &ymd(v.date));
    leaf(x, i, "VOUCHERTYPENAME", v.kind);
    if let Some(n) = &v.number {
        leaf(x, i, "VOUCHERNUMBER", n);
    }
    if let Some(r) = &v.reference {
        leaf(x, i, "REFERENCE", r);
    }
    if let Some(d) = v.reference_date {
        leaf(x, i, "REFERENCEDATE", &ymd(d));
    }
    leaf(x, i, "PARTYLEDGERNAME", &v.party);
    if let Some(g) = &v.party_gstin {
        leaf(x, i, "PARTYGSTIN", g);
    }
    if let Some(p) = &v.place {
        leaf(x, i, "PLACEOFSUPPLY", p);
    }
    leaf(x, i, "PERSISTEDVIEW", "Accounting Voucher View");
    leaf(x, i, "ISINVOICE", "No");
    leaf(x, i, "ISCANCELLED", yes(v.cancelled));
    if let Some(n) = &v.narration {
        leaf(x, i, "NARRATION", n);
    }
    for e in &v.entries {
        let a = text_2dp(&amount(e.amount).to_string());
        x.push_str("      <ALLLEDGERENTRIES.LIST>\n");
        leaf(x, i + 1, "LEDGERNAME", &e.ledger);
        leaf(
            x,
            i + 1,
            "ISDEEMEDPOSITIVE",
            yes(e.amount.is_sign_negative()),
        );
        leaf(x, i + 1, "ISPARTYLEDGER", yes(e.party));
        leaf(x, i + 1, "AMOUNT", &a);
        if let Some((name, kind)) = &e.bill {
            x.push_str("       <BILLALLOCATIONS.LIST>\n");
            leaf(x, i + 2, "NAME", name);
            leaf(x, i + 2, "BILLTYPE", kind);
            leaf(x, i + 2, "AMOUNT", &a);
            x.push_str("       </BILLALLOCATIONS.LIST>\n");
        }
        x.push_str("      </ALLLEDGERENTRIES.LIST>\n");
    }
    x.push_str("     </VOUCHER>\n    </TALLYMESSAGE>\n");
}

fn leaf(x: &mut String, indent: usize, tag: &str, text: &str) {
    x.push_str(&format!("{:indent$}<{tag}>{}</{tag}>\n", "", escape(text)));
}

/// `s` safe as XML text or attribute: the five markup characters escaped,
/// and control characters (which XML 1.0 cannot carry at all) dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_never_reach_the_file() {
        assert_eq!(
            escape("A&B <\"x\"> 'y'\u{7}"),
            "A&amp;B &lt;&quot;x&quot;&gt; &apos;y&apos;"
        );
    }
}
