//! What the owner asks a report for, read from the query string: a range of
//! days (`from`, `to`: YYYY-MM-DD), a branch (`branch`: its id), and for the
//! job list a `status`, for a customer's history a `mobile`. Each bad value
//! is refused naming its field, before anything is read; the same [`Ask`]
//! is written back into every link (exports, drill-downs) so a narrowed view
//! stays narrowed.
//!
//! A branch is asked for by its id, as `/owner/branches/{id}` spells it: a
//! branch's name can be edited and need not be unique; its id is forever.

use std::collections::HashMap;

use sync_core::domain::date::Date;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::ids::BranchId;

use crate::error::{HubError, Result};
use crate::store::{HubStore, ReportFilter};

/// The query parameters of a request, by name.
pub type Params = HashMap<String, String>;

/// A report's question: the filter, and what one report alone takes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ask {
    pub filter: ReportFilter,
    /// The job list only: one status.
    pub status: Option<JobStatus>,
    /// The customer history only: the mobile number, normalized.
    pub mobile: Option<String>,
}

/// The parameters every report takes.
pub const FILTERS: [&str; 3] = ["from", "to", "branch"];

fn date(field: &str, v: &str) -> Result<Date> {
    v.parse::<Date>().map_err(|_| {
        HubError::invalid(
            field,
            format!("must be a calendar date as YYYY-MM-DD (got {:?})", short(v)),
        )
    })
}

/// At most 40 characters of what was sent, for a refusal's message.
fn short(v: &str) -> String {
    v.chars().take(40).collect()
}

impl Ask {
    /// Read the query of `report` (`""` for the dashboard). An empty value
    /// is no value: the filter form sends every field.
    pub fn parse(store: &dyn HubStore, report: &str, q: &Params) -> Result<Ask> {
        let takes = |k: &str| {
            FILTERS.contains(&k)
                || (k == "status" && report == "jobs")
                || (k == "mobile" && report == crate::reports::CUSTOMER_HISTORY)
        };
        // Sorted, so that of several bad fields the same one is named.
        let mut keys: Vec<&String> = q.keys().collect();
        keys.sort();
        if let Some(k) = keys.into_iter().find(|k| !takes(k)) {
            return Err(HubError::invalid(
                &short(k),
                "is not a filter of this report (from, to, branch; status for jobs; mobile for customer_history)",
            ));
        }
        let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let mut ask = Ask::default();
        if let Some(v) = get("from") {
            ask.filter.from = Some(date("from", v)?);
        }
        if let Some(v) = get("to") {
            ask.filter.to = Some(date("to", v)?);
        }
        if let (Some(f), Some(t)) = (ask.filter.from, ask.filter.to)
            && f > t
        {
            return Err(HubError::invalid(
                "from",
                format!("{} is after to ({})", f.to_indian(), t.to_indian()),
            ));
        }
        if let Some(v) = get("branch") {
            let id = v.parse::<BranchId>().map_err(|_| {
                HubError::invalid(
                    "branch",
                    "must be a branch id (as /owner/branches lists it)",
                )
            })?;
            if !store.branches()?.iter().any(|b| b.id == id) {
                return Err(HubError::invalid(
                    "branch",
                    format!("no branch has the id {id}"),
                ));
            }
            ask.filter.branch = Some(id);
        }
        if let Some(v) = get("status") {
            ask.status = Some(JobStatus::parse(v).ok_or_else(|| {
                HubError::invalid(
                    "status",
                    format!(
                        "must be one of {}",
                        JobStatus::ALL.map(|s| s.as_str()).join(", ")
                    ),
                )
            })?);
        }
        if report == crate::reports::CUSTOMER_HISTORY {
            let m = get("mobile").unwrap_or("");
            ask.mobile = Some(sync_core::domain::validate::mobile("mobile", m)?);
        }
        Ok(ask)
    }

    /// The ask as a query string (`?from=…&branch=…`, or empty). Every
    /// value is a date, an id, a status or digits: nothing to escape.
    pub fn query(&self) -> String {
        let mut parts = vec![];
        if let Some(d) = self.filter.from {
            parts.push(format!("from={d}"));
        }
        if let Some(d) = self.filter.to {
            parts.push(format!("to={d}"));
        }
        if let Some(b) = self.filter.branch {
            parts.push(format!("branch={b}"));
        }
        if let Some(s) = self.status {
            parts.push(format!("status={}", s.as_str()));
        }
        if let Some(m) = &self.mobile {
            parts.push(format!("mobile={m}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    /// Only the filter of this ask (for a link to another report).
    pub fn filter_only(&self) -> Ask {
        Ask {
            filter: self.filter,
            ..Ask::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_written_back_as_read() {
        let ask = Ask {
            filter: ReportFilter {
                from: Some("2026-12-01".parse().unwrap()),
                to: Some("2026-12-31".parse().unwrap()),
                branch: Some(BranchId([1; 16])),
            },
            status: Some(JobStatus::InRepair),
            mobile: None,
        };
        assert_eq!(
            ask.query(),
            "?from=2026-12-01&to=2026-12-31&branch=01010101-0101-0101-0101-010101010101&status=in_repair"
        );
        assert_eq!(Ask::default().query(), "");
        assert_eq!(ask.filter_only().status, None);
    }
}
