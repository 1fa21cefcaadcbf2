//! The customer's own page, served by the hub at a link sent in their
//! messages: their one job's status and timeline, the estimate with its
//! total and **Approve** / **Decline**, their invoices with what is still
//! due and a UPI link to pay it, and a print button. Plain HTML forms, no
//! script needed: it works on a cheap phone.
//!
//! The link is the capability: `/c/<job id, expiry, HMAC-SHA256>` under a
//! key only the hub holds (derived from its root seed), so it cannot be
//! guessed, altered to name another job, or used after it expires; a link
//! that is any of those shows nothing of any job. The page never shows the
//! device password, staff, or anything of another customer.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use hmac::{Hmac, Mac};
use http_edge::{Refusal, blocking};
use sha2::Sha256;
use sheets::escape as esc;
use sync_core::domain::date::Date;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::money::format_inr;
use sync_core::ids::RecordId;

use crate::error::HubError;
use crate::server::AppState;
use crate::store::db::customer_page::CustomerJob;
use crate::store::db::now_ms;

type St = std::sync::Arc<AppState>;

/// How long a link sent in a message opens the page.
pub const LINK_DAYS: u64 = 30;

/// Why a link opens nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Not one the hub made (altered, truncated, another key's).
    Invalid,
    /// The hub made it, and its time is over.
    Expired,
}

fn mac(key: &[u8; 32], body: &[u8]) -> Option<[u8; 16]> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).ok()?;
    m.update(b"customer page link v1");
    m.update(body);
    let full = m.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    Some(out)
}

/// The token of a link to `job`'s page, open until `expires_ms`.
pub fn token(key: &[u8; 32], job: RecordId, expires_ms: u64) -> String {
    let mut body = Vec::with_capacity(40);
    body.extend_from_slice(&job.0);
    body.extend_from_slice(&expires_ms.to_be_bytes());
    let tag = mac(key, &body).unwrap_or_default();
    body.extend_from_slice(&tag);
    hex::encode(body)
}

/// The job a token opens at `now_ms`. The signature is checked first, so
/// an altered token says nothing of when it would have expired.
pub fn check(key: &[u8; 32], token: &str, now_ms: u64) -> Result<RecordId, LinkError> {
    let bytes = hex::decode(token).map_err(|_| LinkError::Invalid)?;
    if bytes.len() != 40 {
        return Err(LinkError::Invalid);
    }
    let (body, tag) = bytes.split_at(24);
    let mut m = Hmac::<Sha256>::new_from_slice(key).map_err(|_| LinkError::Invalid)?;
    m.update(b"customer page link v1");
    m.update(body);
    m.verify_truncated_left(tag)
        .map_err(|_| LinkError::Invalid)?;
    let mut job = [0u8; 16];
    job.copy_from_slice(&body[..16]);
    let mut exp = [0u8; 8];
    exp.copy_from_slice(&body[16..24]);
    if u64::from_be_bytes(exp) < now_ms {
        return Err(LinkError::Expired);
    }
    Ok(RecordId(job))
}

/// The page's address under `base` (the hub's public address).
pub fn link(base: &str, key: &[u8; 32], job: RecordId, now_ms: u64) -> String {
    let expires = now_ms.saturating_add(LINK_DAYS * 24 * 3_600_000);
    format!(
        "{}/c/{}",
        base.trim_end_matches('/'),
        token(key, job, expires)
    )
}

const STYLE: &str = "body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}main{max-width:34rem;margin:auto;padding:1rem}section{background:#fff;border-radius:.6rem;padding:.8rem 1rem;margin:.8rem 0;box-shadow:0 1px 2px #0001}h1{font-size:1.25rem;margin:.2rem 0}h2{font-size:1rem;margin:.2rem 0 .5rem}.muted{color:#5b6574}table{width:100%;border-collapse:collapse}td{padding:.25rem 0;border-bottom:1px solid #eef0f3}td.n{text-align:right;white-space:nowrap}.total td{font-weight:700;border:0}.status{display:inline-block;background:#e8f0fe;color:#1a4fb5;border-radius:1rem;padding:.1rem .7rem;font-weight:600}button,.pay{font:inherit;padding:.7rem 1.2rem;border-radius:.5rem;border:0;margin:.3rem .3rem .3rem 0;display:inline-block;text-decoration:none}.yes{background:#137333;color:#fff}.no{background:#fff;color:#a50e0e;border:1px solid #a50e0e}.pay{background:#1a4fb5;color:#fff}ol{padding-left:1.2rem}@media print{button,.pay,form{display:none}body{background:#fff}section{box-shadow:none}}";

