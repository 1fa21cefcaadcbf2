//! GSTR-1 and GSTR-3B of a seeded month at two branches (two GSTINs),
//! pushed as signed ops by simulated devices, read back over real HTTP and
//! checked figure by figure against the sums worked out by hand below,
//! and against the portal's JSON Schema (`hub/tests/gstr1.schema.json`,
//! its sources named in its `$comment`).
//!
//! Jayanagar (Karnataka, 29), this month, 18 % unless said:
//!
//! | #  | to                     | lines                    | taxable | tax                  | total  | goes to          |
//! |----|------------------------|--------------------------|---------|----------------------|--------|------------------|
//! | 1  | GSTIN 29 (registered)  | 1000 @18, 500 @5         | 1500    | C 102.50, S 102.50   | 1705   | b2b intra        |
//! | 2  | GSTIN 27 (registered)  | 2 × 2500                 | 5000    | I 900                | 5900   | b2b inter        |
//! | 3  | unregistered, pos 33   | 150000                   | 150000  | I 27000              | 177000 | b2cl             |
//! | 4  | unregistered, pos 33   | 800                      | 800     | I 144                | 944    | b2cs INTER 33 18 |
//! | 5  | unregistered, pos 29   | 1234.50, 200 @0          | 1434.50 | C 111.11, S 111.11   | 1657   | b2cs INTRA 29 18, nil |
//! | 6  | unregistered, pos 29   | 3000, cancelled          |         |                      | 3540   | doc_issue only   |
//! | C1 | credit on #1           | 1000                     | 1000    | C 90, S 90           | 1180   | cdnr             |
//! | C2 | credit on #5           | 200                      | 200     | C 18, S 18           | 236    | b2cs INTRA (−)   |
//! | C3 | credit on #3           | 10000                    | 10000   | I 1800               | 11800  | cdnur B2CL       |
//! | L1, L2 | a laptop's block of 10, then the laptop revoked | 100 each | 200 | C 18, S 18 | 118 each | b2cs INTRA; 8 unused numbers cancelled |
//!
//! Whitefield (another GSTIN) issues one invoice of 2000: it is in its own
//! return and nowhere in Jayanagar's.

use crate::common::*;
use hub::store::HubStore;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sync_core::body::*;
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::{DocType, Series};
use sync_core::ids::RecordId;

pub(crate) fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub(crate) fn line(n: u32, price: &str, rate: &str) -> Line {
    Line {
        id: RecordId(sync_core::testkit::id16(b'L', n)),
        kind: LineKind::Service,
        item: None,
        description: "Laptop repair".into(),
        hsn_sac: "998713".into(),
        qty: Decimal::ONE,
        unit: "nos".into(),
        unit_price: dec(price),
        discount: Decimal::ZERO,
        gst_rate: dec(rate),
    }
}

pub(crate) struct Doc<'a> {
    pub(crate) lease: &'a Lease,
    pub(crate) n: u64,
    pub(crate) date: Date,
    pub(crate) buyer_gstin: Option<String>,
    pub(crate) pos: &'a str,
    pub(crate) lines: Vec<Line>,
    pub(crate) total: &'a str,
    pub(crate) against: Option<&'a Document>,
}

pub(crate) fn document(gstin: &str, d: Doc) -> Document {
    let seq = d.lease.first + d.n - 1;
    let series = Series::new(&d.lease.prefix, d.lease.doc_type, d.lease.fy).unwrap();
    Document {
        id: RecordId(sync_core::testkit::id16(
            if d.lease.doc_type == DocType::CreditNote {
                b'c'
            } else {
                d.lease.prefix.as_bytes()[0]
            },
            seq as u32,
        )),
        doc_type: d.lease.doc_type,
        prefix: d.lease.prefix.clone(),
        fy: d.lease.fy,
        seq,
        number: series.format(seq).unwrap(),
        date: d.date,
        supplier_gstin: gstin.into(),
        supplier_state: "29".into(),
        customer: None,
        customer_name: "A customer".into(),
        customer_gstin: d.buyer_gstin,
        customer_address: None,
        place_of_supply: d.pos.into(),
        job: None,
        lines: d.lines,
        grand_total: dec(d.total),
        against: d.against.map(|o| DocRef {
            invoice: o.id,
            number: o.number.clone(),
            date: o.date,
        }),
        reason: d.against.map(|_| "returned".into()),
        transfer: None,
    }
}

