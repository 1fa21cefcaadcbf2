//! Consolidation for the owner: every branch's tables are at the hub, so the
//! reports are queries — methods of [`HubStore`], which return typed rows.
//! Here they become a [`Table`]: JSON, CSV, XLSX, or HTML in the dashboard.

use rust_decimal::Decimal;
use sync_core::domain::date::Date;

use crate::error::{HubError, Result};
use crate::store::HubStore;
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
];

/// The report that takes a mobile number (`?mobile=`), not in [`REPORTS`].
pub const CUSTOMER_HISTORY: &str = "customer_history";

fn money(d: Decimal) -> String {
    d.normalize().to_string()
}

fn date_ist(ms: u64) -> String {
    Date::from_unix_ms_ist(ms).to_string()
}

pub fn report(store: &dyn HubStore, name: &str) -> Result<Table> {
    use Kind::{Integer, Money, Text};
    let title = REPORTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            HubError::NotFound(format!(
                "report `{name}` (reports: {}, {CUSTOMER_HISTORY}?mobile=)",
                REPORTS.iter().map(|r| r.0).collect::<Vec<_>>().join(", ")
            ))
        })?;
    let t = |cols: &[(&str, Kind)]| Table::new(name, title, cols);
    let table = match name {
        "revenue" => {
            let mut t = t(&[("branch", Text), ("date", Text), ("revenue", Money)]);
            t.rows = store
                .revenue()?
                .into_iter()
                .map(|r| vec![r.branch, r.date, money(r.revenue)])
                .collect();
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
                .gst_summary()?
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
                .hsn_summary()?
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
                .documents_issued()?
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
                .stock()?
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
            t.rows = store
                .pending_jobs(crate::store::sqlite::now_ms())?
                .into_iter()
                .map(|r| {
                    vec![
                        r.branch,
                        r.status,
                        r.jobs.to_string(),
                        r.oldest_days.to_string(),
                    ]
                })
                .collect();
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
                .technicians()?
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
                .to_settle()?
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
        _ => unreachable!("checked above"),
    };
    Ok(table)
}

/// One customer's jobs at every branch, found by mobile number (any form
/// the shop accepts: `+91 98450-12345`, `09845012345`, `9845012345`).
pub fn customer_history(store: &dyn HubStore, mobile: &str) -> Result<Table> {
    use Kind::{Money, Text};
    let mobile = sync_core::domain::validate::mobile("mobile", mobile)?;
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
        .customer_history(&mobile)?
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

use sheets::{escape as esc, heading, shown};

const STYLE: &str = "<meta name=\"viewport\" content=\"width=device-width\"><style>body{font-family:system-ui,sans-serif;margin:1rem 2rem;color:#222}table{border-collapse:collapse;margin:0 0 2rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}h2{margin-top:2rem}a{font-size:.85rem;margin-left:.5rem}form{margin:1rem 0 2rem}.wide{overflow-x:auto}@media(max-width:600px){body{margin:.5rem}}</style>";

/// A table as HTML, under a heading with its export links; `query` is the
/// links' query string (empty, or `?mobile=…` for a history). No secret is
/// ever in a link: the session travels in its cookie.
fn table_html(html: &mut String, t: &Table, query: &str) {
    let name = &t.name;
    let q = esc(query);
    html.push_str(&format!(
        "<h2>{}</h2><p><a href=\"/reports/{name}.csv{q}\">CSV</a><a href=\"/reports/{name}.xlsx{q}\">XLSX</a><a href=\"/reports/{name}.json{q}\">JSON</a></p><div class=\"wide\"><table id=\"report-{name}\"><tr>{}</tr>",
        esc(&t.title),
        t.columns
            .iter()
            .zip(t.kinds.iter().copied().chain(std::iter::repeat(Kind::Text)))
            .map(|(c, k)| format!(
                "<th{}>{}</th>",
                if k == Kind::Text { "" } else { " class=\"num\"" },
                esc(&heading(c))
            ))
            .collect::<String>()
    ));
    for r in &t.rows {
        html.push_str(&format!(
            "<tr>{}</tr>",
            r.iter()
                .zip(t.kinds.iter().copied().chain(std::iter::repeat(Kind::Text)))
                .map(|(c, k)| format!(
                    "<td{}>{}</td>",
                    if k == Kind::Text {
                        ""
                    } else {
                        " class=\"num\""
                    },
                    esc(&shown(k, c))
                ))
                .collect::<String>()
        ));
    }
    html.push_str("</table></div>");
}

fn lookup_form() -> String {
    format!(
        "<form action=\"/reports/{CUSTOMER_HISTORY}.html\" method=\"get\"><label>Customer history by mobile number <input name=\"mobile\" inputmode=\"tel\" required></label> <button>Find</button></form>"
    )
}

/// A POST, so a link or an image elsewhere cannot log the owner out.
const LOGOUT_FORM: &str = "<form action=\"/logout\" method=\"post\"><button>Log out</button> <a href=\"/people\">People, branches and catalogue</a></form>";

pub fn dashboard_html(store: &dyn HubStore) -> Result<String> {
    let mut html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Owner dashboard</title>{STYLE}</head><body>{LOGOUT_FORM}<h1>All branches</h1>{}",
        lookup_form()
    );
    for (name, _) in REPORTS {
        let t = report(store, name)?;
        table_html(&mut html, &t, "");
    }
    html.push_str("</body></html>");
    Ok(html)
}

/// One table as its own page (the customer history lookup's answer);
/// `query` as for the table's export links.
pub fn table_page(t: &Table, query: &str) -> String {
    let mut html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title>{STYLE}</head><body>{LOGOUT_FORM}<p><a href=\"/\">Back to the dashboard</a></p>{}",
        esc(&t.title),
        lookup_form()
    );
    table_html(&mut html, t, query);
    html.push_str("</body></html>");
    html
}
