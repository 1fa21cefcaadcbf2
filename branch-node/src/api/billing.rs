//! Billing: drafts, finalized GST documents (tax invoices, credit notes) and
//! their printing and cancelling, payments, and the leased number blocks.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use http_edge::routes::{Described, Op};
use http_edge::{Json, Path, Query};
use serde::Deserialize;
use serde_json::json;
use sync_core::domain::date::Date;
use sync_core::ids::RecordId;

use super::{Answer, AppState, SESSION, SignedIn};
use crate::billing as bill;

async fn drafts(who: SignedIn) -> Answer<impl IntoResponse> {
    who.run(bill::drafts).await
}

async fn create_draft(who: SignedIn, Json(i): Json<bill::DraftInput>) -> Answer<impl IntoResponse> {
    who.create(move |n, s| bill::create_draft(n, s, i)).await
}

async fn delete_draft(who: SignedIn, Path(id): Path<RecordId>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| bill::delete_draft(n, s, id).map(|_| json!({ "deleted": id })))
        .await
}

async fn draft(who: SignedIn, Path(id): Path<RecordId>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| bill::get_draft(n, s, id)).await
}

async fn add_draft_line(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(l): Json<crate::services::LineInput>,
) -> Answer<impl IntoResponse> {
    who.create(move |n, s| bill::add_draft_line(n, s, id, l))
        .await
}

async fn remove_draft_line(
    who: SignedIn,
    Path((id, line)): Path<(RecordId, RecordId)>,
) -> Answer<impl IntoResponse> {
    who.run(move |n, s| bill::remove_draft_line(n, s, id, line))
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FinalizeInput {
    date: Option<Date>,
}

async fn finalize(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(i): Json<FinalizeInput>,
) -> Answer<impl IntoResponse> {
    who.create(move |n, s| bill::finalize(n, s, id, i.date))
        .await
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DocQuery {
    job: Option<RecordId>,
    invoice: Option<RecordId>,
    #[serde(default)]
    paper: Option<String>,
}

async fn documents(who: SignedIn, Query(q): Query<DocQuery>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| bill::list_documents(n, s, q.job)).await
}

async fn document(who: SignedIn, Path(id): Path<RecordId>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| bill::get_document(n, s, id)).await
}

async fn print(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Query(q): Query<DocQuery>,
) -> Answer<Response> {
    let thermal = matches!(q.paper.as_deref(), Some("thermal") | Some("80mm"));
    let axum::Json(html) = who.run(move |n, s| bill::render(n, s, id, thermal)).await?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonInput {
    reason: String,
}

async fn cancel(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(i): Json<ReasonInput>,
) -> Answer<impl IntoResponse> {
    who.run(move |n, s| bill::cancel(n, s, id, &i.reason)).await
}

async fn credit_note(
    who: SignedIn,
    Json(i): Json<bill::CreditNoteInput>,
) -> Answer<impl IntoResponse> {
    who.create(move |n, s| bill::credit_note(n, s, i)).await
}

async fn payments(who: SignedIn, Query(q): Query<DocQuery>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| bill::payments(n, s, q.invoice, q.job))
        .await
}

async fn record_payment(
    who: SignedIn,
    Json(i): Json<bill::PaymentInput>,
) -> Answer<impl IntoResponse> {
    who.create(move |n, s| bill::record_payment(n, s, i)).await
}

async fn leases(who: SignedIn) -> Answer<impl IntoResponse> {
    who.run(bill::leases).await
}

async fn local_lease(
    who: SignedIn,
    Json(i): Json<bill::LocalLeaseInput>,
) -> Answer<impl IntoResponse> {
    who.create(move |n, s| bill::grant_local_lease(n, s, i))
        .await
}

pub(super) fn routes(d: Described<AppState>) -> Described<AppState> {
    let id = super::schemas::id();
    d.route(
        "/api/drafts",
        [
            Op::get(drafts, "Invoice drafts not yet finalized").access(SESSION),
            Op::post(
                create_draft,
                "Draft an invoice (from a job card's estimate, or lines)",
            )
            .body("DraftInput")
            .access(SESSION)
            .success(201, "Created")
            .answer("Created")
            .link(("post", "/api/drafts/{id}/finalize"), "id", "/id")
            .link(("delete", "/api/drafts/{id}"), "id", "/id"),
        ],
    )
    .route(
        "/api/drafts/{id}",
        [
            Op::get(draft, "One invoice draft with its tax").access(SESSION),
            Op::delete(delete_draft, "Discard a draft").access(SESSION),
        ],
    )
    .route(
        "/api/drafts/{id}/lines",
        [Op::post(
            add_draft_line,
            "Add a line to a draft (typed, or naming a catalogue item)",
        )
        .body("LineInput")
        .access(SESSION)
        .success(201, "Created")],
    )
    .route(
        "/api/drafts/{id}/lines/{line}",
        [Op::delete(remove_draft_line, "Remove a line from a draft").access(SESSION)],
    )
    .route(
        "/api/drafts/{id}/finalize",
        [Op::post(
            finalize,
            "Finalize a draft: a GST invoice number from this device's lease",
        )
        .body("FinalizeInput")
        .access(SESSION)
        .success(201, "Created")
        .answer("Created")
        .link(("get", "/api/documents/{id}"), "id", "/id")
        .link(("get", "/api/documents/{id}/print"), "id", "/id")
        .link(("post", "/api/documents/{id}/cancel"), "id", "/id")],
    )
    .route(
        "/api/documents",
        [Op::get(documents, "Finalized GST documents (?job=)")
            .access(SESSION)
            .query("job", id.clone())
            .query("invoice", id.clone())
            .query("paper", json!({ "type": "string" }))],
    )
    .route(
        "/api/documents/{id}",
        [Op::get(document, "One GST document").access(SESSION)],
    )
    .route(
        "/api/documents/{id}/print",
        [Op::get(
            print,
            "A GST document as HTML for printing (?paper=thermal for 80 mm)",
        )
        .access(SESSION)
        .query("job", id.clone())
        .query("invoice", id.clone())
        .query("paper", json!({ "type": "string" }))],
    )
    .route(
        "/api/documents/{id}/cancel",
        [
            Op::post(cancel, "Cancel a GST document (its number stays used)")
                .body("ReasonInput")
                .access(SESSION),
        ],
    )
    .route(
        "/api/credit-notes",
        [
            Op::post(credit_note, "Issue a credit note against an invoice")
                .body("CreditNoteInput")
                .access(SESSION)
                .success(201, "Created"),
        ],
    )
    .route(
        "/api/payments",
        [
            Op::get(payments, "Payments (?invoice=&job=)")
                .access(SESSION)
                .query("job", id.clone())
                .query("invoice", id)
                .query("paper", json!({ "type": "string" })),
            Op::post(
                record_payment,
                "Record a payment against an invoice or a job",
            )
            .body("PaymentInput")
            .access(SESSION)
            .success(201, "Created"),
        ],
    )
    .route(
        "/api/leases",
        [Op::get(
            leases,
            "This device's leased number blocks and what is left",
        )
        .access(SESSION)],
    )
    .route(
        "/api/leases/local",
        [
            Op::post(local_lease, "Grant a block locally (standalone devices)")
                .body("LocalLeaseInput")
                .access(SESSION)
                .success(201, "Created"),
        ],
    )
}
