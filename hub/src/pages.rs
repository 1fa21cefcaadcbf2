//! The frame every hub page shares: the stylesheet (`/hub.css`, the branch
//! web UI's look), the top bar with the business's name and the owner's
//! menu, and a report's table as HTML with its export links. The name is on
//! every screen and on every print.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::filters::Ask;
use crate::reports::{Kind, Report};
use sheets::{escape as esc, heading, shown};

/// The hub's stylesheet: the web UI's tokens, a phone layout, an 80 mm print.
pub const CSS: &str = include_str!("../static/hub.css");

/// `GET /hub.css`.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        CSS,
    )
        .into_response()
}

/// `<!doctype html>` to `<body>`: the page's title after the business's.
pub fn head(title: &str, business: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} · {}</title><link rel=\"stylesheet\" href=\"/hub.css\"></head><body>",
        esc(title),
        esc(business)
    )
}

/// The owner's menu: (path, label).
const MENU: &[(&str, &str)] = &[
    ("/", "Dashboard"),
    ("/reports/invoices.html", "Invoices"),
    ("/reports/jobs.html", "Jobs"),
    ("/reports/audit.html", "Audit log"),
    ("/reports/password_reads.html", "Password log"),
    ("/people", "People"),
    ("/messages", "Messages"),
];

/// The top bar: the business's name, and for a logged-in owner the menu
/// (`active` marked) and the log-out button (a POST, so that a link or an
/// image elsewhere cannot log the owner out).
pub fn top(business: &str, active: Option<&str>) -> String {
    let mut h = format!(
        "<header id=\"top\"><span class=\"brand\" id=\"business\">{}<small>Owner's hub</small></span>",
        esc(business)
    );
    if let Some(active) = active {
        h.push_str("<nav id=\"nav\">");
        for (path, label) in MENU {
            h.push_str(&format!(
                "<a href=\"{path}\"{}>{label}</a>",
                if *path == active {
                    " class=\"active\" aria-current=\"page\""
                } else {
                    ""
                }
            ));
        }
        h.push_str("</nav><div class=\"who\"><form action=\"/logout\" method=\"post\"><button>Log out</button></form></div>");
    }
    h.push_str("</header>");
    h
}

pub const END: &str = "</main></body></html>";

/// A report's table as HTML in a card, under its title and export links
/// (which carry `ask`, so a narrowed view exports narrowed). A row with a
/// drill-down links its first figure. Each cell names its heading
/// (`data-label`) for the print, where rows become blocks.
pub fn table_html(html: &mut String, r: &Report, ask: &Ask) {
    let t = &r.table;
    let name = &t.name;
    let q = esc(&ask.query());
    html.push_str(&format!(
        "<section class=\"card\" id=\"section-{name}\"><h2>{}</h2><p class=\"exports\"><a href=\"/reports/{name}.csv{q}\">CSV</a><a href=\"/reports/{name}.xlsx{q}\">XLSX</a><a href=\"/reports/{name}.json{q}\">JSON</a></p><div class=\"wide\"><table id=\"report-{name}\"><tr>{}</tr>",
        esc(&t.title),
        t.columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!(
                "<th{}>{}</th>",
                if t.kind(i) == Kind::Text { "" } else { " class=\"num\"" },
                esc(&heading(c))
            ))
            .collect::<String>()
    ));
    if t.rows.is_empty() {
        html.push_str(&format!(
            "<tr><td colspan=\"{}\" class=\"muted\">Nothing in this range.</td></tr>",
            t.columns.len().max(1)
        ));
    }
    let cancelled = t.column("cancelled");
    for (row, link) in t
        .rows
        .iter()
        .zip(r.drill.iter().chain(std::iter::repeat(&None)))
    {
        let off = cancelled
            .and_then(|i| row.get(i))
            .is_some_and(|c| c == "yes");
        html.push_str(if off {
            "<tr class=\"cancelled\">"
        } else {
            "<tr>"
        });
        let mut linked = false;
        for (i, c) in row.iter().enumerate() {
            let k = t.kind(i);
            let text = esc(&shown(k, c));
            let cell = match link {
                Some(href) if k != Kind::Text && !linked => {
                    linked = true;
                    format!("<a class=\"drill\" href=\"{}\">{text}</a>", esc(href))
                }
                _ => text,
            };
            html.push_str(&format!(
                "<td{} data-label=\"{}\">{cell}</td>",
                if k == Kind::Text {
                    ""
                } else {
                    " class=\"num\""
                },
                esc(&heading(t.columns.get(i).map_or("", |s| s.as_str())))
            ));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table></div></section>");
}
