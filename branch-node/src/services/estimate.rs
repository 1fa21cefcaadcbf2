//! The estimate on a job card: its lines, added and removed. `LineInput`
//! is also how billing takes the lines of a counter sale.

use rust_decimal::Decimal;
use serde::Deserialize;
use sync_core::body::{Line, LineKind, OpBody};
use sync_core::ids::RecordId;

use super::jobs::job_detail;
use crate::auth::Session;
use crate::error::Result;
use crate::node::{Node, new_id};
use crate::store::read::JobDetail;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    #[serde(default = "default_kind")]
    pub kind: LineKind,
    pub item: Option<RecordId>,
    pub description: String,
    pub hsn_sac: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub qty: Decimal,
    #[serde(default = "default_unit")]
    pub unit: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub unit_price: Decimal,
    #[serde(default, with = "rust_decimal::serde::str")]
    pub discount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub gst_rate: Decimal,
}

fn default_kind() -> LineKind {
    LineKind::Service
}
fn default_unit() -> String {
    "nos".into()
}

impl LineInput {
    /// The line as billed: one that names a catalogue item takes the
    /// item's HSN/SAC, GST rate and unit (and is a part unless the item is
    /// a service), whatever the form said, so the catalogue is the one
    /// place a rate is decided.
    pub fn from_catalogue(self, c: &rusqlite::Connection, id: RecordId) -> Result<Line> {
        let today = sync_core::domain::date::Date::from_unix_ms_ist(crate::node::now_ms());
        self.from_catalogue_on(c, id, today)
    }

    /// As [`LineInput::from_catalogue`], at the rate in force for the item
    /// on `on` (a supplier's bill: its own date).
    pub fn from_catalogue_on(
        self,
        c: &rusqlite::Connection,
        id: RecordId,
        on: sync_core::domain::date::Date,
    ) -> Result<Line> {
        let Some(item) = self.item else {
            return Ok(self.into_line(id));
        };
        let (name, hsn, rate, _, unit) = crate::store::money::item_pricing_on(c, item, on)
            .map_err(|_| crate::error::NodeError::invalid("item", "no such catalogue item"))?;
        let goods = crate::store::sales::is_goods(c, item)?;
        let mut line = self.into_line(id);
        if line.description.is_empty() {
            line.description = name;
        }
        line.hsn_sac = hsn;
        line.gst_rate = rate;
        line.unit = unit;
        line.kind = if goods {
            LineKind::Part
        } else {
            LineKind::Service
        };
        Ok(line)
    }

    pub fn into_line(self, id: RecordId) -> Line {
        Line {
            id,
            kind: self.kind,
            item: self.item,
            description: self.description.trim().to_string(),
            hsn_sac: self.hsn_sac.trim().to_string(),
            qty: self.qty,
            unit: self.unit,
            unit_price: self.unit_price,
            discount: self.discount,
            gst_rate: self.gst_rate,
        }
    }
}

pub fn add_estimate_line(
    node: &Node,
    s: &Session,
    id: RecordId,
    l: LineInput,
) -> Result<JobDetail> {
    job_detail(node, s, id)?;
    let new = new_id()?;
    let line = node.read(|c| l.from_catalogue(c, new))?;
    node.commit(s.user, OpBody::EstimateLineAdded { job: id, line })?;
    job_detail(node, s, id)
}

pub fn remove_estimate_line(
    node: &Node,
    s: &Session,
    id: RecordId,
    line: RecordId,
) -> Result<JobDetail> {
    job_detail(node, s, id)?;
    node.commit(s.user, OpBody::EstimateLineRemoved { job: id, line })?;
    job_detail(node, s, id)
}
