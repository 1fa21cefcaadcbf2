//! Materialize one operation into the queryable tables. The same merge rules
//! as `sync_core::replica`, expressed over SQLite: per-field registers in
//! `field_versions`, the status tree in `status_changes`, automerge documents
//! in `job_texts`, counters in `stock_balances`, facts in their own tables.
//! Runs inside the caller's transaction, after the op row is written.

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use sync_core::body::{FieldValue, FieldWrite, MovementKind, OpBody};
use sync_core::domain::gst;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::stock::{Holder, deltas};
use sync_core::hlc::Stamp;
use sync_core::ids::{DeviceId, RecordId};
use sync_core::merge::status::{StatusLog, Transition};
use sync_core::merge::text::TextDoc;
use sync_core::op::{Op, OpHash, OpId};

use crate::sql::SqlExt;
use crate::sql::{Sql, Value};
use crate::{ReplicaError, Result, p, to16, to32};

/// How a register field maps onto a column.
pub use sync_core::domain::fields::FieldKind as Col;

/// Editable fields of each table: (field, column type), from the one list
/// the rule book also reads (`sync_core::domain::fields`).
pub fn spec(table: &str) -> sync_core::domain::fields::Fields {
    sync_core::domain::fields::of_table(table)
}

fn blob16(b: &[u8; 16]) -> &[u8] {
    &b[..]
}

/// Insert the op into the log and advance its device's chain head.
pub fn insert_op(c: &dyn Sql, op: &Op, wire: &[u8], hash: OpHash) -> Result<()> {
    insert_op_as(c, op, wire, hash, None)
}

/// As [`insert_op`]; `rejected` records the hub's refusal (the op then keeps
/// its place in the chain but is never materialized).
pub fn insert_op_as(
    c: &dyn Sql,
    op: &Op,
    wire: &[u8],
    hash: OpHash,
    rejected: Option<&str>,
) -> Result<()> {
    c.queue("INSERT INTO ops (device, seq, hlc_wall, hlc_logical, author, branch, kind, hash, wire, rejected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", p![
        blob16(&op.id.device.0),
        op.id.seq,
        op.hlc.wall_ms,
        op.hlc.logical,
        blob16(&op.author.0),
        blob16(&op.branch.0),
        op.body.kind(),
        &hash.0[..],
        wire,
        rejected
    ])?;
    c.queue("INSERT INTO chain_heads (device, seq, hash) VALUES (?1, ?2, ?3) ON CONFLICT (device) DO UPDATE SET seq = excluded.seq, hash = excluded.hash", p![blob16(&op.id.device.0), op.id.seq, &hash.0[..]])?;
    Ok(())
}

fn insert_item(c: &dyn Sql, i: &sync_core::body::Item, branch: &[u8; 16]) -> Result<()> {
    c.queue("INSERT INTO items (id, sku, name, hsn_sac, gst_rate, unit, sale_price, cost, reorder_level, is_service, branch) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING", p![
        blob16(&i.id.0),
        i.sku,
        i.name,
        i.hsn_sac,
        i.gst_rate.to_string(),
        i.unit,
        i.sale_price.to_string(),
        i.cost.to_string(),
        i.reorder_level.to_string(),
        i.is_service,
        &branch[..]
    ])?;
    Ok(())
}

/// Record an edit of a job as a fact (see `review::late_edits`).
fn job_edit(c: &dyn Sql, op: &Op) -> Result<()> {
    let job = match &op.body {
        OpBody::JobUpdated { job, .. }
        | OpBody::JobTextEdited { job, .. }
        | OpBody::EstimateLineAdded { job, .. }
        | OpBody::EstimateLineRemoved { job, .. } => *job,
        OpBody::StockMoved(m) => match &m.movement {
            MovementKind::UseOnJob { job, .. } => *job,
            _ => return Ok(()),
        },
        _ => return Ok(()),
    };
    c.queue("INSERT INTO job_edits (device, seq, job, hlc_wall, hlc_logical, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING", p![blob16(&op.id.device.0), op.id.seq, blob16(&job.0), op.hlc.wall_ms, op.hlc.logical, op.body.kind()])?;
    Ok(())
}

fn origin(c: &dyn Sql, record: RecordId, kind: &str, op: &Op) -> Result<()> {
    c.queue("INSERT INTO record_origins (record, kind, hlc_wall, hlc_logical, device, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING", p![blob16(&record.0), kind, op.hlc.wall_ms, op.hlc.logical, blob16(&op.id.device.0), op.id.seq])?;
    Ok(())
}

