//! Email to customers over SMTP: the business's own mail server (or its
//! provider's relay), STARTTLS unless it is told the server is on a link
//! of its own, a plain-text message in the customer's language whose
//! `Message-ID` carries the message's id (what the hub keeps as the
//! provider's id, and what a bounce quotes back).

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use sync_core::domain::messages::Event;

use crate::whatsapp::SendError;

/// One business's mail server, configured at the hub.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// `Jayanagar Laptop Care <care@jlcare.in>`.
    pub from: String,
    /// Plain SMTP, for a relay on the same host or a private link only.
    #[serde(default)]
    pub plain: bool,
}

fn default_port() -> u16 {
    587
}

/// The subject line of an event's message.
pub fn subject(event: Event) -> &'static str {
    match event {
        Event::JobOpened => "We have received your device",
        Event::EstimateShared => "Your repair estimate",
        Event::JobReady => "Your device is ready for pickup",
        Event::InvoiceFinalized => "Your invoice",
        Event::PaymentReceived => "Payment received, thank you",
    }
}

impl SmtpSettings {
    /// Check what an operator gives, naming the field.
    pub fn check(&self) -> Result<(), (String, String)> {
        if self.host.trim().is_empty() {
            return Err(("host".into(), "cannot be empty".into()));
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err((
                "from".into(),
                "must be an address, e.g. Jayanagar Laptop Care <care@jlcare.in>".into(),
            ));
        }
        if self.username.is_some() != self.password.is_some() {
            return Err((
                "password".into(),
                "a username and a password go together".into(),
            ));
        }
        Ok(())
    }

    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
        let b = if self.plain {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host).map_err(|e| {
                SendError::Refused {
                    code: 0,
                    message: e.to_string(),
                }
            })?
        };
        let b = b.port(self.port);
        Ok(match (&self.username, &self.password) {
            (Some(u), Some(p)) => b.credentials(Credentials::new(u.clone(), p.clone())),
            _ => b,
        }
        .build())
    }

    /// Send `body` to `to`; the `Message-ID` given to it, as the id kept.
    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        reference: &str,
    ) -> Result<String, SendError> {
        let refused = |e: String| SendError::Refused {
            code: 0,
            message: e,
        };
        let id = format!("<{reference}@repair-hub>");
        let email = Message::builder()
            .from(
                self.from
                    .parse()
                    .map_err(|e| refused(format!("from: {e}")))?,
            )
            .to(to.parse().map_err(|e| refused(format!("to: {e}")))?)
            .subject(subject)
            .message_id(Some(id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| refused(e.to_string()))?;
        match self.transport()?.send(email).await {
            Ok(_) => Ok(id),
            // The server's answer: refused for good, or "not now" (4xx, so
            // not taken: it may be asked again).
            Err(e) if e.is_permanent() || e.is_client() => Err(refused(e.to_string())),
            Err(e) if e.is_transient() || never_connected(&e) => {
                Err(SendError::Unreachable(e.to_string()))
            }
            // A link lost mid-conversation: the data may have been taken.
            Err(e) => Err(SendError::Unanswered(e.to_string())),
        }
    }
}

/// Whether no connection was made at all (nothing can have been taken).
fn never_connected(e: &lettre::transport::smtp::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        source = s.source();
    }
    false
}
