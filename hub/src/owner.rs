//! What the owner changes at the hub, as JSON over the dashboard's session:
//! people (deactivate, reactivate, reset a PIN, change a role or name, move
//! to a branch), branches (name, address, UPI id, phone) and the shared
//! catalogue (price, cost, reorder level, HSN/SAC, GST rate, unit). Each is
//! a signed op the hub makes, which every device applies as it syncs; the
//! handlers only check the session and hand the change to the store.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use http_edge::routes::{Described, Op};
use http_edge::{Json, Path, Refusal, blocking};
use serde::Deserialize;
use serde_json::json;
use sync_core::ids::{BranchId, RecordId, UserId};

use crate::error::HubError;
use crate::server::AppState;
use crate::store::{BranchChange, HubStore, ItemChange, UserChange};

type St = Arc<AppState>;

/// A request from the logged-in owner: the store to act on.
pub struct Owner(pub Arc<dyn HubStore>);

impl FromRequestParts<St> for Owner {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, st: &St) -> Result<Self, Refusal> {
        if !crate::login::signed_in(st, &parts.headers) {
            return Err(HubError::LoginRequired.into());
        }
        Ok(Owner(st.hub.clone()))
    }
}

/// `GET /people`: the page; without a session, to the login.
async fn people_page(
    axum::extract::State(st): axum::extract::State<St>,
    h: axum::http::HeaderMap,
) -> Result<axum::response::Response, Refusal> {
    if !crate::login::signed_in(&st, &h) {
        return Ok(crate::login::to_login());
    }
    let hub = st.hub.clone();
    let html = blocking(move || crate::owner_page::page(&*hub)).await?;
    Ok(axum::response::Html(html).into_response())
}

async fn users(Owner(hub): Owner) -> Result<impl IntoResponse, Refusal> {
    Ok(axum::Json(blocking(move || hub.users()).await?))
}

async fn change_user(
    Owner(hub): Owner,
    Path(user): Path<UserId>,
    Json(ch): Json<UserChange>,
) -> Result<impl IntoResponse, Refusal> {
    blocking(move || hub.update_user(user, &ch)).await?;
    Ok(axum::Json(json!({ "user": user, "changed": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveInput {
    to: BranchId,
}

async fn move_user(
    Owner(hub): Owner,
    Path(user): Path<UserId>,
    Json(m): Json<MoveInput>,
) -> Result<impl IntoResponse, Refusal> {
    let id = blocking(move || hub.move_user(user, m.to)).await?;
    Ok(axum::Json(json!({ "moved": user, "user": id })))
}

async fn change_branch(
    Owner(hub): Owner,
    Path(branch): Path<BranchId>,
    Json(ch): Json<BranchChange>,
) -> Result<impl IntoResponse, Refusal> {
    blocking(move || hub.update_branch(branch, &ch)).await?;
    Ok(axum::Json(json!({ "branch": branch, "changed": true })))
}

async fn change_item(
    Owner(hub): Owner,
    Path(item): Path<RecordId>,
    Json(ch): Json<ItemChange>,
) -> Result<impl IntoResponse, Refusal> {
    blocking(move || hub.update_item(item, &ch)).await?;
    Ok(axum::Json(json!({ "item": item, "changed": true })))
}

/// The owner's routes, described for the OpenAPI document.
pub(crate) fn routes(d: Described<St>, session: &'static str) -> Described<St> {
    let id = json!({ "type": "string", "format": "uuid" });
    d.route(
        "/people",
        [Op::get(
            people_page,
            "The owner's page for people, branches and the catalogue (HTML); without a session, a redirect (303) to /login",
        )
        .access(session)
        .also(303, "Not logged in: to /login")],
    )
    .route(
        "/owner/users",
        [Op::get(users, "Everyone at every branch, active or not").access(session)],
    )
    .route(
        "/owner/users/{id}",
        [Op::patch(
            change_user,
            "Change a person: deactivate or reactivate, a new PIN, a role or a name. Devices apply it at their next sync",
        )
        .body("UserChange")
        .param("id", id.clone())
        .access(session)],
    )
    .route(
        "/owner/users/{id}/move",
        [Op::post(
            move_user,
            "Move a person to another branch (deactivated here, added there with the same name, role and PIN)",
        )
        .body("MoveInput")
        .param("id", id.clone())
        .access(session)],
    )
    .route(
        "/owner/branches/{id}",
        [Op::patch(change_branch, "Change a branch's name, address, UPI id or phone")
            .body("BranchChange")
            .param("id", id.clone())
            .access(session)],
    )
    .route(
        "/messages",
        [Op::get(
            crate::templates_page::show,
            "The owner's page for the words of customer messages (HTML): every event in every language, with a preview from a real job; ?branch= for a branch's own words. Without a session, a redirect (303) to /login",
        )
        .query("branch", json!({ "type": "string" }))
        .access(session)
        .also(303, "Not logged in: to /login")],
    )
    .route(
        "/owner/templates",
        [Op::put(
            crate::templates_page::set,
            "Set the words of an event's message in a language, for the business or one branch (text null or empty: the built-in words); every variable {{n}} of the event used and no other. Devices apply it at their next sync",
        )
        .body("TemplateInput")
        .access(session)],
    )
    .route(
        "/owner/items/{id}",
        [Op::patch(
            change_item,
            "Change an item of the shared catalogue: price, cost, reorder level, HSN/SAC, GST rate, unit, name",
        )
        .body("ItemChange")
        .param("id", id)
        .access(session)],
    )
}

/// The request bodies' schemas, for the OpenAPI document.
pub(crate) fn schemas() -> serde_json::Value {
    let s = |props: serde_json::Value| json!({ "type": "object", "additionalProperties": false, "properties": props, "minProperties": 1 });
    let text = |max: u32| json!({ "type": ["string", "null"], "maxLength": max });
    let dec = json!({ "type": ["string", "null"], "pattern": "^[0-9]{1,10}(\\.[0-9]{1,2})?$" });
    json!({
        "UserChange": s(json!({ "name": text(100), "role": { "type": ["string", "null"], "enum": ["owner", "manager", "receptionist", "technician", "accountant", null] }, "active": { "type": ["boolean", "null"] }, "pin": { "type": ["string", "null"], "pattern": "^[0-9]{4,8}$" } })),
        "TemplateInput": { "type": "object", "additionalProperties": false, "properties": { "branch": { "type": ["string", "null"], "format": "uuid" }, "event": { "type": "string", "enum": ["job_opened", "estimate_shared", "job_ready", "invoice_finalized", "payment_received"] }, "language": { "type": "string", "enum": ["en", "hi", "kn", "ta"] }, "text": { "type": ["string", "null"], "maxLength": 1000 } }, "required": ["event", "language"] },
        "MoveInput": { "type": "object", "additionalProperties": false, "properties": { "to": { "type": "string", "format": "uuid" } }, "required": ["to"] },
        "BranchChange": s(json!({ "name": text(100), "address": text(500), "upi_id": text(100), "phone": text(20) })),
        "ItemChange": s(json!({ "name": text(200), "sale_price": dec, "cost": dec, "reorder_level": dec, "gst_rate": dec, "hsn_sac": text(8), "unit": text(10) })),
    })
}
