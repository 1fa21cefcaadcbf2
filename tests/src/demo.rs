//! The whole-shop demo's data: a few days of realistic work at two branches,
//! done through the devices' own services (so every row is a signed op that
//! synced through the hub like real work would).

use std::collections::HashMap;

use branch_node::auth::Session;
use branch_node::node::Node;
use branch_node::{billing as bill, inventory as inv, services as svc};
use rust_decimal::Decimal;
use sync_core::body::{LineKind, PasswordKind, PaymentMode, TextField};
use sync_core::domain::date::Date;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};

use crate::world::dec;

const CUSTOMERS: &[(&str, &str)] = &[
    ("Asha Rao", "Dell Inspiron 15 3511"),
    ("Imran Sheikh", "HP Pavilion 14"),
    ("Lakshmi Narayanan", "Lenovo IdeaPad Slim 3"),
    ("Gurpreet Singh", "Asus VivoBook 15"),
    ("Fatima Begum", "Acer Aspire 7"),
    ("Venkatesh Iyer", "Dell Latitude 5420"),
    ("Priya Menon", "HP 15s"),
    ("Rahul Deshpande", "Lenovo ThinkPad E14"),
    ("Kavya Reddy", "Apple MacBook Air M1"),
    ("Joseph D'Souza", "MSI GF63"),
];

const COMPLAINTS: &[&str] = &[
    "No display, fan spins",
    "Keyboard keys not working after tea spill",
    "Battery drains in 30 minutes",
    "Very slow, takes 5 minutes to boot",
    "Charging port loose",
    "Overheating and shutting down",
];

pub fn intake(n: usize, branch_code: u32) -> svc::JobInput {
    let (name, device) = CUSTOMERS[n % CUSTOMERS.len()];
    let (brand, model) = device.split_once(' ').unwrap_or((device, ""));
    svc::JobInput {
        customer: None,
        new_customer: Some(svc::CustomerInput {
            name: name.into(),
            mobile: format!("9{branch_code}{:07}", 4_500_000 + n),
            email: None,
            address: None,
            gstin: None,
            state_code: None,
        }),
        device_type: "Laptop".into(),
        brand: brand.into(),
        model: model.into(),
        serial: format!("SN{branch_code}{n:05}"),
        complaint: COMPLAINTS[n % COMPLAINTS.len()].into(),
        accessories: if n.is_multiple_of(3) {
            vec!["Charger".into(), "Bag".into()]
        } else {
            vec!["Charger".into()]
        },
        condition: if n.is_multiple_of(2) {
            "Scratches on lid".into()
        } else {
            "Good".into()
        },
        password: Some(svc::PasswordInput {
            kind: PasswordKind::Pin,
            value: format!("{:06}", 246_810 + n),
        }),
        promised: None,
        technician: None,
    }
}

pub fn to(status: JobStatus) -> svc::StatusInput {
    svc::StatusInput {
        to: status,
        override_reason: None,
        note: None,
        otp: None,
        signature_sha256: None,
        allow_balance_due: false,
        approval: None,
    }
}

pub fn labour(price: &str) -> svc::LineInput {
    svc::LineInput {
        kind: LineKind::Service,
        item: None,
        description: "Labour: diagnosis and repair".into(),
        hsn_sac: "998713".into(),
        qty: dec("1"),
        unit: "nos".into(),
        unit_price: dec(price),
        discount: Decimal::ZERO,
        gst_rate: dec("18"),
    }
}

/// The people of a branch, logged in on one device.
pub struct Staff {
    pub manager: Session,
    pub counter: Session,
    pub technician: Session,
    pub accounts: Session,
}

/// Receive opening stock at a branch's counter.
pub fn opening_stock(
    n: &Node,
    s: &Staff,
    items: &HashMap<&'static str, RecordId>,
    qty: &[(&str, &str)],
) -> branch_node::Result<()> {
    for (sku, q) in qty {
        inv::receive(
            n,
            &s.manager,
            inv::ReceiptInput {
                item: items[sku],
                qty: dec(q),
                supplier: "Lamington Road Traders".into(),
                reference: Some("GRN-OPENING".into()),
                note: None,
            },
        )?;
    }
    Ok(())
}

/// Take in `count` laptops at the counter; returns (job, delivery OTP).
pub fn take_in(
    n: &Node,
    s: &Staff,
    from: usize,
    count: usize,
    branch_code: u32,
) -> branch_node::Result<Vec<(RecordId, String)>> {
    (from..from + count)
        .map(|i| {
            let o = svc::open_job(n, &s.counter, intake(i, branch_code))?;
            svc::assign_technician(n, &s.manager, o.job.summary.id, Some(s.technician.user))?;
            Ok((o.job.summary.id, o.otp))
        })
        .collect()
}

