//! What a manager or the owner reviews: fields with concurrent values kept
//! for a person to settle, and the audit log with its hash chain.

use axum::response::IntoResponse;
use http_edge::routes::{Described, Op};
use http_edge::{Json, Query};
use serde::Deserialize;
use serde_json::json;

use super::{Answer, AppState, SESSION, SignedIn};
use crate::services as svc;

async fn conflicts(who: SignedIn) -> Answer<impl IntoResponse> {
    who.run(svc::list_conflicts).await
}

async fn resolve(who: SignedIn, Json(i): Json<svc::ResolveInput>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::resolve_conflict(n, s, i)).await
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    limit: Option<u32>,
    before: Option<i64>,
}

async fn audit(who: SignedIn, Query(q): Query<AuditQuery>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::audit_log(n, s, q.limit.unwrap_or(100), q.before))
        .await
}

async fn verify(who: SignedIn) -> Answer<impl IntoResponse> {
    who.run(svc::verify_audit).await
}

pub(super) fn routes(d: Described<AppState>) -> Described<AppState> {
    d.route(
        "/api/conflicts",
        [Op::get(conflicts, "Fields with concurrent values kept for review").access(SESSION)],
    )
    .route(
        "/api/conflicts/resolve",
        [Op::post(resolve, "Settle a conflict (manager)")
            .body("ResolveInput")
            .access(SESSION)],
    )
    .route(
        "/api/audit",
        [Op::get(audit, "The audit log (owner), newest first")
            .access(SESSION)
            .query(
                "limit",
                json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX }),
            )
            .query(
                "before",
                json!({ "type": "integer", "minimum": i64::MIN, "maximum": i64::MAX }),
            )],
    )
    .route(
        "/api/audit/verify",
        [Op::get(verify, "Check the audit log's hash chain (owner)").access(SESSION)],
    )
}
