//! Queries behind the services' views. Everything returned here is plain,
//! serializable data; ids are strings, amounts decimal strings.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sync_core::body::{FieldValue, Line, LineKind};
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::op::OpId;

use super::to16;
use crate::error::{NodeError, Result};

fn rid(b: Vec<u8>) -> RecordId {
    RecordId(to16(&b))
}
fn uid(b: Vec<u8>) -> UserId {
    UserId(to16(&b))
}

#[derive(Clone, Debug, Serialize)]
pub struct UserView {
    pub id: UserId,
    pub name: String,
    pub role: String,
    pub branch: Option<BranchId>,
    pub active: bool,
}

pub fn users(c: &Connection) -> Result<Vec<UserView>> {
    let mut stmt =
        c.prepare_cached("SELECT id, name, role, branch, active FROM users ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok(UserView {
            id: uid(r.get(0)?),
            name: r.get(1)?,
            role: r.get(2)?,
            branch: r.get::<_, Option<Vec<u8>>>(3)?.map(|b| BranchId(to16(&b))),
            active: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn user_pin_hash(c: &Connection, id: UserId) -> Result<Option<(String, bool)>> {
    Ok(
        c.prepare_cached("SELECT pin_hash, active FROM users WHERE id = ?1")?
            .query_row([&id.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?,
    )
}

pub fn user_name(c: &Connection, id: UserId) -> Result<Option<String>> {
    Ok(c.prepare_cached("SELECT name FROM users WHERE id = ?1")?
        .query_row([&id.0[..]], |r| r.get(0))
        .optional()?)
}

#[derive(Clone, Debug, Serialize)]
pub struct BranchView {
    pub id: BranchId,
    pub name: String,
    pub gstin: String,
    pub state_code: String,
    pub address: String,
    pub invoice_prefix: String,
    pub credit_note_prefix: String,
    pub upi_id: Option<String>,
}

pub fn branch(c: &Connection, id: BranchId) -> Result<BranchView> {
    c.prepare_cached("SELECT name, gstin, state_code, address, invoice_prefix, credit_note_prefix, upi_id FROM branches WHERE id = ?1")?
        .query_row([&id.0[..]], |r| {
            Ok(BranchView { id, name: r.get(0)?, gstin: r.get(1)?, state_code: r.get(2)?, address: r.get(3)?, invoice_prefix: r.get(4)?, credit_note_prefix: r.get(5)?, upi_id: r.get(6)? })
        })
        .optional()?
        .ok_or_else(|| NodeError::NotFound(format!("branch {id}")))
}

#[derive(Clone, Debug, Serialize)]
pub struct CustomerView {
    pub id: RecordId,
    pub branch: BranchId,
    pub name: String,
    pub mobile: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub gstin: Option<String>,
    pub state_code: Option<String>,
    pub created_at: u64,
}

const CUSTOMER_COLS: &str =
    "id, branch, name, mobile, email, address, gstin, state_code, created_at";

fn customer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CustomerView> {
    Ok(CustomerView {
        id: rid(r.get(0)?),
        branch: BranchId(to16(&r.get::<_, Vec<u8>>(1)?)),
        name: r.get(2)?,
        mobile: r.get(3)?,
        email: r.get(4)?,
        address: r.get(5)?,
        gstin: r.get(6)?,
        state_code: r.get(7)?,
        created_at: r.get(8)?,
    })
}

pub fn customer(c: &Connection, id: RecordId) -> Result<CustomerView> {
    c.prepare_cached(&format!(
        "SELECT {CUSTOMER_COLS} FROM customers WHERE id = ?1"
    ))?
    .query_row([&id.0[..]], customer_row)
    .optional()?
    .ok_or_else(|| NodeError::NotFound(format!("customer {id}")))
}

/// Customers of a branch whose mobile starts with, or name contains, `q`.
pub fn find_customers(
    c: &Connection,
    branch: BranchId,
    q: &str,
    limit: u32,
) -> Result<Vec<CustomerView>> {
    let digits: String = q.chars().filter(|c| c.is_ascii_digit()).collect();
    let like = format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mobile = if digits.is_empty() {
        "\u{0}".to_string()
    } else {
        format!("{digits}%")
    };
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {CUSTOMER_COLS} FROM customers WHERE branch = ?1 AND (mobile LIKE ?2 OR name LIKE ?3 ESCAPE '\\') ORDER BY name LIMIT ?4"
    ))?;
    let rows = stmt.query_map(params![&branch.0[..], mobile, like, limit], customer_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[derive(Clone, Debug, Serialize)]
pub struct JobSummary {
    pub id: RecordId,
    pub job_no: String,
    pub customer: RecordId,
    pub customer_name: String,
    pub customer_mobile: String,
    pub device_type: String,
    pub brand: String,
    pub model: String,
    pub serial: String,
    pub status: String,
    pub technician: Option<UserId>,
    pub technician_name: Option<String>,
    pub promised: Option<String>,
    pub opened_at: u64,
    pub updated_at: u64,
    pub status_conflicts: u32,
}

const JOB_COLS: &str = "j.id, j.job_no, j.customer, c.name, c.mobile, j.device_type, j.brand, j.model, j.serial, j.status, j.technician, u.name, j.promised, j.opened_at, j.updated_at, j.conflicts";

fn job_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobSummary> {
    Ok(JobSummary {
        id: rid(r.get(0)?),
        job_no: r.get(1)?,
        customer: rid(r.get(2)?),
        customer_name: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
        customer_mobile: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
        device_type: r.get(5)?,
        brand: r.get(6)?,
        model: r.get(7)?,
        serial: r.get(8)?,
        status: r.get(9)?,
        technician: r.get::<_, Option<Vec<u8>>>(10)?.map(uid),
        technician_name: r.get(11)?,
        promised: r.get(12)?,
        opened_at: r.get(13)?,
        updated_at: r.get(14)?,
        status_conflicts: r.get(15)?,
    })
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct JobFilter {
    pub status: Option<String>,
    pub technician: Option<UserId>,
    pub customer: Option<RecordId>,
    /// Open jobs only (not delivered or cancelled).
    pub open: Option<bool>,
    pub limit: Option<u32>,
}

pub fn jobs(c: &Connection, branch: BranchId, f: &JobFilter) -> Result<Vec<JobSummary>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {JOB_COLS} FROM jobs j LEFT JOIN customers c ON c.id = j.customer LEFT JOIN users u ON u.id = j.technician
         WHERE j.branch = ?1 AND (?2 IS NULL OR j.status = ?2) AND (?3 IS NULL OR j.technician = ?3) AND (?4 IS NULL OR j.customer = ?4)
           AND (?5 = 0 OR j.status NOT IN ('delivered', 'cancelled'))
         ORDER BY j.opened_at DESC LIMIT ?6"
    ))?;
    let rows = stmt.query_map(
        params![
            &branch.0[..],
            f.status,
            f.technician.map(|t| t.0.to_vec()),
            f.customer.map(|t| t.0.to_vec()),
            f.open.unwrap_or(false),
            f.limit.unwrap_or(500).min(10_000)
        ],
        job_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn job_summary(c: &Connection, id: RecordId) -> Result<JobSummary> {
    c.prepare_cached(&format!(
        "SELECT {JOB_COLS} FROM jobs j LEFT JOIN customers c ON c.id = j.customer LEFT JOIN users u ON u.id = j.technician WHERE j.id = ?1"
    ))?
    .query_row([&id.0[..]], job_row)
    .optional()?
    .ok_or_else(|| NodeError::NotFound(format!("job {id}")))
}

pub fn job_branch(c: &Connection, id: RecordId) -> Result<BranchId> {
    c.prepare_cached("SELECT branch FROM jobs WHERE id = ?1")?
        .query_row([&id.0[..]], |r| r.get::<_, Vec<u8>>(0))
        .optional()?
        .map(|b| BranchId(to16(&b)))
        .ok_or_else(|| NodeError::NotFound(format!("job {id}")))
}

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
    pub parts_used: Vec<PartUsed>,
    pub password_reads: Vec<PasswordReadView>,
    pub field_conflicts: Vec<FieldConflict>,
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
        parts_used,
        password_reads,
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

#[derive(Clone, Debug, Serialize)]
pub struct FieldVersion {
    pub op: OpId,
    pub at: u64,
    pub value: FieldValue,
}

/// A field with more than one live value: the winner shown, and the values
/// it did not see, kept for a manager to review.
#[derive(Clone, Debug, Serialize)]
pub struct FieldConflict {
    pub record: RecordId,
    pub kind: String,
    pub field: String,
    pub winner: FieldVersion,
    pub losers: Vec<FieldVersion>,
}

pub fn field_conflicts(c: &Connection, record: Option<RecordId>) -> Result<Vec<FieldConflict>> {
    let mut stmt = c.prepare_cached(
        "SELECT f.record, COALESCE(o.kind, ''), f.field, f.device, f.seq, f.hlc_wall, f.value
         FROM field_versions f LEFT JOIN record_origins o ON o.record = f.record
         WHERE f.superseded = 0 AND (?1 IS NULL OR f.record = ?1)
           AND (SELECT count(*) FROM field_versions g WHERE g.record = f.record AND g.field = f.field AND g.superseded = 0) > 1
         ORDER BY f.record, f.field, f.hlc_wall DESC, f.hlc_logical DESC, f.device DESC, f.seq DESC",
    )?;
    let rows = stmt.query_map(params![record.map(|r| r.0.to_vec())], |r| {
        Ok((
            rid(r.get(0)?),
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            FieldVersion {
                op: OpId {
                    device: DeviceId(to16(&r.get::<_, Vec<u8>>(3)?)),
                    seq: r.get(4)?,
                },
                at: r.get(5)?,
                value: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or(FieldValue::Null),
            },
        ))
    })?;
    let mut out: Vec<FieldConflict> = vec![];
    for row in rows {
        let (record, kind, field, v) = row?;
        match out.last_mut() {
            Some(last) if last.record == record && last.field == field => last.losers.push(v),
            _ => out.push(FieldConflict {
                record,
                kind,
                field,
                winner: v,
                losers: vec![],
            }),
        }
    }
    Ok(out)
}

/// Live write ids of a field: what an ordinary edit (winner) or a resolution (all) supersedes.
pub fn live_versions(c: &Connection, record: RecordId, field: &str) -> Result<Vec<OpId>> {
    let mut stmt = c.prepare_cached(
        "SELECT device, seq FROM field_versions WHERE record = ?1 AND field = ?2 AND superseded = 0 ORDER BY hlc_wall DESC, hlc_logical DESC, device DESC, seq DESC",
    )?;
    let rows = stmt.query_map(params![&record.0[..], field], |r| {
        Ok(OpId {
            device: DeviceId(to16(&r.get::<_, Vec<u8>>(0)?)),
            seq: r.get(1)?,
        })
    })?;
    let v: Vec<OpId> = rows.collect::<Result<_, _>>()?;
    if !v.is_empty() {
        return Ok(v);
    }
    // Never edited: the creating op is the one live version.
    Ok(
        c.prepare_cached("SELECT device, seq FROM record_origins WHERE record = ?1")?
            .query_row([&record.0[..]], |r| {
                Ok(OpId {
                    device: DeviceId(to16(&r.get::<_, Vec<u8>>(0)?)),
                    seq: r.get(1)?,
                })
            })
            .optional()?
            .into_iter()
            .collect(),
    )
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

#[derive(Clone, Debug, Serialize)]
pub struct AuditView {
    pub n: i64,
    pub op: OpId,
    pub at: u64,
    pub author: UserId,
    pub author_name: Option<String>,
    pub branch: BranchId,
    pub kind: String,
    pub record: Option<String>,
    pub hash: String,
}

pub fn audit(c: &Connection, limit: u32, before: Option<i64>) -> Result<Vec<AuditView>> {
    let mut stmt = c.prepare_cached(
        "SELECT a.n, a.device, a.seq, a.at, a.author, u.name, a.branch, a.kind, a.record, a.hash FROM audit a LEFT JOIN users u ON u.id = a.author
         WHERE (?1 IS NULL OR a.n < ?1) ORDER BY a.n DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![before, limit], |r| {
        Ok(AuditView {
            n: r.get(0)?,
            op: OpId {
                device: DeviceId(to16(&r.get::<_, Vec<u8>>(1)?)),
                seq: r.get(2)?,
            },
            at: r.get(3)?,
            author: uid(r.get(4)?),
            author_name: r.get(5)?,
            branch: BranchId(to16(&r.get::<_, Vec<u8>>(6)?)),
            kind: r.get(7)?,
            record: r.get(8)?,
            hash: hex::encode(r.get::<_, Vec<u8>>(9)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Outcome of checking the audit chain.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AuditCheck {
    pub entries: u64,
    pub ok: bool,
    /// The first entry whose hash does not match, if any.
    pub broken_at: Option<i64>,
    pub problem: Option<String>,
}

/// Recompute every audit hash from the first entry, and check each entry
/// against the signed operation in the log it came from.
pub fn verify_audit(c: &Connection) -> Result<AuditCheck> {
    let mut stmt = c.prepare(
        "SELECT n, device, seq, at, author, branch, kind, record, prev, hash FROM audit ORDER BY n",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = vec![0u8; 32];
    let mut entries = 0u64;
    let mut expected_n = None;
    while let Some(r) = rows.next()? {
        entries += 1;
        let n: i64 = r.get(0)?;
        let id = OpId {
            device: DeviceId(to16(&r.get::<_, Vec<u8>>(1)?)),
            seq: r.get(2)?,
        };
        let at: u64 = r.get(3)?;
        let author: Vec<u8> = r.get(4)?;
        let branch: Vec<u8> = r.get(5)?;
        let kind: String = r.get(6)?;
        let record: Option<String> = r.get(7)?;
        let stored_prev: Vec<u8> = r.get(8)?;
        let hash: Vec<u8> = r.get(9)?;
        let fail = |problem: String| {
            Ok(AuditCheck {
                entries,
                ok: false,
                broken_at: Some(n),
                problem: Some(problem),
            })
        };
        if let Some(e) = expected_n
            && n != e
        {
            return fail(format!("entry {e} is missing"));
        }
        expected_n = Some(n + 1);
        if stored_prev != prev {
            return fail("does not link to the previous entry".into());
        }
        let recomputed =
            super::apply::audit_hash(&prev, id, at, &author, &branch, &kind, record.as_deref());
        if recomputed[..] != hash[..] {
            return fail("hash does not match its contents: the entry was edited".into());
        }
        let in_log: Option<(String, Vec<u8>, u64)> = c
            .prepare_cached(
                "SELECT kind, author, hlc_wall FROM ops WHERE device = ?1 AND seq = ?2",
            )?
            .query_row(params![&id.device.0[..], id.seq], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        match in_log {
            Some((k, a, t)) if k == kind && a == author && t == at => {}
            _ => return fail(format!("no matching signed operation {id} in the log")),
        }
        prev = hash;
    }
    Ok(AuditCheck {
        entries,
        ok: true,
        broken_at: None,
        problem: None,
    })
}

/// Number of operations in the log.
pub fn op_count(c: &Connection) -> Result<u64> {
    Ok(c.query_row("SELECT count(*) FROM ops", [], |r| r.get(0))?)
}

/// Every row of a table as JSON objects (blobs as hex), for `export`.
pub fn export_table(c: &Connection, table: &str) -> Result<Vec<serde_json::Value>> {
    const ALLOWED: &[&str] = &[
        "branches",
        "users",
        "devices",
        "customers",
        "jobs",
        "job_texts",
        "status_changes",
        "estimate_lines",
        "password_reads",
        "items",
        "stock_movements",
        "stock_balances",
        "transfers",
        "documents",
        "payments",
        "leases",
        "audit",
    ];
    if !ALLOWED.contains(&table) {
        return Err(NodeError::invalid(
            "table",
            format!("must be one of: {}", ALLOWED.join(", ")),
        ));
    }
    let mut stmt = c.prepare(&format!("SELECT * FROM {table}"))?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let mut rows = stmt.query([])?;
    let mut out = vec![];
    while let Some(r) = rows.next()? {
        let mut obj = serde_json::Map::new();
        for (i, n) in names.iter().enumerate() {
            use rusqlite::types::ValueRef as V;
            let v = match r.get_ref(i)? {
                V::Null => serde_json::Value::Null,
                V::Integer(x) => serde_json::json!(x),
                V::Real(x) => serde_json::json!(x.to_string()),
                V::Text(t) => serde_json::json!(String::from_utf8_lossy(t)),
                V::Blob(b) if n == "doc" || n == "wire" => {
                    serde_json::json!(format!("{} bytes", b.len()))
                }
                V::Blob(b) if b.len() == 16 => serde_json::json!(RecordId(to16(b)).to_string()),
                V::Blob(b) => serde_json::json!(hex::encode(b)),
            };
            obj.insert(n.clone(), v);
        }
        out.push(serde_json::Value::Object(obj));
    }
    Ok(out)
}

/// The kind of record (`customer`, `job`, …) `record` was created as, if
/// this device holds it.
pub fn record_kind(c: &Connection, record: RecordId) -> Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT kind FROM record_origins WHERE record = ?1")?
            .query_row([&record.0[..]], |r| r.get(0))
            .optional()?,
    )
}

/// The number the hub gave a device in its branch, if it gave one.
pub fn device_number(c: &Connection, device: DeviceId) -> Result<Option<u32>> {
    Ok(
        c.prepare_cached("SELECT number FROM devices WHERE id = ?1")?
            .query_row([&device.0[..]], |r| r.get::<_, Option<u32>>(0))
            .optional()?
            .flatten(),
    )
}

/// How many devices (not the hub's own) a branch has enrolled.
pub fn devices_in_branch(c: &Connection, branch: BranchId) -> Result<u32> {
    Ok(
        c.prepare_cached("SELECT count(*) FROM devices WHERE branch = ?1 AND hub = 0")?
            .query_row([&branch.0[..]], |r| r.get(0))?,
    )
}

/// Job cards whose number starts with `prefix` (this device's).
pub fn jobs_numbered_with(c: &Connection, prefix: &str) -> Result<u64> {
    // `LIKE` would treat `_` and `%` in the prefix as wildcards.
    Ok(
        c.prepare_cached("SELECT count(*) FROM jobs WHERE substr(job_no, 1, length(?1)) = ?1")?
            .query_row([prefix], |r| r.get(0))?,
    )
}

/// Whether an item already has this SKU.
pub fn sku_taken(c: &Connection, sku: &str) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT EXISTS (SELECT 1 FROM items WHERE sku = ?1)")?
            .query_row([sku], |r| r.get(0))?,
    )
}
