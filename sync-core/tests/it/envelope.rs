//! The signed envelope: frozen encoding, tamper detection, chain checks.

use proptest::prelude::*;
use sync_core::CoreError;
use sync_core::body::{Customer, FieldValue, FieldWrite, OpBody};
use sync_core::chain::{self, ChainHead, Fit};
use sync_core::hlc::Stamp;
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::op::MAX_STORED;
use sync_core::op::{Op, OpHash, OpId, UnsignedOp};
use sync_core::testkit::{T0, id16, key};

fn fixed_op() -> Op {
    UnsignedOp {
        id: OpId {
            device: DeviceId(id16(b'd', 1)),
            seq: 7,
        },
        hlc: Stamp::new(T0, 3),
        author: UserId(id16(b'u', 2)),
        branch: BranchId(id16(b'b', 1)),
        prev: OpHash([0x11; 32]),
        deps: vec![OpId {
            device: DeviceId(id16(b'd', 9)),
            seq: 4,
        }],
        body: OpBody::CustomerCreated(Customer {
            id: RecordId(id16(b'r', 1)),
            name: "Asha Rao".into(),
            mobile: "9845012345".into(),
            email: None,
            address: Some("Jayanagar".into()),
            gstin: None,
            state_code: Some("29".into()),
        }),
    }
    .sign(&key(1))
    .unwrap()
}

/// The frozen bytes. If this test fails, the canonical encoding changed: every
/// signature ever stored would stop verifying. Change the format version
/// instead of editing this constant.
const GOLDEN: &str = concat!(
    "52534f31640000000000000000000000000000010000000000000007000001a201a01c80000000037500000000000000",
    "000000000000000262000000000000000000000000000001111111111111111111111111111111111111111111111111",
    "11111111111111110001640000000000000000000000000000090000000000000004000000b87b226f70223a22637573",
    "746f6d65725f63726561746564222c2264617461223a7b226964223a2237323030303030302d303030302d303030302d",
    "303030302d303030303030303030303031222c226e616d65223a22417368612052616f222c226d6f62696c65223a2239",
    "383435303132333435222c22656d61696c223a6e756c6c2c2261646472657373223a224a6179616e61676172222c2267",
    "7374696e223a6e756c6c2c2273746174655f636f6465223a223239227d7dcbff54be5acf6c901170bdd2c50ccbbd2445",
    "a7f377088868c270f8cedbf69cd21891180adb349f095b6cdda46ae197461bb9d16333c301e1ffbf4dcec52ff80b",
);

#[test]
fn golden_bytes_are_frozen() {
    let wire = hex::encode(fixed_op().encode().unwrap());
    assert_eq!(wire, GOLDEN, "canonical encoding changed");
    let decoded = Op::decode(&hex::decode(GOLDEN).unwrap()).unwrap();
    assert_eq!(decoded, fixed_op());
    decoded.verify(&key(1).public()).unwrap();
}

#[test]
fn every_field_altered_in_turn_is_rejected() {
    let pk = key(1).public();
    let good = fixed_op();
    good.verify(&pk).unwrap();
    let mut variants: Vec<(&str, Op)> = vec![];
    let mut o = good.clone();
    o.id.device = DeviceId(id16(b'd', 2));
    variants.push(("device", o));
    let mut o = good.clone();
    o.id.seq += 1;
    variants.push(("seq", o));
    let mut o = good.clone();
    o.hlc.wall_ms += 1;
    variants.push(("hlc.wall", o));
    let mut o = good.clone();
    o.hlc.logical += 1;
    variants.push(("hlc.logical", o));
    let mut o = good.clone();
    o.author = UserId(id16(b'u', 3));
    variants.push(("author", o));
    let mut o = good.clone();
    o.branch = BranchId(id16(b'b', 2));
    variants.push(("branch", o));
    let mut o = good.clone();
    o.prev.0[31] ^= 1;
    variants.push(("prev", o));
    let mut o = good.clone();
    o.deps[0].seq += 1;
    variants.push(("deps", o));
    let mut o = good.clone();
    o.deps.clear();
    variants.push(("deps removed", o));
    let mut o = good.clone();
    if let OpBody::CustomerCreated(c) = &mut o.body {
        c.mobile = "9845012346".into();
    }
    variants.push(("body", o));
    let mut o = good.clone();
    o.body = OpBody::CustomerUpdated {
        customer: RecordId(id16(b'r', 1)),
        writes: vec![FieldWrite {
            field: "name".into(),
            value: FieldValue::Text("X".into()),
            supersedes: vec![],
        }],
    };
    variants.push(("kind", o));
    let mut o = good.clone();
    o.sig[0] ^= 1;
    variants.push(("signature", o));
    for (what, op) in variants {
        let err = op.verify(&pk).unwrap_err();
        assert!(
            matches!(err, CoreError::BadSignature { .. }),
            "{what}: {err}"
        );
        assert!(
            err.to_string().contains("signature"),
            "{what}: error names the check"
        );
    }
    // Signed by another key: refused as well.
    let mut forged = good.clone();
    forged.sig = UnsignedOp {
        id: good.id,
        hlc: good.hlc,
        author: good.author,
        branch: good.branch,
        prev: good.prev,
        deps: good.deps.clone(),
        body: good.body.clone(),
    }
    .sign(&key(2))
    .unwrap()
    .sig;
    assert!(forged.verify(&pk).is_err());
}

