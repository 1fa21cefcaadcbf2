//! End-to-end support: a whole business on loopback ([`world`]), a
//! fault-injecting link between devices and the hub ([`proxy`]), and the
//! invariants read from every SQLite file after a day's work ([`check`]),
//! a real headless browser for the UI tests ([`browser`]), and the
//! product's binaries as child processes ([`procs`]).
//! The tests are in `tests/`; the whole-shop demo (`shop-demo`) is built on
//! the same world.

pub mod browser;
pub mod check;
pub mod demo;
pub mod procs;
pub mod proxy;
pub mod world;
