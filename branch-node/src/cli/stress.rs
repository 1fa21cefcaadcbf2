//! The hidden `stress` test tool: writes as fast as the device commits,
//! printing each once it is durable, for the crash tests to kill at random.

use sync_core::domain::roles::Role;

use crate::auth::Session;
use crate::error::Result;
use crate::node::Node;
use crate::services as svc;

pub(super) fn run(node: &Node, count: u64, invoices: bool) -> Result<()> {
    if invoices {
        stress_invoices(node, count)
    } else {
        stress(node, count)
    }
}

/// Draft and finalize counter-sale invoices as the owner, printing
/// `issued <number> <draft>` once each finalize returns; the draft id is
/// printed first as `drafted <draft>`.
fn stress_invoices(node: &Node, count: u64) -> Result<()> {
    use std::io::Write;
    let owner = node.genesis().owner;
    let s = Session {
        user: owner,
        name: "owner".into(),
        role: Role::Owner,
        branch: None,
    };
    let out = std::io::stdout();
    for i in 0..count {
        let d = crate::billing::create_draft(
            node,
            &s,
            crate::billing::DraftInput {
                job: None,
                customer: None,
                customer_name: Some(format!("Walk-in {i}")),
                customer_gstin: None,
                customer_state: None,
                customer_address: None,
                lines: vec![svc::LineInput {
                    kind: sync_core::body::LineKind::Part,
                    item: None,
                    description: "USB mouse".into(),
                    hsn_sac: "8471".into(),
                    qty: rust_decimal::Decimal::ONE,
                    unit: "pcs".into(),
                    unit_price: rust_decimal::Decimal::new(49900, 2),
                    discount: rust_decimal::Decimal::ZERO,
                    gst_rate: rust_decimal::Decimal::from(18),
                }],
            },
        )?;
        writeln!(out.lock(), "drafted {}", d.draft.id)?;
        let doc = crate::billing::finalize(node, &s, d.draft.id, None)?;
        let mut o = out.lock();
        writeln!(o, "issued {} {}", doc.doc.number, d.draft.id)?;
        o.flush()?;
    }
    Ok(())
}

/// Open job cards as the owner, printing `committed <id>` after each commit
/// returns (the crash test kills this process at random moments).
fn stress(node: &Node, count: u64) -> Result<()> {
    use std::io::Write;
    let owner = node.genesis().owner;
    let s = Session {
        user: owner,
        name: "owner".into(),
        role: Role::Owner,
        branch: None,
    };
    let customer = svc::create_customer(
        node,
        &s,
        svc::CustomerInput {
            name: "Stress Test".into(),
            mobile: "9000000000".into(),
            email: None,
            address: None,
            gstin: None,
            state_code: None,
        },
    )?;
    let out = std::io::stdout();
    for i in 0..count {
        let j = svc::open_job(
            node,
            &s,
            svc::JobInput {
                customer: Some(customer.id),
                new_customer: None,
                device_type: "Laptop".into(),
                brand: "HP".into(),
                model: format!("Pavilion {i}"),
                serial: format!("SN{i}"),
                complaint: "Does not boot".into(),
                accessories: vec!["Charger".into()],
                condition: String::new(),
                password: None,
                promised: None,
                technician: None,
            },
        )?;
        let mut o = out.lock();
        writeln!(o, "committed {}", j.job.summary.id)?;
        o.flush()?;
    }
    Ok(())
}
