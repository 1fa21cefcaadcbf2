//! Cost per operation of the envelope: encode+sign, decode, strict verify,
//! batch verify, and merge (apply to a replica), beside bare ed25519 so the
//! envelope's overhead is visible. Run: `cargo bench -p sync-core --bench envelope`.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use sync_core::Decimal;
use sync_core::body::{FieldValue, FieldWrite, OpBody};
use sync_core::identity::verify_batch;
use sync_core::ids::RecordId;
use sync_core::op::Op;
use sync_core::testkit::{Org, T0, rid};

fn job_update(n: u32) -> OpBody {
    OpBody::JobUpdated {
        job: rid(n),
        writes: vec![FieldWrite {
            field: "model".into(),
            value: FieldValue::Text(format!("Inspiron 15 3511 #{n}")),
            supersedes: vec![],
        }],
    }
}

fn bench(c: &mut Criterion) {
    let mut org = Org::new();
    let mut dev = org.enroll(1, true);
    let base = org.replica();
    let key = sync_core::testkit::key(1);
    let pk = key.public();
    let applied = base.applied().clone();

    let mut g = c.benchmark_group("envelope");
    g.throughput(Throughput::Elements(1));
    g.bench_function("ed25519_sign_bare_200B", |b| {
        let msg = [7u8; 200];
        b.iter(|| black_box(key.sign(black_box(&msg))))
    });
    let mut n = 0;
    g.bench_function("encode_and_sign", |b| {
        b.iter(|| {
            n += 1;
            black_box(
                dev.make(org.receptionist, org.branch, job_update(n), &applied, T0)
                    .unwrap(),
            )
        })
    });
    let op: Op = dev
        .make(org.receptionist, org.branch, job_update(1), &applied, T0)
        .unwrap();
    let wire = op.encode().unwrap();
    g.bench_function("decode", |b| {
        b.iter(|| black_box(Op::decode(black_box(&wire)).unwrap()))
    });
    g.bench_function("verify_strict", |b| {
        b.iter(|| op.verify(black_box(&pk)).unwrap())
    });
    let msg = op.signing_bytes().unwrap();
    g.bench_function("ed25519_verify_strict_bare", |b| {
        b.iter(|| assert!(pk.verify_strict(black_box(&msg), &op.sig)))
    });
    g.finish();

    // Batch verification, per signature.
    let ops: Vec<Op> = (0..64)
        .map(|i| {
            dev.make(org.receptionist, org.branch, job_update(i), &applied, T0)
                .unwrap()
        })
        .collect();
    let msgs: Vec<Vec<u8>> = ops.iter().map(|o| o.signing_bytes().unwrap()).collect();
    let msg_refs: Vec<&[u8]> = msgs.iter().map(|m| m.as_slice()).collect();
    let sigs: Vec<[u8; 64]> = ops.iter().map(|o| o.sig).collect();
    let keys = vec![pk; ops.len()];
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(ops.len() as u64));
    g.bench_function("verify_batch_64", |b| {
        b.iter(|| assert!(verify_batch(&msg_refs, &sigs, &keys)))
    });
    g.finish();

    // Merge: apply a stream of field edits (verify + chain + materialize).
    let mut dev2 = org.enroll(2, false);
    let base = org.replica();
    let applied = base.applied().clone();
    let mut r0 = base.clone();
    let job_ops: Vec<Op> = {
        let mut r = base.clone();
        let c_id = rid(1);
        let mut out = vec![];
        {
            let body = OpBody::CustomerCreated(sync_core::body::Customer {
                id: c_id,
                name: "Asha".into(),
                mobile: "9845012345".into(),
                email: None,
                address: None,
                gstin: None,
                state_code: None,
            });
            out.push(sync_core::testkit::make_on(
                &mut dev2,
                &mut r,
                org.receptionist,
                org.branch,
                body,
                T0,
            ));
        }
        out
    };
    for o in &job_ops {
        r0.receive(o.clone()).unwrap();
    }
    let stream: Vec<Op> = (0..1000)
        .map(|i| {
            let a = r0.applied().clone();
            let supersedes = r0
                .state
                .record(sync_core::replica::Kind::Customer, rid(1))
                .unwrap()
                .fields["name"]
                .winner_op();
            let o = dev2
                .make(
                    org.receptionist,
                    org.branch,
                    OpBody::CustomerUpdated {
                        customer: rid(1),
                        writes: vec![FieldWrite {
                            field: "name".into(),
                            value: FieldValue::Text(format!("Asha {i}")),
                            supersedes,
                        }],
                    },
                    &a,
                    T0 + i,
                )
                .unwrap();
            r0.receive(o.clone()).unwrap();
            o
        })
        .collect();
    let _ = applied;
    let mut start = base.clone();
    for o in &job_ops {
        start.receive(o.clone()).unwrap();
    }
    let mut g = c.benchmark_group("merge");
    g.throughput(Throughput::Elements(stream.len() as u64));
    g.sample_size(20);
    g.bench_function("replica_receive_1000_field_edits", |b| {
        b.iter_batched(
            || start.clone(),
            |mut r| {
                for o in &stream {
                    r.receive(o.clone()).unwrap();
                }
                r
            },
            BatchSize::LargeInput,
        )
    });
    // The merge alone, without signature verification: what the materializer costs.
    g.bench_function("state_apply_1000_field_edits", |b| {
        b.iter_batched(
            || start.state.clone(),
            |mut st| {
                for o in &stream {
                    st.apply(o).unwrap();
                }
                st
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
    let _ = (Decimal::ZERO, RecordId::default());
}

criterion_group!(benches, bench);
criterion_main!(benches);
