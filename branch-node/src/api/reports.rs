//! The branch's reports: the day-end close and the receivables' ageing.

use axum::response::IntoResponse;
use http_edge::Query;
use http_edge::routes::{Described, Op};
use serde::Deserialize;
use sync_core::domain::date::Date;

use super::{Answer, AppState, SESSION, SignedIn};
use crate::node::now_ms;

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
        .query("as_of", date)
        .access(SESSION)],
    )
}
