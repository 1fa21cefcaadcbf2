//! A demo shop: a standalone device with staff of every role and a few days
//! of realistic job cards in every state, for trying the product.

use std::path::Path;

use rust_decimal::Decimal;
use sync_core::body::{LineKind, PasswordKind, TextField};
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::Role;

use crate::auth::Session;
use crate::error::Result;
use crate::node::{Node, StandaloneSetup};
use crate::services as svc;

pub const PIN: &str = "1234";

fn gstin(state: &str, pan: &str) -> String {
    let base = format!("{state}{pan}1Z");
    format!(
        "{base}{}",
        sync_core::domain::validate::gstin_check_char(&base)
    )
}

pub fn build(db: &Path) -> Result<Node> {
    let node = Node::init_standalone(
        db,
        &StandaloneSetup {
            branch_name: "FixIt Laptops, Jayanagar".into(),
            gstin: gstin("29", "AAFCF1234K"),
            state_code: "29".into(),
            address: "No. 12, 11th Main, 4th Block, Jayanagar, Bengaluru 560011".into(),
            invoice_prefix: "BLR1".into(),
            credit_note_prefix: "BLRC".into(),
            upi_id: Some("fixitlaptops@okaxis".into()),
            owner_name: "Olivia Owner".into(),
            owner_pin: PIN.into(),
        },
    )?;
    let owner = Session {
        user: node.genesis().owner,
        name: "Olivia Owner".into(),
        role: Role::Owner,
        branch: None,
    };
    let mut staff = vec![];
    for (name, role) in [
        ("Meera Manager", Role::Manager),
        ("Ravi Reception", Role::Receptionist),
        ("Tara Technician", Role::Technician),
        ("Arun Accounts", Role::Accountant),
    ] {
        let u = svc::create_user(
            &node,
            &owner,
            svc::UserInput {
                name: name.into(),
                role,
                pin: PIN.into(),
            },
        )?;
        staff.push(Session {
            user: u.id,
            name: u.name,
            role,
            branch: u.branch,
        });
    }
    let (mgr, rec, tech) = (&staff[0], &staff[1], &staff[2]);
    let jobs = [
        (
            "Asha Rao",
            "9845012345",
            "Dell",
            "Inspiron 15 3511",
            "No display, fan spins",
            JobStatus::Received,
        ),
        (
            "Kiran Kumar",
            "9900112345",
            "HP",
            "Pavilion x360",
            "Hinge broken, screen loose",
            JobStatus::Diagnosed,
        ),
        (
            "Priya Nair",
            "9123456780",
            "Lenovo",
            "ThinkPad E14",
            "Keyboard keys not working",
            JobStatus::EstimateShared,
        ),
        (
            "Mohammed Irfan",
            "9886001122",
            "Apple",
            "MacBook Air M1",
            "Battery drains in 1 hour",
            JobStatus::InRepair,
        ),
        (
            "Sneha Kulkarni",
            "9731234567",
            "Asus",
            "VivoBook 15",
            "Water spill, no power",
            JobStatus::WaitingForParts,
        ),
        (
            "Vikram Shetty",
            "9448012345",
            "Acer",
            "Aspire 7",
            "Overheating, shuts down",
            JobStatus::Ready,
        ),
    ];
    let path = [
        JobStatus::Diagnosed,
        JobStatus::EstimateShared,
        JobStatus::Approved,
        JobStatus::InRepair,
        JobStatus::WaitingForParts,
        JobStatus::InRepair,
        JobStatus::Ready,
    ];
    for (i, (name, mobile, brand, model, complaint, target)) in jobs.into_iter().enumerate() {
        let opened = svc::open_job(
            &node,
            rec,
            svc::JobInput {
                customer: None,
                new_customer: Some(svc::CustomerInput {
                    name: name.into(),
                    mobile: mobile.into(),
                    email: None,
                    address: None,
                    gstin: None,
                    state_code: Some("29".into()),
                }),
                device_type: "Laptop".into(),
                brand: brand.into(),
                model: model.into(),
                serial: format!("SN{:06}", 104_729 * (i + 1) % 1_000_000),
                complaint: complaint.into(),
                accessories: vec!["Charger".into()],
                condition: "Minor scratches".into(),
                password: Some(svc::PasswordInput {
                    kind: PasswordKind::Pin,
                    value: format!("{:04}", 1000 + i * 1111 % 9000),
                }),
                promised: None,
                technician: None,
            },
        )?;
        let id = opened.job.summary.id;
        svc::assign_technician(&node, mgr, id, Some(tech.user))?;
        if target == JobStatus::Received {
            continue;
        }
        svc::set_text(
            &node,
            tech,
            id,
            TextField::Diagnosis,
            &format!("Checked: {complaint}. Needs part replacement."),
            None,
        )?;
        svc::add_estimate_line(
            &node,
            tech,
            id,
            svc::LineInput {
                kind: LineKind::Service,
                item: None,
                description: "Diagnosis and repair labour".into(),
                hsn_sac: "998713".into(),
                qty: Decimal::ONE,
                unit: "nos".into(),
                unit_price: Decimal::from(850),
                discount: Decimal::ZERO,
                gst_rate: Decimal::from(18),
            },
        )?;
        for to in path {
            let by = if matches!(to, JobStatus::EstimateShared | JobStatus::Approved) {
                mgr
            } else {
                tech
            };
            svc::change_status(
                &node,
                by,
                id,
                svc::StatusInput {
                    to,
                    override_reason: None,
                    note: None,
                    otp: None,
                    signature_sha256: None,
                    allow_balance_due: false,
                    approval: None,
                },
            )?;
            if to == target {
                break;
            }
        }
    }
    Ok(node)
}
