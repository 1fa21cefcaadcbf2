//! What must hold after a day of work, read straight from the SQLite files
//! of the hub and of each device: one branch's state is the same everywhere
//! it is kept, no operation is missing or doubled, invoice numbers are
//! unique and inside their issuer's lease, and no balance is below zero.
//!
//! These are test-side readers of the shared schema (`schema` crate); they
//! open the files read-only and never write.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::{Connection, OpenFlags, types::ValueRef};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

pub fn open(db: &Path) -> Connection {
    let c = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("open database read-only");
    c.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy timeout");
    c
}

/// The queries that together are "one branch's state" (`?1` is the branch
/// id). Each names its columns and orders its rows, so two replicas that
/// agree give the same rows whatever order they received the ops in. What
/// depends on arrival order by design is left out: the local audit index
/// and hash chain (each replica chains in its own order), automerge's saved
/// bytes (the text is compared), update times.
pub const BRANCH_STATE: &[(&str, &str)] = &[
    (
        "users",
        "SELECT id, name, role, active, pin_hash FROM users WHERE branch = ?1 ORDER BY id",
    ),
    (
        "devices",
        "SELECT id, label, holds_store, revoked FROM devices WHERE branch = ?1 ORDER BY id",
    ),
    (
        "customers",
        "SELECT id, name, mobile, email, address, gstin, state_code FROM customers WHERE branch = ?1 ORDER BY id",
    ),
    (
        "jobs",
        "SELECT id, job_no, customer, device_type, brand, model, serial, complaint, accessories, condition, password_kind, password_nonce, password_ct, otp_hash, technician, promised, estimate_note, status, status_head_device, status_head_seq, conflicts, opened_at, closed_at FROM jobs WHERE branch = ?1 ORDER BY id",
    ),
    (
        "job_texts",
        "SELECT t.job, t.field, t.text FROM job_texts t JOIN jobs j ON j.id = t.job WHERE j.branch = ?1 ORDER BY t.job, t.field",
    ),
    (
        "status_changes",
        "SELECT s.device, s.seq, s.job, s.from_status, s.to_status, s.is_override, s.reason, s.note, s.on_path FROM status_changes s JOIN jobs j ON j.id = s.job WHERE j.branch = ?1 ORDER BY s.device, s.seq",
    ),
    (
        "estimate_lines",
        "SELECT e.id, e.job, e.kind, e.item, e.description, e.qty, e.unit_price, e.discount, e.gst_rate, e.removed FROM estimate_lines e JOIN jobs j ON j.id = e.job WHERE j.branch = ?1 ORDER BY e.id",
    ),
    (
        "field_versions",
        "SELECT f.record, f.field, f.device, f.seq, f.value, f.superseded FROM field_versions f JOIN jobs j ON j.id = f.record WHERE j.branch = ?1 ORDER BY f.record, f.field, f.device, f.seq",
    ),
    (
        "password_reads",
        "SELECT p.device, p.seq, p.job, p.reader, p.purpose FROM password_reads p JOIN jobs j ON j.id = p.job WHERE j.branch = ?1 ORDER BY p.device, p.seq",
    ),
    (
        "stock_movements",
        "SELECT id, device, seq, item, kind, qty, job, to_device, transfer, detail FROM stock_movements WHERE branch = ?1 ORDER BY id",
    ),
    (
        "stock_balances",
        "SELECT item, holder_kind, holder, qty FROM stock_balances WHERE branch = ?1 ORDER BY item, holder_kind, holder",
    ),
    (
        "transfers",
        "SELECT id, item, from_branch, to_branch, receiver, sent, received, variance FROM transfers WHERE from_branch = ?1 OR to_branch = ?1 ORDER BY id",
    ),
    (
        "documents",
        "SELECT id, device, doc_type, prefix, fy, seq, number, date, customer, customer_name, customer_gstin, place_of_supply, job, taxable, cgst, sgst, igst, round_off, grand_total, against, body, cancelled, cancel_reason FROM documents WHERE branch = ?1 ORDER BY id",
    ),
    (
        "document_lines",
        "SELECT l.document, l.idx, l.hsn_sac, l.gst_rate, l.qty, l.taxable, l.cgst, l.sgst, l.igst FROM document_lines l JOIN documents d ON d.id = l.document WHERE d.branch = ?1 ORDER BY l.document, l.idx",
    ),
    (
        "payments",
        "SELECT id, invoice, job, amount, mode, reference, date FROM payments WHERE branch = ?1 ORDER BY id",
    ),
    (
        "leases",
        "SELECT l.id, l.device, l.doc_type, l.prefix, l.fy, l.first, l.last FROM leases l JOIN devices d ON d.id = l.device WHERE d.branch = ?1 ORDER BY l.id",
    ),
    (
        "audit",
        "SELECT device, seq, at, author, kind, record FROM audit WHERE branch = ?1 ORDER BY device, seq",
    ),
    (
        "accepted_ops",
        "SELECT device, seq, hash FROM ops WHERE branch = ?1 AND rejected IS NULL ORDER BY device, seq",
    ),
];

