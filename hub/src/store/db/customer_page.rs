//! What the customer's own page shows of their one job (`crate::customer`),
//! and their answer to its estimate, signed by the branch's hub device as
//! a status change in the branch's chain: it reaches the counter like any
//! other op, and the rule book checks it like any other.

use rust_decimal::Decimal;
use sqlite_replica::{Sql, SqlExt, p, to16};
use sync_core::body::{Line, LineKind, OpBody, StatusChange};
use sync_core::domain::gst;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::ids::{BranchId, DeviceId, RecordId};
use sync_core::op::OpId;

use super::HubDb;
use crate::error::{HubError, Result};

/// One job as its customer sees it: nothing of any other job, no device
/// password, no staff names.
#[derive(Clone, Debug)]
pub struct CustomerJob {
    pub job: RecordId,
    pub job_no: String,
    pub customer_name: String,
    pub device: String,
    pub complaint: String,
    pub status: JobStatus,
    pub shop: String,
    pub shop_phone: Option<String>,
    pub shop_address: String,
    pub upi_id: Option<String>,
    /// (status reached, when in ms), oldest first, the winning path only.
    pub timeline: Vec<(String, u64)>,
    /// The live estimate: (description, qty, line total with tax).
    pub estimate: Vec<(String, Decimal, Decimal)>,
    pub estimate_total: Option<Decimal>,
    /// (number, date, grand total, cancelled) of its tax invoices.
    pub invoices: Vec<(String, String, Decimal, bool)>,
    /// Invoiced less paid (and credited), never below zero.
    pub due: Decimal,
    /// The customer's rating, once given: stars and their words.
    pub rating: Option<(u8, Option<String>)>,
}

fn money(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

pub(super) fn customer_job(hub: &HubDb, job: RecordId) -> Result<Option<CustomerJob>> {
    hub.read(|c| read(c, job))
}

fn read(c: &dyn Sql, job: RecordId) -> Result<Option<CustomerJob>> {
    type Head = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Vec<u8>,
        Option<String>,
        u64,
    );
    let head: Option<Head> = c.one(
        "SELECT j.job_no, c.name, j.device_type, j.brand, j.model, j.complaint, j.status, j.branch, c.state_code, j.opened_at
           FROM jobs j JOIN customers c ON c.id = j.customer WHERE j.id = ?1",
        p![&job.0[..]],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        },
    )?;
    let Some((job_no, name, device_type, brand, model, complaint, status, branch, cstate, opened)) =
        head
    else {
        return Ok(None);
    };
    let Some(status) = JobStatus::parse(&status) else {
        return Ok(None);
    };
    let (shop, state, address, upi_id, phone): (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
    ) = c
        .one(
            "SELECT name, state_code, address, upi_id, phone FROM branches WHERE id = ?1",
            p![&branch[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?
        .ok_or_else(|| HubError::NotFound("the job's branch".into()))?;
    let mut timeline = vec![("received".to_string(), opened)];
    timeline.extend(c.all(
        "SELECT to_status, hlc_wall FROM status_changes WHERE job = ?1 AND on_path = 1 ORDER BY hlc_wall, hlc_logical, device, seq",
        p![&job.0[..]],
        |r| Ok((r.get::<String>(0)?, r.get::<u64>(1)?)),
    )?);
    type LineRow = (
        Vec<u8>,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
    );
    let rows: Vec<LineRow> = c.all(
        "SELECT id, kind, description, hsn_sac, qty, unit, unit_price, discount, gst_rate FROM estimate_lines WHERE job = ?1 AND removed = 0 ORDER BY added_at, id",
        p![&job.0[..]],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        },
    )?;
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|r| Line {
            id: RecordId(to16(&r.0)),
            kind: if r.1 == "part" {
                LineKind::Part
            } else {
                LineKind::Service
            },
            item: None,
            description: r.2,
            hsn_sac: r.3,
            qty: money(&r.4),
            unit: r.5,
            unit_price: money(&r.6),
            discount: money(&r.7),
            gst_rate: money(&r.8),
        })
        .collect();
    let pos = gst::place_of_supply(&state, cstate.as_deref(), None);
    let totals = if lines.is_empty() {
        None
    } else {
        gst::compute(&lines, gst::supply_for(&state, &pos)).ok()
    };
    let estimate = match &totals {
        Some(t) => lines
            .iter()
            .zip(&t.lines)
            .map(|(l, tax)| (l.description.clone(), l.qty, tax.total))
            .collect(),
        None => vec![],
    };
    let invoices = c.all(
        "SELECT number, date, grand_total, cancelled FROM documents WHERE job = ?1 AND doc_type = 'tax_invoice' ORDER BY date, number",
        p![&job.0[..]],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<String>(1)?,
                money(&r.get::<String>(2)?),
                r.get::<bool>(3)?,
            ))
        },
    )?;
    let sum = |sql: &str| -> Result<Decimal> {
        let amounts = c.all(sql, p![&job.0[..]], |r| r.get::<String>(0))?;
        amounts.iter().try_fold(Decimal::ZERO, |a, s| {
            a.checked_add(money(s))
                .ok_or_else(|| HubError::invalid("amount", "a sum too large"))
        })
    };
    let invoiced = sum(
        "SELECT grand_total FROM documents WHERE job = ?1 AND doc_type = 'tax_invoice' AND cancelled = 0",
    )?;
    let credited = sum(
        "SELECT grand_total FROM documents WHERE job = ?1 AND doc_type = 'credit_note' AND cancelled = 0",
    )?;
    let paid = sum(
        "SELECT amount FROM payments WHERE job = ?1 OR invoice IN (SELECT id FROM documents WHERE job = ?1 AND cancelled = 0 AND doc_type = 'tax_invoice')",
    )?;
    let due = invoiced
        .checked_sub(credited)
        .and_then(|d| d.checked_sub(paid))
        .unwrap_or_default()
        .max(Decimal::ZERO);
    let rating = c.one(
        "SELECT stars, comment FROM job_ratings WHERE job = ?1",
        p![&job.0[..]],
        |r| Ok((r.get::<i64>(0)?, r.get::<Option<String>>(1)?)),
    )?;
    let device = [brand.as_str(), model.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Some(CustomerJob {
        job,
        job_no,
        customer_name: name,
        device: if device.is_empty() {
            device_type
        } else {
            device
        },
        complaint,
        status,
        shop,
        shop_phone: phone,
        shop_address: address,
        upi_id,
        timeline,
        estimate,
        estimate_total: totals.map(|t| t.grand_total),
        invoices,
        due,
        rating: rating.map(|(s, c)| (u8::try_from(s).unwrap_or(0), c)),
    }))
}

