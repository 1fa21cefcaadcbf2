//! Printable documents: a finalized tax invoice or credit note as one
//! self-contained HTML page (inline CSS, inline SVG; no scripts, no external
//! resources), plus the UPI payment link and its QR code.
//!
//! Pure functions: no I/O, no SQL, no clock. The figures printed are
//! recomputed from the document's lines with [`gst::compute`]; a document
//! whose stored grand total disagrees is refused rather than printed.
//!
//! The page carries every field CGST Rule 46 asks of a tax invoice (and Rule
//! 53 of a credit note): supplier name, address and GSTIN; a consecutive
//! number and the date; recipient name, address and GSTIN (or
//! "Unregistered"); place of supply as state name and code; per line the
//! description, HSN/SAC, quantity and unit, rate, discount, taxable value, GST
//! rate and the tax amounts; totals; whether tax is payable on reverse charge;
//! and the authorised signatory.
//!
//! Every text that comes from the document or the supplier goes through
//! [`esc`]: a customer name is data, never markup.
//!
//! By part of the page: `invoice` the page itself, `tables` its lines,
//! totals and GST-rate tables, `style` the CSS, `upi` the payment link and
//! QR, `einvoice` the IRN and the IRP's signed QR, `text` escaping and how numbers print. State names come from
//! [`sync_core::domain::states`], the table `validate` checks codes against.
//!
//! [`gst::compute`]: sync_core::domain::gst::compute

mod einvoice;
mod invoice;
mod style;
mod tables;
mod text;
mod upi;

pub use einvoice::EinvoiceMark;
pub use invoice::{Paper, Supplier, document_html, document_html_marked};
pub use sync_core::domain::states::{GST_STATES, state_name};
pub use text::esc;
pub use upi::{qr_svg, qr_svg_labelled, upi_link};

#[cfg(test)]
mod tests;
