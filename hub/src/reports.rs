//! Consolidation for the owner: every branch's tables are at the hub, so the
//! reports are queries. Each report is a [`Table`] (JSON, CSV, or HTML in the
//! dashboard).

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{HubError, Result};
use crate::store::sqlite::SqliteHub;

#[derive(Clone, Debug, Serialize)]
pub struct Table {
    pub name: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn to_csv(&self) -> String {
        let esc = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = self
            .columns
            .iter()
            .map(|c| esc(c))
            .collect::<Vec<_>>()
            .join(",");
        out.push('\n');
        for r in &self.rows {
            out.push_str(&r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        out
    }
}

pub const REPORTS: &[(&str, &str)] = &[
    ("revenue", "Revenue by branch and day"),
    ("gst", "GST summary by rate"),
    ("hsn", "HSN/SAC summary"),
    ("documents", "Documents issued per series (GSTR-1 table 13)"),
    ("stock", "Stock per branch, with transfers in transit"),
    ("pending_jobs", "Pending jobs by status and age"),
    ("technicians", "Technician productivity"),
];

/// A report whose figures are counts (money is summed by [`grouped`], in
/// Rust with `Decimal`, never by SQLite's floating point).
fn q(hub: &SqliteHub, name: &str, title: &str, sql: &str) -> Result<Table> {
    hub.read(|c| {
        let mut stmt = c.prepare(sql)?;
        let columns: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let n = columns.len();
        let rows = stmt.query_map([], |r| {
            (0..n)
                .map(|i| {
                    use rusqlite::types::ValueRef as V;
                    Ok(match r.get_ref(i)? {
                        V::Null => String::new(),
                        V::Integer(x) => x.to_string(),
                        V::Real(x) => x.to_string(),
                        V::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        V::Blob(b) => hex::encode(b),
                    })
                })
                .collect::<rusqlite::Result<Vec<String>>>()
        })?;
        let out: Vec<Vec<String>> = rows.collect::<Result<_, _>>()?;
        Ok(Table {
            name: name.into(),
            title: title.into(),
            columns,
            rows: out,
        })
    })
}

/// Sum decimal strings grouped by key columns, in Rust.
fn grouped(
    hub: &SqliteHub,
    name: &str,
    title: &str,
    sql: &str,
    keys: usize,
    cols: &[&str],
) -> Result<Table> {
    hub.read(|c| {
        let mut stmt = c.prepare(sql)?;
        let n = stmt.column_count();
        let mut groups: std::collections::BTreeMap<Vec<String>, Vec<Decimal>> = Default::default();
        let rows = stmt.query_map([], |r| {
            (0..n)
                .map(|i| r.get::<_, Option<String>>(i).map(|v| v.unwrap_or_default()))
                .collect::<rusqlite::Result<Vec<String>>>()
        })?;
        for row in rows {
            let row = row?;
            let e = groups
                .entry(row[..keys].to_vec())
                .or_insert_with(|| vec![Decimal::ZERO; n - keys]);
            for (i, v) in row[keys..].iter().enumerate() {
                e[i] += v.parse::<Decimal>().unwrap_or_default();
            }
        }
        let rows = groups
            .into_iter()
            .map(|(k, v)| {
                k.into_iter()
                    .chain(v.into_iter().map(|d| d.normalize().to_string()))
                    .collect()
            })
            .collect();
        Ok(Table {
            name: name.into(),
            title: title.into(),
            columns: cols.iter().map(|s| s.to_string()).collect(),
            rows,
        })
    })
}

pub fn report(hub: &SqliteHub, name: &str) -> Result<Table> {
    let title = REPORTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            HubError::NotFound(format!(
                "report `{name}` (reports: {})",
                REPORTS.iter().map(|r| r.0).collect::<Vec<_>>().join(", ")
            ))
        })?;
    match name {
        "revenue" => grouped(
            hub,
            name,
            title,
            "SELECT b.name, d.date, CASE d.doc_type WHEN 'credit_note' THEN '-' || d.grand_total ELSE d.grand_total END FROM documents d JOIN branches b ON b.id = d.branch WHERE d.cancelled = 0 ORDER BY b.name, d.date",
            2,
            &["branch", "date", "revenue"],
        ),
        "gst" => grouped(
            hub,
            name,
            title,
            "SELECT b.name, l.gst_rate, l.taxable, l.cgst, l.sgst, l.igst FROM document_lines l JOIN documents d ON d.id = l.document JOIN branches b ON b.id = d.branch WHERE d.cancelled = 0 AND d.doc_type = 'tax_invoice'",
            2,
            &["branch", "gst_rate", "taxable", "cgst", "sgst", "igst"],
        ),
        "hsn" => grouped(
            hub,
            name,
            title,
            "SELECT l.hsn_sac, l.gst_rate, l.qty, l.taxable, l.cgst, l.sgst, l.igst FROM document_lines l JOIN documents d ON d.id = l.document WHERE d.cancelled = 0 AND d.doc_type = 'tax_invoice'",
            2,
            &["hsn_sac", "gst_rate", "qty", "taxable", "cgst", "sgst", "igst"],
        ),
        "documents" => q(
            hub,
            name,
            title,
            "SELECT prefix || '/' || printf('%02d%02d', fy % 100, (fy + 1) % 100) AS series, doc_type, min(number) AS sr_from, max(number) AS sr_to, count(*) AS total, sum(cancelled) AS cancelled,
                    (SELECT coalesce(sum(last - first + 1), 0) FROM leases l WHERE l.prefix = d.prefix AND l.doc_type = d.doc_type AND l.fy = d.fy) - count(*) AS leased_unused
             FROM documents d GROUP BY prefix, doc_type, fy ORDER BY prefix, fy",
        ),
        "stock" => grouped(
            hub,
            name,
            title,
            "SELECT b.name, i.name, s.holder_kind, s.qty FROM stock_balances s JOIN branches b ON b.id = s.branch JOIN items i ON i.id = s.item",
            3,
            &["branch", "item", "held_by", "qty"],
        ),
        "pending_jobs" => q(
            hub,
            name,
            title,
            "SELECT b.name AS branch, j.status, count(*) AS jobs, CAST(max((strftime('%s','now') * 1000 - j.opened_at) / 86400000) AS INTEGER) AS oldest_days
             FROM jobs j JOIN branches b ON b.id = j.branch WHERE j.status NOT IN ('delivered', 'cancelled') GROUP BY b.name, j.status ORDER BY b.name, j.status",
        ),
        "technicians" => q(
            hub,
            name,
            title,
            "SELECT u.name AS technician, b.name AS branch, count(j.id) AS jobs_closed,
                    CAST(avg((j.closed_at - j.opened_at) / 3600000) AS INTEGER) AS avg_turnaround_hours
             FROM jobs j JOIN users u ON u.id = j.technician JOIN branches b ON b.id = j.branch WHERE j.status = 'delivered' GROUP BY u.name, b.name ORDER BY jobs_closed DESC",
        ),
        _ => unreachable!("checked above"),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn dashboard_html(hub: &SqliteHub, key: &str) -> Result<String> {
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Owner dashboard</title><style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:0 0 2rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}th{background:#f3f3f3}h2{margin-top:2rem}a{font-size:.85rem;margin-left:.5rem}</style></head><body><h1>All branches</h1>",
    );
    for (name, _) in REPORTS {
        let t = report(hub, name)?;
        html.push_str(&format!(
            "<h2>{}</h2><p><a href=\"/reports/{name}.csv?key={}\">CSV</a><a href=\"/reports/{name}.json?key={}\">JSON</a></p><table><tr>{}</tr>",
            esc(&t.title),
            esc(key),
            esc(key),
            t.columns.iter().map(|c| format!("<th>{}</th>", esc(c))).collect::<String>()
        ));
        for r in &t.rows {
            html.push_str(&format!(
                "<tr>{}</tr>",
                r.iter()
                    .map(|c| format!("<td>{}</td>", esc(c)))
                    .collect::<String>()
            ));
        }
        html.push_str("</table>");
    }
    html.push_str("</body></html>");
    Ok(html)
}
