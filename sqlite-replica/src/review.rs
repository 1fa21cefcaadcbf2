//! What honest concurrency leaves for a person to settle, read from the
//! shared tables the same way on a device and at the hub: invoices paid
//! beyond what they owe (two devices took the last payment, or one took it on
//! an invoice another cancelled), invoices credited beyond their total (two
//! devices each issued a credit note, neither knowing of the other's), and
//! edits of a job made without knowing it was closed. Both are derived from fact sets, so every replica that holds
//! the same ops shows the same list, whatever order they arrived in.

use rust_decimal::Decimal;
use sync_core::ids::{BranchId, DeviceId, RecordId};

use crate::sql::SqlExt;
use crate::{Result, Sql, p, to16};

/// An invoice whose payments exceed what it owes: a refund or credit due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overpaid {
    pub branch: BranchId,
    pub invoice: RecordId,
    /// The device that issued it.
    pub device: DeviceId,
    pub number: String,
    pub owed: Decimal,
    pub paid: Decimal,
    pub refund_due: Decimal,
    pub cancelled: bool,
}

impl Overpaid {
    /// What was paid against what is owed, as a person reads it.
    pub fn paid_of_owed(&self) -> String {
        use sync_core::domain::money::format_inr;
        format!(
            "{}paid ₹{} of ₹{}",
            if self.cancelled { "cancelled, " } else { "" },
            format_inr(self.paid),
            format_inr(self.owed)
        )
    }
}

/// Invoices paid beyond their total (nothing, once cancelled), oldest first.
pub fn overpaid(c: &dyn Sql) -> Result<Vec<Overpaid>> {
    type Row = (Vec<u8>, Vec<u8>, Vec<u8>, String, String, bool, String);
    let rows: Vec<Row> = c.all(
        "SELECT d.branch, d.id, d.device, d.number, d.grand_total, d.cancelled, p.amount
           FROM documents d JOIN payments p ON p.invoice = d.id
          WHERE d.doc_type = 'tax_invoice'
          ORDER BY d.prefix, d.fy, d.seq",
        p![],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        },
    )?;
    let mut out: Vec<Overpaid> = vec![];
    for (branch, id, device, number, total, cancelled, amount) in rows {
        let amount: Decimal = amount.parse().unwrap_or_default();
        let invoice = RecordId(to16(&id));
        match out.last_mut() {
            Some(o) if o.invoice == invoice => {
                o.paid = o.paid.checked_add(amount).unwrap_or(o.paid);
            }
            _ => out.push(Overpaid {
                branch: BranchId(to16(&branch)),
                invoice,
                device: DeviceId(to16(&device)),
                number,
                owed: if cancelled {
                    Decimal::ZERO
                } else {
                    total.parse().unwrap_or_default()
                },
                paid: amount,
                refund_due: Decimal::ZERO,
                cancelled,
            }),
        }
    }
    out.retain_mut(|o| {
        o.refund_due = o.paid - o.owed;
        o.refund_due > Decimal::ZERO
    });
    Ok(out)
}

/// An invoice whose live credit notes add up to more than it: credit
/// notes made offline at once, each within what was left when made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverCredited {
    pub branch: BranchId,
    pub invoice: RecordId,
    pub device: DeviceId,
    pub number: String,
    pub total: Decimal,
    pub credited: Decimal,
}

impl OverCredited {
    pub fn excess(&self) -> Decimal {
        self.credited - self.total
    }
}

/// Invoices credited beyond their total, oldest first.
pub fn over_credited(c: &dyn Sql) -> Result<Vec<OverCredited>> {
    type Row = (Vec<u8>, Vec<u8>, Vec<u8>, String, String, String);
    let rows: Vec<Row> = c.all(
        "SELECT d.branch, d.id, d.device, d.number, d.grand_total, n.grand_total
           FROM documents d JOIN documents n ON n.against = d.id AND n.cancelled = 0
          WHERE d.doc_type = 'tax_invoice'
          ORDER BY d.prefix, d.fy, d.seq",
        p![],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    let mut out: Vec<OverCredited> = vec![];
    for (branch, id, device, number, total, note) in rows {
        let note: Decimal = note.parse().unwrap_or_default();
        let invoice = RecordId(to16(&id));
        match out.last_mut() {
            Some(o) if o.invoice == invoice => {
                o.credited = o.credited.checked_add(note).unwrap_or(o.credited);
            }
            _ => out.push(OverCredited {
                branch: BranchId(to16(&branch)),
                invoice,
                device: DeviceId(to16(&device)),
                number,
                total: total.parse().unwrap_or_default(),
                credited: note,
            }),
        }
    }
    out.retain(|o| o.credited > o.total);
    Ok(out)
}

/// An edit of a job stamped after the change that closed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LateEdit {
    pub branch: BranchId,
    pub job: RecordId,
    pub job_no: String,
    pub status: String,
    pub device: DeviceId,
    pub seq: u64,
    pub kind: String,
    pub at: u64,
}

impl LateEdit {
    /// What was done to the job, and what it had become.
    pub fn what(&self) -> String {
        format!(
            "{} after the job was {}",
            self.kind.replace('_', " "),
            self.status.replace('_', " ")
        )
    }
}

pub fn late_edits(c: &dyn Sql) -> Result<Vec<LateEdit>> {
    c.all(
        "SELECT j.branch, j.id, j.job_no, j.status, e.device, e.seq, e.kind, e.hlc_wall
           FROM job_edits e
           JOIN jobs j ON j.id = e.job
           JOIN status_changes sc ON sc.device = j.status_head_device AND sc.seq = j.status_head_seq
          WHERE j.status IN ('delivered', 'cancelled')
            AND (e.hlc_wall, e.hlc_logical, e.device, e.seq) > (sc.hlc_wall, sc.hlc_logical, sc.device, sc.seq)
          ORDER BY e.hlc_wall, e.hlc_logical, e.device, e.seq",
        p![],
        |r| {
        Ok(LateEdit {
            branch: BranchId(to16(&r.get::<Vec<u8>>(0)?)),
            job: RecordId(to16(&r.get::<Vec<u8>>(1)?)),
            job_no: r.get(2)?,
            status: r.get(3)?,
            device: DeviceId(to16(&r.get::<Vec<u8>>(4)?)),
            seq: r.get(5)?,
            kind: r.get(6)?,
            at: r.get(7)?,
        })
        },
    )
}