/// The bench: diagnose, estimate, and (for approved jobs) repair.
pub fn diagnose(n: &Node, tech: &Session, jobs: &[(RecordId, String)]) -> branch_node::Result<()> {
    for (k, (job, _)) in jobs.iter().enumerate() {
        svc::set_text(
            n,
            tech,
            *job,
            TextField::Diagnosis,
            [
                "Motherboard power rail shorted near the charging IC.",
                "Keyboard membrane damaged by liquid; replace keyboard.",
                "Battery wear 78%; replace battery.",
                "HDD failing SMART; recommend SSD upgrade.",
            ][k % 4],
            None,
        )?;
        svc::add_estimate_line(n, tech, *job, labour(["650", "800", "450", "1200"][k % 4]))?;
        svc::change_status(n, tech, *job, to(JobStatus::Diagnosed))?;
    }
    Ok(())
}

pub fn approve(n: &Node, mgr: &Session, jobs: &[(RecordId, String)]) -> branch_node::Result<()> {
    for (job, _) in jobs {
        svc::change_status(n, mgr, *job, to(JobStatus::EstimateShared))?;
        svc::change_status(n, mgr, *job, to(JobStatus::Approved))?;
    }
    Ok(())
}

pub fn repair(
    n: &Node,
    tech: &Session,
    jobs: &[(RecordId, String)],
    part: Option<RecordId>,
) -> branch_node::Result<()> {
    for (k, (job, _)) in jobs.iter().enumerate() {
        svc::change_status(n, tech, *job, to(JobStatus::InRepair))?;
        if let Some(item) = part.filter(|_| k % 2 == 0) {
            inv::use_on_job(
                n,
                tech,
                inv::UseInput {
                    job: *job,
                    item,
                    qty: dec("1"),
                    unit_price: None,
                },
            )?;
        }
        svc::change_status(n, tech, *job, to(JobStatus::Ready))?;
    }
    Ok(())
}

/// Invoice each job on `day`, take payment, and hand the laptop back.
pub fn bill_and_deliver(
    n: &Node,
    s: &Staff,
    jobs: &[(RecordId, String)],
    day: Date,
) -> branch_node::Result<()> {
    for (k, (job, otp)) in jobs.iter().enumerate() {
        let draft = bill::create_draft(
            n,
            &s.accounts,
            bill::DraftInput {
                job: Some(*job),
                customer: None,
                customer_name: None,
                customer_gstin: None,
                customer_state: None,
                customer_address: None,
                lines: vec![],
            },
        )?;
        let doc = bill::finalize(n, &s.accounts, draft.draft.id, Some(day))?;
        let (mode, reference) = match k % 3 {
            0 => (PaymentMode::Cash, None),
            1 => (PaymentMode::Upi, Some(format!("UPI/{}", 400_100 + k))),
            _ => (PaymentMode::Card, Some(format!("CARD/{}", 7_700 + k))),
        };
        bill::record_payment(
            n,
            &s.accounts,
            bill::PaymentInput {
                invoice: Some(doc.doc.id),
                job: None,
                amount: doc.doc.grand_total,
                mode,
                reference,
                date: Some(day),
            },
        )?;
        svc::change_status(
            n,
            &s.counter,
            *job,
            svc::StatusInput {
                otp: Some(otp.clone()),
                ..to(JobStatus::Delivered)
            },
        )?;
    }
    Ok(())
}

pub fn issue(
    n: &Node,
    mgr: &Session,
    item: RecordId,
    qty: &str,
    technician: UserId,
    laptop: DeviceId,
) -> branch_node::Result<()> {
    inv::issue_to_technician(
        n,
        mgr,
        inv::IssueInput {
            item,
            qty: dec(qty),
            technician,
            to_device: laptop,
        },
    )?;
    Ok(())
}

pub fn transfer(
    n: &Node,
    mgr: &Session,
    item: RecordId,
    qty: &str,
    to_branch: BranchId,
    to_device: DeviceId,
) -> branch_node::Result<RecordId> {
    Ok(inv::transfer_out(
        n,
        mgr,
        inv::TransferOutInput {
            item,
            qty: dec(qty),
            to_branch,
            to_device: Some(to_device),
            unit_value: None,
            eway_bill: None,
        },
    )?
    .id)
}
