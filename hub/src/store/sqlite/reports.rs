//! The owner's reports over every branch's tables. Money is TEXT in the
//! replicated tables, so each report sums it in Rust as `Decimal` (see
//! [`sum_grouped`]) rather than in SQL, where it would be floating point.
//! Every report takes a [`ReportFilter`]: `?b` is the branch (NULL for all),
//! document dates compare as ISO text, timestamps as IST-day bounds in ms.

use rusqlite::Connection;
use rusqlite::named_params;
use rust_decimal::Decimal;
use sync_core::ids::BranchId;

use super::SqliteHub;
use crate::error::Result;
use crate::store::{
    AuditRow, CustomerJobRow, GstMonthRow, GstRow, HsnRow, InvoiceRow, JobRow, PasswordReadRow,
    PendingRow, ReportFilter, RevenueRow, SeriesRow, SettleRow, StockRow, TechnicianRow,
};

/// A branch id as `hex(id)` gives it back.
fn branch_of_hex(h: &str) -> BranchId {
    let mut b = [0u8; 16];
    if let Ok(v) = hex::decode(h)
        && v.len() == 16
    {
        b.copy_from_slice(&v);
    }
    BranchId(b)
}

/// Documents of the filter: `d` is `documents`.
const DOCS_IN: &str = "(:b IS NULL OR d.branch = :b) AND d.date >= :from AND d.date <= :to";

pub(super) fn revenue(hub: &SqliteHub, f: &ReportFilter) -> Result<Vec<RevenueRow>> {
    hub.sqlite(|c| {
        let rows = sum_grouped(
            c,
            &format!("SELECT b.name, d.date, hex(b.id), CASE d.doc_type WHEN 'credit_note' THEN '-' || d.grand_total ELSE d.grand_total END FROM documents d JOIN branches b ON b.id = d.branch WHERE d.cancelled = 0 AND {DOCS_IN}"),
            named_params! { ":b": f.branch_blob(), ":from": f.from_text(), ":to": f.to_text() },
            3,
        )?;
        Ok(rows
            .into_iter()
            .map(|(k, v)| RevenueRow {
                branch: k[0].clone(),
                date: k[1].clone(),
                branch_id: branch_of_hex(&k[2]),
                revenue: v[0],
            })
            .collect())
    })
}

pub(super) fn gst_summary(hub: &SqliteHub, f: &ReportFilter) -> Result<Vec<GstRow>> {
    hub.sqlite(|c| {
        let rows = sum_grouped(
            c,
            &format!("SELECT b.name, l.gst_rate, l.taxable, l.cgst, l.sgst, l.igst FROM document_lines l JOIN documents d ON d.id = l.document JOIN branches b ON b.id = d.branch WHERE d.cancelled = 0 AND d.doc_type = 'tax_invoice' AND {DOCS_IN}"),
            named_params! { ":b": f.branch_blob(), ":from": f.from_text(), ":to": f.to_text() },
            2,
        )?;
        Ok(rows
            .into_iter()
            .map(|(k, v)| GstRow {
                branch: k[0].clone(),
                gst_rate: k[1].clone(),
                taxable: v[0],
                cgst: v[1],
                sgst: v[2],
                igst: v[3],
            })
            .collect())
    })
}

pub(super) fn gst_by_month(hub: &SqliteHub, f: &ReportFilter) -> Result<Vec<GstMonthRow>> {
    hub.sqlite(|c| {
        let rows = sum_grouped(
            c,
            &format!("SELECT substr(d.date, 1, 7), l.taxable, l.cgst, l.sgst, l.igst FROM document_lines l JOIN documents d ON d.id = l.document WHERE d.cancelled = 0 AND d.doc_type = 'tax_invoice' AND {DOCS_IN}"),
            named_params! { ":b": f.branch_blob(), ":from": f.from_text(), ":to": f.to_text() },
            1,
        )?;
        Ok(rows
            .into_iter()
            .map(|(k, v)| GstMonthRow {
                month: k[0].clone(),
                taxable: v[0],
                cgst: v[1],
                sgst: v[2],
                igst: v[3],
            })
            .collect())
    })
}