#[test]
fn every_byte_flipped_on_the_wire_is_rejected() {
    let pk = key(1).public();
    let wire = fixed_op().encode().unwrap();
    for i in 0..wire.len() {
        let mut w = wire.clone();
        w[i] ^= 0x01;
        let ok = Op::decode(&w)
            .map(|op| op.verify(&pk).is_ok())
            .unwrap_or(false);
        assert!(!ok, "flipping byte {i} went unnoticed");
    }
    assert!(Op::decode(&wire[..wire.len() - 1]).is_err(), "truncated");
    let mut longer = wire.clone();
    longer.push(0);
    assert!(
        matches!(Op::decode(&longer), Err(CoreError::Malformed(_))),
        "trailing byte"
    );
}

#[test]
fn non_canonical_body_is_refused() {
    // Same JSON meaning, different bytes (a space): must not decode.
    let op = fixed_op();
    let wire = op.encode().unwrap();
    let body = serde_json::to_vec(&op.body).unwrap();
    let pos = wire
        .windows(body.len())
        .position(|w| w == body.as_slice())
        .unwrap();
    let mut spaced = body.clone();
    spaced.insert(1, b' ');
    let mut w = wire[..pos - 4].to_vec();
    w.extend_from_slice(&(spaced.len() as u32).to_be_bytes());
    w.extend_from_slice(&spaced);
    w.extend_from_slice(&wire[pos + body.len()..]);
    assert_eq!(Op::decode(&w).unwrap_err(), CoreError::NonCanonical);
}

fn chain_of(n: u64) -> Vec<Op> {
    let k = key(1);
    let mut prev = OpHash::ZERO;
    let mut out = vec![];
    for seq in 1..=n {
        let op = UnsignedOp {
            id: OpId {
                device: DeviceId(id16(b'd', 1)),
                seq,
            },
            hlc: Stamp::new(T0 + seq, 0),
            author: UserId(id16(b'u', 2)),
            branch: BranchId(id16(b'b', 1)),
            prev,
            deps: vec![],
            body: OpBody::DevicePasswordRead {
                job: RecordId(id16(b'r', 5)),
                purpose: format!("check {seq}"),
            },
        }
        .sign(&k)
        .unwrap();
        prev = op.hash().unwrap();
        out.push(op);
    }
    out
}

#[test]
fn gap_fork_and_replay_are_each_detected_and_named() {
    let ops = chain_of(4);
    let hashes: Vec<OpHash> = ops.iter().map(|o| o.hash().unwrap()).collect();
    let head = ChainHead {
        seq: 2,
        hash: hashes[1],
    };
    let hash_at = |s: u64| hashes.get(s as usize - 1).copied();
    // next: fine
    assert_eq!(
        chain::check(head, &ops[2], hashes[2], hash_at).unwrap(),
        Fit::Next
    );
    // gap: 4 arrives when 3 is expected
    let e = chain::check(head, &ops[3], hashes[3], hash_at).unwrap_err();
    assert_eq!(
        e,
        CoreError::ChainGap {
            device: ops[3].id.device,
            expected: 3,
            got: 4
        }
    );
    assert!(e.to_string().contains("gap"));
    // replay: 2 again
    let e = chain::check_no_replay(head, &ops[1], hashes[1], hash_at).unwrap_err();
    assert!(matches!(e, CoreError::Replay { seq: 2, .. }) && e.to_string().contains("replay"));
    assert_eq!(
        chain::check(head, &ops[1], hashes[1], hash_at).unwrap(),
        Fit::Duplicate,
        "a duplicate is not an error when applying idempotently"
    );
    // fork: a different op signed at seq 2
    let mut other = ops[1].clone();
    other.body = OpBody::DevicePasswordRead {
        job: RecordId(id16(b'r', 6)),
        purpose: "forked".into(),
    };
    let other = UnsignedOp {
        id: other.id,
        hlc: other.hlc,
        author: other.author,
        branch: other.branch,
        prev: other.prev,
        deps: vec![],
        body: other.body,
    }
    .sign(&key(1))
    .unwrap();
    let e = chain::check(head, &other, other.hash().unwrap(), hash_at).unwrap_err();
    assert!(matches!(e, CoreError::ChainFork { seq: 2, .. }) && e.to_string().contains("fork"));
    // reordered: op 3 claiming to follow op 1
    let mut re = ops[2].clone();
    re.prev = hashes[0];
    let re = UnsignedOp {
        id: re.id,
        hlc: re.hlc,
        author: re.author,
        branch: re.branch,
        prev: re.prev,
        deps: vec![],
        body: re.body,
    }
    .sign(&key(1))
    .unwrap();
    let e = chain::check(head, &re, re.hash().unwrap(), hash_at).unwrap_err();
    assert!(matches!(e, CoreError::BrokenLink { seq: 3, .. }));
    // sequence zero
    let mut z = ops[0].clone();
    z.id.seq = 0;
    assert!(matches!(
        chain::check(ChainHead::default(), &z, OpHash::ZERO, |_| None),
        Err(CoreError::ZeroSequence(_))
    ));
}

