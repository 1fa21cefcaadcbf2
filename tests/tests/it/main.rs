//! The end-to-end tests, as one test binary: each test binary links the
//! whole stack statically, so one binary instead of one per file saves the
//! links and the disk. Each file is a module;
//! `cargo test -p e2e-tests --test it bad_day::` runs one of them.
//!
//! `simulation/` is not here: it is its own binary (`--test simulation`),
//! a long seeded run with its own knobs (`SIM_*`) and its own parallelism.

mod bad_day;
mod customer_page;
mod demo;
mod einvoice;
mod einvoice_irp;
mod honest;
mod hostile;
mod hub_ui;
mod messages;
mod people;
mod processes;
mod purchases;
mod reports;
mod restore;
mod roles_ui;
mod scheduled_rate;
mod schemathesis;
mod series;
mod tls_and_gzip;
mod transfer_invoice;
mod ui;
