//! Customers: finding one by mobile or name, creating, editing, their jobs.

use http_edge::routes::{Described, Op};
use http_edge::{Json, Path, Query};
use serde::Deserialize;
use sync_core::ids::RecordId;

use super::{Answer, AppState, SESSION, SignedIn};
use crate::services as svc;
use axum::response::IntoResponse;

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn find(who: SignedIn, Query(q): Query<SearchQuery>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::find_customers(n, s, &q.q)).await
}

async fn create(who: SignedIn, Json(i): Json<svc::CustomerInput>) -> Answer<impl IntoResponse> {
    who.create(move |n, s| svc::create_customer(n, s, i)).await
}

async fn get(who: SignedIn, Path(id): Path<RecordId>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::get_customer(n, s, id)).await
}

async fn update(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(p): Json<svc::CustomerPatch>,
) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::update_customer(n, s, id, p)).await
}

async fn history(who: SignedIn, Path(id): Path<RecordId>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::customer_history(n, s, id)).await
}

pub(super) fn routes(d: Described<AppState>) -> Described<AppState> {
    d.route(
        "/api/customers",
        [
            Op::get(find, "Find customers by mobile or name (?q=)")
                .access(SESSION)
                .query("q", super::schemas::query_text()),
            Op::post(create, "Create a customer")
                .body("CustomerInput")
                .access(SESSION)
                .success(201, "Created")
                .answer("Created")
                .link(("get", "/api/customers/{id}"), "id", "/id")
                .link(("patch", "/api/customers/{id}"), "id", "/id")
                .link(("get", "/api/customers/{id}/history"), "id", "/id"),
        ],
    )
    .route(
        "/api/customers/{id}",
        [
            Op::get(get, "One customer").access(SESSION),
            Op::patch(update, "Edit a customer")
                .body("CustomerPatch")
                .access(SESSION),
        ],
    )
    .route(
        "/api/customers/{id}/history",
        [Op::get(history, "A customer's jobs").access(SESSION)],
    )
}