fn value_to_sql(v: &FieldValue) -> Value {
    use Value as V;
    match v {
        FieldValue::Null => V::Null,
        FieldValue::Text(s) => V::Text(s.clone()),
        FieldValue::Bool(b) => V::Int(*b as i64),
        FieldValue::Int(i) => V::Int(*i),
        FieldValue::Decimal(d) => V::Text(d.to_string()),
        FieldValue::Id(id) => V::Blob(id.0.to_vec()),
        FieldValue::User(u) => V::Blob(u.0.to_vec()),
    }
}

fn value_from_sql(col: Col, v: Value) -> FieldValue {
    use Value as V;
    match (col, v) {
        (_, V::Null) => FieldValue::Null,
        (Col::Bool, V::Int(i)) => FieldValue::Bool(i != 0),
        (Col::Decimal, V::Text(s)) => s
            .parse()
            .map(FieldValue::Decimal)
            .unwrap_or(FieldValue::Text(s)),
        (Col::OptUser, V::Blob(b)) => FieldValue::User(sync_core::ids::UserId(to16(&b))),
        (_, V::Text(s)) => FieldValue::Text(s),
        (_, V::Int(i)) => FieldValue::Int(i),
        (_, V::Blob(b)) => FieldValue::Id(RecordId(to16(&b))),
    }
}

