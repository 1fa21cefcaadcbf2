//! `hub`: the central server. Branches meet here: it enrolls devices, leases
//! invoice-number blocks, validates every operation it receives with the same
//! rule book the devices use, keeps the same queryable tables for every
//! branch, and serves the owner's consolidated view.
//!
//! - [`store`]: the storage trait of whole transactional operations, and its
//!   one implementation on SQLite or PostgreSQL.
//! - [`server`]: the axum server: sync endpoints (signed requests), enrollment,
//!   leases, health, OpenAPI, the owner's dashboard and reports.
//! - [`login`]: the owner's login to the dashboard (name and PIN, session
//!   cookie, lock-out).
//! - [`owner`]: what the owner changes there: people, branches, the catalogue
//!   (JSON), and [`owner_page`] the page that does it.
//! - [`reports`]: the owner's reports as `sheets::Table`s (JSON, CSV, XLSX, HTML),
//!   narrowed by [`filters`] (days, branch), with their drill-down links.
//! - [`dashboard`]: the dashboard and each report's page; [`charts`] its SVG
//!   charts; [`pages`] the frame, stylesheet and tables every hub page shares.
//! - [`gzip`]: compressed sync bodies; [`tls`]: HTTPS with rustls.
//! - [`whatsapp`]: customers' messages through the WhatsApp Business Cloud
//!   API (template messages out, signed status webhooks in).
//! - [`cli`]: `hub init`, `hub branch add`, `hub user add`, `hub device enroll|revoke`, `hub serve`.

pub mod charts;
pub mod cli;
pub mod customer;
pub mod dashboard;
pub mod einvoice;
pub mod email;
pub mod error;
pub mod filters;
pub mod irp;
pub mod login;
pub mod outbox;
pub mod owner;
pub mod owner_page;
pub mod pages;
pub mod reports;
pub mod returns;
pub mod server;
pub mod sms;
pub mod store;
pub mod templates_page;
pub mod tenants;
pub mod tls;
pub mod webhooks;
pub mod whatsapp;

pub use error::{HubError, Result};
