//! Delivery reports from the providers: WhatsApp's status webhook, believed
//! only under the app secret's signature (`X-Hub-Signature-256`), each
//! status taken once by its event id, and told to the branch as a
//! hub-signed op (`store::db::messages::webhook_status`). Also the `GET`
//! handshake Meta makes when the webhook is registered.

use std::collections::HashMap;

use axum::extract::{Query, Request, State};
use axum::response::IntoResponse;
use http_edge::{Refusal, blocking};
use serde_json::json;
use sync_core::domain::messages::Status;

use crate::error::HubError;
use crate::outbox::whatsapp;
use crate::server::{AppState, read_body};
use crate::store::{Heard, Outcome};

type St = std::sync::Arc<AppState>;

/// Meta's check that the URL is ours: the challenge back when the verify
/// token is the one set up at the hub.
pub(crate) async fn whatsapp_verify(
    State(st): State<St>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<String, Refusal> {
    let hub = st.hub.clone();
    let settings = blocking(move || whatsapp(&*hub)).await?;
    let expected = settings.and_then(|s| s.verify_token);
    match (q.get("hub.mode"), q.get("hub.verify_token"), expected) {
        (Some(mode), Some(token), Some(expected)) if mode == "subscribe" && *token == expected => {
            Ok(q.get("hub.challenge").cloned().unwrap_or_default())
        }
        _ => Err(
            HubError::Unauthorized("hub.verify_token: not the one set up at the hub".into()).into(),
        ),
    }
}

/// Statuses of sent messages. Anything unsigned, or signed with another
/// secret, changes nothing.
pub(crate) async fn whatsapp_status(
    State(st): State<St>,
    req: Request,
) -> Result<impl IntoResponse, Refusal> {
    let (headers, body) = read_body(req).await?;
    let hub = st.hub.clone();
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let (taken, repeats) = blocking(move || {
        let settings = whatsapp(&*hub)?.ok_or_else(|| {
            HubError::Unauthorized(
                "x-hub-signature-256: no WhatsApp channel is set up at this hub, so no signature is believed".into(),
            )
        })?;
        if !settings.api().signed(&body, &signature) {
            return Err(HubError::Unauthorized(
                "x-hub-signature-256: not the app secret's signature of this body".into(),
            ));
        }
        let statuses = crate::whatsapp::statuses(&body).map_err(|e| HubError::invalid("body", e))?;
        let (mut taken, mut repeats) = (0, 0);
        for s in statuses {
            let status = match s.status.as_str() {
                "sent" => Status::Sent,
                "delivered" => Status::Delivered,
                "read" => Status::Read,
                "failed" => Status::Failed,
                _ => continue, // a kind this hub does not track
            };
            let news = Heard {
                event_id: format!("whatsapp:{}", s.event_id()),
                provider_id: s.message.clone(),
                reference: s.reference.clone(),
                status,
                reason: s.reason.clone(),
                at_ms: s.at.saturating_mul(1000),
            };
            match hub.message_status_heard(&news)? {
                Outcome::Reported => taken += 1,
                Outcome::Repeat => repeats += 1,
                Outcome::Ignored => {}
            }
        }
        Ok((taken, repeats))
    })
    .await?;
    Ok(axum::Json(json!({ "taken": taken, "repeats": repeats })))
}
