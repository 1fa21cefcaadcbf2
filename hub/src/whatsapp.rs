//! The WhatsApp Business Cloud API, as the hub speaks it: a template
//! message sent to a customer (an approved template by name and language,
//! its variables as body parameters), and the status webhooks that come
//! back (sent, delivered, read, failed), each verified against the app
//! secret's signature before a word of it is believed.
//!
//! Owns the wire shapes only; which message goes out when, and at most
//! once, is the outbox's.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

/// One business's WhatsApp sender, configured at the hub (never on a
/// device).
#[derive(Clone, Debug)]
pub struct CloudApi {
    /// `https://graph.facebook.com`, or a stand-in's address in tests.
    pub base: String,
    /// The Graph API version the templates were approved under.
    pub version: String,
    /// The business phone number's id (not the number).
    pub phone_number_id: String,
    /// A system user's access token.
    pub token: String,
    /// The app secret webhooks are signed with.
    pub app_secret: String,
}

/// Why a message did not go out, as the provider put it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// The provider answered and refused: its code and message, kept as the
    /// message's failure reason.
    #[error("WhatsApp refused the message ({code}): {message}")]
    Refused { code: i64, message: String },
    /// No answer to read (the network, a timeout, a body not in the API's
    /// shape): whether it went out is unknown.
    #[error("no answer from WhatsApp: {0}")]
    Unanswered(String),
    /// No connection was made: the request never left, so it can be
    /// asked again.
    #[error("WhatsApp could not be reached: {0}")]
    Unreachable(String),
}

impl SendError {
    /// A request that got no answer: `Unreachable` if no connection was
    /// made (nothing left), else `Unanswered` (it may have arrived).
    pub fn of(e: reqwest::Error) -> SendError {
        if e.is_connect() {
            SendError::Unreachable(e.to_string())
        } else {
            SendError::Unanswered(e.to_string())
        }
    }
}

/// The body of a template message to `to` (`91` and ten digits), with
/// `reference` (the op id of the message) echoed back in every status
/// webhook of it.
pub fn template_message(
    to: &str,
    template: &str,
    language: &str,
    parameters: &[String],
    reference: &str,
) -> serde_json::Value {
    let parameters: Vec<serde_json::Value> = parameters
        .iter()
        .map(|p| json!({ "type": "text", "text": p }))
        .collect();
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": template,
            "language": { "code": language },
            "components": [{ "type": "body", "parameters": parameters }],
        },
        "biz_opaque_callback_data": reference,
    })
}

#[derive(Deserialize)]
struct Sent {
    messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    id: String,
}

#[derive(Deserialize)]
struct Refusal {
    error: RefusalDetail,
}

#[derive(Deserialize)]
struct RefusalDetail {
    code: i64,
    message: String,
}

impl CloudApi {
    fn messages_url(&self) -> String {
        format!(
            "{}/{}/{}/messages",
            self.base.trim_end_matches('/'),
            self.version,
            self.phone_number_id
        )
    }

    /// Send `body` (a [`template_message`]); the provider's message id.
    pub async fn send(
        &self,
        http: &reqwest::Client,
        body: &serde_json::Value,
    ) -> Result<String, SendError> {
        let answer = http
            .post(self.messages_url())
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(SendError::of)?;
        let ok = answer.status().is_success();
        let text = answer
            .text()
            .await
            .map_err(|e| SendError::Unanswered(e.to_string()))?;
        if ok {
            let sent: Sent = serde_json::from_str(&text)
                .map_err(|e| SendError::Unanswered(format!("{e}: {text}")))?;
            sent.messages
                .into_iter()
                .next()
                .map(|m| m.id)
                .ok_or_else(|| SendError::Unanswered(format!("no message id in {text}")))
        } else {
            match serde_json::from_str::<Refusal>(&text) {
                Ok(r) => Err(SendError::Refused {
                    code: r.error.code,
                    message: r.error.message,
                }),
                Err(_) => Err(SendError::Unanswered(text)),
            }
        }
    }

    /// Whether `signature` (the `X-Hub-Signature-256` header,
    /// `sha256=<hex>`) is the app secret's HMAC of `body`, compared in
    /// constant time.
    pub fn signed(&self, body: &[u8], signature: &str) -> bool {
        let Some(hex_sig) = signature.strip_prefix("sha256=") else {
            return false;
        };
        let Ok(sig) = hex::decode(hex_sig) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.app_secret.as_bytes()) else {
            return false;
        };
        mac.update(body);
        mac.verify_slice(&sig).is_ok()
    }
}

