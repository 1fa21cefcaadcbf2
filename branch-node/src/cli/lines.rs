//! One priced line as typed on the command line, for an estimate or an
//! invoice draft: a catalogue item (`--item SSD-512 --qty 2`) or a typed
//! line (`--line "Keyboard cleaning" --hsn 998713 --rate 18 --price 250`).

use clap::Args;
use sync_core::body::LineKind;
use sync_core::ids::RecordId;

use super::dec;
use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::Node;
use crate::services::LineInput;

/// A line: `--item SKU` takes the item's name, sale price, HSN/SAC, GST
/// rate, unit and kind from the catalogue (`--price` overrides the price);
/// `--line DESCRIPTION` is typed and needs `--hsn`, `--rate` and `--price`.
#[derive(Args, Debug, Clone)]
pub struct LineArgs {
    /// A catalogue item, by SKU (or id).
    #[arg(long, value_name = "SKU", conflicts_with_all = ["hsn_sac", "gst_rate", "unit", "kind"])]
    pub item: Option<String>,
    /// A typed line's description (with --item: printed instead of the item's name).
    #[arg(
        long = "line",
        visible_alias = "description",
        value_name = "DESCRIPTION"
    )]
    pub description: Option<String>,
    /// HSN of goods or SAC of a service (998713: computer repair), for a typed line.
    #[arg(long = "hsn", visible_alias = "hsn-sac", value_name = "CODE")]
    pub hsn_sac: Option<String>,
    /// GST rate in percent (e.g. 18), for a typed line: a rate in force, at most 2 decimals.
    #[arg(long = "rate", visible_alias = "gst-rate", value_name = "PERCENT")]
    pub gst_rate: Option<String>,
    /// Price of one unit before tax (an item's sale price when omitted).
    #[arg(long = "price", visible_alias = "unit-price", value_name = "RUPEES")]
    pub unit_price: Option<String>,
    /// Quantity [default: 1].
    #[arg(long)]
    pub qty: Option<String>,
    /// Unit of a typed line, e.g. nos, pcs, hrs [default: nos].
    #[arg(long)]
    pub unit: Option<String>,
    /// Discount on the line, in rupees [default: 0].
    #[arg(long)]
    pub discount: Option<String>,
    /// A typed line is a service or a part [default: service].
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<LineKind>,
}

fn parse_kind(s: &str) -> std::result::Result<LineKind, String> {
    match s {
        "service" => Ok(LineKind::Service),
        "part" => Ok(LineKind::Part),
        _ => Err("must be service or part".into()),
    }
}

impl LineArgs {
    /// Whether any of the line's options was given: a draft from a job needs
    /// no line of its own.
    pub fn given(&self) -> bool {
        let LineArgs {
            item,
            description,
            hsn_sac,
            gst_rate,
            unit_price,
            qty,
            unit,
            discount,
            kind,
        } = self;
        item.is_some()
            || description.is_some()
            || hsn_sac.is_some()
            || gst_rate.is_some()
            || unit_price.is_some()
            || qty.is_some()
            || unit.is_some()
            || discount.is_some()
            || kind.is_some()
    }

    /// The line as the services take it. An item is looked up here for its
    /// sale price; its HSN/SAC, rate, unit and kind the service takes from
    /// the catalogue itself.
    pub fn input(&self, node: &Node, s: &Session) -> Result<LineInput> {
        let qty = dec("qty", self.qty.as_deref().unwrap_or("1"))?;
        let discount = dec("discount", self.discount.as_deref().unwrap_or("0"))?;
        let price = self
            .unit_price
            .as_deref()
            .map(|p| dec("unit_price", p))
            .transpose()?;
        if let Some(item) = &self.item {
            let it = crate::inventory::find_item(node, s, item)?;
            let unit_price = match price {
                Some(p) => p,
                None => dec("unit_price", &it.sale_price)?,
            };
            return Ok(LineInput {
                kind: LineKind::Service,
                item: Some(it.id),
                description: self.description.clone().unwrap_or_default(),
                hsn_sac: it.hsn_sac,
                qty,
                unit: it.unit,
                unit_price,
                discount,
                gst_rate: dec("gst_rate", &it.gst_rate)?,
            });
        }
        let Some(description) = self.description.clone() else {
            return Err(NodeError::invalid(
                "line",
                "give --item SKU (a catalogue item) or --line DESCRIPTION (a typed line)",
            ));
        };
        let need = |v: &Option<String>, field: &str, flag: &str| {
            v.clone()
                .ok_or_else(|| NodeError::invalid(field, format!("a typed line needs {flag}")))
        };
        Ok(LineInput {
            kind: self.kind.unwrap_or(LineKind::Service),
            item: None,
            description,
            hsn_sac: need(&self.hsn_sac, "hsn_sac", "--hsn (e.g. 998713)")?,
            qty,
            unit: self.unit.clone().unwrap_or_else(|| "nos".into()),
            unit_price: price
                .ok_or_else(|| NodeError::invalid("unit_price", "a typed line needs --price"))?,
            discount,
            gst_rate: dec(
                "gst_rate",
                &need(&self.gst_rate, "gst_rate", "--rate (e.g. 18)")?,
            )?,
        })
    }
}

/// A draft's line as `invoice line remove` takes it: its id, or its place
/// (1 for the first) as the draft prints it.
#[derive(Clone, Debug)]
pub enum LinePick {
    Id(RecordId),
    Position(usize),
}

pub fn parse_line_pick(s: &str) -> std::result::Result<LinePick, String> {
    if let Ok(id) = s.parse::<RecordId>() {
        return Ok(LinePick::Id(id));
    }
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(LinePick::Position(n)),
        _ => Err("must be the line's id or its place on the draft (1 for the first)".into()),
    }
}
