//! The client's side of gzip: request bodies compressed above a size,
//! answers inflated within a limit. (Serving gzip is `http_edge::gzip`.)

pub use sync_core::gzip::inflate as gunzip;
pub use sync_core::gzip::{MIN_COMPRESS, compress as gzip};