pub(super) fn hsn_summary(hub: &SqliteHub, f: &ReportFilter) -> Result<Vec<HsnRow>> {
    hub.sqlite(|c| {
        let rows = sum_grouped(
            c,
            &format!("SELECT l.hsn_sac, l.gst_rate, l.qty, l.taxable, l.cgst, l.sgst, l.igst FROM document_lines l JOIN documents d ON d.id = l.document WHERE d.cancelled = 0 AND d.doc_type = 'tax_invoice' AND {DOCS_IN}"),
            named_params! { ":b": f.branch_blob(), ":from": f.from_text(), ":to": f.to_text() },
            2,
        )?;
        Ok(rows
            .into_iter()
            .map(|(k, v)| HsnRow {
                hsn_sac: k[0].clone(),
                gst_rate: k[1].clone(),
                qty: v[0],
                taxable: v[1],
                cgst: v[2],
                sgst: v[3],
                igst: v[4],
            })
            .collect())
    })
}

pub(super) fn to_settle(hub: &SqliteHub, f: &ReportFilter) -> Result<Vec<SettleRow>> {
    hub.sqlite(|c| {
        let names: std::collections::HashMap<Vec<u8>, String> = c
            .prepare_cached("SELECT id, name FROM branches")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let name = |b: &BranchId| names.get(&b.0[..]).cloned().unwrap_or_default();
        let wanted = |b: &BranchId| f.branch.is_none_or(|w| w == *b);
        let mut out = vec![];
        for o in sqlite_replica::review::overpaid(c)? {
            if !wanted(&o.branch) {
                continue;
            }
            out.push(SettleRow {
                branch: name(&o.branch),
                kind: "refund_due".into(),
                detail: o.paid_of_owed(),
                reference: o.number,
                amount: Some(o.refund_due),
            });
        }
        for e in sqlite_replica::review::late_edits(c)? {
            if !wanted(&e.branch) {
                continue;
            }
            out.push(SettleRow {
                branch: name(&e.branch),
                kind: "late_edit".into(),
                detail: e.what(),
                reference: e.job_no,
                amount: None,
            });
        }
        Ok(out)
    })
}

