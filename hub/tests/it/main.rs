//! The hub's integration tests, as one test binary: each test binary links
//! the whole stack statically, so one binary instead of one per file saves
//! the links and the disk. Each file is a module;
//! `cargo test -p hub --test it dashboard::` runs one of them.
//! `common` is the hub and the simulated devices every module sets up.

mod common;
mod crash;
mod dashboard;
mod gst_returns;
mod outbox;
mod owner_reports;
mod protocol;
mod tally;
mod tally_purchases;
mod tenants;
mod transport;
mod trust;
mod two_hubs;
mod whatsapp;
