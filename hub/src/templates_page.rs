//! The owner's page for the words of customer messages (`GET /messages`,
//! HTML): every event in every language, the words in force (the
//! business's, or with `?branch=` that branch's own over them), each with
//! a preview filled from the newest real job, and a form whose script
//! sends the change to `PUT /owner/templates` (the rule book checks the
//! variables; the refusal is shown beside the form). The built-in words
//! are used until the owner writes their own.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use http_edge::{Json, Refusal, blocking};
use serde::Deserialize;
use serde_json::json;
use sheets::escape as esc;
use sync_core::body::MessageTemplate;
use sync_core::domain::messages::{Event, Language, Value, default_text, render};
use sync_core::ids::BranchId;

use crate::error::{HubError, Result};
use crate::owner::Owner;
use crate::server::AppState;
use crate::store::HubStore;
use crate::store::db::templates::Sample;

type St = Arc<AppState>;

/// The variables of `event` filled from `s` (the OTP, link and money are
/// examples: a preview shows no customer's secret).
pub fn sample_values(event: Event, s: &Sample) -> Vec<Value> {
    event
        .variables()
        .iter()
        .map(|v| match *v {
            "customer" => Value::Text(s.customer.clone()),
            "job number" => Value::Text(s.job_no.clone()),
            "device" => Value::Text(s.device.clone()),
            "shop" => Value::Text(s.shop.clone()),
            "OTP" => Value::Text("4821".into()),
            "total" | "amount" => Value::Money(rust_decimal::Decimal::new(295_000, 2)),
            "link" => Value::Text("https://…/c/…".into()),
            "invoice number" => Value::Text(format!(
                "{}/…",
                s.shop.chars().take(3).collect::<String>().to_uppercase()
            )),
            "date" => Value::Date(sync_core::domain::date::Date::from_unix_ms_ist(
                crate::store::db::now_ms(),
            )),
            other => Value::Text(other.to_string()),
        })
        .collect()
}

/// The page's table (blocking: reads the store).
pub fn page(hub: &dyn HubStore, branch: Option<BranchId>) -> Result<String> {
    let name = hub.business_name()?;
    let sample = hub.template_sample(branch)?.unwrap_or(Sample {
        customer: "Asha Rao".into(),
        job_no: "BLR1-2-00017".into(),
        device: "HP Pavilion 14".into(),
        shop: name.clone(),
    });
    let mut h = crate::pages::head("Messages", &name);
    h.push_str(&crate::pages::top(&name, Some("/messages")));
    h.push_str(&format!(
        "<main><h1>Words of customer messages{}</h1><p class=\"muted\">{{{{1}}}}, {{{{2}}}}, … stand for each event's details in order. A preview is filled from job {}. Empty words go back to the built-in ones.</p><table id=\"templates\"><thead><tr><th>Event</th><th>Language</th><th>Words</th><th>Preview</th></tr></thead><tbody>",
        branch.map(|b| format!(" · branch {b}")).unwrap_or_default(),
        esc(&sample.job_no)
    ));
    for event in Event::ALL {
        for language in Language::ALL {
            let own = hub.message_template(branch, event, language)?;
            let text = own
                .clone()
                .unwrap_or_else(|| default_text(event, language).to_string());
            let preview =
                render(&text, &sample_values(event, &sample)).unwrap_or_else(|e| e.to_string());
            h.push_str(&format!(
                "<tr data-event=\"{e}\" data-language=\"{l}\"><td>{e}<div class=\"muted\">{vars}</div></td><td>{l}</td><td><form data-event=\"{e}\" data-language=\"{l}\"><textarea name=\"text\" rows=\"3\" cols=\"40\">{t}</textarea><button>Save</button> <button type=\"button\" class=\"builtin\">Built-in</button> <span class=\"err\"></span></form>{own}</td><td class=\"preview\">{p}</td></tr>",
                e = event.as_str(),
                l = language.code(),
                vars = esc(&event.variables().join(", ")),
                t = esc(&text),
                own = if own.is_some() { "<div class=\"muted\">the owner's words</div>" } else { "" },
                p = esc(&preview),
            ));
        }
    }
    h.push_str("</tbody></table></main>");
    h.push_str(&format!(
        r#"<script>
const branch = {};
async function save(f, text) {{
  const r = await fetch('/owner/templates', {{ method: 'PUT', headers: {{ 'content-type': 'application/json' }}, body: JSON.stringify({{ branch, event: f.dataset.event, language: f.dataset.language, text }}) }});
  if (r.ok) {{ location.reload(); return; }}
  const b = await r.json().catch(() => null);
  f.querySelector('.err').textContent = (b && b.error && b.error.message) || ('refused (' + r.status + ')');
}}
for (const f of document.querySelectorAll('#templates form')) {{
  f.addEventListener('submit', (e) => {{ e.preventDefault(); save(f, f.elements.text.value); }});
  f.querySelector('.builtin').addEventListener('click', () => save(f, null));
}}
</script></body></html>"#,
        branch.map(|b| format!("\"{b}\"")).unwrap_or_else(|| "null".into())
    ));
    Ok(h)
}

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    #[serde(default)]
    branch: Option<String>,
}

/// `GET /messages`; without a session, to the login.
pub(crate) async fn show(
    State(st): State<St>,
    h: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Result<Response, Refusal> {
    if !crate::login::signed_in(&st, &h) {
        return Ok(crate::login::to_login());
    }
    let branch = match q.branch.as_deref().filter(|b| !b.is_empty()) {
        Some(b) => Some(
            b.parse::<BranchId>()
                .map_err(|_| HubError::invalid("branch", "must be a branch's id"))?,
        ),
        None => None,
    };
    let hub = st.hub.clone();
    let html = blocking(move || page(&*hub, branch)).await?;
    Ok(Html(html).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TemplateInput {
    #[serde(default)]
    branch: Option<BranchId>,
    event: String,
    language: String,
    /// None (or empty): back to the built-in words.
    text: Option<String>,
}

/// `PUT /owner/templates`: the owner's words, signed and sent to the
/// devices; the built-in words with no text.
pub(crate) async fn set(
    Owner(hub): Owner,
    Json(i): Json<TemplateInput>,
) -> Result<impl IntoResponse, Refusal> {
    let event = Event::parse(&i.event).ok_or_else(|| {
        HubError::invalid(
            "event",
            format!(
                "must be one of {}",
                Event::ALL.map(Event::as_str).join(", ")
            ),
        )
    })?;
    let language = Language::parse(&i.language)
        .ok_or_else(|| HubError::invalid("language", "must be one of en, hi, kn, ta"))?;
    let t = MessageTemplate {
        branch: i.branch,
        event,
        language,
        text: i.text.filter(|t| !t.trim().is_empty()),
    };
    blocking(move || hub.set_message_template(t)).await?;
    Ok(axum::Json(
        json!({ "event": event.as_str(), "language": language.code(), "changed": true }),
    ))
}