#[test]
fn unknown_key_is_named() {
    let ring = sync_core::identity::KeyRing::default();
    let e = ring.get(DeviceId(id16(b'd', 42))).unwrap_err();
    assert!(matches!(e, CoreError::UnknownDevice(_)) && e.to_string().contains("unknown"));
}

fn arb_body() -> impl Strategy<Value = OpBody> {
    (
        any::<u32>(),
        "[ -~]{0,40}",
        "[6-9][0-9]{9}",
        proptest::option::of("[a-z]{1,10}"),
        any::<i64>(),
    )
        .prop_map(|(n, name, mobile, email, int)| {
            if n % 2 == 0 {
                OpBody::CustomerCreated(Customer {
                    id: RecordId(id16(b'r', n)),
                    name,
                    mobile,
                    email,
                    address: None,
                    gstin: None,
                    state_code: None,
                })
            } else {
                OpBody::JobUpdated {
                    job: RecordId(id16(b'r', n)),
                    writes: vec![
                        FieldWrite {
                            field: "brand".into(),
                            value: FieldValue::Text(name),
                            supersedes: vec![OpId {
                                device: DeviceId(id16(b'd', n)),
                                seq: n as u64,
                            }],
                        },
                        FieldWrite {
                            field: "x".into(),
                            value: FieldValue::Int(int),
                            supersedes: vec![],
                        },
                        FieldWrite {
                            field: "y".into(),
                            value: FieldValue::Decimal(sync_core::Decimal::new(int, 2)),
                            supersedes: vec![],
                        },
                    ],
                }
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn encode_decode_round_trip(seed in 1u8..255, seq in 1u64..=MAX_STORED, wall in 0u64..=MAX_STORED, logical in any::<u32>(),
                                body in arb_body(), ndeps in 0usize..5) {
        let deps = (0..ndeps).map(|i| OpId { device: DeviceId(id16(b'd', i as u32 + 100)), seq: i as u64 + 1 }).collect();
        let op = UnsignedOp {
            id: OpId { device: DeviceId([seed; 16]), seq },
            hlc: Stamp::new(wall, logical),
            author: UserId([seed; 16]),
            branch: BranchId([seed; 16]),
            prev: OpHash([seed; 32]),
            deps,
            body,
        }.sign(&key(seed)).unwrap();
        let wire = op.encode().unwrap();
        let back = Op::decode(&wire).unwrap();
        prop_assert_eq!(&back, &op);
        prop_assert_eq!(back.encode().unwrap(), wire);
        back.verify(&key(seed).public()).unwrap();
    }

    /// Beyond SQLite's signed 64-bit integers no replica could store the op:
    /// it is refused at decode, on its own, whatever else it says.
    #[test]
    fn a_number_no_replica_stores_is_refused_at_decode(seed in 1u8..255, big in (MAX_STORED + 1)..=u64::MAX,
                                                        which in 0u8..3, body in arb_body()) {
        let (seq, wall, dep) = match which {
            0 => (big, 1, 1),
            1 => (1, big, 1),
            _ => (1, 1, big),
        };
        let op = UnsignedOp {
            id: OpId { device: DeviceId([seed; 16]), seq },
            hlc: Stamp::new(wall, 0),
            author: UserId([seed; 16]),
            branch: BranchId([seed; 16]),
            prev: OpHash([seed; 32]),
            deps: vec![OpId { device: DeviceId(id16(b'd', 1)), seq: dep }],
            body,
        }.sign(&key(seed)).unwrap();
        let err = Op::decode(&op.encode().unwrap()).unwrap_err();
        prop_assert!(err.to_string().contains("beyond what any replica stores"), "{}", err);
    }
}
