//! Suppliers' bills, payments to suppliers, and what is owed to each.

use axum::response::IntoResponse;
use http_edge::routes::{Described, Op};
use http_edge::{Json, Path};
use sync_core::ids::RecordId;

use super::{Answer, AppState, SESSION, SignedIn};
use crate::purchases as buy;

async fn record(who: SignedIn, Json(i): Json<buy::PurchaseInput>) -> Answer<impl IntoResponse> {
    who.create(move |n, s| buy::record(n, s, i)).await
}

async fn list(who: SignedIn) -> Answer<impl IntoResponse> {
    who.run(buy::list).await
}

async fn pay(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(i): Json<buy::SupplierPaymentInput>,
) -> Answer<impl IntoResponse> {
    who.create(move |n, s| buy::pay(n, s, id, i)).await
}

async fn payables(who: SignedIn) -> Answer<impl IntoResponse> {
    who.run(buy::payables).await
}

pub(super) fn routes(d: Described<AppState>) -> Described<AppState> {
    d.route(
        "/api/purchases",
        [
            Op::get(
                list,
                "Suppliers' bills, latest first, with what is owed on each",
            )
            .access(SESSION),
            Op::post(
                record,
                "Record a supplier's bill; its goods come into stock with it",
            )
            .body("PurchaseInput")
            .access(SESSION)
            .success(201, "Created"),
        ],
    )
    .route(
        "/api/purchases/{id}/payments",
        [Op::post(pay, "Pay a supplier against a bill")
            .body("SupplierPaymentInput")
            .access(SESSION)
            .success(201, "Created")],
    )
    .route(
        "/api/payables",
        [Op::get(payables, "What is owed to each supplier").access(SESSION)],
    )
}
