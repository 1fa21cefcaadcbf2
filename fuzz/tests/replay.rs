//! Every input of the fuzz corpus, and every crash the fuzzer ever found
//! (`artifacts/`, kept once fixed), through its target: what once broke
//! stays fixed, and the targets cannot rot between fuzzing runs.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for dir in ["corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut files: Vec<_> = entries.map(|e| e.expect("a corpus entry").path()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).expect("a corpus file");
            run(&data);
            seen += 1;
        }
    }
    assert!(seen > 0, "{target}: no corpus to replay");
}

#[test]
fn op_decoder_corpus() {
    replay("op_decoder", repair_fuzz::op_decoder);
}

#[test]
fn sync_bodies_corpus() {
    replay("sync_bodies", repair_fuzz::sync_bodies);
}

#[test]
fn api_bodies_corpus() {
    replay("api_bodies", repair_fuzz::api_bodies);
}

/// Writes the seed corpus: ops of every kind a day of the shop makes (wire
/// bytes, and their bodies as JSON for signed pushes), the protocol's
/// bodies, and a body for every route of the device API. Run once by hand
/// (`cargo test -p repair-fuzz -- --ignored`); the files are committed.
#[test]
#[ignore]
fn write_seed_corpus() {
    use sync_core::testkit::day;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let put = |target: &str, name: &str, data: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), data).unwrap();
    };
    let mut w = day::world();
    let mut ops = w.org.ops.clone();
    for k in 0..400u32 {
        let i = (k % 5) as usize;
        if let Some(op) = day::act(
            &mut w,
            i,
            (k % 23) as u8,
            k * 7 + 1,
            k * 13 + 3,
            1_000 + k as u64,
        ) {
            ops.push(op);
        }
    }
    let mut kinds = std::collections::BTreeSet::new();
    for op in &ops {
        let kind = format!("{:?}", std::mem::discriminant(&op.body));
        if !kinds.insert(kind) {
            continue;
        }
        let n = kinds.len();
        let wire = op.encode().unwrap();
        put("op_decoder", &format!("op-{n:02}"), &wire);
        let mut push = vec![0u8];
        push.extend(
            serde_json::to_vec(&serde_json::json!({ "ops": [hex::encode(&wire)] })).unwrap(),
        );
        put("sync_bodies", &format!("push-{n:02}"), &push);
        let mut signed = vec![6u8];
        signed.extend(serde_json::to_vec(&op.body).unwrap());
        put("sync_bodies", &format!("body-{n:02}"), &signed);
    }
    for (name, which, body) in [
        ("pull", 1u8, r#"{"cursor":0,"limit":50,"digest":true}"#),
        ("lease", 2, r#"{"doc_type":"tax_invoice"}"#),
        (
            "enroll",
            3,
            r#"{"code":"ABCD-EFGH","device":"00000000-0000-0000-0000-000000000000","key":"00"}"#,
        ),
        (
            "pulled",
            4,
            r#"{"ops":[],"next_cursor":0,"more":false,"hub_time_ms":0}"#,
        ),
        ("pushed", 5, r#"{"results":[],"hub_time_ms":0}"#),
    ] {
        let mut b = vec![which];
        b.extend(body.as_bytes());
        put("sync_bodies", name, &b);
    }
    let api: &[(&str, u8, &str)] = &[
        (
            "customer",
            0,
            r#"{"name":"Ravi Kumar","mobile":"9845000001"}"#,
        ),
        (
            "customer-edit",
            1,
            r#"{"name":"Ravi K","mobile":"+91 98450 00002"}"#,
        ),
        (
            "job",
            2,
            r#"{"new_customer":{"name":"Asha","mobile":"9845000003"},"device_type":"Laptop","brand":"HP","model":"Pavilion","serial":"X1","complaint":"no display"}"#,
        ),
        ("job-edit", 3, r#"{"model":"Pavilion 14"}"#),
        ("status", 4, r#"{"to":"diagnosed"}"#),
        ("assign", 5, r#"{"technician":"$USER"}"#),
        (
            "diagnosis",
            6,
            r#"{"text":"SMPS fine; board short","version":[]}"#,
        ),
        ("notes", 7, r#"{"text":"customer waits"}"#),
        (
            "estimate",
            8,
            r#"{"kind":"part","item":"$ITEM","description":"RAM","hsn_sac":"84733020","qty":"1","unit_price":"1800","gst_rate":"18"}"#,
        ),
        (
            "resolve",
            9,
            r#"{"record":"$JOB","field":"model","value":"Pavilion"}"#,
        ),
        (
            "item",
            10,
            r#"{"sku":"SSD1","name":"SSD 512","hsn_sac":"84717020","gst_rate":"18","sale_price":"3200"}"#,
        ),
        (
            "receipt",
            11,
            r#"{"item":"$ITEM","qty":"5","supplier":"SP Road"}"#,
        ),
        (
            "receipt-overflow",
            11,
            r#"{"item":"$ITEM","qty":"79228162514264337593543950335","supplier":"SP Road"}"#,
        ),
        (
            "adjust",
            12,
            r#"{"item":"$ITEM","qty":"1","increase":false,"reason":"broken"}"#,
        ),
        (
            "issue",
            13,
            r#"{"item":"$ITEM","qty":"1","technician":"$USER","to_device":"$DEVICE"}"#,
        ),
        (
            "return",
            14,
            r#"{"item":"$ITEM","qty":"1","from_device":"$DEVICE"}"#,
        ),
        ("use", 15, r#"{"job":"$JOB","item":"$ITEM","qty":"1"}"#),
        (
            "transfer",
            16,
            r#"{"item":"$ITEM","qty":"1","to_branch":"00000000-0000-0000-0000-000000000001"}"#,
        ),
        ("draft", 17, r#"{"job":"$JOB"}"#),
        (
            "sale",
            17,
            r#"{"customer_name":"Walk-in","lines":[{"description":"Mouse","hsn_sac":"84716060","qty":"1","unit_price":"449.50","gst_rate":"18"}]}"#,
        ),
        ("finalize", 18, r#"{}"#),
        ("cancel", 19, r#"{"reason":"typo"}"#),
        (
            "credit-note",
            20,
            r#"{"against":"$DOC","reason":"refund","lines":[]}"#,
        ),
        (
            "payment",
            21,
            r#"{"invoice":"$DOC","amount":"100.50","mode":"upi","reference":"UPI/1"}"#,
        ),
        (
            "payment-huge",
            21,
            r#"{"invoice":"$DOC","amount":"99999999999999999999","mode":"cash"}"#,
        ),
        ("lease", 22, r#"{"doc_type":"tax_invoice","size":10}"#),
        ("push", 23, r#"{"ops":["00ff"]}"#),
        ("pull", 24, r#"{"cursor":0,"limit":5}"#),
    ];
    for (name, which, body) in api {
        let mut b = vec![*which];
        b.extend(body.as_bytes());
        put("api_bodies", name, &b);
    }
}