pub(super) fn documents_issued(hub: &SqliteHub, f: &ReportFilter) -> Result<Vec<SeriesRow>> {
    hub.sqlite(|c| {
        let mut stmt = c.prepare(&format!(
            "SELECT prefix || '/' || printf('%02d%02d', fy % 100, (fy + 1) % 100), doc_type, min(number), max(number), count(*), sum(cancelled),
                        (SELECT coalesce(sum(last - first + 1), 0) FROM leases l WHERE l.prefix = d.prefix AND l.doc_type = d.doc_type AND l.fy = d.fy)
                        - (SELECT count(*) FROM documents a WHERE a.prefix = d.prefix AND a.doc_type = d.doc_type AND a.fy = d.fy)
                 FROM documents d WHERE {DOCS_IN} GROUP BY prefix, doc_type, fy ORDER BY prefix, fy"
        ))?;
        let rows = stmt.query_map(
            named_params! { ":b": f.branch_blob(), ":from": f.from_text(), ":to": f.to_text() },
            |r| {
                Ok(SeriesRow {
                    series: r.get(0)?,
                    doc_type: r.get(1)?,
                    from: r.get(2)?,
                    to: r.get(3)?,
                    total: r.get(4)?,
                    cancelled: r.get(5)?,
                    leased_unused: r.get(6)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

pub(super) fn stock(hub: &SqliteHub, f: &ReportFilter) -> Result<Vec<StockRow>> {
    hub.sqlite(|c| {
        let rows = sum_grouped(
            c,
            "SELECT b.name, i.name, s.holder_kind, s.qty FROM stock_balances s JOIN branches b ON b.id = s.branch JOIN items i ON i.id = s.item WHERE (:b IS NULL OR s.branch = :b)",
            named_params! { ":b": f.branch_blob() },
            3,
        )?;
        Ok(rows
            .into_iter()
            .map(|(k, v)| StockRow {
                branch: k[0].clone(),
                item: k[1].clone(),
                held_by: k[2].clone(),
                qty: v[0],
            })
            .collect())
    })
}

/// Jobs of the filter: `j` is `jobs`, opened in the range.
const JOBS_IN: &str =
    "(:b IS NULL OR j.branch = :b) AND j.opened_at >= :from_ms AND j.opened_at < :until_ms";

pub(super) fn pending_jobs(hub: &SqliteHub, f: &ReportFilter, now: u64) -> Result<Vec<PendingRow>> {
    hub.sqlite(|c| {
        let mut stmt = c.prepare(&format!(
            "SELECT b.name, j.status, count(*), max(:now - j.opened_at) / 86400000, hex(b.id)
                 FROM jobs j JOIN branches b ON b.id = j.branch WHERE j.status NOT IN ('delivered', 'cancelled') AND {JOBS_IN}
                 GROUP BY b.id, j.status ORDER BY b.name, j.status"
        ))?;
        let rows = stmt.query_map(
            named_params! { ":now": now as i64, ":b": f.branch_blob(), ":from_ms": f.from_ms(), ":until_ms": f.until_ms() },
            |r| {
                Ok(PendingRow {
                    branch: r.get(0)?,
                    status: r.get(1)?,
                    jobs: r.get(2)?,
                    // A job stamped ahead of the hub's clock is not yet a day old.
                    oldest_days: r.get::<_, i64>(3)?.max(0) as u64,
                    branch_id: branch_of_hex(&r.get::<_, String>(4)?),
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

pub(super) fn technicians(hub: &SqliteHub, f: &ReportFilter) -> Result<Vec<TechnicianRow>> {
    hub.sqlite(|c| {
        let mut stmt = c.prepare(
            "SELECT u.name, b.name, count(j.id), CAST(avg((j.closed_at - j.opened_at) / 3600000) AS INTEGER)
                 FROM jobs j JOIN users u ON u.id = j.technician JOIN branches b ON b.id = j.branch
                 WHERE j.status = 'delivered' AND (:b IS NULL OR j.branch = :b) AND coalesce(j.closed_at, j.updated_at) >= :from_ms AND coalesce(j.closed_at, j.updated_at) < :until_ms
                 GROUP BY u.name, b.name ORDER BY 3 DESC, u.name",
        )?;
        let rows = stmt.query_map(
            named_params! { ":b": f.branch_blob(), ":from_ms": f.from_ms(), ":until_ms": f.until_ms() },
            |r| {
                Ok(TechnicianRow {
                    technician: r.get(0)?,
                    branch: r.get(1)?,
                    jobs_closed: r.get(2)?,
                    avg_turnaround_hours: r.get::<_, Option<i64>>(3)?.map(|h| h.max(0) as u64),
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

pub(super) fn customer_history(
    hub: &SqliteHub,
    f: &ReportFilter,
    mobile: &str,
) -> Result<Vec<CustomerJobRow>> {
    hub.sqlite(|c| {
        // A credit note names the invoice it reverses; its job is that invoice's.
        let invoiced = sum_grouped(
            c,
            "SELECT hex(coalesce(d.job, x.job)), CASE d.doc_type WHEN 'credit_note' THEN '-' || d.grand_total ELSE d.grand_total END
                 FROM documents d LEFT JOIN documents x ON x.id = d.against
                 JOIN jobs j ON j.id = coalesce(d.job, x.job) JOIN customers c ON c.id = j.customer
                 WHERE c.mobile = ?1 AND d.cancelled = 0",
            [mobile],
            1,
        )?;
        let invoiced: std::collections::HashMap<String, Decimal> =
            invoiced.into_iter().map(|(k, v)| (k[0].clone(), v[0])).collect();
        let mut stmt = c.prepare(&format!(
            "SELECT b.name, j.job_no, c.name, trim(j.brand || ' ' || j.model), j.status, j.opened_at, j.closed_at, hex(j.id)
                 FROM jobs j JOIN customers c ON c.id = j.customer JOIN branches b ON b.id = j.branch
                 WHERE c.mobile = :mobile AND {JOBS_IN} ORDER BY j.opened_at, b.name, j.job_no"
        ))?;
        let rows = stmt.query_map(
            named_params! { ":mobile": mobile, ":b": f.branch_blob(), ":from_ms": f.from_ms(), ":until_ms": f.until_ms() },
            |r| {
                let id: String = r.get(7)?;
                Ok(CustomerJobRow {
                    branch: r.get(0)?,
                    job_no: r.get(1)?,
                    customer: r.get(2)?,
                    device: r.get(3)?,
                    status: r.get(4)?,
                    opened_at_ms: r.get(5)?,
                    closed_at_ms: r.get(6)?,
                    invoiced: invoiced.get(&id).copied().unwrap_or_default(),
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

fn money(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Decimal> {
    let text: String = r.get(i)?;
    text.parse::<Decimal>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(super) fn invoices(hub: &SqliteHub, f: &ReportFilter) -> Result<Vec<InvoiceRow>> {
    hub.sqlite(|c| {
        let mut stmt = c.prepare(&format!(
            "SELECT b.name, d.number, d.doc_type, d.date, d.customer_name, d.taxable, d.cgst, d.sgst, d.igst, d.grand_total, d.cancelled
                 FROM documents d JOIN branches b ON b.id = d.branch WHERE {DOCS_IN} ORDER BY d.date, b.name, d.number"
        ))?;
        let rows = stmt.query_map(
            named_params! { ":b": f.branch_blob(), ":from": f.from_text(), ":to": f.to_text() },
            |r| {
                let doc_type: String = r.get(2)?;
                let sign = if doc_type == "credit_note" {
                    Decimal::NEGATIVE_ONE
                } else {
                    Decimal::ONE
                };
                let over = || {
                    rusqlite::Error::FromSqlConversionFailure(
                        6,
                        rusqlite::types::Type::Text,
                        "the GST overflows".into(),
                    )
                };
                let (cgst, sgst, igst) = (money(r, 6)?, money(r, 7)?, money(r, 8)?);
                let gst = cgst
                    .checked_add(sgst)
                    .and_then(|g| g.checked_add(igst))
                    .ok_or_else(over)?;
                Ok(InvoiceRow {
                    branch: r.get(0)?,
                    number: r.get(1)?,
                    doc_type,
                    date: r.get(3)?,
                    customer: r.get(4)?,
                    taxable: sign * money(r, 5)?,
                    gst: sign * gst,
                    total: sign * money(r, 9)?,
                    cancelled: r.get(10)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

pub(super) fn jobs(hub: &SqliteHub, f: &ReportFilter, status: Option<&str>) -> Result<Vec<JobRow>> {
    hub.sqlite(|c| {
        let mut stmt = c.prepare(&format!(
            "SELECT b.name, j.job_no, c.name, trim(j.brand || ' ' || j.model), j.status, u.name, j.opened_at, j.closed_at
                 FROM jobs j JOIN branches b ON b.id = j.branch JOIN customers c ON c.id = j.customer LEFT JOIN users u ON u.id = j.technician
                 WHERE (:status IS NULL OR j.status = :status) AND {JOBS_IN} ORDER BY j.opened_at, b.name, j.job_no"
        ))?;
        let rows = stmt.query_map(
            named_params! { ":status": status, ":b": f.branch_blob(), ":from_ms": f.from_ms(), ":until_ms": f.until_ms() },
            |r| {
                Ok(JobRow {
                    branch: r.get(0)?,
                    job_no: r.get(1)?,
                    customer: r.get(2)?,
                    device: r.get(3)?,
                    status: r.get(4)?,
                    technician: r.get(5)?,
                    opened_at_ms: r.get(6)?,
                    closed_at_ms: r.get(7)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

pub(super) fn audit(hub: &SqliteHub, f: &ReportFilter) -> Result<Vec<AuditRow>> {
    hub.sqlite(|c| {
        // The audit names a record by its id (or a document by its number):
        // a job's number reads better, and jobs are the records most named.
        let job_nos: std::collections::HashMap<String, String> = c
            .prepare("SELECT id, job_no FROM jobs")?
            .query_map([], |r| {
                let id: Vec<u8> = r.get(0)?;
                Ok((id, r.get::<_, String>(1)?))
            })?
            .filter_map(|r| r.ok())
            .filter_map(|(id, no)| {
                let b: [u8; 16] = id.try_into().ok()?;
                Some((sync_core::ids::RecordId(b).to_string(), no))
            })
            .collect();
        let mut stmt = c.prepare(
            "SELECT a.at, coalesce(b.name, 'Head office'), coalesce(u.name, ''), coalesce(dv.label, ''), a.kind, coalesce(a.record, '')
                 FROM audit a LEFT JOIN branches b ON b.id = a.branch LEFT JOIN users u ON u.id = a.author LEFT JOIN devices dv ON dv.id = a.device
                 WHERE (:b IS NULL OR a.branch = :b) AND a.at >= :from_ms AND a.at < :until_ms ORDER BY a.n DESC",
        )?;
        let rows = stmt.query_map(
            named_params! { ":b": f.branch_blob(), ":from_ms": f.from_ms(), ":until_ms": f.until_ms() },
            |r| {
                let record: String = r.get(5)?;
                Ok(AuditRow {
                    at_ms: r.get(0)?,
                    branch: r.get(1)?,
                    who: r.get(2)?,
                    device: r.get(3)?,
                    kind: r.get(4)?,
                    record: job_nos.get(&record).cloned().unwrap_or(record),
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

pub(super) fn password_reads(hub: &SqliteHub, f: &ReportFilter) -> Result<Vec<PasswordReadRow>> {
    hub.sqlite(|c| {
        let mut stmt = c.prepare(
            "SELECT p.at, b.name, coalesce(u.name, ''), coalesce(dv.label, ''), j.job_no, coalesce(c.name, ''), p.purpose
                 FROM password_reads p JOIN jobs j ON j.id = p.job JOIN branches b ON b.id = j.branch
                 LEFT JOIN users u ON u.id = p.reader LEFT JOIN devices dv ON dv.id = p.device LEFT JOIN customers c ON c.id = j.customer
                 WHERE (:b IS NULL OR j.branch = :b) AND p.at >= :from_ms AND p.at < :until_ms ORDER BY p.at DESC, p.device, p.seq DESC",
        )?;
        let rows = stmt.query_map(
            named_params! { ":b": f.branch_blob(), ":from_ms": f.from_ms(), ":until_ms": f.until_ms() },
            |r| {
                Ok(PasswordReadRow {
                    at_ms: r.get(0)?,
                    branch: r.get(1)?,
                    reader: r.get(2)?,
                    device: r.get(3)?,
                    job_no: r.get(4)?,
                    customer: r.get(5)?,
                    purpose: r.get(6)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

/// Rows of `sql` grouped by their first `keys` columns (in key order), the
/// other columns summed as `Decimal`: money is TEXT in SQLite, and SQLite's
/// own `sum` would add it as floating point.
fn sum_grouped<P: rusqlite::Params>(
    c: &Connection,
    sql: &str,
    params: P,
    keys: usize,
) -> Result<Vec<(Vec<String>, Vec<Decimal>)>> {
    let mut stmt = c.prepare(sql)?;
    let n = stmt.column_count();
    let mut groups: std::collections::BTreeMap<Vec<String>, Vec<Decimal>> = Default::default();
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        let key = (0..keys)
            .map(|i| r.get::<_, Option<String>>(i).map(Option::unwrap_or_default))
            .collect::<rusqlite::Result<Vec<String>>>()?;
        let sums = groups
            .entry(key)
            .or_insert_with(|| vec![Decimal::ZERO; n - keys]);
        for (j, i) in (keys..n).enumerate() {
            let text: String = r.get(i)?;
            let bad = |e: Box<dyn std::error::Error + Send + Sync>| {
                rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e)
            };
            let v = text.parse::<Decimal>().map_err(|e| bad(Box::new(e)))?;
            sums[j] = sums[j]
                .checked_add(v)
                .ok_or_else(|| bad("the sum overflows".into()))?;
        }
    }
    Ok(groups.into_iter().collect())
}
