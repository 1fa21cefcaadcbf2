//! The owner's dashboard (`/`) and each report as its own page
//! (`/reports/{name}.html`): the filter form (days, branch) whose values
//! every link carries on, the charts, the tables with their drill-downs,
//! and the lists (invoices, jobs, the logs) a figure leads to.

use sync_core::domain::lifecycle::JobStatus;

use crate::charts;
use crate::error::Result;
use crate::filters::Ask;
use crate::pages::{END, head, table_html, top};
use crate::reports::{self, CUSTOMER_HISTORY, LISTS, REPORTS, report_for};
use crate::store::HubStore;
use sheets::escape as esc;

/// The filter form, sent by GET to `action`; `status` adds the job list's
/// status choice, `mobile` keeps a customer history's number.
fn filter_form(store: &dyn HubStore, action: &str, ask: &Ask, status: bool) -> Result<String> {
    let date =
        |d: Option<sync_core::domain::date::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut branches = String::from("<option value=\"\">All branches</option>");
    for b in store.branches()? {
        branches.push_str(&format!(
            "<option value=\"{}\"{}>{}</option>",
            b.id,
            if ask.filter.branch == Some(b.id) {
                " selected"
            } else {
                ""
            },
            esc(&b.name)
        ));
    }
    let mut extra = String::new();
    if status {
        extra.push_str("<label class=\"field\"><span>Status</span><select name=\"status\"><option value=\"\">Any status</option>");
        for s in JobStatus::ALL {
            extra.push_str(&format!(
                "<option value=\"{}\"{}>{}</option>",
                s.as_str(),
                if ask.status == Some(s) {
                    " selected"
                } else {
                    ""
                },
                charts::status_words(s.as_str())
            ));
        }
        extra.push_str("</select></label>");
    }
    if let Some(m) = &ask.mobile {
        extra.push_str(&format!(
            "<input type=\"hidden\" name=\"mobile\" value=\"{}\">",
            esc(m)
        ));
    }
    Ok(format!(
        "<form id=\"filters\" class=\"card inline\" method=\"get\" action=\"{action}\"><label class=\"field\"><span>From</span><input type=\"date\" name=\"from\" value=\"{}\"></label><label class=\"field\"><span>To</span><input type=\"date\" name=\"to\" value=\"{}\"></label><label class=\"field\"><span>Branch</span><select name=\"branch\">{branches}</select></label>{extra}<button class=\"primary\">Show</button><a class=\"button\" href=\"{action}{}\">Clear</a></form>",
        date(ask.filter.from),
        date(ask.filter.to),
        ask.mobile
            .as_ref()
            .map(|m| format!("?mobile={}", esc(m)))
            .unwrap_or_default()
    ))
}

/// What the page is narrowed to, in words, for the screen and the print.
fn scope(store: &dyn HubStore, ask: &Ask) -> Result<String> {
    let branch = match ask.filter.branch {
        Some(id) => store
            .branches()?
            .into_iter()
            .find(|b| b.id == id)
            .map_or_else(|| id.to_string(), |b| b.name),
        None => "All branches".into(),
    };
    let days = match (ask.filter.from, ask.filter.to) {
        (Some(f), Some(t)) if f == t => format!(", {}", f.to_indian()),
        (Some(f), Some(t)) => format!(", {} to {}", f.to_indian(), t.to_indian()),
        (Some(f), None) => format!(", from {}", f.to_indian()),
        (None, Some(t)) => format!(", up to {}", t.to_indian()),
        (None, None) => String::new(),
    };
    Ok(format!("{branch}{days}"))
}

fn lookup_form() -> String {
    format!(
        "<form class=\"card inline\" action=\"/reports/{CUSTOMER_HISTORY}.html\" method=\"get\"><label class=\"field\"><span>Customer history by mobile number</span><input name=\"mobile\" inputmode=\"tel\" required></label><button>Find</button></form>"
    )
}

pub fn dashboard_html(store: &dyn HubStore, ask: &Ask) -> Result<String> {
    let business = store.business_name()?;
    let f = &ask.filter;
    let mut html = head("Owner dashboard", &business);
    html.push_str(&top(&business, Some("/")));
    html.push_str(&format!(
        "<main><div class=\"toolbar\"><h1 id=\"scope\">{}</h1></div>",
        esc(&scope(store, ask)?)
    ));
    let awaited = store.recovery()?;
    if !awaited.is_empty() {
        // Restored from a backup: say what the hub waits for, and why
        // leases and changes are refused meanwhile.
        let who: Vec<String> = awaited
            .iter()
            .map(|w| esc(&format!("{} ({})", w.label, w.branch)))
            .collect();
        html.push_str(&format!(
            "<p class=\"error\" id=\"recovery\">Restored from a backup: waiting for {} to sync and send back what the hub lost. Until then their branches get no new number blocks and no changes. A device that is gone: <code>hub recovery release &lt;device&gt;</code>.</p>",
            who.join(", ")
        ));
    }
    html.push_str(&filter_form(store, "/", ask, false)?);
    let pending = store.pending_jobs(f, crate::store::db::now_ms())?;
    html.push_str("<section class=\"charts\"><div class=\"card\">");
    html.push_str(&charts::revenue_by_branch(&store.revenue(f)?, |r| {
        reports::invoices_link(r.branch_id, &r.date)
    }));
    html.push_str("</div><div class=\"card\">");
    html.push_str(&charts::jobs_by_status(&pending, |s| {
        reports::jobs_link(ask, None, s)
    }));
    html.push_str("</div><div class=\"card\">");
    html.push_str(&charts::gst_by_month(&store.gst_by_month(f)?));
    html.push_str("</div></section>");
    let q = esc(&ask.filter_only().query());
    html.push_str("<p class=\"card lists\" id=\"lists\"><strong>Lists:</strong>");
    for (name, title) in LISTS {
        html.push_str(&format!(
            "<a class=\"button\" href=\"/reports/{name}.html{q}\">{}</a>",
            esc(title)
        ));
    }
    html.push_str("</p>");
    html.push_str(&lookup_form());
    for (name, _) in REPORTS {
        let r = report_for(store, name, ask)?;
        table_html(&mut html, &r, ask);
    }
    html.push_str(END);
    Ok(html)
}

/// One report as its own page: a list a figure drilled down to, a log, or
/// a customer's history.
pub fn table_page(store: &dyn HubStore, name: &str, ask: &Ask) -> Result<String> {
    let r = report_for(store, name, ask)?;
    let business = store.business_name()?;
    let action = format!("/reports/{name}.html");
    let mut html = head(&r.table.title, &business);
    html.push_str(&top(&business, Some(&action)));
    html.push_str(&format!(
        "<main><div class=\"toolbar\"><h1>{}</h1><span class=\"muted\" id=\"scope\">{}</span><a href=\"/{}\">Back to the dashboard</a></div>",
        esc(&r.table.title),
        esc(&scope(store, ask)?),
        esc(&ask.filter_only().query())
    ));
    html.push_str(&filter_form(store, &action, ask, name == "jobs")?);
    if name == CUSTOMER_HISTORY {
        html.push_str(&lookup_form());
    }
    table_html(&mut html, &r, ask);
    html.push_str(END);
    Ok(html)
}
