//! The owner's reports over every branch's tables. Money is TEXT in the
//! replicated tables, so each report sums it in Rust as `Decimal` (see
//! [`sum_grouped`]) rather than in SQL, where it would be floating point.

use rusqlite::Connection;
use rust_decimal::Decimal;
use sync_core::ids::BranchId;

use super::SqliteHub;
use crate::error::Result;
use crate::store::{
    CustomerJobRow, GstRow, HsnRow, PendingRow, RevenueRow, SeriesRow, SettleRow, StockRow,
    TechnicianRow,
};

pub(super) fn revenue(hub: &SqliteHub) -> Result<Vec<RevenueRow>> {
    hub.read(|c| {
        let rows = sum_grouped(
            c,
            "SELECT b.name, d.date, CASE d.doc_type WHEN 'credit_note' THEN '-' || d.grand_total ELSE d.grand_total END FROM documents d JOIN branches b ON b.id = d.branch WHERE d.cancelled = 0",
            [],
            2,
        )?;
        Ok(rows
            .into_iter()
            .map(|(k, v)| RevenueRow {
                branch: k[0].clone(),
                date: k[1].clone(),
                revenue: v[0],
            })
            .collect())
    })
}

pub(super) fn gst_summary(hub: &SqliteHub) -> Result<Vec<GstRow>> {
    hub.read(|c| {
        let rows = sum_grouped(
            c,
            "SELECT b.name, l.gst_rate, l.taxable, l.cgst, l.sgst, l.igst FROM document_lines l JOIN documents d ON d.id = l.document JOIN branches b ON b.id = d.branch WHERE d.cancelled = 0 AND d.doc_type = 'tax_invoice'",
            [],
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

pub(super) fn hsn_summary(hub: &SqliteHub) -> Result<Vec<HsnRow>> {
    hub.read(|c| {
        let rows = sum_grouped(
            c,
            "SELECT l.hsn_sac, l.gst_rate, l.qty, l.taxable, l.cgst, l.sgst, l.igst FROM document_lines l JOIN documents d ON d.id = l.document WHERE d.cancelled = 0 AND d.doc_type = 'tax_invoice'",
            [],
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

pub(super) fn to_settle(hub: &SqliteHub) -> Result<Vec<SettleRow>> {
    hub.read(|c| {
        let names: std::collections::HashMap<Vec<u8>, String> = c
            .prepare_cached("SELECT id, name FROM branches")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let name = |b: &BranchId| names.get(&b.0[..]).cloned().unwrap_or_default();
        let mut out = vec![];
        for o in sqlite_replica::review::overpaid(c)? {
            out.push(SettleRow {
                branch: name(&o.branch),
                kind: "refund_due".into(),
                detail: o.paid_of_owed(),
                reference: o.number,
                amount: Some(o.refund_due),
            });
        }
        for e in sqlite_replica::review::late_edits(c)? {
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

pub(super) fn documents_issued(hub: &SqliteHub) -> Result<Vec<SeriesRow>> {
    hub.read(|c| {
        let mut stmt = c.prepare(
            "SELECT prefix || '/' || printf('%02d%02d', fy % 100, (fy + 1) % 100), doc_type, min(number), max(number), count(*), sum(cancelled),
                        (SELECT coalesce(sum(last - first + 1), 0) FROM leases l WHERE l.prefix = d.prefix AND l.doc_type = d.doc_type AND l.fy = d.fy) - count(*)
                 FROM documents d GROUP BY prefix, doc_type, fy ORDER BY prefix, fy",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SeriesRow {
                series: r.get(0)?,
                doc_type: r.get(1)?,
                from: r.get(2)?,
                to: r.get(3)?,
                total: r.get(4)?,
                cancelled: r.get(5)?,
                leased_unused: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

pub(super) fn stock(hub: &SqliteHub) -> Result<Vec<StockRow>> {
    hub.read(|c| {
        let rows = sum_grouped(
            c,
            "SELECT b.name, i.name, s.holder_kind, s.qty FROM stock_balances s JOIN branches b ON b.id = s.branch JOIN items i ON i.id = s.item",
            [],
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

pub(super) fn pending_jobs(hub: &SqliteHub, now: u64) -> Result<Vec<PendingRow>> {
    hub.read(|c| {
        let mut stmt = c.prepare(
            "SELECT b.name, j.status, count(*), max(?1 - j.opened_at) / 86400000
                 FROM jobs j JOIN branches b ON b.id = j.branch WHERE j.status NOT IN ('delivered', 'cancelled') GROUP BY b.name, j.status ORDER BY b.name, j.status",
        )?;
        let rows = stmt.query_map([now as i64], |r| {
            Ok(PendingRow {
                branch: r.get(0)?,
                status: r.get(1)?,
                jobs: r.get(2)?,
                // A job stamped ahead of the hub's clock is not yet a day old.
                oldest_days: r.get::<_, i64>(3)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

pub(super) fn technicians(hub: &SqliteHub) -> Result<Vec<TechnicianRow>> {
    hub.read(|c| {
        let mut stmt = c.prepare(
            "SELECT u.name, b.name, count(j.id), CAST(avg((j.closed_at - j.opened_at) / 3600000) AS INTEGER)
                 FROM jobs j JOIN users u ON u.id = j.technician JOIN branches b ON b.id = j.branch WHERE j.status = 'delivered' GROUP BY u.name, b.name ORDER BY 3 DESC, u.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TechnicianRow {
                technician: r.get(0)?,
                branch: r.get(1)?,
                jobs_closed: r.get(2)?,
                avg_turnaround_hours: r.get::<_, Option<i64>>(3)?.map(|h| h.max(0) as u64),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
}

pub(super) fn customer_history(hub: &SqliteHub, mobile: &str) -> Result<Vec<CustomerJobRow>> {
    hub.read(|c| {
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
        let mut stmt = c.prepare(
            "SELECT b.name, j.job_no, c.name, trim(j.brand || ' ' || j.model), j.status, j.opened_at, j.closed_at, hex(j.id)
                 FROM jobs j JOIN customers c ON c.id = j.customer JOIN branches b ON b.id = j.branch
                 WHERE c.mobile = ?1 ORDER BY j.opened_at, b.name, j.job_no",
        )?;
        let rows = stmt.query_map([mobile], |r| {
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
        })?;
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
            sums[j] += text.parse::<Decimal>().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    i,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?;
        }
    }
    Ok(groups.into_iter().collect())
}
