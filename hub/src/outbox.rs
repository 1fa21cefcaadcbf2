//! The hub's sender of customer messages: the devices decide what to say
//! (a `MessageQueued` op, made with its event, offline or not); this loop
//! sends each once the hub has it, through the business's channel, and the
//! store tells the branch what became of it. At most once: the store's
//! claim is committed before the provider is asked (see
//! `store::db::messages`), so a crash, a second hub process or a message
//! pushed twice never sends it twice.
//!
//! One loop per business, woken by a push that brought messages and every
//! [`POLL`] otherwise; the channel settings are read each round, so a
//! channel set up at the hub is used without a restart.

use std::sync::Arc;
use std::time::Duration;

use http_edge::blocking;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::error::{HubError, Result};
use crate::store::db::now_ms;
use crate::store::{Answer, HubStore, Outgoing};
use crate::whatsapp::{CloudApi, SendError, template_message};

/// How often the loop looks without being woken.
pub const POLL: Duration = Duration::from_secs(2);
/// The longest a provider is waited for, unless `HUB_SEND_TIMEOUT_SECS`
/// says otherwise.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a provider is waited for: [`REQUEST_TIMEOUT`], or
/// `HUB_SEND_TIMEOUT_SECS` (1 to 300).
pub fn request_timeout() -> Duration {
    std::env::var("HUB_SEND_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| (1..=300).contains(s))
        .map_or(REQUEST_TIMEOUT, Duration::from_secs)
}
/// Messages taken per round.
const BATCH: u32 = 50;

/// The WhatsApp channel's settings as stored at the hub (`hub messaging
/// whatsapp`): never sent to a device.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatsAppSettings {
    /// `https://graph.facebook.com`, or a stand-in's address in tests.
    pub base: String,
    pub version: String,
    pub phone_number_id: String,
    pub token: String,
    pub app_secret: String,
    /// What Meta sends back when the webhook is registered (`GET`).
    #[serde(default)]
    pub verify_token: Option<String>,
}

impl WhatsAppSettings {
    pub fn api(&self) -> CloudApi {
        CloudApi {
            base: self.base.clone(),
            version: self.version.clone(),
            phone_number_id: self.phone_number_id.clone(),
            token: self.token.clone(),
            app_secret: self.app_secret.clone(),
        }
    }
}

/// The business's WhatsApp settings, if set up.
pub fn whatsapp(hub: &dyn HubStore) -> Result<Option<WhatsAppSettings>> {
    match hub.message_channel("whatsapp")? {
        Some(s) => serde_json::from_str(&s)
            .map(Some)
            .map_err(|e| HubError::Setup(format!("the stored WhatsApp settings do not read: {e}"))),
        None => Ok(None),
    }
}

/// The business's SMS gateway, if set up.
pub fn sms(hub: &dyn HubStore) -> Result<Option<crate::sms::DltGateway>> {
    match hub.message_channel("sms")? {
        Some(s) => serde_json::from_str(&s)
            .map(Some)
            .map_err(|e| HubError::Setup(format!("the stored SMS settings do not read: {e}"))),
        None => Ok(None),
    }
}

/// The business's mail server, if set up.
pub fn email(hub: &dyn HubStore) -> Result<Option<crate::email::SmtpSettings>> {
    match hub.message_channel("email")? {
        Some(s) => serde_json::from_str(&s)
            .map(Some)
            .map_err(|e| HubError::Setup(format!("the stored email settings do not read: {e}"))),
        None => Ok(None),
    }
}

/// Where the hub is reached from outside (its customer pages), and their
/// links' key.
#[derive(Clone)]
pub struct Pages {
    /// `https://laptopcare.hub.example.in`; `{business}` in it is the
    /// business's slug on a many-business hub.
    pub base: String,
    pub key: [u8; 32],
}

/// `values` with each `link` variable of `event` made the job's page link
/// (the device leaves it empty: only the hub signs links).
fn with_links(m: &Outgoing, pages: Option<&Pages>) -> Vec<String> {
    let names = m.event.variables();
    m.values
        .iter()
        .enumerate()
        .map(|(i, v)| match (names.get(i), m.job, pages) {
            (Some(&"link"), Some(job), Some(p)) => {
                crate::customer::link(&p.base, &p.key, job, now_ms())
            }
            // No page to link: the shop's name is in the words already.
            (Some(&"link"), _, _) if v.is_empty() => "-".into(),
            _ => v.clone(),
        })
        .collect()
}

/// What the reason of a message left for the counter says.
pub const NO_CHANNEL: &str =
    "no channel is set up at the hub: send it from the counter with the WhatsApp link";