/// The customer's yes or no to the estimate, from their page: the move to
/// approved or rejected, signed by the branch's hub device as the owner
/// (the hub speaks for the shop here), with when and how it was given.
/// Refused, changing nothing, unless the job waits for that answer.
pub(super) fn customer_decides(
    hub: &HubDb,
    job: RecordId,
    approve: bool,
    note: &str,
) -> Result<JobStatus> {
    hub.write(|c, parts| {
        let (branch, status, head_dev, head_seq): (Vec<u8>, String, Option<Vec<u8>>, Option<u64>) = c
            .one(
                "SELECT branch, status, status_head_device, status_head_seq FROM jobs WHERE id = ?1",
                p![&job.0[..]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?
            .ok_or_else(|| HubError::NotFound(format!("job {job}")))?;
        let from = JobStatus::parse(&status)
            .ok_or_else(|| HubError::invalid("status", "the job's status is unknown"))?;
        if from != JobStatus::EstimateShared {
            return Err(HubError::invalid(
                "status",
                format!(
                    "the job is {}, not waiting for your answer to an estimate",
                    from.as_str().replace('_', " ")
                ),
            ));
        }
        let to = if approve {
            JobStatus::Approved
        } else {
            JobStatus::Rejected
        };
        let after = match (head_dev, head_seq) {
            (Some(d), Some(s)) => Some(OpId {
                device: DeviceId(to16(&d)),
                seq: s,
            }),
            _ => None,
        };
        super::restore::sign_for_branch(
            c,
            parts,
            BranchId(to16(&branch)),
            OpBody::JobStatusChanged(StatusChange {
                job,
                from,
                to,
                after,
                override_reason: None,
                delivery: None,
                allow_balance_due: false,
                note: Some(note.to_string()),
            }),
        )?;
        Ok(to)
    })
}

/// The customer's rating of their delivered job, from their page: signed by
/// the branch's hub device (the rule book refuses one of a job not yet
/// delivered, or out of 1 to 5 stars).
pub(super) fn customer_rates(
    hub: &HubDb,
    job: RecordId,
    stars: u8,
    comment: Option<String>,
) -> Result<()> {
    hub.write(|c, parts| {
        let branch: Vec<u8> = c
            .one(
                "SELECT branch FROM jobs WHERE id = ?1",
                p![&job.0[..]],
                |r| r.get(0),
            )?
            .ok_or_else(|| HubError::NotFound(format!("job {job}")))?;
        super::restore::sign_for_branch(
            c,
            parts,
            BranchId(to16(&branch)),
            OpBody::JobRated(sync_core::body::Rating {
                job,
                stars,
                comment,
            }),
        )
    })
}
