//! The e-invoice block of a B2B tax invoice: the IRN, the IRP's
//! acknowledgement and its signed QR code, or "IRN pending" until the hub
//! has registered the invoice.

use super::text::esc;
use super::upi::qr_svg_labelled;

/// What the page says of e-invoicing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EinvoiceMark<'a> {
    /// Not e-invoiced (B2C, a credit note, or a business under the limit).
    #[default]
    None,
    /// A B2B invoice of an e-invoicing business, not yet registered.
    Pending,
    Registered {
        irn: &'a str,
        ack_no: &'a str,
        ack_date: &'a str,
        /// The IRP's SignedQRCode (a JWT), printed as a QR as it is.
        signed_qr: &'a str,
        /// The IRN cancelled at the IRP too.
        cancelled: bool,
    },
}

pub(super) fn section(h: &mut String, m: EinvoiceMark<'_>) {
    match m {
        EinvoiceMark::None => {}
        EinvoiceMark::Pending => h.push_str(
            "<div class=\"einvoice pending\"><span class=\"label\">e-Invoice:</span> IRN pending (registered with the GST portal once the hub is reached)</div>\n",
        ),
        EinvoiceMark::Registered {
            irn,
            ack_no,
            ack_date,
            signed_qr,
            cancelled,
        } => {
            h.push_str("<div class=\"einvoice\">\n<div class=\"irn\">\n");
            h.push_str(&format!(
                "<div><span class=\"label\">IRN:</span> <span class=\"mono\">{}</span></div>\n",
                esc(irn)
            ));
            h.push_str(&format!(
                "<div><span class=\"label\">Ack No:</span> {}</div>\n<div><span class=\"label\">Ack Date:</span> {}</div>\n",
                esc(ack_no),
                esc(ack_date)
            ));
            if cancelled {
                h.push_str("<div><strong>IRN cancelled at the IRP</strong></div>\n");
            }
            h.push_str("</div>\n");
            h.push_str(&qr_svg_labelled(signed_qr, "e-invoice signed QR code"));
            h.push_str("\n</div>\n");
        }
    }
}
