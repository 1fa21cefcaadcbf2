//! The HTTP edge, written once. The hub, the LAN side every device serves
//! and a device's local API all take requests through these pieces, so a
//! refusal reads the same everywhere and a client can act on its code:
//!
//! - [`refusal`]: the one set of error codes and the JSON body they travel
//!   in; each library crate maps its own error enum to a [`Refusal`] once.
//! - [`body`]: reading a body within a limit, strict JSON naming the bad
//!   field, query strings.
//! - [`gzip`]: `Content-Encoding: gzip` both ways for sync bodies.
//! - [`signed`]: checking a device-signed request (headers, clock window,
//!   signature, replay guard).
//! - [`blocking`]: moving SQLite and argon2 work off the async workers.
//! - [`routes`]: a router whose every route carries its OpenAPI description,
//!   so nothing can be served undescribed.
//!
//! It holds no state of its own and knows nothing of SQLite: what a signed
//! request's device may do is the caller's question.

pub mod blocking;
pub mod body;
pub mod gzip;
pub mod refusal;
pub mod routes;
pub mod signed;

pub use blocking::blocking;
pub use body::{Json, Path, Query, parse_json, parse_query, read_limited};
pub use refusal::{Code, Refusal};
