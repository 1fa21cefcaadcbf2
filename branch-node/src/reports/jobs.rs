//! Jobs pending now, oldest first, and each technician's output over a
//! range: delivered jobs, their turnaround and what they billed.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use sheets::{Kind, Table};
use sync_core::domain::date::Date;

use super::{Range, cell, total};
use crate::error::Result;
use crate::node::Node;
use crate::store::reports::jobs;

const UNASSIGNED: &str = "(not assigned)";

pub(super) fn pending(node: &Node, title: &str, now_ms: u64) -> Result<Table> {
    use Kind::{Integer, Text};
    let open = node.read(|c| jobs::open_jobs(c, node.branch))?;
    let mut t = Table::new(
        "pending_jobs",
        title,
        &[
            ("job_no", Text),
            ("customer", Text),
            ("device", Text),
            ("status", Text),
            ("technician", Text),
            ("opened", Text),
            ("days_open", Integer),
            ("promised", Text),
        ],
    );
    let today = Date::from_unix_ms_ist(now_ms).days_since_epoch();
    for j in open {
        let opened = Date::from_unix_ms_ist(j.opened_at);
        t.rows.push(vec![
            j.job_no,
            j.customer,
            j.device,
            j.status.replace('_', " "),
            j.technician.unwrap_or_else(|| UNASSIGNED.into()),
            opened.to_string(),
            // A job stamped ahead of this device's clock is not a day old.
            (today - opened.days_since_epoch()).max(0).to_string(),
            j.promised.unwrap_or_default(),
        ]);
    }
    Ok(t)
}

#[derive(Default)]
struct Output {
    open: u32,
    delivered: u32,
    hours: Vec<u64>,
    billed: Vec<Decimal>,
}

pub(super) fn technicians(node: &Node, title: &str, range: Range) -> Result<Table> {
    use Kind::{Integer, Money, Text};
    let (from_ms, to_ms) = range.instants();
    let (open, delivered, billed) = node.read(|c| {
        let delivered = jobs::delivered(c, node.branch, from_ms, to_ms)?;
        let billed = delivered
            .iter()
            .map(|d| jobs::billed(c, d.job))
            .collect::<Result<Vec<_>>>()?;
        Ok((jobs::open_jobs(c, node.branch)?, delivered, billed))
    })?;
    let mut by: BTreeMap<String, Output> = BTreeMap::new();
    let name = |t: Option<String>| t.unwrap_or_else(|| UNASSIGNED.into());
    for j in open {
        by.entry(name(j.technician)).or_default().open += 1;
    }
    for (d, b) in delivered.into_iter().zip(billed) {
        let o = by.entry(name(d.technician)).or_default();
        o.delivered += 1;
        o.hours
            .push(d.closed_at.saturating_sub(d.opened_at) / 3_600_000);
        o.billed.push(total(b)?);
    }
    let mut t = Table::new(
        "technicians",
        title,
        &[
            ("technician", Text),
            ("open_jobs", Integer),
            ("delivered", Integer),
            ("avg_turnaround_hours", Integer),
            ("billed", Money),
        ],
    );
    for (who, o) in by {
        let avg = (!o.hours.is_empty())
            .then(|| o.hours.iter().sum::<u64>() / o.hours.len() as u64)
            .map(|h| h.to_string())
            .unwrap_or_default();
        t.rows.push(vec![
            who,
            o.open.to_string(),
            o.delivered.to_string(),
            avg,
            cell(total(o.billed)?),
        ]);
    }
    Ok(t)
}
