//! The branch's reports: the day-end close, the receivables' ageing, and
//! the tables over a range of days as JSON, CSV or XLSX.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use http_edge::Query;
use http_edge::routes::{Described, Op};
use serde::Deserialize;
use serde_json::json;
use sync_core::domain::date::Date;

use super::{Answer, AppState, SESSION, SignedIn};
use crate::node::now_ms;
use crate::reports::{Range, TABLES};

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DayQuery {
    date: Option<Date>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AsOfQuery {
    as_of: Option<Date>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeQuery {
    from: Option<Date>,
    to: Option<Date>,
}

fn today() -> Date {
    Date::from_unix_ms_ist(now_ms())
}

async fn day_end(who: SignedIn, Query(q): Query<DayQuery>) -> Answer<impl IntoResponse> {
    let date = q.date.unwrap_or_else(today);
    who.run(move |n, s| crate::reports::day_end(n, s, date))
        .await
}

async fn receivables(who: SignedIn, Query(q): Query<AsOfQuery>) -> Answer<impl IntoResponse> {
    let as_of = q.as_of.unwrap_or_else(today);
    who.run(move |n, s| crate::reports::receivables(n, s, as_of))
        .await
}

/// `/api/reports/{name}[.json|.csv|.xlsx]`: one of the branch's tables.
async fn table(
    who: SignedIn,
    Path(name): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Answer<Response> {
    let (name, format) = match name.rsplit_once('.') {
        Some((n, f @ ("json" | "csv" | "xlsx"))) => (n.to_string(), f),
        _ => (name, "json"),
    };
    let xlsx = format == "xlsx";
    let axum::Json((t, range, workbook)) = who
        .run(move |n, s| {
            let range = Range::new(q.from, q.to, today())?;
            let t = crate::reports::table(n, s, &name, range)?;
            // Made off the async workers, as the table was.
            let workbook = if xlsx { Some(t.to_xlsx()?) } else { None };
            Ok((t, range, workbook))
        })
        .await?;
    let file = |ext: &str| {
        format!(
            "attachment; filename=\"{}-{}-{}.{ext}\"",
            t.name, range.from, range.to
        )
    };
    Ok(match format {
        "csv" => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, file("csv")),
            ],
            t.to_csv(),
        )
            .into_response(),
        "xlsx" => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (header::CONTENT_DISPOSITION, file("xlsx")),
            ],
            workbook.unwrap_or_default(),
        )
            .into_response(),
        _ => axum::Json(json!({ "range": range, "table": t })).into_response(),
    })
}

/// The reports [`table`] serves: name and title.
async fn list(_: SignedIn) -> axum::Json<serde_json::Value> {
    axum::Json(json!(
        TABLES
            .iter()
            .map(|(name, title)| json!({ "name": name, "title": title }))
            .collect::<Vec<_>>()
    ))
}

pub(super) fn routes(d: Described<AppState>) -> Described<AppState> {
    let date = super::schemas::date();
    d.route(
        "/api/reports/day-end",
        [Op::get(
            day_end,
            "The day's close: payments by mode (cash, UPI, card, bank) and the documents issued (default today)",
        )
        .query("date", date.clone())
        .access(SESSION)],
    )
    .route(
        "/api/reports/receivables",
        [Op::get(
            receivables,
            "Invoices still owed, oldest first, with ageing buckets (0-30, 31-60, 61-90, over 90 days)",
        )
        .query("as_of", date.clone())
        .access(SESSION)],
    )
    .route(
        "/api/reports",
        [Op::get(list, "The branch's reports over a range of days: name and title of each")
            .access(SESSION)],
    )
    .route(
        "/api/reports/{name}",
        [Op::get(
            table,
            "One of the branch's reports over a range of days (default: the month so far): as JSON {range, table: {name, title, columns, rows}}, or as CSV or XLSX with a .csv or .xlsx suffix. For whoever may view reports (owner, manager, accountant)",
        )
        .param("name", name_schema())
        .query("from", date.clone())
        .query("to", date)
        .access(SESSION)],
    )
}

/// The report names, each with an optional format suffix.
fn name_schema() -> serde_json::Value {
    let names: Vec<&str> = TABLES.iter().map(|t| t.0).collect();
    json!({
        "type": "string",
        "pattern": format!("^({})(\\.(json|csv|xlsx))?$", names.join("|")),
        "description": format!("One of {}, optionally with .json, .csv or .xlsx", names.join(", "))
    })
}
