//! `branch-node`: a device's engine. One SQLite file per device; every write
//! is one transaction that appends a signed operation and updates the
//! queryable tables; nothing waits for the network.
//!
//! Map:
//! - [`store`]: all SQL — schema, durability pragmas, the op log, materializing
//!   operations, the rule book's view of the tables, read queries.
//! - [`node`]: the device (identity, clock, store) and its one write path.
//! - [`auth`]: PIN login with lock-out, sessions.
//! - [`services`]: the shop's workflows (customers, job cards, passwords,
//!   conflicts, audit, users).
//! - [`crypto`]: AES-256-GCM for device passwords, argon2 for PINs.
//! - [`keys`]: the key file beside the database.
//! - [`api`]: the local HTTP JSON API (axum) and its OpenAPI description.
//! - [`sync`]: the sync client (hub and LAN peers), the LAN side of the
//!   protocol, the background sync loop, enrollment with a hub.
//! - [`ui`]: the web UI (built from `../ui` by `build.rs`), served at `/`.
//! - [`cli`]: the command line.
//! - [`demo`]: a demo shop with a few days of realistic work.

pub mod api;
pub mod auth;
pub mod billing;
pub mod cli;
pub mod crypto;
pub mod demo;
pub mod error;
pub mod inventory;
pub mod keys;
pub mod node;
pub mod peers;
pub mod purchases;
pub mod render;
pub mod reports;
pub mod sales;
pub mod services;
pub mod store;
pub mod sync;
pub mod transfers;
pub mod ui;

pub use error::{NodeError, Result};
pub use node::Node;
