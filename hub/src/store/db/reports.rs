//! The owner's reports over every branch's tables, one set of queries for
//! both engines. Money is TEXT in the replicated tables; a report's sums
//! (see [`sum_grouped`]) are taken in the server as `NUMERIC` on
//! PostgreSQL, so that a year of a large business's lines never crosses to
//! the hub, and in Rust as `Decimal` over SQLite, whose own `sum` would add
//! them as floating point: the same figures, to the paisa and in the same
//! scale. Every report takes a [`ReportFilter`]: `?1` is the branch
//! (NULL for all), document dates compare as ISO text (`?2`, `?3`),
//! timestamps as IST-day bounds in ms.

use rust_decimal::Decimal;
use sqlite_replica::sql::{Dialect, Param, ToParam, Value};
use sqlite_replica::{Sql, SqlExt, p, to16};
use sync_core::ids::BranchId;

use super::HubDb;
use crate::error::{HubError, Result};
use crate::store::{
    AuditRow, CustomerJobRow, GstMonthRow, GstRow, HsnRow, InvoiceRow, JobRow, MessageCountRow,
    MessageFailureRow, PasswordReadRow, PendingRow, ReportFilter, RevenueRow, SeriesRow, SettleRow,
    StockRow, TechnicianRow,
};

/// Documents of the filter: `d` is `documents`; `?1` the branch, `?2` and
/// `?3` the first and last day.
const DOCS_IN: &str = "(d.branch = ?1 OR ?1 IS NULL) AND d.date >= ?2 AND d.date <= ?3";

/// Jobs of the filter: `j` is `jobs`, opened in the range; `?1` the branch,
/// `?2` and `?3` the range in ms.
const JOBS_IN: &str = "(j.branch = ?1 OR ?1 IS NULL) AND j.opened_at >= ?2 AND j.opened_at < ?3";

struct DocsIn {
    branch: Option<Vec<u8>>,
    from: String,
    to: String,
}

impl DocsIn {
    fn of(f: &ReportFilter) -> DocsIn {
        DocsIn {
            branch: f.branch_blob(),
            from: f.from_text(),
            to: f.to_text(),
        }
    }

    fn params(&self) -> [Param<'_>; 3] {
        [self.branch.param(), self.from.param(), self.to.param()]
    }
}

fn jobs_in(f: &ReportFilter) -> (Option<Vec<u8>>, i64, i64) {
    (f.branch_blob(), f.from_ms(), f.until_ms())
}

