//! The shop's rules, as pure functions that a device and the hub run
//! identically: who may do what ([`roles`]), how a job moves ([`lifecycle`]),
//! how GST is computed ([`gst`]) and at which rates ([`rates`]), what an invoice number looks like
//! ([`invoice_no`]), which numbers a device may use ([`lease`]), whose stock may
//! be consumed ([`stock`]), the GST state codes and their names
//! ([`states`]), what the shop tells its customer and in whose words
//! ([`messages`]), and the check of one operation against the state it lands
//! on ([`rules`]).

pub mod date;
pub mod fields;
pub mod gst;
pub mod invoice_no;
pub mod lease;
pub mod lifecycle;
pub mod messages;
pub mod money;
pub mod rates;
pub mod roles;
pub mod rules;
pub mod states;
pub mod stock;
pub mod validate;
