//! Consolidation for the owner: every branch's tables are at the hub, so the
//! reports are queries — methods of [`HubStore`], which return typed rows,
//! narrowed by an [`Ask`]. Here they become a [`Table`] (JSON, CSV, XLSX, or
//! HTML in the dashboard) and, for the figures that stand for documents or
//! jobs, the link that drills down to them.

use rust_decimal::Decimal;
use sync_core::domain::date::Date;

use crate::error::{HubError, Result};
use crate::filters::Ask;
use crate::store::{HubStore, ReportFilter};
pub use sheets::{Kind, Table};

pub const REPORTS: &[(&str, &str)] = &[
    ("revenue", "Revenue by branch and day"),
    ("gst", "GST summary by rate"),
    ("hsn", "HSN/SAC summary"),
    ("documents", "Documents issued per series (GSTR-1 table 13)"),
    ("stock", "Stock per branch, with transfers in transit"),
    ("pending_jobs", "Pending jobs by status and age"),
    ("technicians", "Technician productivity"),
    (
        "to_settle",
        "To settle: refunds due and edits of closed jobs, from work done at once",
    ),
    (
        "messages",
        "Customer messages by branch, event and channel (asked: what the provider bills)",
    ),
];

/// Reports that are lists rather than sums — what a figure drills down to,
/// and the logs — linked from the dashboard rather than shown on it.
pub const LISTS: &[(&str, &str)] = &[
    ("invoices", "Invoices and credit notes"),
    ("jobs", "Jobs"),
    ("audit", "Audit log, every branch"),
    ("password_reads", "Device password access log, every branch"),
    ("ratings", "Customers' ratings of their delivered jobs"),
    (
        "message_failures",
        "Customer messages that failed, were not sent, or whose fate is unknown",
    ),
];

/// The report that takes a mobile number (`?mobile=`), not in [`REPORTS`].
pub const CUSTOMER_HISTORY: &str = "customer_history";

/// A report's table, and for each row where its figure leads (a
/// drill-down link, with the ask's filter), if anywhere.
pub struct Report {
    pub table: Table,
    pub drill: Vec<Option<String>>,
}