/// One round for one business: settle what a stopped hub left, then send
/// what waits. Returns how many messages it asked a provider for.
pub async fn round(
    hub: Arc<dyn HubStore>,
    http: &reqwest::Client,
    pages: Option<&Pages>,
) -> Result<usize> {
    let h = hub.clone();
    // A claim twice as old as any live request can be was left by a hub
    // that stopped (in this process or another one).
    let stale_ms = 2 * u64::try_from(request_timeout().as_millis()).unwrap_or(u64::MAX / 4);
    let (whatsapp, sms, email, waiting) = blocking(move || {
        h.messages_unanswered(now_ms().saturating_sub(stale_ms))?;
        Ok::<_, HubError>((
            whatsapp(&*h)?,
            sms(&*h)?,
            email(&*h)?,
            h.messages_to_send(BATCH)?,
        ))
    })
    .await?;
    let mut asked = 0;
    for mut m in waiting {
        m.values = with_links(&m, pages);
        // WhatsApp when the business has it; else SMS when the event has a
        // registered DLT template in the message's language; else email
        // when the customer has an address; else the counter's link.
        let sms_template = sms
            .as_ref()
            .and_then(|g| Some((g, g.template(m.event, m.language)?.clone())));
        let mail = email.as_ref().filter(|_| m.email.is_some());
        let channel = match (&whatsapp, &sms_template, mail) {
            (Some(_), _, _) => "whatsapp",
            (None, Some(_), _) => "sms",
            (None, None, Some(_)) => "email",
            (None, None, None) => "none",
        };
        let (h, mm) = (hub.clone(), m.clone());
        if !blocking(move || h.claim_message(&mm, channel)).await? {
            continue; // another hub process has it
        }
        let answer = match (&whatsapp, &sms_template, mail) {
            (Some(s), _, _) => {
                asked += 1;
                send_whatsapp(&s.api(), http, &m).await
            }
            (None, Some((g, t)), _) => {
                asked += 1;
                send_sms(g, t, http, &m).await
            }
            (None, None, Some(smtp)) => {
                asked += 1;
                let (h, branch, event, language) = (hub.clone(), m.branch, m.event, m.language);
                let words =
                    blocking(move || h.message_template(Some(branch), event, language)).await?;
                send_email(smtp, &m, words.as_deref()).await
            }
            (None, None, None) => Answer::NotSent {
                reason: NO_CHANNEL.into(),
            },
        };
        let h = hub.clone();
        blocking(move || h.message_answered(m.id, &answer)).await?;
    }
    Ok(asked)
}

async fn send_sms(
    g: &crate::sms::DltGateway,
    t: &crate::sms::DltTemplate,
    http: &reqwest::Client,
    m: &Outgoing,
) -> Answer {
    let to = match sync_core::domain::messages::mobile_e164(&m.to) {
        Ok(to) => to,
        Err(e) => {
            return Answer::Refused {
                reason: e.to_string(),
            };
        }
    };
    answer_of("the SMS gateway", g.send(http, &to, t, &m.values).await)
}

/// By email, in the owner's words for the event and language if set, else
/// the built-in ones.
async fn send_email(
    smtp: &crate::email::SmtpSettings,
    m: &Outgoing,
    words: Option<&str>,
) -> Answer {
    use sync_core::domain::messages::{Value, default_text, render};
    let Some(to) = &m.email else {
        return Answer::Refused {
            reason: "the customer has no email address".into(),
        };
    };
    let values: Vec<Value> = m.values.iter().map(|v| Value::Text(v.clone())).collect();
    let text = words.unwrap_or_else(|| default_text(m.event, m.language));
    let body = match render(text, &values) {
        Ok(b) => b,
        Err(e) => {
            return Answer::Refused {
                reason: e.to_string(),
            };
        }
    };
    answer_of(
        "the mail server",
        smtp.send(
            to,
            crate::email::subject(m.event),
            &body,
            &hex::encode(m.id.0),
        )
        .await,
    )
}

fn answer_of(who: &str, r: std::result::Result<String, SendError>) -> Answer {
    match r {
        Ok(provider_id) => Answer::Sent { provider_id },
        Err(SendError::Refused { code, message }) => Answer::Refused {
            reason: format!("{who} refused it ({code}): {message}"),
        },
        Err(SendError::Unanswered(e)) => Answer::Unknown {
            reason: format!(
                "no answer from {who} ({e}): it may have gone out; it is not sent again by itself"
            ),
        },
        Err(SendError::Unreachable(_)) => Answer::Retry,
    }
}

async fn send_whatsapp(api: &CloudApi, http: &reqwest::Client, m: &Outgoing) -> Answer {
    let to = match sync_core::domain::messages::mobile_e164(&m.to) {
        Ok(to) => to,
        Err(e) => {
            return Answer::Refused {
                reason: e.to_string(),
            };
        }
    };
    // The template is approved at Meta under the event's name, in each
    // language; its variables go as body parameters in order.
    let body = template_message(
        &to,
        m.event.as_str(),
        m.language.code(),
        &m.values,
        &hex::encode(m.id.0),
    );
    answer_of("WhatsApp", api.send(http, &body).await)
}

/// Run `hub`'s outbox until `stop` resolves: a round on every wake-up of
/// `wake` and every [`POLL`].
pub async fn run(
    hub: Arc<dyn HubStore>,
    wake: Arc<Notify>,
    pages: Option<String>,
    stop: impl std::future::Future<Output = ()>,
) {
    let pages = pages.map(|base| Pages {
        base,
        key: hub.customer_link_key(),
    });
    let http = match reqwest::Client::builder()
        .timeout(request_timeout())
        .build()
    {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("outbox: no HTTP client: {e}");
            return;
        }
    };
    tokio::pin!(stop);
    loop {
        if let Err(e) = round(hub.clone(), &http, pages.as_ref()).await {
            tracing::warn!("outbox: {e}");
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}
