//! `sync-core`: what an operation is, how it is signed, ordered and merged, and
//! the service-center rules that a device and the hub must check identically.
//!
//! This crate does no I/O: no files, no sockets, no clock reads, no OS
//! randomness. Callers pass in the wall-clock time and a random-number
//! generator, which is what lets every rule here be tested as a pure function
//! and lets the hub and a device run exactly the same code.
//!
//! Map:
//! - [`ids`]: identifiers of devices, users, branches and records.
//! - [`hlc`]: the hybrid logical clock that stamps every operation.
//! - [`identity`]: device keys, signing and strict verification.
//! - [`op`]: the signed operation envelope and its frozen canonical encoding.
//! - [`body`]: every operation kind with its typed payload.
//! - [`chain`]: per-device hash-chain verification (gaps, forks, replays).
//! - [`vv`]: version vectors: what a replica has and lacks.
//! - [`merge`]: the merge rules, each a pure function.
//! - [`domain`]: the shop's rules: roles, job lifecycle, GST, invoice numbers,
//!   leases, stock escrow, validation of an operation against state.
//! - [`protocol`]: the sync protocol's plain types and request signing.
//! - [`seal`]: AES-256-GCM sealing of secrets (caller supplies the nonce).
//! - [`replica`]: the reference materializer that applies operations in any
//!   order and reaches the same state everywhere.

pub mod body;
pub mod chain;
pub mod domain;
pub mod error;
pub mod gzip;
pub mod hlc;
pub mod identity;
pub mod ids;
pub mod merge;
pub mod op;
pub mod protocol;
pub mod replica;
pub mod seal;
/// Fixtures for tests and benchmarks only: behind the `testkit` feature,
/// which crates turn on in their `[dev-dependencies]`.
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod vv;
pub mod writer;

pub use error::CoreError;
pub use rust_decimal::Decimal;
