//! The month's vouchers for Tally, of a seeded month at two branches (two
//! GSTINs), pushed as signed ops by simulated devices, downloaded over
//! real HTTP, parsed back as XML and checked against the entries worked
//! out by hand below (Tally's sign: a debit negative).
//!
//! Jayanagar (Karnataka, 29), this month, 18 % unless said:
//!
//! | voucher      | what                                   | entries                                                          |
//! |--------------|----------------------------------------|------------------------------------------------------------------|
//! | Sales 1      | Rao & Sons <Hubli>, GSTIN 29; 1000, 500 @5 | party −1705; Sales @18% 1000, @5% 500; CGST 102.50, SGST 102.50 |
//! | Sales 2      | GSTIN 27; 2 × 2500                     | party −5900; Sales @18% 5000; IGST 900                           |
//! | Sales 3      | unregistered; 1234.50, 200 @0          | party −1657; Sales @18% 1234.50, @0% 200; CGST, SGST 111.11; Round Off 0.28 |
//! | Sales 4      | 3000, cancelled                        | none: ISCANCELLED Yes                                            |
//! | Credit Note 1| on Sales 1; 1000                       | party 1180; Sales @18% −1000; CGST −90, SGST −90                 |
//! | Receipt      | UPI 5900 on Sales 2, ref UPI-77        | party 5900 (Agst Ref Sales 2); Bank −5900                        |
//! | Receipt      | cash 1000 on Sales 3                   | party 1000; Cash −1000                                           |
//! | Receipt      | cash 500, an advance on job J-1 (Meera)| Meera 500 (Advance J-1); Cash −500                               |
//!
//! So the month's tax: CGST = SGST = 102.50 + 111.11 − 90 = 123.61, IGST
//! 900 (GSTR-3B's figures for these documents). Whitefield (another GSTIN)
//! issues an invoice of 2360 and takes its payment: in its own file only.

use crate::common::xml::{El, parse};
use crate::common::*;
use crate::gst_returns::{Doc, dec, document, line, login, push_all};
use crate::owner_reports::{customer, job};
use hub::store::HubStore;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use rust_decimal::Decimal;
use serde_json::Value;
use sync_core::body::*;
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::ids::RecordId;

/// A voucher's entries: ledger → amount, each amount's text with two
/// decimals and its ISDEEMEDPOSITIVE saying its side.
fn entries(v: &El) -> Vec<(String, Decimal)> {
    v.all("ALLLEDGERENTRIES.LIST")
        .into_iter()
        .map(|e| {
            let text = e.get("AMOUNT").unwrap();
            assert!(
                text.split_once('.').is_some_and(|(_, f)| f.len() == 2),
                "{text}"
            );
            let a = dec(text);
            let debit = e.get("ISDEEMEDPOSITIVE") == Some("Yes");
            assert_eq!(debit, a < Decimal::ZERO, "a debit is negative: {e:?}");
            (e.get("LEDGERNAME").unwrap().to_string(), a)
        })
        .collect()
}

fn want(rows: &[(&str, &str)]) -> Vec<(String, Decimal)> {
    rows.iter().map(|(l, a)| (l.to_string(), dec(a))).collect()
}

fn payment(
    n: u32,
    invoice: Option<&Document>,
    job: Option<RecordId>,
    amount: &str,
    mode: PaymentMode,
    day: Date,
) -> OpBody {
    OpBody::PaymentRecorded(Payment {
        id: RecordId(sync_core::testkit::id16(b'P', n)),
        invoice: invoice.map(|d| d.id),
        job,
        amount: dec(amount),
        mode,
        reference: (mode == PaymentMode::Upi).then(|| "UPI-77".into()),
        date: day,
    })
}

