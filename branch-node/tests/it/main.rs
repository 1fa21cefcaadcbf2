//! branch-node's integration tests, as one test binary: each test binary
//! links the whole stack statically, so one binary instead of one per file
//! saves the links and the disk. Each file is a module;
//! `cargo test -p branch-node --test it money::` runs one of them.
//! `common` is the shop every module sets up.

mod billing_from_job;
mod branch_reports;
mod branch_tables;
mod cli;
mod cli_invoices;
mod common;
mod crash;
mod goods;
mod gst_through_the_whole_path;
mod http;
mod lan_sync;
mod money;
mod over_credit;
mod races;
mod stolen_laptop;
mod workflows;