fn label(s: &str) -> String {
    JobStatus::parse(s)
        .map(|s| match s {
            JobStatus::Received => "Received",
            JobStatus::Diagnosed => "Checked",
            JobStatus::EstimateShared => "Estimate ready for your answer",
            JobStatus::Approved => "Estimate approved",
            JobStatus::Rejected => "Estimate declined",
            JobStatus::InRepair => "In repair",
            JobStatus::WaitingForParts => "Waiting for parts",
            JobStatus::Ready => "Ready for pickup",
            JobStatus::Delivered => "Delivered",
            JobStatus::Cancelled => "Cancelled",
        })
        .unwrap_or("—")
        .to_string()
}

fn when(ms: u64) -> String {
    // India's time, as the slip prints it.
    let ist = ms.saturating_add(19_800_000);
    let day = Date::from_unix_ms_ist(ms).to_indian();
    let mins = (ist / 60_000) % (24 * 60);
    format!("{day} {:02}:{:02}", mins / 60, mins % 60)
}

/// `upi://pay` for `amount` to the shop's UPI id, naming the job.
fn upi(id: &str, shop: &str, amount: &str, note: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "upi://pay?pa={}&pn={}&am={}&cu=INR&tn={}",
        enc(id),
        enc(shop),
        enc(amount),
        enc(note)
    )
}

fn page(j: &CustomerJob, token: &str, said: Option<&str>) -> String {
    let mut h = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>{} · {}</title><style>{STYLE}</style></head><body><main>",
        esc(&j.job_no),
        esc(&j.shop)
    );
    h.push_str(&format!(
        "<section><div class=\"muted\">{}</div><h1 id=\"job-no\">{}</h1><div>{} · {}</div><p><span class=\"status\" id=\"status\">{}</span></p><div class=\"muted\">Dear {}, this page is only for you: please do not share it.</div></section>",
        esc(&j.shop),
        esc(&j.job_no),
        esc(&j.device),
        esc(&j.complaint),
        esc(&label(j.status.as_str())),
        esc(&j.customer_name)
    ));
    if let Some(s) = said {
        h.push_str(&format!("<section id=\"said\"><b>{}</b></section>", esc(s)));
    }
    if !j.estimate.is_empty() {
        h.push_str("<section id=\"estimate\"><h2>Estimate</h2><table>");
        for (d, qty, total) in &j.estimate {
            h.push_str(&format!(
                "<tr><td>{} × {}</td><td class=\"n\">₹{}</td></tr>",
                esc(d),
                qty.normalize(),
                format_inr(*total)
            ));
        }
        if let Some(t) = j.estimate_total {
            h.push_str(&format!(
                "<tr class=\"total\"><td>Total, with GST</td><td class=\"n\" id=\"estimate-total\">₹{}</td></tr>",
                format_inr(t)
            ));
        }
        h.push_str("</table>");
        if j.status == JobStatus::EstimateShared {
            h.push_str(&format!(
                "<form method=\"post\" action=\"/c/{token}/answer\"><button class=\"yes\" id=\"approve\" name=\"answer\" value=\"approve\">Approve</button><button class=\"no\" id=\"decline\" name=\"answer\" value=\"decline\">Decline</button></form>"
            ));
        }
        h.push_str("</section>");
    }
    if !j.invoices.is_empty() {
        h.push_str("<section id=\"invoices\"><h2>Invoice</h2><table>");
        for (number, date, total, cancelled) in &j.invoices {
            let date = date
                .parse::<Date>()
                .map(|d| d.to_indian())
                .unwrap_or_else(|_| date.clone());
            h.push_str(&format!(
                "<tr><td>{} · {}{}</td><td class=\"n\">₹{}</td></tr>",
                esc(number),
                esc(&date),
                if *cancelled { " (cancelled)" } else { "" },
                format_inr(*total)
            ));
        }
        h.push_str(&format!(
            "<tr class=\"total\"><td>Still to pay</td><td class=\"n\" id=\"due\">₹{}</td></tr></table>",
            format_inr(j.due)
        ));
        if j.due > rust_decimal::Decimal::ZERO
            && let Some(id) = &j.upi_id
        {
            h.push_str(&format!(
                "<a class=\"pay\" id=\"pay\" href=\"{}\">Pay ₹{} by UPI</a>",
                esc(&upi(id, &j.shop, &j.due.round_dp(2).to_string(), &j.job_no)),
                format_inr(j.due)
            ));
        }
        h.push_str("<button type=\"button\" onclick=\"print()\">Print</button></section>");
    }
    if j.status == JobStatus::Delivered {
        match &j.rating {
            Some((stars, _)) => h.push_str(&format!(
                "<section id=\"rated\">You rated us {}{} — thank you.</section>",
                "★".repeat(usize::from(*stars)),
                "☆".repeat(5usize.saturating_sub(usize::from(*stars)))
            )),
            None => {
                h.push_str(&format!("<section id=\"rating\"><h2>How did we do?</h2><form method=\"post\" action=\"/c/{token}/rating\"><div>"));
                for n in 1..=5 {
                    h.push_str(&format!(
                        "<label style=\"margin-right:.6rem\"><input type=\"radio\" name=\"stars\" value=\"{n}\" id=\"stars-{n}\" required> {n}★</label>"
                    ));
                }
                h.push_str("</div><p><textarea name=\"comment\" id=\"comment\" rows=\"3\" maxlength=\"500\" style=\"width:100%\" placeholder=\"A word for the shop (optional)\"></textarea></p><button class=\"yes\" id=\"rate\">Send</button></form></section>");
            }
        }
    }
    h.push_str("<section id=\"timeline\"><h2>So far</h2><ol>");
    for (s, at) in &j.timeline {
        h.push_str(&format!(
            "<li>{} <span class=\"muted\">{}</span></li>",
            esc(&label(s)),
            esc(&when(*at))
        ));
    }
    h.push_str("</ol></section>");
    h.push_str(&format!(
        "<section class=\"muted\">{}{}</section></main></body></html>",
        esc(&j.shop_address),
        j.shop_phone
            .as_deref()
            .map(|p| format!(" · <a href=\"tel:{0}\">{0}</a>", esc(p)))
            .unwrap_or_default()
    ));
    h
}