/// One status of one message, from a webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The provider's message id.
    pub message: String,
    /// sent, delivered, read or failed.
    pub status: String,
    /// Seconds since the epoch, as the provider stamps it.
    pub at: u64,
    /// What was echoed back: the op id of the message.
    pub reference: Option<String>,
    /// Why it failed (the provider's code and title).
    pub reason: Option<String>,
}

impl Status {
    /// What tells a repeat of this webhook from news: the provider sends
    /// each status of a message once, and again on any retry.
    pub fn event_id(&self) -> String {
        format!("{}:{}", self.message, self.status)
    }
}

/// The statuses in a webhook's body (other changes, such as incoming
/// messages, are not ours and are skipped). A body not in the webhook's
/// shape is refused, naming what is wrong.
pub fn statuses(body: &[u8]) -> Result<Vec<Status>, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let mut out = vec![];
    let entries = v["entry"].as_array().ok_or("no `entry` list")?;
    for entry in entries {
        for change in entry["changes"].as_array().into_iter().flatten() {
            for s in change["value"]["statuses"].as_array().into_iter().flatten() {
                let text = |k: &str| s[k].as_str().map(str::to_owned);
                let reason = s["errors"].as_array().and_then(|e| e.first()).map(|e| {
                    format!(
                        "{} ({})",
                        e["title"].as_str().unwrap_or("failed"),
                        e["code"].as_i64().unwrap_or_default()
                    )
                });
                out.push(Status {
                    message: text("id").ok_or("a status without an `id`")?,
                    status: text("status").ok_or("a status without a `status`")?,
                    at: text("timestamp")
                        .and_then(|t| t.parse().ok())
                        .ok_or("a status without a numeric `timestamp`")?,
                    reference: text("biz_opaque_callback_data"),
                    reason,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> CloudApi {
        CloudApi {
            base: "http://127.0.0.1:1".into(),
            version: "v21.0".into(),
            phone_number_id: "106540352242922".into(),
            token: "t".into(),
            app_secret: "the app secret".into(),
        }
    }

    #[test]
    fn a_webhook_is_believed_only_with_the_app_secrets_signature() {
        let body = br#"{"entry":[]}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"the app secret").unwrap();
        mac.update(body);
        let good = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert!(api().signed(body, &good));
        assert!(!api().signed(br#"{"entry":[1]}"#, &good), "another body");
        assert!(!api().signed(body, &good.replace("sha256=", "sha1=")));
        assert!(!api().signed(body, "sha256=00"));
        let mut other = api();
        other.app_secret = "another secret".into();
        assert!(!other.signed(body, &good), "another app's secret");
    }

    #[test]
    fn statuses_are_read_from_the_webhooks_shape() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","statuses":[
            {"id":"wamid.A","status":"delivered","timestamp":"1796600000","recipient_id":"919845012345","biz_opaque_callback_data":"op-1"},
            {"id":"wamid.B","status":"failed","timestamp":"1796600001","recipient_id":"919845012345","errors":[{"code":131026,"title":"Message undeliverable"}]}
        ]}}]}]}"#;
        let s = statuses(body).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].reference.as_deref(), Some("op-1"));
        assert_eq!(s[0].event_id(), "wamid.A:delivered");
        assert_eq!(
            s[1].reason.as_deref(),
            Some("Message undeliverable (131026)")
        );
        assert!(statuses(b"{}").unwrap_err().contains("entry"));
        let e = statuses(br#"{"entry":[{"changes":[{"value":{"statuses":[{"status":"read","timestamp":"1"}]}}]}]}"#)
            .unwrap_err();
        assert!(e.contains("`id`"), "{e}");
    }

    #[test]
    fn a_template_message_names_template_language_and_parameters() {
        let b = template_message(
            "919845012345",
            "job_ready",
            "kn",
            &["Asha".into(), "BLR1-2-00017".into()],
            "op-7",
        );
        assert_eq!(b["template"]["name"], "job_ready");
        assert_eq!(b["template"]["language"]["code"], "kn");
        assert_eq!(
            b["template"]["components"][0]["parameters"][1]["text"],
            "BLR1-2-00017"
        );
        assert_eq!(b["biz_opaque_callback_data"], "op-7");
        assert_eq!(
            api().messages_url(),
            "http://127.0.0.1:1/v21.0/106540352242922/messages"
        );
    }
}
