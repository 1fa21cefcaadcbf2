//! The fields of each record kind that an update may write, and what each
//! holds: one list, read by the rule book (which fields an update may name)
//! and by the SQLite replica (the column a write lands in, and its type).

/// What a field holds, as its column stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    OptText,
    Bool,
    Decimal,
    OptUser,
}

use FieldKind::*;

/// The editable fields of one record kind: (field, kind). The field name is
/// its column's name.
pub type Fields = &'static [(&'static str, FieldKind)];

pub const CUSTOMER: Fields = &[
    ("name", Text),
    ("mobile", Text),
    ("email", OptText),
    ("address", OptText),
    ("gstin", OptText),
    ("state_code", OptText),
    // Messages: the customer's language (`messages::Language` code) and
    // their wish to get none.
    ("language", OptText),
    ("no_messages", Bool),
];

pub const JOB: Fields = &[
    ("brand", Text),
    ("model", Text),
    ("serial", Text),
    ("complaint", Text),
    ("condition", Text),
    ("technician", OptUser),
    ("promised", OptText),
    ("estimate_note", OptText),
    // A fresh delivery OTP when the customer lost the slip (the old one
    // stops working): the hash only, as at intake.
    ("otp_hash", Text),
    // The OTP sealed under the branch key (JSON), written with its hash.
    ("otp_sealed", OptText),
];

pub const ITEM: Fields = &[
    ("name", Text),
    ("sale_price", Decimal),
    ("cost", Decimal),
    ("reorder_level", Decimal),
    ("gst_rate", Decimal),
    // A rate that applies from a day on (`rate_from`, YYYY-MM-DD): a rate
    // change announced ahead is scheduled, not made early.
    ("next_gst_rate", Decimal),
    ("rate_from", Text),
    ("hsn_sac", Text),
    ("unit", Text),
];

pub const USER: Fields = &[
    ("name", Text),
    ("role", Text),
    ("active", Bool),
    ("pin_hash", Text),
];

pub const BRANCH: Fields = &[
    ("name", Text),
    ("address", Text),
    ("upi_id", OptText),
    ("phone", OptText),
    // The business's turnover puts its B2B invoices under e-invoicing: set
    // by the hub (`hub business einvoice`), so a device offline prints
    // "IRN pending" on a B2B invoice until the IRN comes.
    ("einvoicing", Bool),
];

/// The editable fields of a replica table, by the table's name.
pub fn of_table(table: &str) -> Fields {
    match table {
        "customers" => CUSTOMER,
        "jobs" => JOB,
        "items" => ITEM,
        "users" => USER,
        "branches" => BRANCH,
        _ => &[],
    }
}

/// Whether `field` is one of `fields`.
pub fn has(fields: Fields, field: &str) -> bool {
    fields.iter().any(|(f, _)| *f == field)
}

/// The field names, for a message.
pub fn names(fields: Fields) -> String {
    fields
        .iter()
        .map(|(f, _)| *f)
        .collect::<Vec<_>>()
        .join(", ")
}
