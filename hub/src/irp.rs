//! The Invoice Registration Portal's API, as a GSP exposes NIC's e-invoice
//! API v1.03 (plain JSON over TLS, the GSP's own token).
//!
//! Shapes from NIC's e-invoice API v1.03 as the GSPs document it: the
//! request and response of Generate IRN (Version, TranDtls, DocDtls,
//! SellerDtls, BuyerDtls, ItemList, ValDtls; AckNo, AckDt, Irn,
//! SignedInvoice, SignedQRCode, Status) from ClearTax's "Generate IRN"
//! (docs.cleartax.in/cleartax-docs/e-invoicing-api/e-invoicing-api-reference/
//! govt-compatible-apis/generate-irn) and its GSP sample API paths
//! (`/eivital/v1.04/auth`, `/eicore/v1.03/Invoice`, `.../Invoice/Cancel`,
//! `.../Invoice/irn/{irn}`; docs.cleartax.in/cleartax-docs/
//! e-invoicing-gsp-api/e-invoicing-gsp-api-reference/sample-api, which
//! defers to einv-apisandbox.nic.in); error 2150 "Duplicate IRN" with the
//! IRN given before in `InfoDtls` as WhiteBooks' e-invoice guide handles it
//! (raw.githubusercontent.com/chandraxdev/whitebooksdev/.../einvoice-
//! integration/SKILL.md).
//!
//! NIC's own payload encryption (the session key under NIC's RSA key, the
//! body under AES-256 with it) is left out: the hub talks to a GSP, which
//! takes plain JSON over TLS under its own auth token and does NIC's
//! encryption itself, and the business's credentials stay at the hub
//! either way. A direct NIC connection would add that layer here.
//!
//! Amounts leave as JSON numbers written from the `Decimal`'s text
//! (`crate::returns::Amount`), never through a float.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sync_core::domain::date::Date;

/// The IRP (through a GSP) as the business set it up (`hub business
/// einvoice`): stored at the hub only, never printed back.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IrpSettings {
    /// `https://gsp.example.in/einv-gsp`, or a stand-in's address in tests.
    pub base: String,
    pub client_id: String,
    pub client_secret: String,
    pub user: String,
    pub password: String,
}

/// Why a request did not give an answer to keep.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IrpError {
    /// The IRP answered and refused: its code and message.
    #[error("the IRP refused it ({code}): {message}")]
    Refused { code: String, message: String },
    /// No answer to read, or no connection: asking again is safe (the IRP
    /// gives one document one IRN).
    #[error("no answer from the IRP: {0}")]
    Unanswered(String),
}

/// What the IRP registered a document as.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Registration {
    pub ack_no: Value,
    pub ack_dt: String,
    pub irn: String,
    #[serde(rename = "SignedQRCode")]
    pub signed_qr_code: String,
}

impl Registration {
    /// AckNo is a number in NIC's answer: kept as its digits.
    pub fn ack_no(&self) -> String {
        match &self.ack_no {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        }
    }
}

/// NIC's envelope: `Status` 1 with `Data`, or 0 with `ErrorDetails` (and,
/// for a duplicate, `InfoDtls`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Envelope {
    status: Value,
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    error_details: Option<Vec<ErrorDetail>>,
    #[serde(default)]
    info_dtls: Option<Vec<Info>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorDetail {
    error_code: String,
    error_message: String,
}

#[derive(Debug, Deserialize)]
struct Info {
    #[serde(rename = "InfCd")]
    inf_cd: String,
    #[serde(rename = "Desc")]
    desc: Value,
}

/// The duplicate's code: the document has an IRN already.
pub const DUPLICATE_IRN: &str = "2150";
/// Cancelling an IRN already cancelled.
pub const ALREADY_CANCELLED: &str = "9999";

/// A client of one business's IRP account.
pub struct Irp<'a> {
    pub settings: &'a IrpSettings,
    pub http: &'a reqwest::Client,
}

fn unanswered(e: impl std::fmt::Display) -> IrpError {
    IrpError::Unanswered(e.to_string())
}

