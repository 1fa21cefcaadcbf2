//! A digest of one branch's state: the same on every replica that holds the
//! same ops, whatever order they came in. After a sync a device and the hub
//! compare digests (the device's sync status shows whether they agree), and
//! the tests compare the rows themselves to say what diverged.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::sql::SqlExt;
use crate::sql::Value;
use crate::{Result, Sql, p};

/// The queries that together are "one branch's state" (`?1` is the branch
/// id). Each names its columns and orders its rows, so two replicas that
/// agree give the same rows whatever order they received the ops in. What
/// depends on arrival order by design is left out: the local audit index
/// and hash chain (each replica chains in its own order), automerge's saved
/// bytes (the text is compared), update times. An audit entry counts while
/// its place holds an op the replica counts (`held_ops`), and of a place's
/// entries the latest: one whose op the hub's replaced (a device that
/// signed two, see `overrule`) stays in the audit log, uncounted.
pub const BRANCH_STATE: &[(&str, &str)] = &[
    (
        "users",
        "SELECT id, name, role, active, pin_hash FROM users WHERE branch = ?1 ORDER BY id",
    ),
    (
        "devices",
        "SELECT id, label, holds_store, revoked, ceiling, hub, number, invoice_prefix, credit_note_prefix FROM devices WHERE branch = ?1 ORDER BY id",
    ),
    (
        "customers",
        "SELECT id, name, mobile, email, address, gstin, state_code, language, no_messages FROM customers WHERE branch = ?1 ORDER BY id",
    ),
    (
        "jobs",
        "SELECT id, job_no, customer, device_type, brand, model, serial, complaint, accessories, condition, password_kind, password_nonce, password_ct, otp_hash, otp_sealed, technician, promised, estimate_note, status, status_head_device, status_head_seq, conflicts, opened_at, closed_at FROM jobs WHERE branch = ?1 ORDER BY id",
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
        "purchases",
        "SELECT id, supplier_name, supplier_gstin, supplier_state, bill_number, bill_date, taxable, cgst, sgst, igst, grand_total FROM purchases WHERE branch = ?1 ORDER BY id",
    ),
    (
        "supplier_payments",
        "SELECT id, purchase, amount, mode, reference, date FROM supplier_payments WHERE branch = ?1 ORDER BY id",
    ),
    (
        "messages",
        "SELECT id, customer, job, event, language, recipient, msg_values, resend_of, author, at, status, channel, provider_id, reason, status_at FROM messages WHERE branch = ?1 ORDER BY id",
    ),
    (
        "job_ratings",
        "SELECT job, stars, comment, at FROM job_ratings WHERE branch = ?1 ORDER BY job",
    ),
    (
        "einvoices",
        "SELECT document, irn, ack_no, ack_date, signed_qr, cancel_state, cancel_date, cancel_remark FROM einvoices WHERE branch = ?1 ORDER BY document",
    ),
    (
        "message_templates",
        "SELECT event, language, text FROM message_templates WHERE scope = ?1 ORDER BY event, language",
    ),
    (
        "leases",
        "SELECT l.id, l.device, l.doc_type, l.prefix, l.fy, l.first, l.last FROM leases l JOIN devices d ON d.id = l.device WHERE d.branch = ?1 ORDER BY l.id",
    ),
    (
        "audit",
        "SELECT a.device, a.seq, a.at, a.author, a.kind, a.record FROM audit a WHERE a.branch = ?1
           AND EXISTS (SELECT 1 FROM held_ops o WHERE o.device = a.device AND o.seq = a.seq)
           AND NOT EXISTS (SELECT 1 FROM audit l WHERE l.device = a.device AND l.seq = a.seq AND l.n > a.n)
         ORDER BY a.device, a.seq",
    ),
    (
        "job_edits",
        "SELECT e.device, e.seq, e.job, e.kind FROM job_edits e JOIN jobs j ON j.id = e.job WHERE j.branch = ?1 ORDER BY e.device, e.seq",
    ),
    (
        "accepted_ops",
        "SELECT device, seq, hash FROM held_ops WHERE branch = ?1 ORDER BY device, seq",
    ),
];

fn render(v: &Value) -> String {
    match v {
        Value::Null => "∅".into(),
        Value::Int(i) => i.to_string(),
        Value::Text(t) => format!("t:{t}"),
        Value::Blob(b) => format!("b:{}", hex::encode(b)),
    }
}

/// Each table's rows for `branch`, as text, by table.
pub fn branch_rows(c: &dyn Sql, branch: &[u8]) -> Result<BTreeMap<&'static str, Vec<String>>> {
    let mut out = BTreeMap::new();
    for (table, sql) in BRANCH_STATE {
        let rows: Vec<String> = c.all(sql, p![branch], |r| {
            Ok(r.0.iter().map(render).collect::<Vec<_>>().join("|"))
        })?;
        out.insert(*table, rows);
    }
    Ok(out)
}

/// One hash of a branch's rows (hex, 16 digits: enough to tell agreement).
pub fn hash_rows(rows: &BTreeMap<&'static str, Vec<String>>) -> String {
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

/// The digest of `branch`'s state on this replica.
pub fn branch_digest(c: &dyn Sql, branch: &[u8]) -> Result<String> {
    Ok(hash_rows(&branch_rows(c, branch)?))
}
