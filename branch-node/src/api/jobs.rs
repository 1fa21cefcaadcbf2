//! Job cards: intake, the lifecycle, technician, diagnosis and notes, the
//! estimate, and the device password (revealed only with a logged purpose).

use axum::response::IntoResponse;
use http_edge::routes::{Described, Op};
use http_edge::{Json, Path, Query};
use serde::Deserialize;
use serde_json::json;
use sync_core::body::TextField;
use sync_core::ids::{RecordId, UserId};

use super::{Answer, AppState, SESSION, SignedIn};
use crate::services as svc;
use crate::store::read::JobFilter;

async fn list(who: SignedIn, Query(f): Query<JobFilter>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::list_jobs(n, s, &f)).await
}

async fn open(who: SignedIn, Json(i): Json<svc::JobInput>) -> Answer<impl IntoResponse> {
    who.create(move |n, s| svc::open_job(n, s, i)).await
}

async fn get(who: SignedIn, Path(id): Path<RecordId>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::job_detail(n, s, id)).await
}

async fn update(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(p): Json<svc::JobPatch>,
) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::update_job(n, s, id, p)).await
}

async fn change_status(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(i): Json<svc::StatusInput>,
) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::change_status(n, s, id, i)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignInput {
    technician: Option<UserId>,
}

async fn assign(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(i): Json<AssignInput>,
) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::assign_technician(n, s, id, i.technician))
        .await
}

async fn new_otp(who: SignedIn, Path(id): Path<RecordId>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::new_delivery_otp(n, s, id)).await
}

async fn resend(who: SignedIn, Path(id): Path<RecordId>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::resend(n, s, id)).await
}

async fn chat_link(who: SignedIn, Path(id): Path<RecordId>) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::chat_link(n, s, id).map(|link| json!({ "link": link })))
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextInput {
    text: String,
    /// The text's version the screen was loaded at (`diagnosis_version`).
    #[serde(default)]
    version: Option<Vec<String>>,
}

async fn set_text(
    who: SignedIn,
    id: RecordId,
    field: TextField,
    i: TextInput,
) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::set_text(n, s, id, field, &i.text, i.version.as_deref()))
        .await
}

async fn set_diagnosis(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(i): Json<TextInput>,
) -> Answer<impl IntoResponse> {
    set_text(who, id, TextField::Diagnosis, i).await
}

async fn set_notes(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(i): Json<TextInput>,
) -> Answer<impl IntoResponse> {
    set_text(who, id, TextField::Notes, i).await
}

async fn add_line(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(l): Json<svc::LineInput>,
) -> Answer<impl IntoResponse> {
    who.create(move |n, s| svc::add_estimate_line(n, s, id, l))
        .await
}

async fn remove_line(
    who: SignedIn,
    Path((id, line)): Path<(RecordId, RecordId)>,
) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::remove_estimate_line(n, s, id, line))
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealInput {
    #[serde(default)]
    purpose: String,
}

async fn reveal(
    who: SignedIn,
    Path(id): Path<RecordId>,
    Json(i): Json<RevealInput>,
) -> Answer<impl IntoResponse> {
    who.run(move |n, s| svc::reveal_password(n, s, id, &i.purpose))
        .await
}

pub(super) fn routes(d: Described<AppState>) -> Described<AppState> {
    let flag = json!({ "type": "boolean" });
    let id = super::schemas::id();
    let status = super::schemas::statuses();
    d.route(
        "/api/jobs",
        [
            Op::get(list, "Job cards, newest first")
                .access(SESSION)
                .query("status", status)
                .query("technician", id.clone())
                .query("customer", id)
                .query("open", flag)
                .query(
                    "limit",
                    json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX }),
                ),
            Op::post(open, "Open a job card (intake); returns the delivery OTP")
                .body("JobInput")
                .access(SESSION)
                .success(201, "Created")
                .answer("OpenedJob")
                .link(("get", "/api/jobs/{id}"), "id", "/job/id")
                .link(("patch", "/api/jobs/{id}"), "id", "/job/id")
                .link(("post", "/api/jobs/{id}/status"), "id", "/job/id")
                .link(("post", "/api/jobs/{id}/assign"), "id", "/job/id")
                .link(("put", "/api/jobs/{id}/diagnosis"), "id", "/job/id")
                .link(("put", "/api/jobs/{id}/notes"), "id", "/job/id")
                .link(("post", "/api/jobs/{id}/estimate"), "id", "/job/id"),
        ],
    )
    .route(
        "/api/jobs/{id}",
        [
            Op::get(
                get,
                "A job card with timeline, estimate, parts, texts, conflicts, next steps",
            )
            .access(SESSION),
            Op::patch(update, "Edit a job card's fields")
                .body("JobPatch")
                .access(SESSION),
        ],
    )
    .route(
        "/api/jobs/{id}/status",
        [Op::post(
            change_status,
            "Move a job through its lifecycle (override, delivery proof)",
        )
        .body("StatusInput")
        .access(SESSION)],
    )
    .route(
        "/api/jobs/{id}/otp",
        [Op::post(
            new_otp,
            "A new delivery OTP for a lost slip (the old one stops working)",
        )
        .access(SESSION)],
    )
    .route(
        "/api/messages/{id}/resend",
        [Op::post(
            resend,
            "Send a customer message again (it failed, or never came): a new message marked as a resend, sent by the hub",
        )
        .access(SESSION)],
    )
    .route(
        "/api/messages/{id}/chat-link",
        [Op::get(
            chat_link,
            "The message as a WhatsApp click-to-chat link (wa.me), for the counter to send by hand when the hub has no channel",
        )
        .access(SESSION)],
    )
    .route(
        "/api/jobs/{id}/assign",
        [Op::post(assign, "Assign a technician (manager)")
            .body("AssignInput")
            .access(SESSION)],
    )
    .route(
        "/api/jobs/{id}/diagnosis",
        [Op::put(
            set_diagnosis,
            "Replace the diagnosis text (merged with concurrent edits)",
        )
        .body("TextInput")
        .access(SESSION)],
    )
    .route(
        "/api/jobs/{id}/notes",
        [Op::put(
            set_notes,
            "Replace the notes text (merged with concurrent edits)",
        )
        .body("TextInput")
        .access(SESSION)],
    )
    .route(
        "/api/jobs/{id}/estimate",
        [Op::post(add_line, "Add an estimate line")
            .body("LineInput")
            .access(SESSION)
            .success(201, "Created")],
    )
    .route(
        "/api/jobs/{id}/estimate/{line}",
        [Op::delete(remove_line, "Remove an estimate line").access(SESSION)],
    )
    .route(
        "/api/jobs/{id}/password/reveal",
        [
            Op::post(reveal, "Show the device password (logged every time)")
                .body("RevealInput")
                .access(SESSION),
        ],
    )
}
