//! One job card in full: intake, estimate, status timeline, parts used,
//! who opened the device password, the diagnosis and notes with the version
//! an edit is merged from.

use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use serde::Serialize;
use sync_core::body::{Line, LineKind};
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::op::OpId;

use super::{FieldConflict, JobSummary, field_conflicts, job_summary, rid, uid};
use crate::error::{NodeError, Result};
use crate::store::to16;

#[derive(Clone, Debug, Serialize)]
pub struct TimelineEntry {
    pub op: OpId,
    pub at: u64,
    pub author: UserId,
    pub author_name: Option<String>,
    pub device: DeviceId,
    pub from: String,
    pub to: String,
    pub is_override: bool,
    pub reason: Option<String>,
    pub note: Option<String>,
    /// false: this change lost a concurrent disagreement and is shown for review.
    pub on_path: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct EstimateLineView {
    #[serde(flatten)]
    pub line: Line,
    pub removed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartUsed {
    pub movement: RecordId,
    pub item: RecordId,
    pub item_name: String,
    pub qty: String,
    pub at: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct PasswordReadView {
    pub reader: UserId,
    pub reader_name: Option<String>,
    pub at: u64,
    pub purpose: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct JobDetail {
    #[serde(flatten)]
    pub summary: JobSummary,
    pub branch: BranchId,
    pub complaint: String,
    pub accessories: Vec<String>,
    pub condition: String,
    pub estimate_note: Option<String>,
    pub has_password: bool,
    pub password_kind: Option<String>,
    pub diagnosis: String,
    pub notes: String,
    /// The version of each text shown here: sent back with an edit, so the
    /// edit is merged from what the person saw.
    pub diagnosis_version: Vec<String>,
    pub notes_version: Vec<String>,
    pub estimate: Vec<EstimateLineView>,
    pub timeline: Vec<TimelineEntry>,
    /// Messages to the customer about this job, with the hub's latest news
    /// of each (sent, delivered, read, failed and why).
    pub messages: Vec<super::MessageView>,
    /// The customer's rating, once given on their page.
    pub rating: Option<super::RatingView>,
    pub parts_used: Vec<PartUsed>,
    pub password_reads: Vec<PasswordReadView>,
    pub field_conflicts: Vec<FieldConflict>,
    /// Where the session's role may move the job next in the normal run of
    /// the lifecycle, and where by override with a reason: the screens
    /// offer exactly these (the rule book decides; the UI keeps no copy of
    /// the lifecycle or the role matrix).
    pub next_steps: Vec<&'static str>,
    pub override_to: Vec<&'static str>,
    /// The live estimate's totals (taxable, GST, grand total), computed by
    /// the GST engine the invoice uses; none while the estimate is empty.
    pub estimate_totals: Option<sync_core::domain::gst::Totals>,
    pub money: JobMoney,
    /// What the counter must see before handing the device back (not
    /// billed, money owed); each needs a manager's allowance and a reason.
    pub delivery_warnings: Vec<String>,
}

/// What a job has been billed and paid, and where its customer is: for the
/// card's billing box, the estimate's tax and the delivery check.
#[derive(Clone, Debug, Default, Serialize)]
pub struct JobMoney {
    /// Tax invoices issued for the job and not cancelled.
    pub invoices: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub invoiced: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub balance_due: Decimal,
    #[serde(skip)]
    pub customer_state: Option<String>,
}

pub fn job_money(c: &Connection, id: RecordId) -> Result<JobMoney> {
    let j = &id.0[..];
    let sum = |sql: &str| -> Result<Decimal> {
        let mut stmt = c.prepare_cached(sql)?;
        let rows = stmt.query_map([j], |r| r.get::<_, String>(0))?;
        let mut t = Decimal::ZERO;
        for v in rows {
            t = t
                .checked_add(v?.parse().unwrap_or_default())
                .ok_or_else(|| NodeError::invalid("amount", "a job's total is out of range"))?;
        }
        Ok(t)
    };
    let invoices: u32 = c
        .prepare_cached("SELECT count(*) FROM documents WHERE job = ?1 AND cancelled = 0 AND doc_type = 'tax_invoice'")?
        .query_row([j], |r| r.get(0))?;
    let invoiced = sum(
        "SELECT grand_total FROM documents WHERE job = ?1 AND cancelled = 0 AND doc_type = 'tax_invoice'",
    )?;
    let credited = sum(
        "SELECT grand_total FROM documents WHERE job = ?1 AND cancelled = 0 AND doc_type = 'credit_note'",
    )?;
    let paid = sum(
        "SELECT amount FROM payments WHERE job = ?1 OR invoice IN (SELECT id FROM documents WHERE job = ?1 AND cancelled = 0 AND doc_type = 'tax_invoice')",
    )?;
    let customer_state = c
        .prepare_cached("SELECT cu.state_code FROM jobs j JOIN customers cu ON cu.id = j.customer WHERE j.id = ?1")?
        .query_row([j], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten();
    Ok(JobMoney {
        invoices,
        invoiced,
        balance_due: invoiced - credited - paid,
        customer_state,
    })
}

pub fn job_detail(c: &Connection, id: RecordId) -> Result<JobDetail> {
    let summary = job_summary(c, id)?;
    let (branch, complaint, accessories, condition, estimate_note, has_password, password_kind): (Vec<u8>, String, String, String, Option<String>, bool, Option<String>) = c
        .prepare_cached("SELECT branch, complaint, accessories, condition, estimate_note, password_ct IS NOT NULL, password_kind FROM jobs WHERE id = ?1")?
        .query_row([&id.0[..]], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?;
    let text = |field: &str| -> Result<String> {
        Ok(
            c.prepare_cached("SELECT text FROM job_texts WHERE job = ?1 AND field = ?2")?
                .query_row(params![&id.0[..], field], |r| r.get(0))
                .optional()?
                .unwrap_or_default(),
        )
    };
    let mut estimate = vec![];
    {
        let mut stmt = c.prepare_cached("SELECT id, kind, item, description, hsn_sac, qty, unit, unit_price, discount, gst_rate, removed FROM estimate_lines WHERE job = ?1 ORDER BY added_at, id")?;
        let rows = stmt.query_map([&id.0[..]], |r| {
            let dec = |i: usize| -> rusqlite::Result<rust_decimal::Decimal> {
                Ok(r.get::<_, String>(i)?.parse().unwrap_or_default())
            };
            Ok(EstimateLineView {
                line: Line {
                    id: rid(r.get(0)?),
                    kind: if r.get::<_, String>(1)? == "part" {
                        LineKind::Part
                    } else {
                        LineKind::Service
                    },
                    item: r.get::<_, Option<Vec<u8>>>(2)?.map(rid),
                    description: r.get(3)?,
                    hsn_sac: r.get(4)?,
                    qty: dec(5)?,
                    unit: r.get(6)?,
                    unit_price: dec(7)?,
                    discount: dec(8)?,
                    gst_rate: dec(9)?,
                },
                removed: r.get(10)?,
            })
        })?;
        for row in rows {
            estimate.push(row?);
        }
    }
    let mut timeline = vec![];
    // The job's first event, its intake, is its opening op, not a status change.
    let received = c
        .prepare_cached(
            "SELECT o.device, o.seq, j.opened_at, a.author, u.name
             FROM jobs j JOIN record_origins o ON o.record = j.id
             LEFT JOIN audit a ON a.device = o.device AND a.seq = o.seq
             LEFT JOIN users u ON u.id = a.author WHERE j.id = ?1",
        )?
        .query_row([&id.0[..]], |r| {
            let device = DeviceId(to16(&r.get::<_, Vec<u8>>(0)?));
            Ok(TimelineEntry {
                op: OpId {
                    device,
                    seq: r.get(1)?,
                },
                at: r.get(2)?,
                author: r
                    .get::<_, Option<Vec<u8>>>(3)?
                    .map(uid)
                    .unwrap_or(UserId([0; 16])),
                author_name: r.get(4)?,
                device,
                from: String::new(),
                to: "received".into(),
                is_override: false,
                reason: None,
                note: None,
                on_path: true,
            })
        })
        .optional()?;
    timeline.extend(received);
    {
        let mut stmt = c.prepare_cached(
            "SELECT s.device, s.seq, s.hlc_wall, s.author, u.name, s.from_status, s.to_status, s.is_override, s.reason, s.note, s.on_path
             FROM status_changes s LEFT JOIN users u ON u.id = s.author WHERE s.job = ?1 ORDER BY s.hlc_wall, s.hlc_logical, s.device, s.seq",
        )?;
        let rows = stmt.query_map([&id.0[..]], |r| {
            Ok(TimelineEntry {
                op: OpId {
                    device: DeviceId(to16(&r.get::<_, Vec<u8>>(0)?)),
                    seq: r.get(1)?,
                },
                at: r.get(2)?,
                author: uid(r.get(3)?),
                author_name: r.get(4)?,
                device: DeviceId(to16(&r.get::<_, Vec<u8>>(0)?)),
                from: r.get(5)?,
                to: r.get(6)?,
                is_override: r.get(7)?,
                reason: r.get(8)?,
                note: r.get(9)?,
                on_path: r.get(10)?,
            })
        })?;
        for row in rows {
            timeline.push(row?);
        }
    }
    let mut parts_used = vec![];
    {
        let mut stmt = c.prepare_cached(
            "SELECT m.id, m.item, i.name, m.qty, m.at FROM stock_movements m LEFT JOIN items i ON i.id = m.item WHERE m.job = ?1 AND m.kind = 'use_on_job' ORDER BY m.at",
        )?;
        let rows = stmt.query_map([&id.0[..]], |r| {
            Ok(PartUsed {
                movement: rid(r.get(0)?),
                item: rid(r.get(1)?),
                item_name: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                qty: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        for row in rows {
            parts_used.push(row?);
        }
    }
    let mut password_reads = vec![];
    {
        let mut stmt = c.prepare_cached("SELECT p.reader, u.name, p.at, p.purpose FROM password_reads p LEFT JOIN users u ON u.id = p.reader WHERE p.job = ?1 ORDER BY p.at")?;
        let rows = stmt.query_map([&id.0[..]], |r| {
            Ok(PasswordReadView {
                reader: uid(r.get(0)?),
                reader_name: r.get(1)?,
                at: r.get(2)?,
                purpose: r.get(3)?,
            })
        })?;
        for row in rows {
            password_reads.push(row?);
        }
    }
    Ok(JobDetail {
        summary,
        branch: BranchId(to16(&branch)),
        complaint,
        accessories: serde_json::from_str(&accessories).unwrap_or_default(),
        condition,
        estimate_note,
        has_password,
        password_kind,
        diagnosis: text("diagnosis")?,
        notes: text("notes")?,
        diagnosis_version: text_version(c, id, "diagnosis")?,
        notes_version: text_version(c, id, "notes")?,
        estimate,
        timeline,
        messages: super::job_messages(c, id)?,
        rating: super::job_rating(c, id)?,
        parts_used,
        password_reads,
        // For the session's role: `services::jobs::job_detail`.
        next_steps: vec![],
        override_to: vec![],
        estimate_totals: None,
        money: JobMoney::default(),
        delivery_warnings: vec![],
        field_conflicts: field_conflicts(c, Some(id))?,
    })
}

/// The sealed device password of a job, if any.
pub fn job_password(c: &Connection, id: RecordId) -> Result<Option<sync_core::body::Sealed>> {
    let row: Option<(Option<String>, Option<String>)> = c
        .prepare_cached("SELECT password_nonce, password_ct FROM jobs WHERE id = ?1")?
        .query_row([&id.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        None => Err(NodeError::NotFound(format!("job {id}"))),
        Some((Some(nonce), Some(ciphertext))) => {
            Ok(Some(sync_core::body::Sealed { nonce, ciphertext }))
        }
        Some(_) => Ok(None),
    }
}

/// The heads of a job's text document (the genesis' for a text never edited).
pub fn text_version(c: &Connection, job: RecordId, field: &str) -> Result<Vec<String>> {
    use sync_core::merge::text::TextDoc;
    let mut doc = match job_text_doc(c, job, field)? {
        Some(b) => TextDoc::load(&b)?,
        None => TextDoc::genesis(),
    };
    Ok(doc.heads())
}

pub fn job_text_doc(c: &Connection, job: RecordId, field: &str) -> Result<Option<Vec<u8>>> {
    Ok(
        c.prepare_cached("SELECT doc FROM job_texts WHERE job = ?1 AND field = ?2")?
            .query_row(params![&job.0[..], field], |r| r.get(0))
            .optional()?,
    )
}