impl Irp<'_> {
    fn headers(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.header("client_id", &self.settings.client_id)
            .header("client_secret", &self.settings.client_secret)
            .header("user_name", &self.settings.user)
    }

    async fn call(&self, rb: reqwest::RequestBuilder) -> Result<Envelope, IrpError> {
        let r = self.headers(rb).send().await.map_err(unanswered)?;
        let body = r.bytes().await.map_err(unanswered)?;
        serde_json::from_slice(&body).map_err(unanswered)
    }

    /// The session's auth token (`AuthToken`).
    pub async fn token(&self) -> Result<String, IrpError> {
        let e = self
            .call(
                self.http
                    .post(format!("{}/eivital/v1.04/auth", self.settings.base))
                    .json(&serde_json::json!({
                        "UserName": self.settings.user,
                        "Password": self.settings.password,
                        "ForceRefreshAccessToken": false,
                    })),
            )
            .await?;
        let data = ok(e).map_err(|(code, message, _)| IrpError::Refused { code, message })?;
        data["AuthToken"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| unanswered("no AuthToken in the answer"))
    }

    /// Register `body` (the invoice in NIC's shape) for `gstin`. A repeat
    /// (2150, "Duplicate IRN") is the registration made before: its IRN,
    /// AckNo and AckDt from `InfoDtls`, its signed QR fetched by IRN.
    pub async fn generate(
        &self,
        token: &str,
        gstin: &str,
        body: &[u8],
    ) -> Result<Registration, IrpError> {
        let e = self
            .call(
                self.http
                    .post(format!("{}/eicore/v1.03/Invoice", self.settings.base))
                    .header("Gstin", gstin)
                    .header("AuthToken", token)
                    .header("content-type", "application/json")
                    .body(body.to_vec()),
            )
            .await?;
        match ok(e) {
            Ok(data) => serde_json::from_value(data).map_err(unanswered),
            Err((code, _, Some(info))) if code == DUPLICATE_IRN => {
                let irn = info["Irn"]
                    .as_str()
                    .ok_or_else(|| unanswered("a duplicate without its IRN"))?;
                self.by_irn(token, gstin, irn).await
            }
            Err((code, message, _)) => Err(IrpError::Refused { code, message }),
        }
    }

    /// The e-invoice registered under `irn` (Get E-Invoice by IRN).
    pub async fn by_irn(
        &self,
        token: &str,
        gstin: &str,
        irn: &str,
    ) -> Result<Registration, IrpError> {
        let e = self
            .call(
                self.http
                    .get(format!(
                        "{}/eicore/v1.03/Invoice/irn/{irn}",
                        self.settings.base
                    ))
                    .header("Gstin", gstin)
                    .header("AuthToken", token),
            )
            .await?;
        let data = ok(e).map_err(|(code, message, _)| IrpError::Refused { code, message })?;
        serde_json::from_value(data).map_err(unanswered)
    }

    /// Cancel `irn` (reason code 1 duplicate, 2 data entry mistake, 3 order
    /// cancelled, 4 other). The IRP's cancel date; an IRN cancelled before
    /// (a retry after a crash) counts as cancelled now.
    pub async fn cancel(
        &self,
        token: &str,
        gstin: &str,
        irn: &str,
        reason: &str,
        remark: &str,
    ) -> Result<String, IrpError> {
        let e = self
            .call(
                self.http
                    .post(format!(
                        "{}/eicore/v1.03/Invoice/Cancel",
                        self.settings.base
                    ))
                    .header("Gstin", gstin)
                    .header("AuthToken", token)
                    .json(&serde_json::json!({ "Irn": irn, "CnlRsn": reason, "CnlRem": remark })),
            )
            .await?;
        match ok(e) {
            Ok(data) => Ok(data["CancelDate"].as_str().unwrap_or_default().to_string()),
            Err((code, _, _)) if code == ALREADY_CANCELLED => Ok(String::new()),
            Err((code, message, _)) => Err(IrpError::Refused { code, message }),
        }
    }
}

type Failure = (String, String, Option<Value>);

fn ok(e: Envelope) -> Result<Value, Failure> {
    let good = e.status == 1 || e.status == "1";
    match (good, e.data) {
        (true, Some(d)) => Ok(d),
        _ => {
            let first = e.error_details.unwrap_or_default().into_iter().next();
            let info = e
                .info_dtls
                .unwrap_or_default()
                .into_iter()
                .find(|i| i.inf_cd == "DUPIRN")
                .map(|i| i.desc);
            Err(match first {
                Some(d) => (d.error_code, d.error_message, info),
                None => ("?".into(), "an answer without its error".into(), info),
            })
        }
    }
}

/// `ms` as the IRP writes times: `YYYY-MM-DD hh:mm:ss`, IST.
pub fn ist_datetime(ms: u64) -> String {
    let d = Date::from_unix_ms_ist(ms);
    let s = (ms / 1000 + 19_800) % 86_400;
    format!("{d} {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The IRP's `YYYY-MM-DD hh:mm:ss` (IST) as ms since the epoch.
pub fn parse_ist(s: &str) -> Option<u64> {
    let (day, time) = s.trim().split_once(' ')?;
    let d: Date = day.parse().ok()?;
    let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, sec) = (
        hms.next()??,
        hms.next()??,
        hms.next().flatten().unwrap_or(0),
    );
    let secs = d.days_since_epoch() * 86_400 + h * 3600 + m * 60 + sec - 19_800;
    u64::try_from(secs).ok().map(|s| s * 1000)
}