fn time_ist(ms: u64) -> String {
    let m = (ms as i64 + sync_core::domain::date::IST_OFFSET_MS).rem_euclid(86_400_000) / 60_000;
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn days_open(opened: u64, closed: Option<u64>, now: u64) -> u64 {
    closed.unwrap_or(now).saturating_sub(opened) / 86_400_000
}

/// A report with no filter: every branch, every day.
pub fn report(store: &dyn HubStore, name: &str) -> Result<Table> {
    Ok(report_for(store, name, &Ask::default())?.table)
}

/// Where `(branch, day)`'s revenue leads: that day's documents there.
pub fn invoices_link(branch: sync_core::ids::BranchId, date: &str) -> String {
    let day = date.parse().ok();
    let ask = Ask {
        filter: ReportFilter {
            from: day,
            to: day,
            branch: Some(branch),
        },
        ..Ask::default()
    };
    format!("/reports/invoices.html{}", ask.query())
}

/// Where a count of open jobs leads: those jobs, within the ask's days.
pub fn jobs_link(ask: &Ask, branch: Option<sync_core::ids::BranchId>, status: &str) -> String {
    let mut a = ask.filter_only();
    if branch.is_some() {
        a.filter.branch = branch;
    }
    a.status = sync_core::domain::lifecycle::JobStatus::parse(status);
    format!("/reports/jobs.html{}", a.query())
}

fn money(d: Decimal) -> String {
    d.normalize().to_string()
}

fn date_ist(ms: u64) -> String {
    Date::from_unix_ms_ist(ms).to_string()
}

/// A report narrowed by `ask` (whose parts were checked by [`Ask::parse`]).
pub fn report_for(store: &dyn HubStore, name: &str, ask: &Ask) -> Result<Report> {
    use Kind::{Integer, Money, Text};
    if name == CUSTOMER_HISTORY {
        let table = customer_history(store, ask)?;
        let drill = vec![None; table.rows.len()];
        return Ok(Report { table, drill });
    }
    let title = REPORTS
        .iter()
        .chain(LISTS)
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            HubError::NotFound(format!(
                "report `{name}` (reports: {}, {CUSTOMER_HISTORY}?mobile=)",
                REPORTS
                    .iter()
                    .chain(LISTS)
                    .map(|r| r.0)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    let f = &ask.filter;
    let now = crate::store::db::now_ms();
    let t = |cols: &[(&str, Kind)]| Table::new(name, title, cols);
    let mut drill = vec![];
    let table = match name {
        "revenue" => {
            let mut t = t(&[("branch", Text), ("date", Text), ("revenue", Money)]);
            for r in store.revenue(f)? {
                drill.push(Some(invoices_link(r.branch_id, &r.date)));
                t.rows.push(vec![r.branch, r.date, money(r.revenue)]);
            }
            t
        }
        "gst" => {
            let mut t = t(&[
                ("branch", Text),
                ("gst_rate", Kind::Decimal),
                ("taxable", Money),
                ("cgst", Money),
                ("sgst", Money),
                ("igst", Money),
            ]);
            t.rows = store
                .gst_summary(f)?
                .into_iter()
                .map(|r| {
                    vec![
                        r.branch,
                        r.gst_rate,
                        money(r.taxable),
                        money(r.cgst),
                        money(r.sgst),
                        money(r.igst),
                    ]
                })
                .collect();
            t
        }
        "hsn" => {
            let mut t = t(&[
                ("hsn_sac", Text),
                ("gst_rate", Kind::Decimal),
                ("qty", Kind::Decimal),
                ("taxable", Money),
                ("cgst", Money),
                ("sgst", Money),
                ("igst", Money),
            ]);
            t.rows = store
                .hsn_summary(f)?
                .into_iter()
                .map(|r| {
                    vec![
                        r.hsn_sac,
                        r.gst_rate,
                        r.qty.normalize().to_string(),
                        money(r.taxable),
                        money(r.cgst),
                        money(r.sgst),
                        money(r.igst),
                    ]
                })
                .collect();
            t
        }
        "documents" => {
            let mut t = t(&[
                ("series", Text),
                ("doc_type", Text),
                ("sr_from", Text),
                ("sr_to", Text),
                ("total", Integer),
                ("cancelled", Integer),
                ("leased_unused", Integer),
            ]);
            t.rows = store
                .documents_issued(f)?
                .into_iter()
                .map(|r| {
                    vec![
                        r.series,
                        r.doc_type,
                        r.from,
                        r.to,
                        r.total.to_string(),
                        r.cancelled.to_string(),
                        r.leased_unused.to_string(),
                    ]
                })
                .collect();
            t
        }
        "stock" => {
            let mut t = t(&[
                ("branch", Text),
                ("item", Text),
                ("held_by", Text),
                ("qty", Kind::Decimal),
            ]);
            t.rows = store
                .stock(f)?
                .into_iter()
                .map(|r| vec![r.branch, r.item, r.held_by, r.qty.normalize().to_string()])
                .collect();
            t
        }
        "pending_jobs" => {
            let mut t = t(&[
                ("branch", Text),
                ("status", Text),
                ("jobs", Integer),
                ("oldest_days", Integer),
            ]);
            for r in store.pending_jobs(f, now)? {
                drill.push(Some(jobs_link(ask, Some(r.branch_id), &r.status)));
                t.rows.push(vec![
                    r.branch,
                    r.status,
                    r.jobs.to_string(),
                    r.oldest_days.to_string(),
                ]);
            }
            t
        }
        "technicians" => {
            let mut t = t(&[
                ("technician", Text),
                ("branch", Text),
                ("jobs_closed", Integer),
                ("avg_turnaround_hours", Integer),
            ]);
            t.rows = store
                .technicians(f)?
                .into_iter()
                .map(|r| {
                    vec![
                        r.technician,
                        r.branch,
                        r.jobs_closed.to_string(),
                        r.avg_turnaround_hours
                            .map(|h| h.to_string())
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            t
        }
        "to_settle" => {
            let mut t = t(&[
                ("branch", Text),
                ("what", Text),
                ("reference", Text),
                ("detail", Text),
                ("amount", Money),
            ]);
            t.rows = store
                .to_settle(f)?
                .into_iter()
                .map(|r| {
                    vec![
                        r.branch,
                        r.kind,
                        r.reference,
                        r.detail,
                        r.amount.map(money).unwrap_or_default(),
                    ]
                })
                .collect();
            t
        }
        "invoices" => {
            let mut t = t(&[
                ("branch", Text),
                ("number", Text),
                ("doc_type", Text),
                ("date", Text),
                ("customer", Text),
                ("taxable", Money),
                ("gst", Money),
                ("total", Money),
                ("cancelled", Text),
            ]);
            t.rows = store
                .invoices(f)?
                .into_iter()
                .map(|r| {
                    vec![
                        r.branch,
                        r.number,
                        r.doc_type,
                        r.date,
                        r.customer,
                        money(r.taxable),
                        money(r.gst),
                        money(r.total),
                        if r.cancelled { "yes" } else { "no" }.into(),
                    ]
                })
                .collect();
            t
        }
        "jobs" => {
            let mut t = t(&[
                ("branch", Text),
                ("job_no", Text),
                ("customer", Text),
                ("device", Text),
                ("status", Text),
                ("technician", Text),
                ("opened", Text),
                ("days_open", Integer),
            ]);
            t.rows = store
                .jobs(f, ask.status.map(|s| s.as_str()))?
                .into_iter()
                .map(|r| {
                    vec![
                        r.branch,
                        r.job_no,
                        r.customer,
                        r.device,
                        r.status,
                        r.technician.unwrap_or_default(),
                        date_ist(r.opened_at_ms),
                        days_open(r.opened_at_ms, r.closed_at_ms, now).to_string(),
                    ]
                })
                .collect();
            t
        }
        "audit" => {
            let mut t = t(&[
                ("date", Text),
                ("time", Text),
                ("branch", Text),
                ("who", Text),
                ("device", Text),
                ("what", Text),
                ("record", Text),
            ]);
            t.rows = store
                .audit(f)?
                .into_iter()
                .map(|r| {
                    vec![
                        date_ist(r.at_ms),
                        time_ist(r.at_ms),
                        r.branch,
                        r.who,
                        r.device,
                        r.kind,
                        r.record,
                    ]
                })
                .collect();
            t
        }
        "messages" => {
            const STATUSES: [&str; 7] = [
                "queued",
                "sent",
                "delivered",
                "read",
                "failed",
                "unknown",
                "not_sent",
            ];
            let mut cols: Vec<(&str, Kind)> =
                vec![("branch", Text), ("event", Text), ("channel", Text)];
            cols.extend(STATUSES.iter().map(|s| (*s, Integer)));
            cols.push(("asked", Integer));
            let mut t = t(&cols);
            // One row per (branch, event, channel), a column per status.
            let mut rows: std::collections::BTreeMap<(String, String, String), [i64; 7]> =
                Default::default();
            for r in store.message_counts(f)? {
                let counts = rows.entry((r.branch, r.event, r.channel)).or_default();
                if let Some(i) = STATUSES.iter().position(|s| *s == r.status) {
                    counts[i] = counts[i].saturating_add(r.count);
                }
            }
            for ((branch, event, channel), c) in rows {
                // Every message a provider was asked for is billed, whatever
                // became of it: all but the queued and the not sent.
                let asked: i64 = c[1..6].iter().sum();
                let mut row = vec![
                    branch,
                    event,
                    if channel.is_empty() {
                        "—".into()
                    } else {
                        channel
                    },
                ];
                row.extend(c.iter().map(i64::to_string));
                row.push(asked.to_string());
                t.rows.push(row);
            }
            t
        }
        "ratings" => {
            let mut t = t(&[
                ("date", Text),
                ("branch", Text),
                ("job_no", Text),
                ("customer", Text),
                ("technician", Text),
                ("stars", Integer),
                ("comment", Text),
            ]);
            t.rows = store
                .ratings(f)?
                .into_iter()
                .map(|r| {
                    vec![
                        date_ist(r.at_ms),
                        r.branch,
                        r.job_no,
                        r.customer,
                        r.technician,
                        r.stars.to_string(),
                        r.comment,
                    ]
                })
                .collect();
            t
        }
        "message_failures" => {
            let mut t = t(&[
                ("date", Text),
                ("time", Text),
                ("branch", Text),
                ("job_no", Text),
                ("customer", Text),
                ("event", Text),
                ("channel", Text),
                ("status", Text),
                ("reason", Text),
            ]);
            t.rows = store
                .message_failures(f)?
                .into_iter()
                .map(|r| {
                    vec![
                        date_ist(r.at_ms),
                        time_ist(r.at_ms),
                        r.branch,
                        r.job_no,
                        r.customer,
                        r.event,
                        r.channel,
                        r.status,
                        r.reason,
                    ]
                })
                .collect();
            t
        }
        "password_reads" => {
            let mut t = t(&[
                ("date", Text),
                ("time", Text),
                ("branch", Text),
                ("reader", Text),
                ("device", Text),
                ("job_no", Text),
                ("customer", Text),
                ("purpose", Text),
            ]);
            t.rows = store
                .password_reads(f)?
                .into_iter()
                .map(|r| {
                    vec![
                        date_ist(r.at_ms),
                        time_ist(r.at_ms),
                        r.branch,
                        r.reader,
                        r.device,
                        r.job_no,
                        r.customer,
                        r.purpose,
                    ]
                })
                .collect();
            t
        }
        _ => unreachable!("checked above"),
    };
    drill.resize(table.rows.len(), None);
    Ok(Report { table, drill })
}

/// One customer's jobs at every branch, found by mobile number (any form
/// the shop accepts: `+91 98450-12345`, `09845012345`, `9845012345`).
fn customer_history(store: &dyn HubStore, ask: &Ask) -> Result<Table> {
    use Kind::{Money, Text};
    let mobile =
        sync_core::domain::validate::mobile("mobile", ask.mobile.as_deref().unwrap_or(""))?;
    let mut t = Table::new(
        CUSTOMER_HISTORY,
        &format!("Customer history for {mobile}"),
        &[
            ("branch", Text),
            ("job_no", Text),
            ("customer", Text),
            ("device", Text),
            ("status", Text),
            ("opened", Text),
            ("closed", Text),
            ("invoiced", Money),
        ],
    );
    t.rows = store
        .customer_history(&ask.filter, &mobile)?
        .into_iter()
        .map(|r| {
            vec![
                r.branch,
                r.job_no,
                r.customer,
                r.device,
                r.status,
                date_ist(r.opened_at_ms),
                r.closed_at_ms.map(date_ist).unwrap_or_default(),
                money(r.invoiced),
            ]
        })
        .collect();
    Ok(t)
}
