//! The one set of refusal codes for device and hub, and the JSON body a
//! refusal travels in: `{"error": {"code", "message", "field"?, "rule"?}}`.
//!
//! A client acts on the code, never on the message: the message is for the
//! person at the counter and may be reworded at any time.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sync_core::CoreError;

/// Why a request was refused, as a machine reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// A field breaks a rule; `field` and `rule` say which and what.
    Invalid,
    NotFound,
    /// No session, or a request not signed by a device known here.
    Unauthorized,
    WrongPin,
    /// Too many wrong PINs for this name: wait (`Retry-After`).
    LockedOut,
    /// The role or the device may not do this.
    Forbidden,
    /// The signing device has been revoked.
    Revoked,
    /// Honest concurrent work met: the request was not applied, nothing changed.
    Conflict,
    /// The rule book refused it for a reason other than a field.
    Rejected,
    /// This very signed request was already received: sign it afresh.
    Replayed,
    /// The request's time is outside the receiver's clock window.
    ClockSkew,
    TooLarge,
    UnsupportedMediaType,
    RateLimited,
    /// The device is not set up yet (`init` or `enroll`).
    NotInitialized,
    /// The request cannot be served in the present set-up.
    Setup,
    /// The hub was started without the owner's passphrase.
    HubLocked,
    /// The hub, restored from a backup, waits for devices to re-send what
    /// it lost before it signs in that chain again (`Retry-After`).
    Recovering,
    CannotDecrypt,
    PeerUnreachable,
    PeerError,
    Internal,
}

impl Code {
    pub const ALL: [Code; 22] = [
        Code::Invalid,
        Code::NotFound,
        Code::Unauthorized,
        Code::WrongPin,
        Code::LockedOut,
        Code::Forbidden,
        Code::Revoked,
        Code::Conflict,
        Code::Rejected,
        Code::Replayed,
        Code::ClockSkew,
        Code::TooLarge,
        Code::UnsupportedMediaType,
        Code::RateLimited,
        Code::NotInitialized,
        Code::Setup,
        Code::HubLocked,
        Code::Recovering,
        Code::CannotDecrypt,
        Code::PeerUnreachable,
        Code::PeerError,
        Code::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Invalid => "invalid",
            Code::NotFound => "not_found",
            Code::Unauthorized => "unauthorized",
            Code::WrongPin => "wrong_pin",
            Code::LockedOut => "locked_out",
            Code::Forbidden => "forbidden",
            Code::Revoked => "revoked",
            Code::Conflict => "conflict",
            Code::Rejected => "rejected",
            Code::Replayed => "replayed",
            Code::ClockSkew => "clock_skew",
            Code::TooLarge => "too_large",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::RateLimited => "rate_limited",
            Code::NotInitialized => "not_initialized",
            Code::Setup => "setup",
            Code::HubLocked => "hub_locked",
            Code::Recovering => "recovering",
            Code::CannotDecrypt => "cannot_decrypt",
            Code::PeerUnreachable => "peer_unreachable",
            Code::PeerError => "peer_error",
            Code::Internal => "internal",
        }
    }

    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A refused request: its status, code and explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub code: Code,
    pub message: String,
    pub field: Option<String>,
    pub rule: Option<String>,
    /// Seconds, sent as `Retry-After` (rate limits, lock-outs).
    pub retry_after: Option<u64>,
}

impl Refusal {
    pub fn new(status: u16, code: Code, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
            field: None,
            rule: None,
            retry_after: None,
        }
    }

    /// A field that breaks a rule (422).
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Refusal {
        let (field, rule) = (field.into(), rule.into());
        Refusal {
            message: format!("{field}: {rule}"),
            field: Some(field),
            rule: Some(rule),
            ..Refusal::new(422, Code::Invalid, "")
        }
    }

    /// A request that cannot be read as sent (400): malformed JSON, a
    /// missing field, a bad query string.
    pub fn bad_request(field: impl Into<String>, rule: impl Into<String>) -> Refusal {
        Refusal::invalid(field, rule).with_status(400)
    }

    pub fn with_status(mut self, status: u16) -> Refusal {
        self.status = status;
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Refusal {
        self.retry_after = Some(seconds);
        self
    }

    /// Work that failed inside the server (500): logged, not explained.
    pub fn internal(message: impl Into<String>) -> Refusal {
        Refusal::new(500, Code::Internal, message)
    }

    /// The rule book's refusal, the same on device and hub.
    pub fn from_core(e: &CoreError) -> Refusal {
        match e {
            CoreError::Invalid { field, rule } => Refusal::invalid(field.clone(), rule.clone()),
            CoreError::Forbidden { .. } | CoreError::UnknownDevice(_) => {
                Refusal::new(403, Code::Forbidden, e.to_string())
            }
            CoreError::Conflict(_) => Refusal::new(409, Code::Conflict, e.to_string()),
            _ => Refusal::new(422, Code::Rejected, e.to_string()),
        }
    }

    pub fn to_json(&self) -> Value {
        let mut e = json!({ "code": self.code.as_str(), "message": self.message });
        if let Some(f) = &self.field {
            e["field"] = json!(f);
        }
        if let Some(r) = &self.rule {
            e["rule"] = json!(r);
        }
        json!({ "error": e })
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.status,
            self.code.as_str(),
            self.message
        )
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(code = self.code.as_str(), message = %self.message, "request failed");
        }
        let mut r = (status, axum::Json(self.to_json())).into_response();
        if let Some(secs) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

/// A refusal as a client reads it back: its code (when the peer speaks this
/// set) and its message, or the start of whatever text it sent instead.
pub fn read_back(text: &str) -> (Option<Code>, String) {
    let v = serde_json::from_str::<Value>(text).ok();
    let code = v
        .as_ref()
        .and_then(|v| v["error"]["code"].as_str())
        .and_then(Code::parse);
    let message = v
        .as_ref()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| {
            let t = text.trim();
            if t.is_empty() {
                "no explanation given".to_string()
            } else {
                t.chars().take(300).collect()
            }
        });
    (code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_itself() {
        for c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), json!(c.as_str()));
            let text = Refusal::new(400, c, "x").to_json().to_string();
            assert_eq!(read_back(&text), (Some(c), "x".to_string()));
        }
    }

    #[test]
    fn an_invalid_field_names_field_and_rule() {
        let j = Refusal::invalid("qty", "must be positive").to_json();
        assert_eq!(j["error"]["field"], "qty");
        assert_eq!(j["error"]["rule"], "must be positive");
        assert_eq!(j["error"]["code"], "invalid");
    }

    #[test]
    fn a_conflict_is_a_conflict_on_either_side() {
        let r = Refusal::from_core(&CoreError::Conflict("two drafts".into()));
        assert_eq!((r.status, r.code), (409, Code::Conflict));
    }

    #[test]
    fn text_that_is_not_ours_is_kept_short() {
        let (code, msg) = read_back(&"x".repeat(1000));
        assert_eq!(code, None);
        assert_eq!(msg.len(), 300);
    }
}
