//! Stock: the item master, receipts, adjustments, issue to technician and
//! return to store, parts used on a job, transfers between branches, and the
//! branch's devices (whom parts can be issued to).

use axum::response::IntoResponse;
use http_edge::routes::{Described, Op};
use http_edge::{Json, Path, Query};
use serde::Deserialize;
use serde_json::json;
use sync_core::ids::RecordId;

use super::{Answer, AppState, SESSION, SignedIn};
use crate::inventory as inv;

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    low: bool,
}

async fn list_items(who: SignedIn, Query(q): Query<ItemQuery>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| inv::list_items(n, s, &q.q, q.low))
        .await
}

async fn create_item(who: SignedIn, Json(i): Json<inv::ItemInput>) -> Answer<impl IntoResponse> {
    who.create(move |n, s| inv::create_item(n, s, i)).await
}

async fn get_item(who: SignedIn, Path(id): Path<RecordId>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| inv::get_item(n, s, id)).await
}

async fn ledger(who: SignedIn, Path(id): Path<RecordId>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| inv::ledger(n, s, id)).await
}

async fn receipt(who: SignedIn, Json(i): Json<inv::ReceiptInput>) -> Answer<impl IntoResponse> {
    who.create(move |n, s| inv::receive(n, s, i)).await
}

async fn adjustment(who: SignedIn, Json(i): Json<inv::AdjustInput>) -> Answer<impl IntoResponse> {
    who.create(move |n, s| inv::adjust(n, s, i)).await
}

async fn issue(who: SignedIn, Json(i): Json<inv::IssueInput>) -> Answer<impl IntoResponse> {
    who.create(move |n, s| inv::issue_to_technician(n, s, i))
        .await
}

async fn return_stock(who: SignedIn, Json(i): Json<inv::ReturnInput>) -> Answer<impl IntoResponse> {
    who.create(move |n, s| inv::return_to_store(n, s, i)).await
}

async fn use_part(who: SignedIn, Json(i): Json<inv::UseInput>) -> Answer<impl IntoResponse> {
    who.create(move |n, s| inv::use_on_job(n, s, i)).await
}

async fn transfers(who: SignedIn) -> Answer<impl IntoResponse> {
    who.run(inv::transfers).await
}

async fn send_transfer(
    who: SignedIn,
    Json(i): Json<inv::TransferOutInput>,
) -> Answer<impl IntoResponse> {
    who.create(move |n, s| inv::transfer_out(n, s, i)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiveInput {
    #[serde(with = "rust_decimal::serde::str")]
    received: rust_decimal::Decimal,
}

async fn receive_transfer(
    who: SignedIn,
    Path(transfer): Path<RecordId>,
    Json(i): Json<ReceiveInput>,
) -> Answer<impl IntoResponse> {
    let input = inv::TransferInInput {
        transfer,
        received: i.received,
    };
    who.run(move |n, s| inv::transfer_in(n, s, input)).await
}

async fn devices(who: SignedIn) -> Answer<impl IntoResponse> {
    who.run(inv::devices).await
}

pub(super) fn routes(d: Described<AppState>) -> Described<AppState> {
    d.route(
        "/api/items",
        [
            Op::get(list_items, "The item master with stock on hand")
                .access(SESSION)
                .query("q", super::schemas::query_text())
                .query("low", json!({ "type": "boolean" })),
            Op::post(create_item, "Add an item or service to the item master")
                .body("ItemInput")
                .access(SESSION)
                .success(201, "Created")
                .answer("Created")
                .link(("get", "/api/items/{id}"), "id", "/id")
                .link(("get", "/api/items/{id}/ledger"), "id", "/id"),
        ],
    )
    .route(
        "/api/items/{id}",
        [Op::get(get_item, "One item with its stock").access(SESSION)],
    )
    .route(
        "/api/items/{id}/ledger",
        [Op::get(ledger, "An item's stock movements").access(SESSION)],
    )
    .route(
        "/api/stock/receipts",
        [Op::post(receipt, "Receive stock from a supplier")
            .body("ReceiptInput")
            .access(SESSION)
            .success(201, "Created")],
    )
    .route(
        "/api/stock/adjustments",
        [Op::post(adjustment, "Adjust stock after a count (manager)")
            .body("AdjustInput")
            .access(SESSION)
            .success(201, "Created")],
    )
    .route(
        "/api/stock/issues",
        [
            Op::post(issue, "Issue parts to a technician's device (escrow)")
                .body("IssueInput")
                .access(SESSION)
                .success(201, "Created"),
        ],
    )
    .route(
        "/api/stock/returns",
        [Op::post(return_stock, "Return issued parts to the store")
            .body("ReturnInput")
            .access(SESSION)
            .success(201, "Created")],
    )
    .route(
        "/api/stock/uses",
        [Op::post(use_part, "Use a part on a job card")
            .body("UseInput")
            .access(SESSION)
            .success(201, "Created")],
    )
    .route(
        "/api/transfers",
        [
            Op::get(transfers, "Transfers between branches, both ways").access(SESSION),
            Op::post(send_transfer, "Send stock to another branch")
                .body("TransferOutInput")
                .access(SESSION)
                .success(201, "Created"),
        ],
    )
    .route(
        "/api/transfers/{id}/receive",
        [
            Op::post(receive_transfer, "Receive a transfer (what arrived)")
                .body("ReceiveInput")
                .access(SESSION),
        ],
    )
    .route(
        "/api/devices",
        [Op::get(devices, "This branch's devices (to issue parts to)").access(SESSION)],
    )
}