fn render(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "∅".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => format!("{f:?}"),
        ValueRef::Text(t) => format!("t:{}", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("b:{}", hex::encode(b)),
    }
}

/// Each table's rows for `branch`, as text, by table.
pub fn branch_rows(c: &Connection, branch: &[u8]) -> BTreeMap<&'static str, Vec<String>> {
    let mut out = BTreeMap::new();
    for (table, sql) in BRANCH_STATE {
        let mut stmt = c.prepare(sql).unwrap_or_else(|e| panic!("{table}: {e}"));
        let n = stmt.column_count();
        let rows: Vec<String> = stmt
            .query_map([branch], |r| {
                Ok((0..n)
                    .map(|i| render(r.get_ref(i).expect("column")))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        out.insert(*table, rows);
    }
    out
}

/// One hash of a branch's whole state, for a short assertion message.
pub fn digest(rows: &BTreeMap<&'static str, Vec<String>>) -> String {
    let mut h = Sha256::new();
    for (t, rs) in rows {
        h.update(t.as_bytes());
        for r in rs {
            h.update(r.as_bytes());
            h.update(b"\n");
        }
    }
    hex::encode(&h.finalize()[..8])
}

/// The first difference between two states, to say what diverged.
pub fn first_difference(
    a: &BTreeMap<&'static str, Vec<String>>,
    b: &BTreeMap<&'static str, Vec<String>>,
) -> Option<String> {
    for (t, ra) in a {
        let rb = &b[t];
        if ra != rb {
            let sa: BTreeSet<_> = ra.iter().collect();
            let sb: BTreeSet<_> = rb.iter().collect();
            let only_a: Vec<_> = sa.difference(&sb).take(3).collect();
            let only_b: Vec<_> = sb.difference(&sa).take(3).collect();
            return Some(format!(
                "{t}: {} vs {} rows; only in the first: {only_a:?}; only in the second: {only_b:?}",
                ra.len(),
                rb.len()
            ));
        }
    }
    None
}

/// (device, seq) of every op a replica holds, with its hash.
pub fn op_ids(c: &Connection) -> BTreeMap<(Vec<u8>, u64), Vec<u8>> {
    let mut stmt = c
        .prepare("SELECT device, seq, hash FROM ops")
        .expect("ops query");
    stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
        .expect("ops")
        .collect::<Result<_, _>>()
        .expect("ops rows")
}

/// Ops in the log that the hub refused, with the reason.
pub fn rejected_ops(c: &Connection) -> Vec<(Vec<u8>, u64, String)> {
    let mut stmt = c
        .prepare("SELECT device, seq, rejected FROM ops WHERE rejected IS NOT NULL")
        .expect("query");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Every stock balance held anywhere, with its holder: none may be negative.
pub fn negative_balances(c: &Connection) -> Vec<String> {
    let mut stmt = c
        .prepare("SELECT hex(branch), hex(item), holder_kind, hex(holder), qty FROM stock_balances")
        .expect("query");
    let rows: Vec<(String, String, String, String, String)> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, rusqlite::types::Value>(4).map(|v| match v {
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    other => format!("{other:?}"),
                })?,
            ))
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    rows.into_iter()
        .filter(|r| {
            r.4.parse::<Decimal>()
                .map(|q| q < Decimal::ZERO)
                .unwrap_or(true)
        })
        .map(|r| format!("{r:?}"))
        .collect()
}

/// A finalized document's number and where it came from.
#[derive(Debug)]
pub struct Issued {
    pub device: Vec<u8>,
    pub doc_type: String,
    pub prefix: String,
    pub fy: u16,
    pub seq: u64,
    pub number: String,
}

pub fn documents(c: &Connection) -> Vec<Issued> {
    let mut stmt = c
        .prepare("SELECT device, doc_type, prefix, fy, seq, number FROM documents")
        .expect("query");
    stmt.query_map([], |r| {
        Ok(Issued {
            device: r.get(0)?,
            doc_type: r.get(1)?,
            prefix: r.get(2)?,
            fy: r.get(3)?,
            seq: r.get(4)?,
            number: r.get(5)?,
        })
    })
    .expect("rows")
    .collect::<Result<_, _>>()
    .expect("rows")
}

/// Whether `d` lies inside a lease granted to its issuing device.
pub fn inside_a_lease(c: &Connection, d: &Issued) -> bool {
    c.query_row(
        "SELECT count(*) FROM leases WHERE device = ?1 AND doc_type = ?2 AND prefix = ?3 AND fy = ?4 AND first <= ?5 AND last >= ?5",
        rusqlite::params![d.device, d.doc_type, d.prefix, d.fy, d.seq],
        |r| r.get::<_, u64>(0),
    )
    .expect("lease query")
        > 0
}
