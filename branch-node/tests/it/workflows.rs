//! Workflows through the crate's public API: intake to delivery, edits,
//! merged text, passwords, conflicts, audit — and the role matrix, every
//! role × action pair, allowed and refused.

use crate::common::*;
use branch_node::NodeError;
use branch_node::{billing as bill, inventory as inv, services as svc};
use rust_decimal::Decimal;
use sync_core::CoreError;
use sync_core::body::*;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::{Action, Role, allowed};
use sync_core::ids::RecordId;

fn status(to: JobStatus) -> svc::StatusInput {
    svc::StatusInput {
        to,
        override_reason: None,
        note: None,
        otp: None,
        signature_sha256: None,
        allow_balance_due: false,
        approval: None,
    }
}

#[test]
fn intake_to_delivery_with_otp() {
    let s = shop();
    let n = &s.node;
    let opened = svc::open_job(n, &s.receptionist, intake("9845012345")).unwrap();
    let id = opened.job.summary.id;
    assert_eq!(opened.job.summary.status, "received");
    assert_eq!(opened.otp.len(), 4);
    assert!(opened.job.has_password);
    assert_eq!(opened.job.accessories, vec!["Charger", "Bag"]);
    svc::assign_technician(n, &s.manager, id, Some(s.technician.user)).unwrap();
    svc::set_text(
        n,
        &s.technician,
        id,
        TextField::Diagnosis,
        "Liquid damage on the display connector.",
        None,
    )
    .unwrap();
    svc::change_status(n, &s.technician, id, status(JobStatus::Diagnosed)).unwrap();
    svc::add_estimate_line(
        n,
        &s.technician,
        id,
        svc::LineInput {
            kind: LineKind::Service,
            item: None,
            description: "Board-level repair".into(),
            hsn_sac: "998713".into(),
            qty: Decimal::ONE,
            unit: "nos".into(),
            unit_price: Decimal::from(2500),
            discount: Decimal::ZERO,
            gst_rate: Decimal::from(18),
        },
    )
    .unwrap();
    for to in [
        JobStatus::EstimateShared,
        JobStatus::Approved,
        JobStatus::InRepair,
        JobStatus::WaitingForParts,
        JobStatus::InRepair,
        JobStatus::Ready,
    ] {
        svc::change_status(n, &s.manager, id, status(to)).unwrap();
    }
    // wrong OTP refused, nothing changes
    let before = s.op_count();
    let mut d = status(JobStatus::Delivered);
    d.otp = Some(if opened.otp == "0000" {
        "1111".into()
    } else {
        "0000".into()
    });
    // (as a manager allowing the unbilled estimate, so that only the OTP is wrong)
    d.allow_balance_due = true;
    d.note = Some("goodwill".into());
    let e = svc::change_status(n, &s.manager, id, d).unwrap_err();
    assert!(e.to_string().contains("otp"), "{e}");
    assert_eq!(s.op_count(), before);
    // no proof at all refused
    assert!(svc::change_status(n, &s.receptionist, id, status(JobStatus::Delivered)).is_err());
    let mut d = status(JobStatus::Delivered);
    d.otp = Some(opened.otp.clone());
    // The estimate was never invoiced: the counter is stopped, a manager
    // may allow it with a reason.
    let e = svc::change_status(n, &s.receptionist, id, d.clone()).unwrap_err();
    assert!(
        e.to_string().contains("not billed: the estimate of ₹"),
        "{e}"
    );
    d.allow_balance_due = true;
    let e = svc::change_status(n, &s.receptionist, id, d.clone()).unwrap_err();
    assert!(
        matches!(e, branch_node::NodeError::Rule(CoreError::Forbidden { .. })),
        "{e}"
    );
    d.note = Some("goodwill: repaired under the shop's warranty".into());
    assert_eq!(s.op_count(), before);
    let done = svc::change_status(n, &s.manager, id, d).unwrap();
    assert_eq!(done.summary.status, "delivered");
    assert_eq!(done.timeline.len(), 9);
    assert_eq!(done.timeline[0].to, "received");
    assert!(done.timeline.iter().all(|t| t.on_path && !t.is_override));
    assert_eq!(done.diagnosis, "Liquid damage on the display connector.");
    // delivered is read-only
    let e = svc::update_job(
        n,
        &s.manager,
        id,
        svc::JobPatch {
            model: Some("Other".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
    assert!(svc::set_text(n, &s.technician, id, TextField::Notes, "late note", None).is_err());
    assert!(
        svc::change_status(
            n,
            &s.owner,
            id,
            svc::StatusInput {
                override_reason: Some("x".into()),
                ..status(JobStatus::InRepair)
            }
        )
        .is_err()
    );
}

#[test]
fn skip_needs_manager_and_is_recorded_as_override() {
    let s = shop();
    let id = svc::open_job(&s.node, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    let e =
        svc::change_status(&s.node, &s.technician, id, status(JobStatus::InRepair)).unwrap_err();
    assert!(
        matches!(e, NodeError::Rule(CoreError::Forbidden { .. })),
        "{e}"
    );
    let e = svc::change_status(&s.node, &s.manager, id, status(JobStatus::InRepair)).unwrap_err();
    assert!(e.to_string().contains("override_reason"), "{e}");
    let d = svc::change_status(
        &s.node,
        &s.manager,
        id,
        svc::StatusInput {
            override_reason: Some("Known fault, customer approved by phone".into()),
            ..status(JobStatus::InRepair)
        },
    )
    .unwrap();
    assert_eq!(d.summary.status, "in_repair");
    assert_eq!(d.timeline[0].to, "received");
    assert!(d.timeline[1].is_override);
    assert_eq!(
        d.timeline[1].reason.as_deref(),
        Some("Known fault, customer approved by phone")
    );
}

#[test]
fn cancel_from_any_open_state_and_signature_delivery() {
    let s = shop();
    let id = svc::open_job(&s.node, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    let d = svc::change_status(&s.node, &s.receptionist, id, status(JobStatus::Cancelled)).unwrap();
    assert_eq!(d.summary.status, "cancelled");
    let id2 = svc::open_job(&s.node, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    svc::change_status(
        &s.node,
        &s.manager,
        id2,
        svc::StatusInput {
            override_reason: Some("returned unrepaired".into()),
            ..status(JobStatus::Ready)
        },
    )
    .unwrap();
    let mut d = status(JobStatus::Delivered);
    d.signature_sha256 = Some("ab".repeat(32));
    assert_eq!(
        svc::change_status(&s.node, &s.receptionist, id2, d)
            .unwrap()
            .summary
            .status,
        "delivered"
    );
}

#[test]
fn cancelled_is_read_only() {
    let s = shop();
    let n = &s.node;
    let id = svc::open_job(n, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    svc::assign_technician(n, &s.manager, id, Some(s.technician.user)).unwrap();
    svc::change_status(n, &s.receptionist, id, status(JobStatus::Cancelled)).unwrap();
    let before = s.op_count();
    let e = svc::update_job(
        n,
        &s.manager,
        id,
        svc::JobPatch {
            model: Some("Other".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
    let e = svc::set_text(n, &s.technician, id, TextField::Notes, "late note", None).unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
    let e = svc::add_estimate_line(
        n,
        &s.technician,
        id,
        svc::LineInput {
            kind: LineKind::Service,
            item: None,
            description: "Board-level repair".into(),
            hsn_sac: "998713".into(),
            qty: Decimal::ONE,
            unit: "nos".into(),
            unit_price: Decimal::from(2500),
            discount: Decimal::ZERO,
            gst_rate: Decimal::from(18),
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
    assert!(svc::assign_technician(n, &s.manager, id, None).is_err());
    // Not even the owner may reopen it, with a reason.
    assert!(
        svc::change_status(
            n,
            &s.owner,
            id,
            svc::StatusInput {
                override_reason: Some("customer came back".into()),
                ..status(JobStatus::Received)
            }
        )
        .is_err()
    );
    assert_eq!(s.op_count(), before, "a refused edit writes nothing");
    let job = svc::job_detail(n, &s.manager, id).unwrap();
    assert_eq!(job.summary.status, "cancelled");
    assert_eq!(job.summary.model, intake("9845012345").model);
}

#[test]
fn customers_find_edit_history() {
    let s = shop();
    let n = &s.node;
    let c = svc::create_customer(
        n,
        &s.receptionist,
        svc::CustomerInput {
            name: "Kiran Kumar".into(),
            mobile: "+91 99001 12345".into(),
            email: Some("kiran@example.in".into()),
            address: None,
            gstin: None,
            state_code: None,
        },
    )
    .unwrap();
    assert_eq!(c.mobile, "9900112345");
    assert_eq!(
        svc::find_customers(n, &s.receptionist, "99001")
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        svc::find_customers(n, &s.receptionist, "kiran")
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        svc::find_customers(n, &s.receptionist, "%").unwrap().len(),
        0,
        "LIKE wildcards are literal"
    );
    let c2 = svc::update_customer(
        n,
        &s.receptionist,
        c.id,
        svc::CustomerPatch {
            name: Some("Kiran K.".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(c2.name, "Kiran K.");
    let mut i = intake("9900112345");
    i.new_customer = None;
    i.customer = Some(c.id);
    svc::open_job(n, &s.receptionist, i.clone()).unwrap();
    svc::open_job(n, &s.receptionist, i).unwrap();
    assert_eq!(
        svc::customer_history(n, &s.receptionist, c.id)
            .unwrap()
            .jobs
            .len(),
        2
    );
    let e = svc::update_customer(
        n,
        &s.receptionist,
        c.id,
        svc::CustomerPatch {
            mobile: Some("12345".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("mobile:"), "{e}");
}

#[test]
fn reading_a_device_password_is_logged_every_time() {
    let s = shop();
    let id = svc::open_job(&s.node, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    let e = svc::reveal_password(&s.node, &s.receptionist, id, "").unwrap_err();
    assert!(matches!(e, NodeError::Rule(CoreError::Forbidden { .. })));
    for _ in 0..2 {
        let p = svc::reveal_password(&s.node, &s.technician, id, "test display").unwrap();
        assert_eq!(p.password, "482913");
    }
    let d = svc::job_detail(&s.node, &s.manager, id).unwrap();
    assert_eq!(d.password_reads.len(), 2);
    assert_eq!(d.password_reads[0].reader, s.technician.user);
    let audit = svc::audit_log(&s.node, &s.owner, 100, None).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.kind == "device_password_read")
            .count(),
        2
    );
}

#[test]
fn audit_log_verifies_and_detects_tampering() {
    let s = shop();
    svc::open_job(&s.node, &s.receptionist, intake("9845012345")).unwrap();
    let ok = svc::verify_audit(&s.node, &s.owner).unwrap();
    assert!(ok.ok && ok.entries >= 6, "{ok:?}");
    assert!(
        svc::verify_audit(&s.node, &s.manager).is_err(),
        "only the owner views audit logs"
    );
    // The table refuses edits; someone with the file drops the trigger and edits.
    s.node
        .read(|c| {
            assert!(
                c.execute("UPDATE audit SET kind = 'nothing' WHERE n = 3", [])
                    .is_err()
            );
            c.execute_batch(
                "DROP TRIGGER audit_no_update; UPDATE audit SET record = 'forged' WHERE n = 3;",
            )?;
            Ok(())
        })
        .unwrap();
    let bad = svc::verify_audit(&s.node, &s.owner).unwrap();
    assert!(!bad.ok);
    assert_eq!(bad.broken_at, Some(3));
    // Deleting an entry is caught too.
    let s2 = shop();
    svc::open_job(&s2.node, &s2.receptionist, intake("9845012345")).unwrap();
    s2.node
        .read(|c| {
            Ok(c.execute_batch("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE n = 2;")?)
        })
        .unwrap();
    let bad = svc::verify_audit(&s2.node, &s2.owner).unwrap();
    assert!(!bad.ok && bad.problem.unwrap().contains("missing"));
}

#[test]
fn concurrent_field_values_are_kept_and_a_manager_resolves_them() {
    let s = shop();
    let id = svc::open_job(&s.node, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    // Two writes that each saw only the original value: as if two devices edited offline.
    let live = s
        .node
        .read(|c| branch_node::store::read::live_versions(c, id, "model"))
        .unwrap();
    for m in ["Inspiron 15 3511", "Inspiron 15 3520"] {
        s.node
            .commit(
                s.receptionist.user,
                OpBody::JobUpdated {
                    job: id,
                    writes: vec![FieldWrite {
                        field: "model".into(),
                        value: FieldValue::Text(m.into()),
                        supersedes: live.clone(),
                    }],
                },
            )
            .unwrap();
    }
    let d = svc::job_detail(&s.node, &s.manager, id).unwrap();
    assert_eq!(
        d.summary.model, "Inspiron 15 3520",
        "later write wins the display"
    );
    assert_eq!(d.field_conflicts.len(), 1);
    assert_eq!(
        d.field_conflicts[0].losers[0].value,
        FieldValue::Text("Inspiron 15 3511".into()),
        "the loser is kept"
    );
    let e = svc::resolve_conflict(
        &s.node,
        &s.receptionist,
        svc::ResolveInput {
            record: id,
            field: "model".into(),
            value: FieldValue::Text("x".into()),
        },
    )
    .unwrap_err();
    assert!(matches!(e, NodeError::Rule(CoreError::Forbidden { .. })));
    let left = svc::resolve_conflict(
        &s.node,
        &s.manager,
        svc::ResolveInput {
            record: id,
            field: "model".into(),
            value: FieldValue::Text("Inspiron 15 3511".into()),
        },
    )
    .unwrap();
    assert!(left.is_empty());
    assert_eq!(
        svc::job_detail(&s.node, &s.manager, id)
            .unwrap()
            .summary
            .model,
        "Inspiron 15 3511"
    );
    assert!(svc::list_conflicts(&s.node, &s.manager).unwrap().is_empty());
}

#[test]
fn store_state_matches_the_reference_replica() {
    // Everything the device committed, replayed into sync-core's reference
    // materializer, gives the same statuses, field values and texts.
    let s = shop();
    let n = &s.node;
    let id = svc::open_job(n, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    svc::set_text(n, &s.technician, id, TextField::Diagnosis, "Dead VRM", None).unwrap();
    svc::set_text(
        n,
        &s.technician,
        id,
        TextField::Diagnosis,
        "Dead VRM; replaced MOSFET",
        None,
    )
    .unwrap();
    svc::update_job(
        n,
        &s.manager,
        id,
        svc::JobPatch {
            brand: Some("HP".into()),
            ..Default::default()
        },
    )
    .unwrap();
    svc::change_status(n, &s.technician, id, status(JobStatus::Diagnosed)).unwrap();
    let ops: Vec<sync_core::op::Op> = n
        .read(|c| {
            let mut st = c.prepare("SELECT wire FROM ops ORDER BY lsn")?;
            let rows = st.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
            Ok(rows
                .map(|w| sync_core::op::Op::decode(&w.unwrap()).unwrap())
                .collect())
        })
        .unwrap();
    let mut r = sync_core::replica::Replica::new(n.genesis());
    for op in ops.into_iter().rev() {
        r.receive(op).unwrap();
    }
    assert_eq!(r.pending_len(), 0);
    let d = svc::job_detail(n, &s.manager, id).unwrap();
    let rec = r.state.record(sync_core::replica::Kind::Job, id).unwrap();
    assert_eq!(rec.text("brand"), Some(d.summary.brand.as_str()));
    assert_eq!(
        r.state.job_status(id).unwrap().status.as_str(),
        d.summary.status
    );
    assert_eq!(
        r.state.texts[&(id, TextField::Diagnosis)].text(),
        d.diagnosis
    );
}

/// What the matrix acts on. Records an allowed attempt uses up (a job moved
/// on, a conflict settled) are made for each role.
struct Matrix {
    job: RecordId,
    item: RecordId,
    /// Users of every non-owner role whose branch is `other_branch`.
    elsewhere: std::collections::HashMap<Role, branch_node::auth::Session>,
    override_job: std::collections::HashMap<Role, RecordId>,
    status_job: std::collections::HashMap<Role, RecordId>,
    conflict_job: std::collections::HashMap<Role, RecordId>,
    /// A job ready for collection, with its delivery OTP, per role.
    ready_job: std::collections::HashMap<Role, (RecordId, String)>,
    cancel_job: std::collections::HashMap<Role, RecordId>,
}

fn open(s: &Shop) -> RecordId {
    svc::open_job(&s.node, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id
}

fn matrix(s: &Shop) -> Matrix {
    let n = &s.node;
    let job = open(s);
    let item = inv::create_item(
        n,
        &s.owner,
        inv::ItemInput {
            sku: "RAM8".into(),
            name: "8GB RAM".into(),
            hsn_sac: "84733099".into(),
            gst_rate: Decimal::from(18),
            unit: "pcs".into(),
            sale_price: Decimal::from(1800),
            cost: Decimal::from(1200),
            reorder_level: Decimal::from(2),
            is_service: false,
        },
    )
    .unwrap()
    .id;
    inv::receive(
        n,
        &s.owner,
        inv::ReceiptInput {
            item,
            qty: Decimal::from(50),
            supplier: "Lamington Road Traders".into(),
            reference: None,
            note: None,
        },
    )
    .unwrap();
    let other_branch = sync_core::ids::BranchId([0x2b; 16]);
    n.commit_as_root(OpBody::BranchCreated(Branch {
        id: other_branch,
        name: "Mysuru".into(),
        gstin: sync_core::testkit::gstin("29", "PQRST6789K"),
        state_code: "29".into(),
        address: "Mysuru".into(),
        invoice_prefix: "MYS".into(),
        credit_note_prefix: "MYSC".into(),
        upi_id: None,
        phone: None,
    }))
    .unwrap();
    let mut elsewhere = std::collections::HashMap::new();
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Owner) {
        let user = sync_core::ids::UserId(branch_node::crypto::random_bytes().unwrap());
        let name = format!("Elsewhere {}", role.as_str());
        n.commit_as_root(OpBody::UserCreated(User {
            id: user,
            name: name.clone(),
            role,
            branch: Some(other_branch),
            pin_hash: branch_node::crypto::hash_pin(PIN).unwrap(),
        }))
        .unwrap();
        elsewhere.insert(
            role,
            branch_node::auth::Session {
                user,
                name,
                role,
                branch: Some(other_branch),
            },
        );
    }
    let per_role = |f: &dyn Fn() -> RecordId| Role::ALL.into_iter().map(|r| (r, f())).collect();
    let conflict = || {
        let id = open(s);
        let live = n
            .read(|c| branch_node::store::read::live_versions(c, id, "model"))
            .unwrap();
        for m in ["Inspiron 15 3511", "Inspiron 15 3520"] {
            n.commit(
                s.receptionist.user,
                OpBody::JobUpdated {
                    job: id,
                    writes: vec![FieldWrite {
                        field: "model".into(),
                        value: FieldValue::Text(m.into()),
                        supersedes: live.clone(),
                    }],
                },
            )
            .unwrap();
        }
        id
    };
    Matrix {
        job,
        item,
        elsewhere,
        override_job: per_role(&|| open(s)),
        status_job: per_role(&|| open(s)),
        conflict_job: per_role(&conflict),
        ready_job: Role::ALL
            .into_iter()
            .map(|r| {
                let o = svc::open_job(n, &s.receptionist, intake("9845012345")).unwrap();
                let id = o.job.summary.id;
                svc::change_status(
                    n,
                    &s.owner,
                    id,
                    svc::StatusInput {
                        override_reason: Some("repaired at intake".into()),
                        ..status(JobStatus::Ready)
                    },
                )
                .unwrap();
                (r, (id, o.otp))
            })
            .collect(),
        cancel_job: per_role(&|| open(s)),
    }
}

/// Attempt `action` as `role` through the service that needs it. Returns
/// the service's own answer: `Ok` (done), a `Forbidden` rule error
/// (refused for permission), or any other error, which the matrix test
/// treats as a failure: an allowed attempt must succeed.
///
/// `CreateBranches` has no service on a device: only the hub signs a
/// branch (the rule book refuses it from any other device, see
/// `sync-core/tests/it/authority.rs`); on a standalone device the owner makes
/// one through the stand-in hub.
/// `AllBranchesAccess` is a user of `role` from another branch (the owner
/// belongs to none) working on this branch's device.
fn attempt(s: &Shop, m: &Matrix, role: Role, action: Action) -> Result<(), NodeError> {
    let n = &s.node;
    let who = s.session(role);
    let (job, item) = (m.job, m.item);
    let name = role.as_str();
    match action {
        Action::AllBranchesAccess => {
            let who = m.elsewhere.get(&role).unwrap_or(&s.owner);
            svc::create_customer(
                n,
                who,
                svc::CustomerInput {
                    name: format!("By {name}"),
                    mobile: "9845012345".into(),
                    email: None,
                    address: None,
                    gstin: None,
                    state_code: None,
                },
            )
            .map(|_| ())
        }
        Action::ManageUsers => svc::create_user(
            n,
            who,
            svc::UserInput {
                name: format!("New {name}"),
                role: Role::Receptionist,
                pin: "1357".into(),
            },
        )
        .map(|_| ()),
        // Only the hub signs a branch (see `rules::actor`): on a standalone
        // device the owner does it through the stand-in hub, as `init` does.
        Action::CreateBranches => sync_core::domain::roles::require(role, action)
            .map_err(NodeError::Rule)
            .and_then(|()| {
                n.commit_as_root(OpBody::BranchCreated(Branch {
                    id: sync_core::ids::BranchId([7; 16]),
                    name: "Hubballi".into(),
                    gstin: sync_core::testkit::gstin("29", "HUBLI1234K"),
                    state_code: "29".into(),
                    address: String::new(),
                    invoice_prefix: "HBL".into(),
                    credit_note_prefix: "HBLC".into(),
                    upi_id: None,
                    phone: None,
                }))
            })
            .map(|_| ()),
        Action::CreateJobs => svc::open_job(n, who, intake("9845012345")).map(|_| ()),
        Action::AssignTechnicians => {
            svc::assign_technician(n, who, job, Some(s.technician.user)).map(|_| ())
        }
        Action::AddDiagnosis => svc::set_text(
            n,
            who,
            job,
            TextField::Diagnosis,
            &format!("checked by {name}"),
            None,
        )
        .map(|_| ()),
        Action::AccessDevicePasswords => svc::reveal_password(n, who, job, "matrix").map(|_| ()),
        Action::OverrideStatus => svc::change_status(
            n,
            who,
            m.override_job[&role],
            svc::StatusInput {
                override_reason: Some("known fault, approved by phone".into()),
                ..status(JobStatus::InRepair)
            },
        )
        .map(|_| ()),
        Action::UpdateJobStatus => {
            svc::change_status(n, who, m.status_job[&role], status(JobStatus::Diagnosed))
                .map(|_| ())
        }
        Action::DeliverJobs => {
            let (id, otp) = &m.ready_job[&role];
            svc::change_status(
                n,
                who,
                *id,
                svc::StatusInput {
                    otp: Some(otp.clone()),
                    ..status(JobStatus::Delivered)
                },
            )
            .map(|_| ())
        }
        Action::CancelJobs => {
            svc::change_status(n, who, m.cancel_job[&role], status(JobStatus::Cancelled))
                .map(|_| ())
        }
        Action::ManageInventory => inv::create_item(
            n,
            who,
            inv::ItemInput {
                sku: format!("SSD-{name}"),
                name: "256GB SSD".into(),
                hsn_sac: "84717020".into(),
                gst_rate: Decimal::from(18),
                unit: "pcs".into(),
                sale_price: Decimal::from(2400),
                cost: Decimal::from(1900),
                reorder_level: Decimal::ONE,
                is_service: false,
            },
        )
        .map(|_| ()),
        Action::ManualStockAdjust => inv::adjust(
            n,
            who,
            inv::AdjustInput {
                item,
                delta: Decimal::ONE,
                reason: "recount".into(),
            },
        )
        .map(|_| ()),
        Action::UseParts => inv::use_on_job(
            n,
            who,
            inv::UseInput {
                job,
                item,
                qty: Decimal::ONE,
                unit_price: None,
            },
        )
        .map(|_| ()),
        Action::CreateInvoices => bill::create_draft(
            n,
            who,
            bill::DraftInput {
                job: None,
                customer: None,
                customer_name: Some("Walk-in".into()),
                customer_gstin: None,
                customer_state: None,
                customer_address: None,
                lines: vec![svc::LineInput {
                    kind: LineKind::Part,
                    item: None,
                    description: "USB keyboard".into(),
                    hsn_sac: "8471".into(),
                    qty: Decimal::ONE,
                    unit: "pcs".into(),
                    unit_price: Decimal::from(499),
                    discount: Decimal::ZERO,
                    gst_rate: Decimal::from(18),
                }],
            },
        )
        .map(|_| ()),
        Action::RecordPayments => bill::record_payment(
            n,
            who,
            bill::PaymentInput {
                invoice: None,
                job: Some(job),
                amount: Decimal::from(100),
                mode: PaymentMode::Cash,
                reference: None,
                date: None,
            },
        )
        .map(|_| ()),
        Action::ViewReports => svc::export(n, who, &["jobs"]).map(|_| ()),
        Action::ViewAuditLogs => svc::audit_log(n, who, 10, None).map(|_| ()),
        Action::ResolveConflicts => svc::resolve_conflict(
            n,
            who,
            svc::ResolveInput {
                record: m.conflict_job[&role],
                field: "model".into(),
                value: FieldValue::Text("Inspiron 15 3511".into()),
            },
        )
        .map(|_| ()),
    }
}

/// What a refused attempt must leave as it was: the op log and the
/// device-local invoice drafts.
fn footprint(s: &Shop) -> (u64, i64) {
    let drafts = s
        .node
        .read(|c| Ok(c.query_row("SELECT count(*) FROM invoice_drafts", [], |r| r.get(0))?))
        .unwrap();
    (s.op_count(), drafts)
}

#[test]
fn every_role_action_pair_of_the_matrix() {
    let s = shop();
    let m = matrix(&s);
    let mut checked = 0;
    for action in Action::ALL {
        for role in Role::ALL {
            let what = format!("{} × {}", role.as_str(), action.as_str());
            let before = footprint(&s);
            let r = attempt(&s, &m, role, action);
            let after = footprint(&s);
            match r {
                Ok(()) => {
                    assert!(allowed(role, action), "{what}: went through");
                    // Reads and checks write nothing; everything else does.
                    let reads = matches!(action, Action::ViewReports | Action::ViewAuditLogs);
                    assert_eq!(
                        after == before,
                        reads,
                        "{what}: footprint {before:?} → {after:?}"
                    );
                }
                Err(NodeError::Rule(CoreError::Forbidden { role: r, action: a })) => {
                    assert!(!allowed(role, action), "{what}: refused: {a}");
                    assert_eq!(r, role.as_str(), "{what}");
                    let phrase = match action {
                        Action::AllBranchesAccess => "another branch",
                        Action::OverrideStatus => "override",
                        _ => action.as_str(),
                    };
                    assert!(a.contains(phrase), "{what}: refusal names `{phrase}`: {a}");
                    assert_eq!(after, before, "{what}: a refusal changed the device");
                }
                Err(e) => panic!("{what}: neither done nor refused for permission: {e}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, Action::ALL.len() * Role::ALL.len());
}

#[test]
fn demo_shop_has_jobs_in_every_open_state() {
    let dir = tempfile::tempdir().unwrap();
    let node = branch_node::demo::build(&dir.path().join("demo.sqlite")).unwrap();
    let jobs = node
        .read(|c| branch_node::store::read::jobs(c, node.branch, &Default::default()))
        .unwrap();
    let mut statuses: Vec<&str> = jobs.iter().map(|j| j.status.as_str()).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        vec![
            "diagnosed",
            "estimate_shared",
            "in_repair",
            "ready",
            "received",
            "waiting_for_parts"
        ]
    );
    assert!(
        node.read(branch_node::store::read::verify_audit)
            .unwrap()
            .ok
    );
}

#[test]
fn a_lost_slip_gets_a_new_otp_and_the_old_one_stops_working() {
    let s = shop();
    let n = &s.node;
    let opened = svc::open_job(n, &s.receptionist, intake("9845012345")).unwrap();
    let id = opened.job.summary.id;
    svc::change_status(
        n,
        &s.manager,
        id,
        svc::StatusInput {
            override_reason: Some("repaired at the counter".into()),
            ..status(JobStatus::Ready)
        },
    )
    .unwrap();
    // Not for the floor: the front desk gives a slip.
    assert!(svc::new_delivery_otp(n, &s.technician, id).is_err());
    let fresh = svc::new_delivery_otp(n, &s.receptionist, id).unwrap();
    let deliver = |otp: &str| {
        svc::change_status(
            n,
            &s.receptionist,
            id,
            svc::StatusInput {
                otp: Some(otp.into()),
                ..status(JobStatus::Delivered)
            },
        )
    };
    if fresh.otp != opened.otp {
        let e = deliver(&opened.otp).unwrap_err();
        assert!(e.to_string().contains("otp"), "the old OTP: {e}");
    }
    assert_eq!(deliver(&fresh.otp).unwrap().summary.status, "delivered");
    // A closed job gets no new OTP, and nothing is written.
    let before = s.op_count();
    let e = svc::new_delivery_otp(n, &s.receptionist, id).unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
    assert_eq!(s.op_count(), before);
}