#[tokio::test]
async fn tally_vouchers_of_a_seeded_month_balance_and_match_the_hand_sums() {
    let h = start().await;
    let today = Date::from_unix_ms_ist(hub::store::db::now_ms());
    let day = Date::new(today.year, today.month, 1).unwrap();
    let fp = format!("{:02}{}", day.month, day.year);
    let gst_a = sync_core::testkit::gstin("29", "ABCDE1234F");
    let gst_b = sync_core::testkit::gstin("29", "FGHIJ5678K");
    let (b2b_29, b2b_27) = (
        sync_core::testkit::gstin("29", "KLMNO1234P"),
        sync_core::testkit::gstin("27", "QRSTU5678V"),
    );
    let (acc, rec) = (h.users["acc_a"], h.users["rec_a"]);
    let mut store = Dev::enroll(&h, h.a, true).await;
    let (hub, sid) = (h.hub.clone(), store.id);
    let notes = tokio::task::spawn_blocking(move || {
        hub.lease_block(sid, DocType::CreditNote, 10, day).unwrap()
    })
    .await
    .unwrap();
    store.pull_all().await;
    let inv = store
        .enrolled_leases
        .iter()
        .find(|l| l.doc_type == DocType::TaxInvoice)
        .unwrap()
        .clone();
    let d = |n, buyer: Option<&String>, pos, lines, total| {
        document(
            &gst_a,
            Doc {
                lease: &inv,
                n,
                date: day,
                buyer_gstin: buyer.cloned(),
                pos,
                lines,
                total,
                against: None,
            },
        )
    };
    let mut s1 = d(
        1,
        Some(&b2b_29),
        "29",
        vec![line(1, "1000", "18"), line(2, "500", "5")],
        "1705",
    );
    s1.customer_name = "Rao & Sons <Hubli>".into();
    let mut two = line(3, "2500", "18");
    two.qty = dec("2");
    let s2 = d(2, Some(&b2b_27), "27", vec![two], "5900");
    let s3 = d(
        3,
        None,
        "29",
        vec![line(4, "1234.50", "18"), line(5, "200", "0")],
        "1657",
    );
    let s4 = d(4, None, "29", vec![line(6, "3000", "18")], "3540");
    let mut c1 = document(
        &gst_a,
        Doc {
            lease: &notes,
            n: 1,
            date: day,
            buyer_gstin: s1.customer_gstin.clone(),
            pos: "29",
            lines: vec![line(7, "1000", "18")],
            total: "1180",
            against: Some(&s1),
        },
    );
    c1.customer_name = s1.customer_name.clone();
    let (meera, j1) = (
        RecordId(sync_core::testkit::id16(b'k', 1)),
        RecordId(sync_core::testkit::id16(b'j', 1)),
    );
    let mut ops = vec![];
    ops.push(store.make(rec, customer(meera, "Meera", "9845011111")));
    ops.push(store.make(rec, job(j1, "J-1", meera)));
    for doc in [&s1, &s2, &s3, &s4, &c1] {
        ops.push(store.make(acc, OpBody::DocumentIssued(doc.clone())));
    }
    ops.push(store.make(
        acc,
        OpBody::DocumentCancelled {
            document: s4.id,
            reason: "billed to the wrong customer".into(),
        },
    ));
    for body in [
        payment(1, Some(&s2), None, "5900", PaymentMode::Upi, day),
        payment(2, Some(&s3), None, "1000", PaymentMode::Cash, day),
        payment(3, None, Some(j1), "500", PaymentMode::Cash, day),
    ] {
        ops.push(store.make(acc, body));
    }
    push_all(&store, &ops).await;

    // Whitefield's invoice and its payment, under its own GSTIN.
    let mut wfd = Dev::enroll(&h, h.b, true).await;
    let w_inv = wfd
        .enrolled_leases
        .iter()
        .find(|l| l.doc_type == DocType::TaxInvoice)
        .unwrap()
        .clone();
    let w1 = document(
        &gst_b,
        Doc {
            lease: &w_inv,
            n: 1,
            date: day,
            buyer_gstin: None,
            pos: "29",
            lines: vec![line(30, "2000", "18")],
            total: "2360",
            against: None,
        },
    );
    let (hub, b) = (h.hub.clone(), h.b);
    let acc_b = tokio::task::spawn_blocking(move || {
        hub.add_user(
            Some(b),
            "Bala",
            sync_core::domain::roles::Role::Accountant,
            "5555",
        )
        .unwrap()
    })
    .await
    .unwrap();
    wfd.pull_all().await;
    let ops = vec![
        wfd.make(acc_b, OpBody::DocumentIssued(w1.clone())),
        wfd.make(
            acc_b,
            payment(9, Some(&w1), None, "2360", PaymentMode::Cash, day),
        ),
    ];
    push_all(&wfd, &ops).await;

    let cookie = login(&h).await;
    let get = |path: String| {
        let (http, cookie) = (h.client.clone(), cookie.clone());
        async move { http.get(path).header(COOKIE, cookie).send().await.unwrap() }
    };
    let r = get(format!(
        "{}/returns/tally.xml?gstin={gst_a}&period={fp}",
        h.url
    ))
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()[reqwest::header::CONTENT_TYPE],
        "application/xml"
    );
    assert!(
        r.headers()[reqwest::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(&format!("attachment; filename=\"TALLY_{gst_a}_{fp}.xml\""))
    );
    let text = r.text().await.unwrap();
    let env = parse(&text);
    assert_eq!(env.name, "ENVELOPE");
    assert_eq!(env.at(&["HEADER"]).get("TALLYREQUEST"), Some("Import Data"));
    let import = env.at(&["BODY", "IMPORTDATA"]);
    let desc = import.at(&["REQUESTDESC"]);
    assert_eq!(desc.get("REPORTNAME"), Some("Vouchers"));
    let company = h.hub.business_name().unwrap();
    assert_eq!(
        desc.at(&["STATICVARIABLES"]).get("SVCURRENTCOMPANY"),
        Some(&*company)
    );
    let vouchers: Vec<&El> = import
        .at(&["REQUESTDATA"])
        .all("TALLYMESSAGE")
        .into_iter()
        .flat_map(|m| m.all("VOUCHER"))
        .collect();

    // One voucher per document and payment of the GSTIN and month, each
    // dated, typed in VCHTYPE and VOUCHERTYPENAME alike, and balanced.
    let ymd = format!("{:04}{:02}{:02}", day.year, day.month, day.day);
    let mut kinds: Vec<(String, Option<String>)> = vec![];
    for v in &vouchers {
        let vchtype = v.attrs.iter().find(|(k, _)| k == "VCHTYPE").unwrap();
        assert_eq!(Some(vchtype.1.as_str()), v.get("VOUCHERTYPENAME"));
        assert!(v.attrs.contains(&("ACTION".into(), "Create".into())));
        assert_eq!(v.get("DATE"), Some(&*ymd));
        let sum = entries(v)
            .iter()
            .try_fold(Decimal::ZERO, |s, (_, a)| s.checked_add(*a))
            .unwrap();
        assert_eq!(sum, Decimal::ZERO, "{v:?}");
        kinds.push((vchtype.1.clone(), v.get("VOUCHERNUMBER").map(String::from)));
    }
    let n = |doc: &Document| Some(doc.number.clone());
    assert_eq!(
        kinds,
        vec![
            ("Sales".into(), n(&s1)),
            ("Sales".into(), n(&s2)),
            ("Sales".into(), n(&s3)),
            ("Sales".into(), n(&s4)),
            ("Credit Note".into(), n(&c1)),
            ("Receipt".into(), None),
            ("Receipt".into(), None),
            ("Receipt".into(), None),
        ]
    );
    let by_no = |doc: &Document| {
        *vouchers
            .iter()
            .find(|v| v.get("VOUCHERNUMBER") == Some(&*doc.number))
            .unwrap()
    };

    // The customer's name, markup and all, comes back as it was.
    let v1 = by_no(&s1);
    assert_eq!(v1.get("PARTYLEDGERNAME"), Some("Rao & Sons <Hubli>"));
    assert_eq!(v1.get("PARTYGSTIN"), Some(&*b2b_29));
    assert_eq!(v1.get("PLACEOFSUPPLY"), Some("Karnataka"));
    assert_eq!(v1.get("ISCANCELLED"), Some("No"));
    assert_eq!(
        entries(v1),
        want(&[
            ("Rao & Sons <Hubli>", "-1705"),
            ("Sales @18%", "1000"),
            ("Sales @5%", "500"),
            ("Output CGST", "102.50"),
            ("Output SGST", "102.50"),
        ])
    );
    let v2 = by_no(&s2);
    assert_eq!(v2.get("PLACEOFSUPPLY"), Some("Maharashtra"));
    assert_eq!(
        entries(v2),
        want(&[
            ("A customer", "-5900"),
            ("Sales @18%", "5000"),
            ("Output IGST", "900"),
        ])
    );
    let v3 = by_no(&s3);
    assert_eq!(v3.get("PARTYGSTIN"), None, "an unregistered buyer");
    assert_eq!(
        entries(v3),
        want(&[
            ("A customer", "-1657"),
            ("Sales @0%", "200"),
            ("Sales @18%", "1234.50"),
            ("Output CGST", "111.11"),
            ("Output SGST", "111.11"),
            ("Round Off", "0.28"),
        ])
    );
    // The cancelled invoice keeps its number in Tally's book, and nothing else.
    let v4 = by_no(&s4);
    assert_eq!(v4.get("ISCANCELLED"), Some("Yes"));
    assert!(entries(v4).is_empty());
    // The credit note reverses the sale it cites.
    let vc = by_no(&c1);
    assert_eq!(vc.get("REFERENCE"), Some(&*s1.number));
    assert_eq!(
        entries(vc),
        want(&[
            ("Rao & Sons <Hubli>", "1180"),
            ("Sales @18%", "-1000"),
            ("Output CGST", "-90"),
            ("Output SGST", "-90"),
        ])
    );
    let bill = |v: &El| {
        let b = v.at(&["ALLLEDGERENTRIES.LIST", "BILLALLOCATIONS.LIST"]);
        (
            b.get("NAME").unwrap().to_string(),
            b.get("BILLTYPE").unwrap().to_string(),
        )
    };
    assert_eq!(bill(v1), (s1.number.clone(), "New Ref".into()));
    assert_eq!(bill(vc), (s1.number.clone(), "Agst Ref".into()));

    // Receipts: the bank or the cash debited, the customer credited.
    let receipts: Vec<&&El> = vouchers
        .iter()
        .filter(|v| v.get("VOUCHERTYPENAME") == Some("Receipt"))
        .collect();
    assert_eq!(receipts[0].get("REFERENCE"), Some("UPI-77"));
    assert_eq!(bill(receipts[0]), (s2.number.clone(), "Agst Ref".into()));
    assert_eq!(
        entries(receipts[0]),
        want(&[("A customer", "5900"), ("Bank", "-5900")])
    );
    assert_eq!(bill(receipts[1]), (s3.number.clone(), "Agst Ref".into()));
    assert_eq!(
        entries(receipts[1]),
        want(&[("A customer", "1000"), ("Cash", "-1000")])
    );
    assert_eq!(receipts[2].get("PARTYLEDGERNAME"), Some("Meera"));
    assert_eq!(bill(receipts[2]), ("J-1".into(), "Advance".into()));
    assert_eq!(
        entries(receipts[2]),
        want(&[("Meera", "500"), ("Cash", "-500")])
    );

    // The month's tax ledgers, as GSTR-3B has them for these documents.
    let total = |ledger: &str| -> Decimal {
        vouchers
            .iter()
            .flat_map(|v| entries(v))
            .filter(|(l, _)| l == ledger)
            .map(|(_, a)| a)
            .sum()
    };
    assert_eq!(total("Output CGST"), dec("123.61"));
    assert_eq!(total("Output SGST"), dec("123.61"));
    assert_eq!(total("Output IGST"), dec("900"));

    // Whitefield's file holds its own invoice and receipt; Jayanagar's none of it.
    assert!(!text.contains(&w1.number));
    let r = get(format!(
        "{}/returns/tally.xml?gstin={gst_b}&period={fp}",
        h.url
    ))
    .await;
    let wb = parse(&r.text().await.unwrap());
    let kinds: Vec<String> = wb
        .at(&["BODY", "IMPORTDATA", "REQUESTDATA"])
        .all("TALLYMESSAGE")
        .into_iter()
        .flat_map(|m| m.all("VOUCHER"))
        .map(|v| v.get("VOUCHERTYPENAME").unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["Sales", "Receipt"]);

    // Refused, naming the field: a GSTIN not of this business, a bad period.
    let other = sync_core::testkit::gstin("33", "ZZZZZ9999Z");
    for (q, field) in [
        (format!("gstin={other}&period={fp}"), "gstin"),
        (format!("gstin={gst_a}&period=132026"), "period"),
        (format!("gstin=29ABC&period={fp}"), "gstin"),
    ] {
        let r = get(format!("{}/returns/tally.xml?{q}", h.url)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["field"], field, "{q}: {v}");
    }
    // Without a login, nothing.
    let r = h
        .client
        .get(format!(
            "{}/returns/tally.xml?gstin={gst_a}&period={fp}",
            h.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