/// Apply field writes of one op to a table row, through the registers.
fn write_fields(
    c: &dyn Sql,
    table: &str,
    record: RecordId,
    op: &Op,
    writes: &[FieldWrite],
) -> Result<()> {
    let fields = spec(table);
    for w in writes {
        let Some((_, col)) = fields.iter().find(|(f, _)| *f == w.field) else {
            continue; // not a column: kept in the register only
        };
        let has_versions: bool = c.row(
            "SELECT EXISTS (SELECT 1 FROM field_versions WHERE record = ?1 AND field = ?2)",
            p![blob16(&record.0), w.field],
            |r| r.get(0),
        )?;
        if !has_versions {
            // First edit of this field: copy the creating op's value in as a version.
            let orig: Option<(u64, u32, Vec<u8>, u64)> = c.one(
                "SELECT hlc_wall, hlc_logical, device, seq FROM record_origins WHERE record = ?1",
                p![blob16(&record.0)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            if let Some((wall, logical, dev, seq)) = orig {
                let current: Value = c.row(
                    &format!("SELECT {} FROM {table} WHERE id = ?1", w.field),
                    p![blob16(&record.0)],
                    |r| r.get(0),
                )?;
                let v = value_from_sql(*col, current);
                c.queue("INSERT INTO field_versions (record, field, hlc_wall, hlc_logical, device, seq, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING", p![blob16(&record.0), w.field, wall, logical, dev, seq, serde_json::to_string(&v).expect("value serializes")])?;
            }
        }
        for s in &w.supersedes {
            c.queue("UPDATE field_versions SET superseded = 1 WHERE record = ?1 AND field = ?2 AND device = ?3 AND seq = ?4", p![blob16(&record.0), w.field, blob16(&s.device.0), s.seq])?;
        }
        c.queue("INSERT INTO field_versions (record, field, hlc_wall, hlc_logical, device, seq, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING", p![blob16(&record.0), w.field, op.hlc.wall_ms, op.hlc.logical, blob16(&op.id.device.0), op.id.seq, serde_json::to_string(&w.value).expect("value serializes")])?;
        let winner: String = c.row("SELECT value FROM field_versions WHERE record = ?1 AND field = ?2 AND superseded = 0 ORDER BY hlc_wall DESC, hlc_logical DESC, device DESC, seq DESC LIMIT 1", p![blob16(&record.0), w.field], |r| r.get(0))?;
        let v: FieldValue =
            serde_json::from_str(&winner).map_err(|e| ReplicaError::Damaged(e.to_string()))?;
        // Cached like the rest: tables and fields are a small fixed set.
        c.queue(
            &format!("UPDATE {table} SET {} = ?1 WHERE id = ?2", w.field),
            p![value_to_sql(&v), blob16(&record.0)],
        )?;
    }
    if table == "jobs" {
        c.queue("UPDATE jobs SET updated_at = CASE WHEN updated_at > ?1 THEN updated_at ELSE ?1 END WHERE id = ?2", p![op.hlc.wall_ms, blob16(&record.0)])?;
    }
    Ok(())
}

pub(crate) fn audit(c: &dyn Sql, op: &Op) -> Result<()> {
    if !op.body.is_audited() {
        return Ok(());
    }
    let prev: Vec<u8> = c
        .one(
            "SELECT hash FROM audit ORDER BY n DESC LIMIT 1",
            p![],
            |r| r.get(0),
        )?
        .unwrap_or_else(|| vec![0u8; 32]);
    let record = op.body.audit_record();
    let hash = audit_hash(
        &prev,
        op.id,
        op.hlc.wall_ms,
        &op.author.0,
        &op.branch.0,
        op.body.kind(),
        record.as_deref(),
    );
    c.queue("INSERT INTO audit (device, seq, at, author, branch, kind, record, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", p![blob16(&op.id.device.0), op.id.seq, op.hlc.wall_ms, blob16(&op.author.0), blob16(&op.branch.0), op.body.kind(), record, prev, &hash[..]])?;
    Ok(())
}

/// Hash of one audit entry, chained to the previous entry's hash.
pub fn audit_hash(
    prev: &[u8],
    id: OpId,
    at: u64,
    author: &[u8],
    branch: &[u8],
    kind: &str,
    record: Option<&str>,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(id.device.0);
    h.update(id.seq.to_be_bytes());
    h.update(at.to_be_bytes());
    h.update(author);
    h.update(branch);
    h.update((kind.len() as u32).to_be_bytes());
    h.update(kind.as_bytes());
    if let Some(r) = record {
        h.update([1]);
        h.update((r.len() as u32).to_be_bytes());
        h.update(r.as_bytes());
    } else {
        h.update([0]);
    }
    h.finalize().into()
}

fn dec(c: &dyn Sql, sql: &str, p: &[crate::sql::Param<'_>]) -> Result<Decimal> {
    let s: Option<String> = c.value(sql, p)?;
    Ok(s.and_then(|s| s.parse().ok()).unwrap_or_default())
}

fn add_balance(
    c: &dyn Sql,
    branch: &[u8; 16],
    item: RecordId,
    holder: Holder,
    qty: Decimal,
) -> Result<()> {
    let (kind, id) = match holder {
        Holder::Device(d) => ("device", d.0),
        Holder::Transit(t) => ("transit", t.0),
    };
    let cur = dec(
        c,
        "SELECT qty FROM stock_balances WHERE branch = ?1 AND item = ?2 AND holder_kind = ?3 AND holder = ?4",
        p![&branch[..], blob16(&item.0), kind, &id[..]],
    )?;
    // The rule book bounds every quantity, so this cannot overflow on
    // checked input; a stored balance that somehow would is an error, not a
    // panic halfway through a transaction.
    let next = cur
        .checked_add(qty)
        .ok_or_else(|| ReplicaError::invalid("qty", "the stock balance would overflow"))?;
    c.queue("INSERT INTO stock_balances (branch, item, holder_kind, holder, qty) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (branch, item, holder_kind, holder) DO UPDATE SET qty = excluded.qty", p![&branch[..], blob16(&item.0), kind, &id[..], next.normalize().to_string()])?;
    Ok(())
}

/// Recompute a job's status from its whole history (the pure merge rule).
fn recompute_status(c: &dyn Sql, job: RecordId) -> Result<()> {
    let mut log = StatusLog::default();
    {
        let rows = c.all(
            "SELECT device, seq, hlc_wall, hlc_logical, from_status, to_status, after_device, after_seq, is_override FROM status_changes WHERE job = ?1",
            p![blob16(&job.0)],
            |r| {
                Ok((
                    r.get::<Vec<u8>>(0)?,
                    r.get::<u64>(1)?,
                    r.get::<u64>(2)?,
                    r.get::<u32>(3)?,
                    r.get::<String>(4)?,
                    r.get::<String>(5)?,
                    r.get::<Option<Vec<u8>>>(6)?,
                    r.get::<Option<u64>>(7)?,
                    r.get::<bool>(8)?,
                ))
            },
        )?;
        for (d, s, w, l, f, t, ad, aseq, ov) in rows {
            let (Some(from), Some(to)) = (JobStatus::parse(&f), JobStatus::parse(&t)) else {
                continue;
            };
            log.insert(Transition {
                op: OpId {
                    device: DeviceId(to16(&d)),
                    seq: s,
                },
                hlc: Stamp::new(w, l),
                from,
                to,
                after: match (ad, aseq) {
                    (Some(d), Some(s)) => Some(OpId {
                        device: DeviceId(to16(&d)),
                        seq: s,
                    }),
                    _ => None,
                },
                is_override: ov,
            });
        }
    }
    let r = log.resolve();
    let closed_at: Option<u64> = if r.status.is_terminal() {
        r.head.and_then(|h| log.get(&h)).map(|t| t.hlc.wall_ms)
    } else {
        None
    };
    c.queue("UPDATE jobs SET status = ?1, status_head_device = ?2, status_head_seq = ?3, conflicts = ?4, closed_at = ?5 WHERE id = ?6", p![
            r.status.as_str(),
            r.head.map(|h| h.device.0.to_vec()),
            r.head.map(|h| h.seq),
            r.losers.len() as i64,
            closed_at,
            blob16(&job.0)
        ])?;
    c.queue(
        "UPDATE status_changes SET on_path = 0 WHERE job = ?1",
        p![blob16(&job.0)],
    )?;
    for p in &r.path {
        c.queue(
            "UPDATE status_changes SET on_path = 1 WHERE device = ?1 AND seq = ?2",
            p![blob16(&p.device.0), p.seq],
        )?;
    }
    Ok(())
}

/// Materialize `op` (already in the log) into the tables, and enter it in
/// the audit log.
pub fn materialize(c: &dyn Sql, op: &Op) -> Result<()> {
    audit(c, op)?;
    project(c, op)
}

/// The tables [`project`] writes: everything materialized but the audit log
/// (append-only), which [`crate::overrule::rebuild`] clears and projects
/// again.
pub const PROJECTED: &[&str] = &[
    "branches",
    "users",
    "devices",
    "customers",
    "jobs",
    "status_changes",
    "job_texts",
    "estimate_lines",
    "field_versions",
    "items",
    "stock_balances",
    "stock_movements",
    "transfers",
    "documents",
    "document_lines",
    "payments",
    "leases",
    "record_origins",
    "job_edits",
    "password_reads",
];

/// Write what `op` says into the tables (every table but the audit log).
pub fn project(c: &dyn Sql, op: &Op) -> Result<()> {
    job_edit(c, op)?;
    let at = op.hlc.wall_ms;
    let b = &op.branch.0;
    match &op.body {
        OpBody::BranchCreated(br) => {
            c.queue("INSERT INTO branches (id, name, gstin, state_code, address, invoice_prefix, credit_note_prefix, upi_id, phone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING", p![blob16(&br.id.0), br.name, br.gstin, br.state_code, br.address, br.invoice_prefix, br.credit_note_prefix, br.upi_id, br.phone])?;
            origin(c, RecordId(br.id.0), "branch", op)?;
        }
        OpBody::BranchUpdated { branch, writes } => {
            write_fields(c, "branches", RecordId(branch.0), op, writes)?
        }
        OpBody::UserCreated(u) => {
            c.queue("INSERT INTO users (id, branch, name, role, active, pin_hash) VALUES (?1, ?2, ?3, ?4, 1, ?5) ON CONFLICT DO NOTHING", p![blob16(&u.id.0), u.branch.map(|b| b.0.to_vec()), u.name, u.role.as_str(), u.pin_hash])?;
            origin(c, RecordId(u.id.0), "user", op)?;
        }
        OpBody::UserUpdated { user, writes } => {
            write_fields(c, "users", RecordId(user.0), op, writes)?
        }
        OpBody::DeviceEnrolled {
            device,
            key,
            branch,
            label,
            holds_store,
            ceiling,
            hub,
            number,
            series,
        } => {
            let ceiling = ceiling.unwrap_or(sync_core::body::default_ceiling(*holds_store));
            let (inv, cn) = match series {
                Some(s) => (Some(&s.invoice_prefix), Some(&s.credit_note_prefix)),
                None => (None, None),
            };
            c.queue("INSERT INTO devices (id, branch, public_key, label, holds_store, ceiling, hub, number, invoice_prefix, credit_note_prefix) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING", p![blob16(&device.0), blob16(&branch.0), &key.0[..], label, holds_store, ceiling.as_str(), hub, number, inv, cn])?;
        }
        OpBody::DeviceRevoked { device, reason } => {
            c.queue(
                "UPDATE devices SET revoked = 1, revoked_reason = ?1 WHERE id = ?2",
                p![reason, blob16(&device.0)],
            )?;
        }
        OpBody::CustomerCreated(cu) => {
            c.queue("INSERT INTO customers (id, branch, name, mobile, email, address, gstin, state_code, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING", p![blob16(&cu.id.0), &b[..], cu.name, cu.mobile, cu.email, cu.address, cu.gstin, cu.state_code, at])?;
            origin(c, cu.id, "customer", op)?;
        }
        OpBody::CustomerUpdated { customer, writes } => {
            write_fields(c, "customers", *customer, op, writes)?
        }
        OpBody::JobOpened(j) => {
            c.queue("INSERT INTO jobs (id, branch, job_no, customer, device_type, brand, model, serial, complaint, accessories, condition,
                  password_kind, password_nonce, password_ct, otp_hash, promised, status, opened_at, updated_at, technician, otp_sealed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'received', ?17, ?17, ?18, ?19) ON CONFLICT DO NOTHING", p![
                blob16(&j.id.0),
                &b[..],
                j.job_no,
                blob16(&j.customer.0),
                j.device_type,
                j.brand,
                j.model,
                j.serial,
                j.complaint,
                serde_json::to_string(&j.accessories).expect("strings serialize"),
                j.condition,
                j.password_kind.map(|k| serde_json::to_value(k).expect("enum").as_str().unwrap_or_default().to_string()),
                j.password.as_ref().map(|p| p.nonce.clone()),
                j.password.as_ref().map(|p| p.ciphertext.clone()),
                j.delivery_otp_hash,
                j.promised.map(|d| d.to_string()),
                at,
                j.technician.map(|t| blob16(&t.0).to_vec()),
                j.otp_sealed.as_ref().map(|o| serde_json::to_string(o).expect("sealed serializes"))
            ])?;
            origin(c, j.id, "job", op)?;
        }
        OpBody::JobUpdated { job, writes } => write_fields(c, "jobs", *job, op, writes)?,
        OpBody::JobTextEdited { job, field, change } => {
            let name = serde_json::to_value(field)
                .expect("enum")
                .as_str()
                .unwrap_or_default()
                .to_string();
            let doc: Option<Vec<u8>> = c.one(
                "SELECT doc FROM job_texts WHERE job = ?1 AND field = ?2",
                p![blob16(&job.0), name],
                |r| r.get(0),
            )?;
            let mut d = match doc {
                Some(bytes) => TextDoc::load(&bytes)?,
                None => TextDoc::genesis(),
            };
            d.apply(
                &hex::decode(change).map_err(|_| ReplicaError::invalid("change", "is not hex"))?,
            )?;
            let text = d.text();
            c.queue("INSERT INTO job_texts (job, field, text, doc) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (job, field) DO UPDATE SET text = excluded.text, doc = excluded.doc", p![blob16(&job.0), name, text, d.save()])?;
            c.queue("UPDATE jobs SET updated_at = CASE WHEN updated_at > ?1 THEN updated_at ELSE ?1 END WHERE id = ?2", p![at, blob16(&job.0)])?;
        }
        OpBody::JobStatusChanged(s) => {
            c.queue("INSERT INTO status_changes (device, seq, job, hlc_wall, hlc_logical, author, from_status, to_status, after_device, after_seq, is_override, reason, note, delivery)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT DO NOTHING", p![
                blob16(&op.id.device.0),
                op.id.seq,
                blob16(&s.job.0),
                op.hlc.wall_ms,
                op.hlc.logical,
                blob16(&op.author.0),
                s.from.as_str(),
                s.to.as_str(),
                s.after.map(|a| a.device.0.to_vec()),
                s.after.map(|a| a.seq),
                s.override_reason.is_some(),
                s.override_reason,
                s.note,
                s.delivery.as_ref().map(|d| serde_json::to_string(d).expect("proof serializes")),
            ])?;
            // Fast path: the change extends the winning path (no concurrent
            // change exists at its parent), so it simply becomes the head.
            // Anything else goes through the full merge of the status tree.
            let head: Option<(String, Option<Vec<u8>>, Option<u64>)> = c.one(
                "SELECT status, status_head_device, status_head_seq FROM jobs WHERE id = ?1",
                p![blob16(&s.job.0)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let extends = head.is_some_and(|(st, hd, hs)| {
                st == s.from.as_str()
                    && match (s.after, hd, hs) {
                        (None, None, None) => true,
                        (Some(a), Some(d), Some(q)) => a.device.0[..] == d[..] && a.seq == q,
                        _ => false,
                    }
            });
            if extends {
                c.queue("UPDATE jobs SET status = ?1, status_head_device = ?2, status_head_seq = ?3, closed_at = ?4 WHERE id = ?5", p![
                    s.to.as_str(),
                    blob16(&op.id.device.0),
                    op.id.seq,
                    s.to.is_terminal().then_some(op.hlc.wall_ms),
                    blob16(&s.job.0)
                ])?;
            } else {
                recompute_status(c, s.job)?;
            }
            c.queue("UPDATE jobs SET updated_at = CASE WHEN updated_at > ?1 THEN updated_at ELSE ?1 END WHERE id = ?2", p![at, blob16(&s.job.0)])?;
        }
        OpBody::EstimateLineAdded { job, line } => {
            c.queue("INSERT INTO estimate_lines (id, job, kind, item, description, hsn_sac, qty, unit, unit_price, discount, gst_rate, added_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING", p![
                blob16(&line.id.0),
                blob16(&job.0),
                serde_json::to_value(line.kind).expect("enum").as_str().unwrap_or_default().to_string(),
                line.item.map(|i| i.0.to_vec()),
                line.description,
                line.hsn_sac,
                line.qty.to_string(),
                line.unit,
                line.unit_price.to_string(),
                line.discount.to_string(),
                line.gst_rate.to_string(),
                at
            ])?;
        }
        OpBody::EstimateLineRemoved { line, .. } => {
            c.queue(
                "UPDATE estimate_lines SET removed = 1 WHERE id = ?1",
                p![blob16(&line.0)],
            )?;
        }
        OpBody::DevicePasswordRead { job, purpose } => {
            c.queue("INSERT INTO password_reads (device, seq, job, reader, at, purpose) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING", p![blob16(&op.id.device.0), op.id.seq, blob16(&job.0), blob16(&op.author.0), at, purpose])?;
        }
        OpBody::ItemCreated(i) => {
            insert_item(c, i, b)?;
            origin(c, i.id, "item", op)?;
        }
        OpBody::ItemUpdated { item, writes } => write_fields(c, "items", *item, op, writes)?,
        OpBody::StockMoved(m) => {
            let (kind, job, to_device, transfer) = match &m.movement {
                MovementKind::Receipt { .. } => ("receipt", None, None, None),
                MovementKind::IssueToTechnician { to_device, .. } => {
                    ("issue_to_technician", None, Some(*to_device), None)
                }
                MovementKind::ReturnToStore { to_device } => {
                    ("return_to_store", None, Some(*to_device), None)
                }
                MovementKind::UseOnJob { job, .. } => ("use_on_job", Some(*job), None, None),
                MovementKind::Adjustment { .. } => ("adjustment", None, None, None),
                MovementKind::TransferOut {
                    transfer,
                    to_device,
                    ..
                } => ("transfer_out", None, Some(*to_device), Some(*transfer)),
                MovementKind::TransferIn { transfer, .. } => {
                    ("transfer_in", None, None, Some(*transfer))
                }
                MovementKind::Sale { .. } => ("sale", None, None, None),
                MovementKind::SaleReturn { .. } => ("sale_return", None, None, None),
            };
            let n = c.run("INSERT INTO stock_movements (id, device, seq, branch, item, kind, qty, job, to_device, transfer, detail, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING", p![
                    blob16(&m.id.0),
                    blob16(&op.id.device.0),
                    op.id.seq,
                    &b[..],
                    blob16(&m.item.0),
                    kind,
                    m.qty.to_string(),
                    job.map(|j| j.0.to_vec()),
                    to_device.map(|d| d.0.to_vec()),
                    transfer.map(|t| t.0.to_vec()),
                    serde_json::to_string(m).expect("movement serializes"),
                    at
                ])?;
            if n == 1 {
                // The transit credit counts once per transfer, whether the
                // transfer-out or the hub's announcement of it came first.
                let mut transit_new = true;
                if let MovementKind::TransferOut {
                    transfer,
                    to_branch,
                    to_device,
                } = &m.movement
                {
                    transit_new = c.run("INSERT INTO transfers (id, item, from_branch, to_branch, receiver, sent, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING", p![blob16(&transfer.0), blob16(&m.item.0), &b[..], blob16(&to_branch.0), blob16(&to_device.0), m.qty.to_string(), at])?
                        == 1;
                }
                // …and the transit debit once, whether the transfer-in or the
                // hub's relay of it (`TransferSettled`) came first.
                let transit_open = match &m.movement {
                    MovementKind::TransferIn { transfer, .. } => transfer_open(c, *transfer)?,
                    _ => true,
                };
                for d in deltas(m, op.branch, op.id.device) {
                    if matches!(d.holder, Holder::Transit(_))
                        && ((d.qty > Decimal::ZERO && !transit_new)
                            || (d.qty < Decimal::ZERO && !transit_open))
                    {
                        continue;
                    }
                    add_balance(c, &d.branch.0, m.item, d.holder, d.qty)?;
                }
                match &m.movement {
                    MovementKind::TransferOut { .. } => {}
                    MovementKind::TransferIn { transfer, sent, .. } => {
                        c.queue("UPDATE transfers SET received = ?1, variance = ?2, received_at = ?3 WHERE id = ?4", p![m.qty.to_string(), (*sent - m.qty).to_string(), at, blob16(&transfer.0)])?;
                    }
                    _ => {}
                }
            }
        }
        OpBody::DocumentIssued(d) => {
            let branch_state: Option<String> = c.one(
                "SELECT state_code FROM branches WHERE id = ?1",
                p![&b[..]],
                |r| r.get(0),
            )?;
            let supply = gst::supply_for(
                &branch_state.unwrap_or_else(|| d.supplier_state.clone()),
                &d.place_of_supply,
            );
            let totals = gst::compute(&d.lines, supply)?;
            let n = c.run("INSERT INTO documents (id, branch, device, doc_type, prefix, fy, seq, number, date, customer, customer_name, customer_gstin, place_of_supply, job,
                      taxable, cgst, sgst, igst, round_off, grand_total, against, body, transfer)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23) ON CONFLICT DO NOTHING", p![
                    blob16(&d.id.0),
                    &b[..],
                    blob16(&op.id.device.0),
                    d.doc_type.as_str(),
                    d.prefix,
                    d.fy,
                    d.seq,
                    d.number,
                    d.date.to_string(),
                    d.customer.map(|c| c.0.to_vec()),
                    d.customer_name,
                    d.customer_gstin,
                    d.place_of_supply,
                    d.job.map(|j| j.0.to_vec()),
                    totals.taxable.to_string(),
                    totals.cgst.to_string(),
                    totals.sgst.to_string(),
                    totals.igst.to_string(),
                    totals.round_off.to_string(),
                    d.grand_total.to_string(),
                    d.against.as_ref().map(|a| a.invoice.0.to_vec()),
                    serde_json::to_string(d).expect("document serializes"),
                    d.transfer.as_ref().map(|t| t.transfer.0.to_vec()),
                ])?;
            if n == 1 {
                for (i, (l, t)) in d.lines.iter().zip(&totals.lines).enumerate() {
                    c.queue("INSERT INTO document_lines (document, idx, hsn_sac, gst_rate, qty, taxable, cgst, sgst, igst) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", p![blob16(&d.id.0), i as i64, l.hsn_sac, l.gst_rate.normalize().to_string(), l.qty.to_string(), t.taxable.to_string(), t.cgst.to_string(), t.sgst.to_string(), t.igst.to_string()])?;
                }
            }
        }
        OpBody::DocumentCancelled { document, reason } => {
            c.queue(
                "UPDATE documents SET cancelled = 1, cancel_reason = ?1 WHERE id = ?2",
                p![reason, blob16(&document.0)],
            )?;
        }
        OpBody::PaymentRecorded(p) => {
            c.queue("INSERT INTO payments (id, branch, invoice, job, amount, mode, reference, date, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING", p![
                    blob16(&p.id.0),
                    &b[..],
                    p.invoice.map(|i| i.0.to_vec()),
                    p.job.map(|j| j.0.to_vec()),
                    p.amount.to_string(),
                    serde_json::to_value(p.mode).expect("enum").as_str().unwrap_or_default().to_string(),
                    p.reference,
                    p.date.to_string(),
                    at
                ])?;
        }
        OpBody::PurchaseRecorded(pu) => {
            let our_state: Option<String> = c.one(
                "SELECT state_code FROM branches WHERE id = ?1",
                p![&b[..]],
                |r| r.get(0),
            )?;
            let supply = gst::supply_for(
                &pu.supplier_state,
                our_state.as_deref().unwrap_or(&pu.supplier_state),
            );
            let t = gst::compute(&pu.lines, supply)?;
            c.queue("INSERT INTO purchases (id, branch, supplier_name, supplier_gstin, supplier_state, bill_number, bill_date, taxable, cgst, sgst, igst, grand_total, body, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT DO NOTHING", p![
                blob16(&pu.id.0),
                &b[..],
                pu.supplier_name,
                pu.supplier_gstin,
                pu.supplier_state,
                pu.bill_number,
                pu.bill_date.to_string(),
                t.taxable.to_string(),
                t.cgst.to_string(),
                t.sgst.to_string(),
                t.igst.to_string(),
                pu.grand_total.to_string(),
                serde_json::to_string(pu).expect("purchase serializes"),
                at
            ])?;
        }
        OpBody::SupplierPaid(sp) => {
            c.queue("INSERT INTO supplier_payments (id, branch, purchase, amount, mode, reference, date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING", p![
                blob16(&sp.id.0),
                &b[..],
                blob16(&sp.purchase.0),
                sp.amount.to_string(),
                serde_json::to_value(sp.mode).expect("enum").as_str().unwrap_or_default().to_string(),
                sp.reference,
                sp.date.to_string()
            ])?;
        }
        OpBody::TransferSettled(t) => {
            if transfer_open(c, t.transfer)? {
                c.queue("UPDATE transfers SET received = ?1, variance = ?2, received_at = ?3 WHERE id = ?4", p![t.received.to_string(), (t.sent - t.received).to_string(), at, blob16(&t.transfer.0)])?;
                add_balance(
                    c,
                    &t.from_branch.0,
                    t.item,
                    Holder::Transit(t.transfer),
                    -t.sent,
                )?;
            }
        }
        OpBody::TransferAnnounced(t) => {
            if let Some(i) = &t.item_detail {
                // The sender's own item, so the receiver can take it in;
                // kept as the sender's (only it edits its items).
                insert_item(c, i, &t.from_branch.0)?;
            }
            let n = c.run("INSERT INTO transfers (id, item, from_branch, to_branch, receiver, sent, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING", p![blob16(&t.transfer.0), blob16(&t.item.0), blob16(&t.from_branch.0), blob16(&t.to_branch.0), blob16(&t.to_device.0), t.sent.to_string(), at])?;
            if n == 1 {
                add_balance(
                    c,
                    &t.from_branch.0,
                    t.item,
                    Holder::Transit(t.transfer),
                    t.sent,
                )?;
            }
        }
        OpBody::MessageQueued(m) => {
            c.queue("INSERT INTO messages (id, branch, customer, job, event, language, recipient, msg_values, resend_of, author, at, status, status_rank) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0) ON CONFLICT DO NOTHING", p![
                blob16(&m.id.0),
                &b[..],
                blob16(&m.customer.0),
                m.job.map(|j| j.0.to_vec()),
                m.event.as_str(),
                m.language.code(),
                m.to,
                serde_json::to_string(&m.values).expect("strings serialize"),
                m.resend_of.map(|r| r.0.to_vec()),
                &op.author.0[..],
                at,
                sync_core::domain::messages::Status::Queued.as_str()
            ])?;
        }
        OpBody::MessageReported(r) => {
            // Forward only (see `Status::rank`); reports come from one
            // device, the branch's hub, in its chain's order everywhere.
            let rank = i64::from(r.status.rank());
            c.queue("UPDATE messages SET status = ?1, status_rank = ?2, channel = ?3, provider_id = ?4, reason = ?5, status_at = ?6 WHERE id = ?7 AND status_rank <= ?2", p![
                r.status.as_str(),
                rank,
                r.channel,
                r.provider_id,
                r.reason,
                r.at_ms,
                blob16(&r.message.0)
            ])?;
        }
        OpBody::JobRated(r) => {
            c.queue("INSERT INTO job_ratings (job, branch, stars, comment, at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (job) DO UPDATE SET stars = excluded.stars, comment = excluded.comment, at = excluded.at", p![blob16(&r.job.0), &b[..], i64::from(r.stars), r.comment, at])?;
        }
        OpBody::EinvoiceRegistered(e) => {
            // One IRN per document (the rule book): a repeat changes nothing.
            c.queue("INSERT INTO einvoices (document, branch, irn, ack_no, ack_date, signed_qr) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING", p![blob16(&e.document.0), &b[..], e.irn, e.ack_no, e.ack_date, e.signed_qr])?;
        }
        OpBody::EinvoiceCancelled(e) => {
            let state = if e.at_irp {
                "cancelled"
            } else {
                "window_closed"
            };
            c.queue("UPDATE einvoices SET cancel_state = ?1, cancel_date = ?2, cancel_remark = ?3 WHERE document = ?4 AND cancel_state IS NULL", p![state, e.date, e.remark, blob16(&e.document.0)])?;
        }
        OpBody::TemplateSet(t) => {
            let scope = t.branch.unwrap_or(sync_core::replica::HQ);
            match &t.text {
                Some(text) => c.queue("INSERT INTO message_templates (scope, event, language, text) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (scope, event, language) DO UPDATE SET text = excluded.text", p![&scope.0[..], t.event.as_str(), t.language.code(), text])?,
                None => c.queue("DELETE FROM message_templates WHERE scope = ?1 AND event = ?2 AND language = ?3", p![&scope.0[..], t.event.as_str(), t.language.code()])?,
            }
        }
        OpBody::LeaseGranted(l) => {
            c.queue("INSERT INTO leases (id, device, doc_type, prefix, fy, first, last) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING", p![blob16(&l.id.0), blob16(&l.device.0), l.doc_type.as_str(), l.prefix, l.fy, l.first, l.last])?;
        }
    }
    let _ = to32;
    Ok(())
}

/// A transfer not yet marked received here (or not known here at all).
fn transfer_open(c: &dyn Sql, transfer: RecordId) -> Result<bool> {
    let received: Option<Option<String>> = c.one(
        "SELECT received FROM transfers WHERE id = ?1",
        p![&transfer.0[..]],
        |r| r.get(0),
    )?;
    Ok(!matches!(received, Some(Some(_))))
}
