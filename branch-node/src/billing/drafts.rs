//! Invoice drafts: made from a job or as a counter sale, their lines added
//! and removed until they are finalized. A draft is this device's own row,
//! not an op, so editing one is a local transaction; what it may hold is
//! what a finalized invoice may hold, checked on every edit.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sync_core::body::Line;
use sync_core::domain::gst;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Action;
use sync_core::domain::validate;
use sync_core::ids::{BranchId, RecordId};

use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::{Node, new_id, now_ms};
use crate::services::LineInput;
use crate::store::drafts::{self as store, Draft};
use crate::store::{money, read};

#[derive(Clone, Debug, Serialize)]
pub struct DraftView {
    #[serde(flatten)]
    pub draft: Draft,
    pub place_of_supply: String,
    /// The state's name, as a person reads the place of supply.
    pub place_of_supply_name: Option<&'static str>,
    pub totals: gst::Totals,
}

fn view(node: &Node, d: Draft) -> Result<DraftView> {
    node.read(|c| view_in(c, node.branch, d))
}

/// The draft with its place of supply and tax; refuses a draft whose lines
/// do not add up (none, too many, a bad figure).
fn view_in(c: &Connection, branch: BranchId, d: Draft) -> Result<DraftView> {
    let b = read::branch(c, branch)?;
    let pos = gst::place_of_supply(
        &b.state_code,
        d.customer_state.as_deref(),
        d.customer_gstin.as_deref(),
    );
    let totals = gst::compute(&d.lines, gst::supply_for(&b.state_code, &pos))?;
    Ok(DraftView {
        draft: d,
        place_of_supply_name: sync_core::domain::states::state_name(&pos),
        place_of_supply: pos,
        totals,
    })
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    /// Bill a job: its estimate lines and the parts used on it.
    pub job: Option<RecordId>,
    /// Or a counter sale: a customer (optional, walk-in otherwise)…
    pub customer: Option<RecordId>,
    /// …or just a name for a walk-in.
    pub customer_name: Option<String>,
    /// B2B: the buyer's GSTIN (decides place of supply with the state).
    pub customer_gstin: Option<String>,
    pub customer_state: Option<String>,
    pub customer_address: Option<String>,
    /// Extra or counter-sale lines.
    #[serde(default)]
    pub lines: Vec<LineInput>,
}

/// Create a draft invoice. From a job it takes the estimate lines and the
/// parts used (priced as used); other lines are added as given.
pub fn create_draft(node: &Node, s: &Session, i: DraftInput) -> Result<DraftView> {
    crate::services::own_branch(node, s)?;
    s.require(Action::CreateInvoices)?;
    let mut lines: Vec<Line> = vec![];
    let mut customer = i.customer;
    let mut billed_out = false;
    if let Some(job) = i.job {
        let j = node.read(|c| read::job_summary(c, job))?;
        customer = customer.or(Some(j.customer));
        let unbilled = node.read(|c| {
            let (est, parts) = money::job_billable(c, job)?;
            let had_any = !est.is_empty() || !parts.is_empty();
            let unbilled = crate::sales::job_unbilled(c, job, est, parts)?;
            Ok((had_any, unbilled))
        })?;
        billed_out = unbilled.0 && unbilled.1.is_empty();
        lines.extend(unbilled.1);
    }
    for l in i.lines {
        let id = new_id()?;
        lines.push(node.read(|c| l.from_catalogue(c, id))?);
    }
    if lines.is_empty() && billed_out {
        return Err(NodeError::invalid(
            "job",
            "everything on this job has been invoiced already: its estimate lines and parts are each on a standing invoice",
        ));
    }
    if lines.is_empty() {
        return Err(NodeError::invalid(
            "lines",
            "nothing to bill: the job has no estimate lines or parts, and no lines were given",
        ));
    }
    for (n, l) in lines.iter().enumerate() {
        gst::check_line(n, l)?;
    }
    let (name, gstin, state, address) = match customer {
        Some(c) => {
            let cu = crate::services::get_customer(node, s, c)?;
            (
                cu.name,
                i.customer_gstin.or(cu.gstin),
                i.customer_state.or(cu.state_code),
                i.customer_address.or(cu.address),
            )
        }
        None => (
            i.customer_name.unwrap_or_else(|| "Walk-in customer".into()),
            i.customer_gstin,
            i.customer_state,
            i.customer_address,
        ),
    };
    validate::text("customer_name", &name, 1, 200)?;
    if let Some(a) = &address {
        validate::text("customer_address", a, 0, 500)?;
    }
    let gstin = gstin
        .map(|g| g.trim().to_uppercase())
        .filter(|g| !g.is_empty());
    if let Some(g) = &gstin {
        validate::gstin("customer_gstin", g)?;
    }
    if let Some(st) = &state {
        validate::state_code("customer_state", st)?;
    }
    let d = Draft {
        id: new_id()?,
        doc_type: DocType::TaxInvoice,
        job: i.job,
        customer,
        customer_name: name,
        customer_gstin: gstin,
        customer_address: address,
        customer_state: state,
        against: None,
        reason: None,
        lines,
        created_at: now_ms(),
        created_by: s.user,
    };
    let v = view(node, d.clone())?;
    node.read(|c| store::insert_draft(c, &d))?;
    Ok(v)
}

