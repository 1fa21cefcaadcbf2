//! What the shop buys: a supplier's bill (goods into stock, input tax
//! credit) and a payment to the supplier against it.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Line, PaymentMode};
use crate::domain::date::Date;
use crate::ids::RecordId;

/// A supplier's tax invoice as the shop received it: its number is the
/// supplier's, not one of our series. The goods lines naming a catalogue
/// item come into stock with it, in the same write.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Purchase {
    pub id: RecordId,
    pub supplier_name: String,
    /// Absent for an unregistered supplier: no input tax credit then.
    pub supplier_gstin: Option<String>,
    /// The supplier's state: with the branch's, whether the tax is IGST
    /// or CGST and SGST.
    pub supplier_state: String,
    pub bill_number: String,
    pub bill_date: Date,
    pub lines: Vec<Line>,
    /// As the bill states it; every replica recomputes and refuses a bill
    /// whose lines do not add up to it.
    #[serde(with = "rust_decimal::serde::str")]
    pub grand_total: Decimal,
}

/// Money paid to a supplier against a bill.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SupplierPayment {
    pub id: RecordId,
    pub purchase: RecordId,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub mode: PaymentMode,
    pub reference: Option<String>,
    pub date: Date,
}