fn nothing(status: StatusCode, why: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Html(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Link</title><style>{STYLE}</style></head><body><main><section id=\"nothing\"><h1>{}</h1><p>Ask the shop to send you a new link.</p></section></main></body></html>",
            esc(why)
        )),
    )
        .into_response()
}

fn opened(st: &AppState, token: &str) -> Result<RecordId, LinkError> {
    check(&st.hub.customer_link_key(), token, now_ms())
}

/// The page a link that opens nothing shows.
fn refused(e: LinkError) -> Response {
    match e {
        LinkError::Expired => nothing(StatusCode::GONE, "This link has expired"),
        LinkError::Invalid => nothing(StatusCode::FORBIDDEN, "This link is not valid"),
    }
}

/// `GET /c/{token}`.
pub(crate) async fn show(State(st): State<St>, Path(token): Path<String>) -> Response {
    let job = match opened(&st, &token) {
        Ok(j) => j,
        Err(e) => return refused(e),
    };
    let hub = st.hub.clone();
    match blocking(move || hub.customer_job(job)).await {
        Ok(Some(j)) => (
            [(header::CACHE_CONTROL, "no-store")],
            Html(page(&j, &token, None)),
        )
            .into_response(),
        Ok(None) => nothing(StatusCode::FORBIDDEN, "This link is not valid"),
        Err(e) => Refusal::from(e).into_response(),
    }
}

/// The page again after the customer's answer or rating, saying what was
/// done, or why not (409).
async fn again(st: &AppState, job: RecordId, token: &str, done: bool, said: &str) -> Response {
    let hub = st.hub.clone();
    match blocking(move || hub.customer_job(job)).await {
        Ok(Some(j)) => (
            if done {
                StatusCode::OK
            } else {
                StatusCode::CONFLICT
            },
            [(header::CACHE_CONTROL, "no-store")],
            Html(page(&j, token, Some(said))),
        )
            .into_response(),
        Ok(None) => nothing(StatusCode::FORBIDDEN, "This link is not valid"),
        Err(e) => Refusal::from(e).into_response(),
    }
}