pub(crate) async fn push_all(d: &Dev, ops: &[sync_core::op::Op]) {
    let (st, v) = d.push(ops).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    for r in v["results"].as_array().unwrap() {
        assert_eq!(r["verdict"], "accepted", "{v}");
    }
}

pub(crate) async fn login(h: &Hub) -> String {
    let r = h
        .client
        .post(format!("{}/login", h.url))
        .json(&json!({ "name": OWNER, "pin": OWNER_PIN }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

fn schema_errors(v: &Value) -> Vec<String> {
    let schema: Value =
        serde_json::from_str(include_str!("../gstr1.schema.json")).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    validator
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn num(v: &Value) -> Decimal {
    // The file's numbers, read back as written (the test's own check of
    // two decimals is on the text).
    v.to_string()
        .parse()
        .unwrap_or_else(|_| panic!("{v} is not a number"))
}

#[tokio::test]
async fn gstr1_of_a_seeded_month_matches_the_hand_sums_and_the_portals_schema() {
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
    let acc = h.users["acc_a"];
    let mut store = Dev::enroll(&h, h.a, true).await;
    // The accountant's laptop bills from a block of its own.
    let mut laptop = Dev::enroll_with(
        &h,
        h.a,
        false,
        Some(sync_core::domain::roles::Role::Manager),
    )
    .await;
    let (hub, sid, lid) = (h.hub.clone(), store.id, laptop.id);
    let (notes, laptop_block) = tokio::task::spawn_blocking(move || {
        (
            hub.lease_block(sid, DocType::CreditNote, 10, day).unwrap(),
            hub.lease_block(lid, DocType::TaxInvoice, 10, day).unwrap(),
        )
    })
    .await
    .unwrap();
    store.pull_all().await;
    laptop.pull_all().await;
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
    let i1 = d(
        1,
        Some(&b2b_29),
        "29",
        vec![line(1, "1000", "18"), line(2, "500", "5")],
        "1705",
    );
    let mut two = line(3, "2500", "18");
    two.qty = dec("2");
    let i2 = d(2, Some(&b2b_27), "27", vec![two], "5900");
    let i3 = d(3, None, "33", vec![line(4, "150000", "18")], "177000");
    let i4 = d(4, None, "33", vec![line(5, "800", "18")], "944");
    let i5 = d(
        5,
        None,
        "29",
        vec![line(6, "1234.50", "18"), line(7, "200", "0")],
        "1657",
    );
    let i6 = d(6, None, "29", vec![line(8, "3000", "18")], "3540");
    let note = |n, of: &Document, lines, total| {
        document(
            &gst_a,
            Doc {
                lease: &notes,
                n,
                date: day,
                buyer_gstin: of.customer_gstin.clone(),
                pos: &of.place_of_supply,
                lines,
                total,
                against: Some(of),
            },
        )
    };
    let c1 = note(1, &i1, vec![line(9, "1000", "18")], "1180");
    let c2 = note(2, &i5, vec![line(10, "200", "18")], "236");
    let c3 = note(3, &i3, vec![line(11, "10000", "18")], "11800");
    let mut ops = vec![];
    for doc in [&i1, &i2, &i3, &i4, &i5, &i6, &c1, &c2, &c3] {
        ops.push(store.make(acc, OpBody::DocumentIssued(doc.clone())));
    }
    ops.push(store.make(
        acc,
        OpBody::DocumentCancelled {
            document: i6.id,
            reason: "billed to the wrong customer".into(),
        },
    ));
    push_all(&store, &ops).await;
    let l_docs: Vec<Document> = (1..=2)
        .map(|n| {
            document(
                &gst_a,
                Doc {
                    lease: &laptop_block,
                    n,
                    date: day,
                    buyer_gstin: None,
                    pos: "29",
                    lines: vec![line(20 + n as u32, "100", "18")],
                    total: "118",
                    against: None,
                },
            )
        })
        .collect();
    let ops: Vec<_> = l_docs
        .iter()
        .map(|doc| laptop.make(acc, OpBody::DocumentIssued(doc.clone())))
        .collect();
    push_all(&laptop, &ops).await;
    let (hub, lid2) = (h.hub.clone(), laptop.id);
    tokio::task::spawn_blocking(move || hub.revoke(lid2, "left on a bus").unwrap())
        .await
        .unwrap();
    // Whitefield's one invoice, under its own GSTIN.
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
    // Whitefield's accountant, added after its device enrolled.
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
    let op = wfd.make(acc_b, OpBody::DocumentIssued(w1.clone()));
    push_all(&wfd, &[op]).await;

    let cookie = login(&h).await;
    let get = |path: String| {
        let (http, cookie) = (h.client.clone(), cookie.clone());
        async move { http.get(path).header(COOKIE, cookie).send().await.unwrap() }
    };
    let r = get(format!("{}/returns/gstr1?gstin={gst_a}&period={fp}", h.url)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[reqwest::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(&format!("GSTR1_{gst_a}_{fp}.json"))
    );
    let text = r.text().await.unwrap();
    let g: Value = serde_json::from_str(&text).unwrap();
    let errors = schema_errors(&g);
    assert!(errors.is_empty(), "{errors:#?}\n{g:#}");
    assert_eq!(
        (g["gstin"].as_str(), g["fp"].as_str()),
        (Some(&*gst_a), Some(&*fp))
    );
    // Every amount is written with two decimals, as the portal takes it.
    for key in [
        "\"txval\":",
        "\"val\":",
        "\"iamt\":",
        "\"camt\":",
        "\"samt\":",
    ] {
        for (i, _) in text.match_indices(key) {
            let rest = &text[i + key.len()..];
            let n: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
                .collect();
            assert!(
                n.split_once('.').is_some_and(|(_, f)| f.len() == 2),
                "{key}{n}"
            );
        }
    }

    // b2b: two buyers, the intra one in two rates.
    let b2b = g["b2b"].as_array().unwrap();
    assert_eq!(b2b.len(), 2);
    let party = |ctin: &str| b2b.iter().find(|p| p["ctin"] == ctin).unwrap();
    let p29 = &party(&b2b_29)["inv"][0];
    assert_eq!(p29["inum"], i1.number);
    assert_eq!(p29["idt"], day.to_indian());
    assert_eq!(
        (
            num(&p29["val"]),
            p29["pos"].as_str(),
            p29["rchrg"].as_str(),
            p29["inv_typ"].as_str()
        ),
        (dec("1705"), Some("29"), Some("N"), Some("R"))
    );
    let items: Vec<(Decimal, Decimal, Decimal, Decimal)> = p29["itms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let d = &i["itm_det"];
            (
                num(&d["rt"]),
                num(&d["txval"]),
                num(&d["camt"]),
                num(&d["samt"]),
            )
        })
        .collect();
    assert_eq!(
        items,
        vec![
            (dec("5"), dec("500"), dec("12.50"), dec("12.50")),
            (dec("18"), dec("1000"), dec("90"), dec("90")),
        ]
    );
    assert!(
        p29["itms"][0]["itm_det"].get("iamt").is_none(),
        "no IGST within the state"
    );
    let p27 = &party(&b2b_27)["inv"][0];
    let it = &p27["itms"][0]["itm_det"];
    assert_eq!(
        (num(&p27["val"]), num(&it["txval"]), num(&it["iamt"])),
        (dec("5900"), dec("5000"), dec("900"))
    );

    // b2cl: the one large inter-state invoice to an unregistered buyer.
    assert_eq!(g["b2cl"].as_array().unwrap().len(), 1);
    assert_eq!(g["b2cl"][0]["pos"], "33");
    let large = &g["b2cl"][0]["inv"][0];
    assert_eq!(large["inum"], i3.number);
    assert_eq!(
        (
            num(&large["val"]),
            num(&large["itms"][0]["itm_det"]["iamt"])
        ),
        (dec("177000"), dec("27000"))
    );

    // b2cs: small ones summed per (supply, pos, rate), credit notes netted.
    // INTRA 29 18: 1234.50 (#5) + 100 + 100 (the laptop's) − 200 (C2).
    let b2cs: Vec<(String, String, Decimal, Decimal, Decimal)> = g["b2cs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["typ"], "OE");
            let tax = if r["sply_ty"] == "INTER" {
                num(&r["iamt"])
            } else {
                num(&r["camt"]) + num(&r["samt"])
            };
            (
                r["sply_ty"].as_str().unwrap().into(),
                r["pos"].as_str().unwrap().into(),
                num(&r["rt"]),
                num(&r["txval"]),
                tax,
            )
        })
        .collect();
    assert_eq!(
        b2cs,
        vec![
            (
                "INTER".into(),
                "33".into(),
                dec("18"),
                dec("800"),
                dec("144")
            ),
            (
                "INTRA".into(),
                "29".into(),
                dec("18"),
                dec("1234.50") + dec("200") - dec("200"),
                // 111.11 × 2 + (9 × 2) × 2 − 18 × 2
                dec("222.22") + dec("36") - dec("36"),
            ),
        ]
    );

    // Credit notes: registered in cdnr; the large inter-state one in cdnur.
    let cdnr = &g["cdnr"][0];
    assert_eq!(cdnr["ctin"], b2b_29);
    assert_eq!(
        (
            cdnr["nt"][0]["nt_num"].as_str(),
            cdnr["nt"][0]["ntty"].as_str()
        ),
        (Some(&*c1.number), Some("C"))
    );
    assert_eq!(num(&cdnr["nt"][0]["val"]), dec("1180"));
    assert_eq!(g["cdnur"].as_array().unwrap().len(), 1);
    let cdnur = &g["cdnur"][0];
    assert_eq!(
        (
            cdnur["typ"].as_str(),
            cdnur["nt_num"].as_str(),
            cdnur["pos"].as_str()
        ),
        (Some("B2CL"), Some(&*c3.number), Some("33"))
    );
    assert_eq!(num(&cdnur["itms"][0]["itm_det"]["iamt"]), dec("1800"));

    // nil: #5's 0 % line.
    assert_eq!(g["nil"]["inv"].as_array().unwrap().len(), 1);
    assert_eq!(g["nil"]["inv"][0]["sply_ty"], "INTRAB2C");
    assert_eq!(num(&g["nil"]["inv"][0]["nil_amt"]), dec("200"));

    // hsn: split B2B / B2C; SAC 998713 in "NA" with no quantity.
    let hsn_b2b = g["hsn"]["hsn_b2b"].as_array().unwrap();
    let sum = |rows: &[Value], rt: &str, key: &str| -> Decimal {
        rows.iter()
            .filter(|r| num(&r["rt"]) == dec(rt))
            .map(|r| num(&r[key]))
            .sum()
    };
    // B2B at 18 %: 1000 + 5000 − 1000 (C1); at 5 %: 500.
    assert_eq!(sum(hsn_b2b, "18", "txval"), dec("5000"));
    assert_eq!(sum(hsn_b2b, "5", "txval"), dec("500"));
    assert_eq!(sum(hsn_b2b, "18", "iamt"), dec("900"));
    let hsn_b2c = g["hsn"]["hsn_b2c"].as_array().unwrap();
    // B2C at 18 %: 150000 + 800 + 1234.50 + 3000? no: #6 is cancelled.
    // 150000 + 800 + 1234.50 + 200 − 200 (C2) − 10000 (C3) = 142034.50.
    assert_eq!(sum(hsn_b2c, "18", "txval"), dec("142034.50"));
    assert_eq!(sum(hsn_b2c, "0", "txval"), dec("200"));
    assert!(
        hsn_b2c
            .iter()
            .all(|r| r["uqc"] == "NA" && num(&r["qty"]).is_zero())
    );

    // doc_issue: the store's invoices 1–6 (one cancelled); the laptop's
    // two, then its 8 unused numbers cancelled; three credit notes.
    let ranges = |doc_num: u64| -> Vec<(String, String, u64, u64, u64)> {
        g["doc_issue"]["doc_det"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["doc_num"] == doc_num)
            .unwrap()["docs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["from"].as_str().unwrap().into(),
                    r["to"].as_str().unwrap().into(),
                    r["totnum"].as_u64().unwrap(),
                    r["cancel"].as_u64().unwrap(),
                    r["net_issue"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let f = |l: &Lease, n: u64| {
        Series::new(&l.prefix, l.doc_type, l.fy)
            .unwrap()
            .format(l.first + n - 1)
            .unwrap()
    };
    let mut want = vec![
        (f(&inv, 1), f(&inv, 6), 6, 1, 5),
        (f(&laptop_block, 1), f(&laptop_block, 2), 2, 0, 2),
        (f(&laptop_block, 3), f(&laptop_block, 10), 8, 8, 0),
    ];
    want.sort();
    let mut got = ranges(1);
    got.sort();
    assert_eq!(got, want);
    assert_eq!(ranges(5), vec![(f(&notes, 1), f(&notes, 3), 3, 0, 3)]);

    // Whitefield's return holds its own invoice only; Jayanagar's nothing of it.
    assert!(!text.contains(&w1.number));
    let r = get(format!("{}/returns/gstr1?gstin={gst_b}&period={fp}", h.url)).await;
    let gb: Value = r.json().await.unwrap();
    assert!(schema_errors(&gb).is_empty());
    assert_eq!(gb["b2cs"].as_array().unwrap().len(), 1);
    assert_eq!(num(&gb["b2cs"][0]["txval"]), dec("2000"));

    // GSTR-3B: 3.1(a) net taxable and tax; (c) nil; 3.2 inter-state B2C by state.
    let r = get(format!(
        "{}/returns/gstr3b?gstin={gst_a}&period={fp}",
        h.url
    ))
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let b: Value = r.json().await.unwrap();
    let o = &b["sup_details"]["osup_det"];
    // 1500 + 5000 + 150000 + 800 + 1234.50 + 200 − 1000 − 200 − 10000
    assert_eq!(num(&o["txval"]), dec("147534.50"));
    // IGST 900 + 27000 + 144 − 1800; CGST 102.50 + 111.11 + 18 − 90 − 18.
    assert_eq!(num(&o["iamt"]), dec("26244"));
    assert_eq!(num(&o["camt"]), dec("123.61"));
    assert_eq!(num(&o["samt"]), dec("123.61"));
    assert_eq!(num(&b["sup_details"]["osup_nil_exmp"]["txval"]), dec("200"));
    let unreg = &b["inter_sup"]["unreg_details"];
    assert_eq!(unreg.as_array().unwrap().len(), 1);
    assert_eq!(unreg[0]["pos"], "33");
    assert_eq!(
        (num(&unreg[0]["txval"]), num(&unreg[0]["iamt"])),
        (dec("140800"), dec("25344"))
    );

    // The workbook has a sheet per section.
    let r = get(format!(
        "{}/returns/gstr1.xlsx?gstin={gst_a}&period={fp}",
        h.url
    ))
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));

    // Refused, naming the field: a GSTIN not of this business, a bad period.
    let other = sync_core::testkit::gstin("33", "ZZZZZ9999Z");
    for (q, field) in [
        (format!("gstin={other}&period={fp}"), "gstin"),
        (format!("gstin={gst_a}&period=132026"), "period"),
        (format!("gstin=29ABC&period={fp}"), "gstin"),
    ] {
        let r = get(format!("{}/returns/gstr1?{q}", h.url)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["field"], field, "{q}: {v}");
    }
    // Without a login, nothing.
    let r = h
        .client
        .get(format!("{}/returns/gstr1?gstin={gst_a}&period={fp}", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
