//! E-invoicing for B2B: the hub registers each queued invoice at the IRP
//! (`crate::irp`) and tells the branch, as customer messages are sent
//! (`crate::outbox`): devices change nothing at finalize and keep working
//! offline; the hub queues a B2B tax invoice of an e-invoicing branch when
//! it accepts it (`store::db::einvoice`) and this loop, one per business,
//! registers what waits.
//!
//! Exactly once: a claim is committed before the IRP is asked and the
//! answer recorded (with the branch's op) only over that claim; a claim
//! left by a hub that stopped is asked again, which the IRP answers with
//! the IRN it gave the first time (2150), recorded as the registration.
//!
//! A cancelled invoice's IRN is cancelled at the IRP within its window (24
//! hours from the acknowledgement); after that the hub records that the
//! window had closed (a credit note is the way) and the owner sees it in
//! `hub business einvoice`.

pub mod cli;
pub mod payload;

use std::sync::Arc;
use std::time::Duration;

use http_edge::blocking;
use sync_core::body::{EinvoiceCancellation, EinvoiceRegistration};

use crate::error::{HubError, Result};
use crate::irp::{Irp, IrpError, IrpSettings, ist_datetime, parse_ist};
use crate::store::HubStore;
use crate::store::db::einvoice::{Cancelled, Registered, ToCancel, ToRegister};
use crate::store::db::now_ms;

/// How often the loop looks.
pub const POLL: Duration = Duration::from_secs(1);
/// The IRP's window to cancel an IRN, from its acknowledgement.
pub const CANCEL_WINDOW_MS: u64 = 24 * 3600 * 1000;
const BATCH: u32 = 50;

/// The business's IRP settings, if e-invoicing is set up.
pub fn settings(hub: &dyn HubStore) -> Result<Option<IrpSettings>> {
    match hub.einvoice_settings()? {
        Some(s) => serde_json::from_str(&s)
            .map(Some)
            .map_err(|e| HubError::Setup(format!("the stored IRP settings do not read: {e}"))),
        None => Ok(None),
    }
}

/// One round for one business: register what waits, then cancel what was
/// cancelled. Returns how many requests it made of the IRP.
pub async fn round(hub: Arc<dyn HubStore>, http: &reqwest::Client) -> Result<usize> {
    // A claim twice as old as any live request was left by a hub that
    // stopped; asking again is safe (the IRP answers a repeat with its IRN).
    let stale = now_ms().saturating_sub(
        2 * u64::try_from(crate::outbox::request_timeout().as_millis()).unwrap_or(u64::MAX / 4),
    );
    let h = hub.clone();
    let (settings, due, cancels) = blocking(move || {
        Ok::<_, HubError>((
            settings(&*h)?,
            h.einvoices_due(stale, BATCH)?,
            h.einvoice_cancels_due(stale, BATCH)?,
        ))
    })
    .await?;
    let Some(settings) = settings else {
        return Ok(0);
    };
    if due.is_empty() && cancels.is_empty() {
        return Ok(0);
    }
    let irp = Irp {
        settings: &settings,
        http,
    };
    let token = match irp.token().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("e-invoice: no session at the IRP: {e}");
            return Ok(0);
        }
    };
    let mut asked = 0;
    for t in due {
        let (h, id) = (hub.clone(), t.doc.id);
        if !blocking(move || h.claim_einvoice(id, stale)).await? {
            continue; // another hub process has it
        }
        asked += 1;
        let answer = register(&irp, &token, &t).await;
        let h = hub.clone();
        blocking(move || h.einvoice_answered(id, &answer)).await?;
    }
    for c in cancels {
        let (h, id) = (hub.clone(), c.document);
        if !blocking(move || h.claim_einvoice_cancel(id, stale)).await? {
            continue;
        }
        let answer = cancel(&irp, &token, &c, &mut asked).await;
        let h = hub.clone();
        blocking(move || h.einvoice_cancel_answered(id, &answer)).await?;
    }
    Ok(asked)
}

async fn register(irp: &Irp<'_>, token: &str, t: &ToRegister) -> Registered {
    let body = match payload::request(&t.doc, &t.seller_name, &t.seller_address) {
        Ok(b) => b,
        Err(e) => return Registered::Refused(format!("the invoice does not compute: {e}")),
    };
    match irp.generate(token, &t.doc.supplier_gstin, &body).await {
        Ok(r) => Registered::Done(EinvoiceRegistration {
            document: t.doc.id,
            ack_no: r.ack_no(),
            irn: r.irn,
            ack_date: r.ack_dt,
            signed_qr: r.signed_qr_code,
        }),
        Err(e @ IrpError::Refused { .. }) => Registered::Refused(e.to_string()),
        Err(e) => {
            tracing::warn!("e-invoice {}: {e}; asked again next round", t.doc.number);
            Registered::Retry
        }
    }
}

async fn cancel(irp: &Irp<'_>, token: &str, c: &ToCancel, asked: &mut usize) -> Cancelled {
    let now = now_ms();
    let within = parse_ist(&c.ack_date).is_some_and(|at| now < at + CANCEL_WINDOW_MS);
    if !within {
        return Cancelled::Done(EinvoiceCancellation {
            document: c.document,
            irn: c.irn.clone(),
            at_irp: false,
            date: ist_datetime(now),
            remark: "the IRP's 24 hours had passed: issue a credit note".into(),
        });
    }
    *asked += 1;
    let remark: String = c.reason.chars().take(100).collect();
    // Reason 2: a data entry mistake, the usual cause at a counter.
    match irp.cancel(token, &c.gstin, &c.irn, "2", &remark).await {
        Ok(date) => Cancelled::Done(EinvoiceCancellation {
            document: c.document,
            irn: c.irn.clone(),
            at_irp: true,
            date: if date.is_empty() {
                ist_datetime(now)
            } else {
                date
            },
            remark,
        }),
        Err(e @ IrpError::Refused { .. }) => Cancelled::Refused(e.to_string()),
        Err(_) => Cancelled::Retry,
    }
}

/// Run `hub`'s e-invoice loop for as long as the runtime does.
pub async fn run(hub: Arc<dyn HubStore>) {
    let http = match reqwest::Client::builder()
        .timeout(crate::outbox::request_timeout())
        .build()
    {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("e-invoice: no HTTP client: {e}");
            return;
        }
    };
    loop {
        if let Err(e) = round(hub.clone(), &http).await {
            tracing::warn!("e-invoice: {e}");
        }
        tokio::time::sleep(POLL).await;
    }
}