pub(super) fn revenue(hub: &HubDb, f: &ReportFilter) -> Result<Vec<RevenueRow>> {
    let d = DocsIn::of(f);
    hub.read(|c| {
        let rows = sum_grouped(
            c,
            &format!("SELECT b.name, d.date, b.id, CASE d.doc_type WHEN 'credit_note' THEN '-' || d.grand_total ELSE d.grand_total END FROM documents d JOIN branches b ON b.id = d.branch WHERE d.cancelled = 0 AND {DOCS_IN}"),
            &d.params(),
            3,
            1,
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

pub(super) fn gst_summary(hub: &HubDb, f: &ReportFilter) -> Result<Vec<GstRow>> {
    let d = DocsIn::of(f);
    hub.read(|c| {
        let rows = sum_grouped(
            c,
            &format!("SELECT b.name, l.gst_rate, l.taxable, l.cgst, l.sgst, l.igst FROM document_lines l JOIN documents d ON d.id = l.document JOIN branches b ON b.id = d.branch WHERE d.cancelled = 0 AND d.doc_type = 'tax_invoice' AND {DOCS_IN}"),
            &d.params(),
            2,
            4,
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

pub(super) fn gst_by_month(hub: &HubDb, f: &ReportFilter) -> Result<Vec<GstMonthRow>> {
    let d = DocsIn::of(f);
    hub.read(|c| {
        let rows = sum_grouped(
            c,
            &format!("SELECT substr(d.date, 1, 7), l.taxable, l.cgst, l.sgst, l.igst FROM document_lines l JOIN documents d ON d.id = l.document WHERE d.cancelled = 0 AND d.doc_type = 'tax_invoice' AND {DOCS_IN}"),
            &d.params(),
            1,
            4,
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

pub(super) fn hsn_summary(hub: &HubDb, f: &ReportFilter) -> Result<Vec<HsnRow>> {
    let d = DocsIn::of(f);
    hub.read(|c| {
        let rows = sum_grouped(
            c,
            &format!("SELECT l.hsn_sac, l.gst_rate, l.qty, l.taxable, l.cgst, l.sgst, l.igst FROM document_lines l JOIN documents d ON d.id = l.document WHERE d.cancelled = 0 AND d.doc_type = 'tax_invoice' AND {DOCS_IN}"),
            &d.params(),
            2,
            5,
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

pub(super) fn to_settle(hub: &HubDb, f: &ReportFilter) -> Result<Vec<SettleRow>> {
    hub.read(|c| {
        let names: std::collections::HashMap<Vec<u8>, String> = c
            .all("SELECT id, name FROM branches", p![], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .into_iter()
            .collect();
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
        for o in sqlite_replica::review::over_credited(c)? {
            if !wanted(&o.branch) {
                continue;
            }
            out.push(SettleRow {
                branch: name(&o.branch),
                kind: "over_credited".into(),
                detail: format!("credit notes of {} against {}", o.credited, o.total),
                amount: Some(o.excess()),
                reference: o.number,
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

pub(super) fn documents_issued(hub: &HubDb, f: &ReportFilter) -> Result<Vec<SeriesRow>> {
    let d = DocsIn::of(f);
    hub.read(|c| {
        Ok(c.all(
            &format!(
                "SELECT prefix, fy, doc_type, min(number), max(number), count(*), CAST(sum(cancelled) AS BIGINT),
                        (SELECT CAST(coalesce(sum(last - first + 1), 0) AS BIGINT) FROM leases l WHERE l.prefix = d.prefix AND l.doc_type = d.doc_type AND l.fy = d.fy)
                        - (SELECT count(*) FROM documents a WHERE a.prefix = d.prefix AND a.doc_type = d.doc_type AND a.fy = d.fy)
                 FROM documents d WHERE {DOCS_IN} GROUP BY prefix, doc_type, fy ORDER BY prefix, fy"
            ),
            &d.params(),
            |r| {
                let (prefix, fy): (String, u64) = (r.get(0)?, r.get(1)?);
                Ok(SeriesRow {
                    series: format!("{prefix}/{:02}{:02}", fy % 100, (fy + 1) % 100),
                    doc_type: r.get(2)?,
                    from: r.get(3)?,
                    to: r.get(4)?,
                    total: r.get(5)?,
                    cancelled: r.get(6)?,
                    leased_unused: r.get(7)?,
                })
            },
        )?)
    })
}

pub(super) fn stock(hub: &HubDb, f: &ReportFilter) -> Result<Vec<StockRow>> {
    let branch = f.branch_blob();
    hub.read(|c| {
        let rows = sum_grouped(
            c,
            "SELECT b.name, i.name, s.holder_kind, s.qty FROM stock_balances s JOIN branches b ON b.id = s.branch JOIN items i ON i.id = s.item WHERE (s.branch = ?1 OR ?1 IS NULL)",
            p![branch],
            3,
            1,
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

pub(super) fn pending_jobs(hub: &HubDb, f: &ReportFilter, now: u64) -> Result<Vec<PendingRow>> {
    let (b, from, until) = jobs_in(f);
    hub.read(|c| {
        Ok(c.all(
            &format!(
                "SELECT b.name, j.status, count(*), max(?4 - j.opened_at) / 86400000, b.id
                 FROM jobs j JOIN branches b ON b.id = j.branch WHERE j.status NOT IN ('delivered', 'cancelled') AND {JOBS_IN}
                 GROUP BY b.id, b.name, j.status ORDER BY b.name, j.status"
            ),
            p![b, from, until, now],
            |r| {
                Ok(PendingRow {
                    branch: r.get(0)?,
                    status: r.get(1)?,
                    jobs: r.get(2)?,
                    // A job stamped ahead of the hub's clock is not yet a day old.
                    oldest_days: r.get::<i64>(3)?.max(0) as u64,
                    branch_id: BranchId(to16(&r.get::<Vec<u8>>(4)?)),
                })
            },
        )?)
    })
}

pub(super) fn technicians(hub: &HubDb, f: &ReportFilter) -> Result<Vec<TechnicianRow>> {
    let (b, from, until) = jobs_in(f);
    hub.read(|c| {
        Ok(c.all(
            "SELECT u.name, b.name, count(j.id), CAST(sum((j.closed_at - j.opened_at) / 3600000) AS BIGINT), count(j.closed_at)
                 FROM jobs j JOIN users u ON u.id = j.technician JOIN branches b ON b.id = j.branch
                 WHERE j.status = 'delivered' AND (j.branch = ?1 OR ?1 IS NULL) AND coalesce(j.closed_at, j.updated_at) >= ?2 AND coalesce(j.closed_at, j.updated_at) < ?3
                 GROUP BY u.name, b.name ORDER BY 3 DESC, u.name",
            p![b, from, until],
            |r| {
                // The mean of whole hours, cut toward zero (as SQLite's
                // CAST of its average did), over the jobs with a closing time.
                let (hours, closed): (Option<i64>, i64) = (r.get(3)?, r.get(4)?);
                Ok(TechnicianRow {
                    technician: r.get(0)?,
                    branch: r.get(1)?,
                    jobs_closed: r.get(2)?,
                    avg_turnaround_hours: hours
                        .filter(|_| closed > 0)
                        .map(|h| (h / closed).max(0) as u64),
                })
            },
        )?)
    })
}

pub(super) fn customer_history(
    hub: &HubDb,
    f: &ReportFilter,
    mobile: &str,
) -> Result<Vec<CustomerJobRow>> {
    let (b, from, until) = jobs_in(f);
    hub.read(|c| {
        // A credit note names the invoice it reverses; its job is that invoice's.
        let invoiced = sum_grouped(
            c,
            "SELECT coalesce(d.job, x.job), CASE d.doc_type WHEN 'credit_note' THEN '-' || d.grand_total ELSE d.grand_total END
                 FROM documents d LEFT JOIN documents x ON x.id = d.against
                 JOIN jobs j ON j.id = coalesce(d.job, x.job) JOIN customers c ON c.id = j.customer
                 WHERE c.mobile = ?1 AND d.cancelled = 0",
            p![mobile],
            1,
            1,
        )?;
        let invoiced: std::collections::HashMap<String, Decimal> =
            invoiced.into_iter().map(|(k, v)| (k[0].clone(), v[0])).collect();
        Ok(c.all(
            &format!(
                "SELECT b.name, j.job_no, c.name, trim(j.brand || ' ' || j.model), j.status, j.opened_at, j.closed_at, j.id
                 FROM jobs j JOIN customers c ON c.id = j.customer JOIN branches b ON b.id = j.branch
                 WHERE c.mobile = ?4 AND {JOBS_IN} ORDER BY j.opened_at, b.name, j.job_no"
            ),
            p![b, from, until, mobile],
            |r| {
                let id = hex::encode(r.get::<Vec<u8>>(7)?);
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
        )?)
    })
}

/// `sql`'s rows grouped by their first `keys` columns, the other `sums`
/// columns summed as `NUMERIC` (back as text, in their own scale).
fn summed_in_server(sql: &str, keys: usize, sums: usize) -> String {
    let cols: Vec<String> = (0..keys + sums).map(|i| format!("c{i}")).collect();
    let mut select: Vec<String> = cols[..keys].to_vec();
    select.extend(
        cols[keys..]
            .iter()
            .map(|c| format!("CAST(sum(CAST({c} AS NUMERIC)) AS TEXT)")),
    );
    let group = if keys == 0 {
        String::new()
    } else {
        format!(" GROUP BY {}", cols[..keys].join(", "))
    };
    format!(
        "SELECT {} FROM ({sql}) AS t ({}){group}",
        select.join(", "),
        cols.join(", ")
    )
}

fn money(r: &sqlite_replica::sql::Row, i: usize) -> sqlite_replica::Result<Decimal> {
    let text: String = r.get(i)?;
    text.parse::<Decimal>().map_err(|e| {
        sqlite_replica::ReplicaError::Damaged(format!("column {i}: `{text}` is not an amount: {e}"))
    })
}

pub(super) fn invoices(hub: &HubDb, f: &ReportFilter) -> Result<Vec<InvoiceRow>> {
    let d = DocsIn::of(f);
    hub.read(|c| {
        Ok(c.all(
            &format!(
                "SELECT b.name, d.number, d.doc_type, d.date, d.customer_name, d.taxable, d.cgst, d.sgst, d.igst, d.grand_total, d.cancelled
                 FROM documents d JOIN branches b ON b.id = d.branch WHERE {DOCS_IN} ORDER BY d.date, b.name, d.number"
            ),
            &d.params(),
            |r| {
                let doc_type: String = r.get(2)?;
                let sign = if doc_type == "credit_note" {
                    Decimal::NEGATIVE_ONE
                } else {
                    Decimal::ONE
                };
                let (cgst, sgst, igst) = (money(r, 6)?, money(r, 7)?, money(r, 8)?);
                let gst = cgst
                    .checked_add(sgst)
                    .and_then(|g| g.checked_add(igst))
                    .ok_or_else(|| {
                        sqlite_replica::ReplicaError::Damaged("the GST overflows".into())
                    })?;
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
        )?)
    })
}

pub(super) fn jobs(hub: &HubDb, f: &ReportFilter, status: Option<&str>) -> Result<Vec<JobRow>> {
    let (b, from, until) = jobs_in(f);
    hub.read(|c| {
        Ok(c.all(
            &format!(
                "SELECT b.name, j.job_no, c.name, trim(j.brand || ' ' || j.model), j.status, u.name, j.opened_at, j.closed_at
                 FROM jobs j JOIN branches b ON b.id = j.branch JOIN customers c ON c.id = j.customer LEFT JOIN users u ON u.id = j.technician
                 WHERE (j.status = ?4 OR ?4 IS NULL) AND {JOBS_IN} ORDER BY j.opened_at, b.name, j.job_no"
            ),
            p![b, from, until, status],
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
        )?)
    })
}

pub(super) fn audit(hub: &HubDb, f: &ReportFilter) -> Result<Vec<AuditRow>> {
    let (b, from, until) = jobs_in(f);
    hub.read(|c| {
        // The audit names a record by its id (or a document by its number):
        // a job's number reads better, and jobs are the records most named.
        let job_nos: std::collections::HashMap<String, String> =
            c.all("SELECT id, job_no FROM jobs", p![], |r| {
                let id: Vec<u8> = r.get(0)?;
                Ok((sync_core::ids::RecordId(to16(&id)).to_string(), r.get(1)?))
            })?
            .into_iter()
            .collect();
        Ok(c.all(
            "SELECT a.at, coalesce(b.name, 'Head office'), coalesce(u.name, ''), coalesce(dv.label, ''), a.kind, coalesce(a.record, '')
                 FROM audit a LEFT JOIN branches b ON b.id = a.branch LEFT JOIN users u ON u.id = a.author LEFT JOIN devices dv ON dv.id = a.device
                 WHERE (a.branch = ?1 OR ?1 IS NULL) AND a.at >= ?2 AND a.at < ?3 ORDER BY a.n DESC",
            p![b, from, until],
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
        )?)
    })
}

pub(super) fn password_reads(hub: &HubDb, f: &ReportFilter) -> Result<Vec<PasswordReadRow>> {
    let (b, from, until) = jobs_in(f);
    hub.read(|c| {
        Ok(c.all(
            "SELECT p.at, b.name, coalesce(u.name, ''), coalesce(dv.label, ''), j.job_no, coalesce(c.name, ''), p.purpose
                 FROM password_reads p JOIN jobs j ON j.id = p.job JOIN branches b ON b.id = j.branch
                 LEFT JOIN users u ON u.id = p.reader LEFT JOIN devices dv ON dv.id = p.device LEFT JOIN customers c ON c.id = j.customer
                 WHERE (j.branch = ?1 OR ?1 IS NULL) AND p.at >= ?2 AND p.at < ?3 ORDER BY p.at DESC, p.device, p.seq DESC",
            p![b, from, until],
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
        )?)
    })
}

pub(super) fn message_counts(hub: &HubDb, f: &ReportFilter) -> Result<Vec<MessageCountRow>> {
    let (b, from, until) = jobs_in(f);
    hub.read(|c| {
        Ok(c.all(
            "SELECT b.name, m.event, coalesce(m.channel, ''), m.status, count(*) FROM messages m JOIN branches b ON b.id = m.branch
              WHERE (m.branch = ?1 OR ?1 IS NULL) AND m.at >= ?2 AND m.at < ?3
              GROUP BY b.name, m.event, coalesce(m.channel, ''), m.status ORDER BY b.name, m.event, coalesce(m.channel, ''), m.status",
            p![b, from, until],
            |r| {
                Ok(MessageCountRow {
                    branch: r.get(0)?,
                    event: r.get(1)?,
                    channel: r.get(2)?,
                    status: r.get(3)?,
                    count: r.get(4)?,
                })
            },
        )?)
    })
}

pub(super) fn message_failures(hub: &HubDb, f: &ReportFilter) -> Result<Vec<MessageFailureRow>> {
    let (b, from, until) = jobs_in(f);
    hub.read(|c| {
        Ok(c.all(
            "SELECT coalesce(m.status_at, m.at), b.name, coalesce(j.job_no, ''), coalesce(c.name, ''), m.event, coalesce(m.channel, ''), m.status, coalesce(m.reason, '')
               FROM messages m JOIN branches b ON b.id = m.branch LEFT JOIN jobs j ON j.id = m.job LEFT JOIN customers c ON c.id = m.customer
              WHERE (m.branch = ?1 OR ?1 IS NULL) AND m.at >= ?2 AND m.at < ?3 AND m.status IN ('failed', 'unknown', 'not_sent')
              ORDER BY m.at DESC, m.id",
            p![b, from, until],
            |r| {
                Ok(MessageFailureRow {
                    at_ms: r.get(0)?,
                    branch: r.get(1)?,
                    job_no: r.get(2)?,
                    customer: r.get(3)?,
                    event: r.get(4)?,
                    channel: r.get(5)?,
                    status: r.get(6)?,
                    reason: r.get(7)?,
                })
            },
        )?)
    })
}

pub(super) fn ratings(hub: &HubDb, f: &ReportFilter) -> Result<Vec<crate::store::RatingRow>> {
    let (b, from, until) = jobs_in(f);
    hub.read(|c| {
        Ok(c.all(
            "SELECT r.at, br.name, j.job_no, coalesce(c.name, ''), coalesce(u.name, ''), r.stars, coalesce(r.comment, '')
               FROM job_ratings r JOIN jobs j ON j.id = r.job JOIN branches br ON br.id = r.branch
               LEFT JOIN customers c ON c.id = j.customer LEFT JOIN users u ON u.id = j.technician
              WHERE (r.branch = ?1 OR ?1 IS NULL) AND r.at >= ?2 AND r.at < ?3 ORDER BY r.at DESC, r.job",
            p![b, from, until],
            |r| {
                Ok(crate::store::RatingRow {
                    at_ms: r.get(0)?,
                    branch: r.get(1)?,
                    job_no: r.get(2)?,
                    customer: r.get(3)?,
                    technician: r.get(4)?,
                    stars: r.get(5)?,
                    comment: r.get(6)?,
                })
            },
        )?)
    })
}

/// A branch id as [`key_text`] gives it back.
fn branch_of_hex(h: &str) -> BranchId {
    let mut b = [0u8; 16];
    if let Ok(v) = hex::decode(h)
        && v.len() == 16
    {
        b.copy_from_slice(&v);
    }
    BranchId(b)
}

/// A grouping column as text: ids as hex.
fn key_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Int(i) => i.to_string(),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => hex::encode(b),
    }
}

/// Rows of `sql` grouped by their first `keys` columns (in key order), its
/// other `sums` columns (amounts as text) summed: by the server as
/// `NUMERIC` on PostgreSQL, as `Decimal` here over SQLite.
fn sum_grouped(
    c: &dyn Sql,
    sql: &str,
    params: &[Param<'_>],
    keys: usize,
    sums: usize,
) -> Result<Vec<(Vec<String>, Vec<Decimal>)>> {
    let summed;
    let sql = if c.dialect() == Dialect::Postgres {
        summed = summed_in_server(sql, keys, sums);
        summed.as_str()
    } else {
        sql
    };
    let mut groups: std::collections::BTreeMap<Vec<String>, Vec<Decimal>> = Default::default();
    let mut failed: Option<HubError> = None;
    c.each(sql, params, &mut |r| {
        let n = r.len();
        if n != keys + sums {
            return Err(sqlite_replica::ReplicaError::Damaged(format!(
                "a report's query gave {n} columns, not {keys} keys and {sums} sums"
            )));
        }
        let key: Vec<String> = r.0[..keys.min(n)].iter().map(key_text).collect();
        let sums = groups
            .entry(key)
            .or_insert_with(|| vec![Decimal::ZERO; n.saturating_sub(keys)]);
        for (j, i) in (keys..n).enumerate() {
            let v = money(&r, i)?;
            match sums[j].checked_add(v) {
                Some(s) => sums[j] = s,
                None => {
                    failed = Some(HubError::invalid(
                        "report",
                        format!("column {i}: the sum overflows"),
                    ));
                    return Ok(false);
                }
            }
        }
        Ok(true)
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(groups.into_iter().collect()),
    }
}