pub fn drafts(node: &Node, s: &Session) -> Result<Vec<DraftView>> {
    crate::services::own_branch(node, s)?;
    s.require(Action::CreateInvoices)?;
    node.read(store::drafts)?
        .into_iter()
        .map(|d| view(node, d))
        .collect()
}

pub fn delete_draft(node: &Node, s: &Session, id: RecordId) -> Result<()> {
    crate::services::own_branch(node, s)?;
    s.require(Action::CreateInvoices)?;
    if node.read(|c| store::delete_draft(c, id))? {
        Ok(())
    } else {
        Err(NodeError::NotFound(format!("draft {id}")))
    }
}

/// One draft of this device.
pub fn get_draft(node: &Node, s: &Session, id: RecordId) -> Result<DraftView> {
    crate::services::own_branch(node, s)?;
    s.require(Action::CreateInvoices)?;
    let d = node.read(|c| store::draft(c, id))?;
    view(node, d)
}

/// Add a line to an invoice draft: typed, or naming a catalogue item (which
/// gives it its HSN/SAC, rate, unit and kind), checked as a draft's lines
/// are when it is made.
pub fn add_draft_line(
    node: &Node,
    s: &Session,
    draft: RecordId,
    l: LineInput,
) -> Result<DraftView> {
    edit_lines(node, s, draft, |c, lines| {
        let line = l.from_catalogue(c, new_id()?)?;
        gst::check_line_named("", &line)?;
        lines.push(line);
        Ok(())
    })
}

/// Remove a line from an invoice draft; its last line is not removed (a
/// draft nobody wants is discarded instead).
pub fn remove_draft_line(
    node: &Node,
    s: &Session,
    draft: RecordId,
    line: RecordId,
) -> Result<DraftView> {
    edit_lines(node, s, draft, |_, lines| {
        let at = lines.iter().position(|l| l.id == line).ok_or_else(|| {
            NodeError::invalid("line", format!("draft {draft} has no line {line}"))
        })?;
        if lines.len() == 1 {
            return Err(NodeError::invalid(
                "line",
                "this is the draft's only line: discard the draft instead",
            ));
        }
        lines.remove(at);
        Ok(())
    })
}

/// Read, edit and store a draft's lines in one `BEGIN IMMEDIATE`
/// transaction, so two edits at once (the CLI and the API on one database)
/// both land, and an edit racing a finalize finds the draft gone rather
/// than bringing it back.
fn edit_lines(
    node: &Node,
    s: &Session,
    draft: RecordId,
    edit: impl FnOnce(&Connection, &mut Vec<Line>) -> Result<()>,
) -> Result<DraftView> {
    crate::services::own_branch(node, s)?;
    s.require(Action::CreateInvoices)?;
    node.transaction(|c| {
        let mut d = store::draft(c, draft)?;
        if d.doc_type != DocType::TaxInvoice {
            return Err(NodeError::invalid(
                "draft",
                "only an invoice draft takes lines",
            ));
        }
        edit(c, &mut d.lines)?;
        let v = view_in(c, node.branch, d)?;
        if !store::update_draft(c, &v.draft)? {
            return Err(NodeError::NotFound(format!("draft {draft}")));
        }
        Ok(v)
    })
}