/// `POST /c/{token}/rating` (`stars=1..5`, `comment`): the rating goes to
/// the shop as the hub's signed op; the page thanks them.
pub(crate) async fn rate(
    State(st): State<St>,
    Path(token): Path<String>,
    body: String,
) -> Response {
    let job = match opened(&st, &token) {
        Ok(j) => j,
        Err(e) => return refused(e),
    };
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let field = |k: &str| {
        form.iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.trim().to_string())
    };
    let Some(stars) = field("stars").and_then(|s| s.parse::<u8>().ok()) else {
        return Refusal::from(HubError::invalid("stars", "must be 1 to 5")).into_response();
    };
    let comment = field("comment").filter(|c| !c.is_empty());
    let hub = st.hub.clone();
    let rated = {
        let hub = hub.clone();
        blocking(move || hub.customer_rates(job, stars, comment)).await
    };
    let said = match &rated {
        Ok(()) => "Thank you for your rating.".to_string(),
        Err(HubError::Rule(e)) => e.to_string(),
        Err(e) => return e.refusal().into_response(),
    };
    again(&st, job, &token, rated.is_ok(), &said).await
}

/// `POST /c/{token}/answer` (`answer=approve|decline`): the answer goes to
/// the shop as the hub's signed status change; the page shows it.
pub(crate) async fn answer(
    State(st): State<St>,
    Path(token): Path<String>,
    body: String,
) -> Response {
    let job = match opened(&st, &token) {
        Ok(j) => j,
        Err(e) => return refused(e),
    };
    let approve = match serde_urlencoded::from_str::<Vec<(String, String)>>(&body)
        .ok()
        .and_then(|f| f.into_iter().find(|(k, _)| k == "answer").map(|(_, v)| v))
        .as_deref()
    {
        Some("approve") => true,
        Some("decline") => false,
        _ => {
            return Refusal::from(HubError::invalid("answer", "must be approve or decline"))
                .into_response();
        }
    };
    let hub = st.hub.clone();
    let at = now_ms();
    let note = format!(
        "{} by the customer on their page (link sent by message) at {}",
        if approve { "Approved" } else { "Declined" },
        when(at)
    );
    let decided = {
        let hub = hub.clone();
        blocking(move || hub.customer_decides(job, approve, &note)).await
    };
    let said = match &decided {
        Ok(_) if approve => "Thank you: the shop will go ahead with the repair.".to_string(),
        Ok(_) => {
            "Thank you: the shop will not go ahead, and will tell you when to collect your device."
                .to_string()
        }
        // The job moved on meanwhile: the page says why, and shows it.
        Err(HubError::Rule(e)) => e.to_string(),
        Err(e) => return e.refusal().into_response(),
    };
    again(&st, job, &token, decided.is_ok(), &said).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_opens_its_one_job_until_it_expires_and_nothing_else() {
        let key = [7u8; 32];
        let job = RecordId([1; 16]);
        let t = token(&key, job, 1_000);
        assert_eq!(check(&key, &t, 999), Ok(job));
        assert_eq!(check(&key, &t, 1_000), Ok(job));
        assert_eq!(check(&key, &t, 1_001), Err(LinkError::Expired));
        // Another job's id in the link, the same signature: nothing.
        let other = format!("{}{}", hex::encode([2u8; 16]), &t[32..]);
        assert_eq!(check(&key, &other, 0), Err(LinkError::Invalid));
        // A later expiry written in: nothing.
        let mut b = hex::decode(&t).unwrap();
        b[23] ^= 1;
        assert_eq!(check(&key, &hex::encode(b), 0), Err(LinkError::Invalid));
        // Another hub's key, a cut link, not hex: nothing.
        assert_eq!(check(&[8u8; 32], &t, 0), Err(LinkError::Invalid));
        assert_eq!(check(&key, &t[..70], 0), Err(LinkError::Invalid));
        assert_eq!(check(&key, "zz", 0), Err(LinkError::Invalid));
    }

    #[test]
    fn the_upi_link_names_the_shop_the_amount_and_the_job() {
        assert_eq!(
            upi(
                "jayanagar@okaxis",
                "Jayanagar Laptop Care",
                "2950.00",
                "JAY-1-00017"
            ),
            "upi://pay?pa=jayanagar@okaxis&pn=Jayanagar%20Laptop%20Care&am=2950.00&cu=INR&tn=JAY-1-00017"
        );
    }
}
