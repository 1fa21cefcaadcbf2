//! Customers: registering one at the counter, editing, finding by mobile
//! or name, and the jobs they have brought in.

use serde::{Deserialize, Serialize};
use sync_core::body::{Customer, FieldValue, OpBody};
use sync_core::domain::validate;
use sync_core::ids::RecordId;

use super::{opt, own_branch, text_or_null, writes};
use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::{Node, new_id};
use crate::store::read::{self, CustomerView, JobFilter, JobSummary};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    pub name: String,
    pub mobile: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub gstin: Option<String>,
    pub state_code: Option<String>,
}

pub(super) fn customer_body(i: CustomerInput) -> Result<Customer> {
    let mobile = validate::mobile("mobile", &i.mobile)?;
    let gstin = opt(i.gstin).map(|g| g.to_uppercase());
    let state_code = opt(i.state_code).or_else(|| {
        // `get`, not indexing: a mistyped GSTIN may start with any
        // character, and slicing inside one would panic.
        gstin.as_ref().and_then(|g| g.get(..2)).map(str::to_string)
    });
    let c = Customer {
        id: new_id()?,
        name: i.name.trim().to_string(),
        mobile,
        email: opt(i.email),
        address: opt(i.address),
        gstin,
        state_code,
    };
    Ok(c)
}

pub fn create_customer(node: &Node, s: &Session, i: CustomerInput) -> Result<CustomerView> {
    own_branch(node, s)?;
    let c = customer_body(i)?;
    let id = c.id;
    node.commit(s.user, OpBody::CustomerCreated(c))?;
    node.read(|c| read::customer(c, id))
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub gstin: Option<String>,
    pub state_code: Option<String>,
    /// The language of their messages: en, hi, kn or ta; empty for the
    /// shop's default.
    pub language: Option<String>,
    /// The customer asked for no messages (or, with false, for them again).
    pub no_messages: Option<bool>,
}

pub fn update_customer(
    node: &Node,
    s: &Session,
    id: RecordId,
    p: CustomerPatch,
) -> Result<CustomerView> {
    own_branch(node, s)?;
    node.read(|c| read::customer(c, id))?;
    let mut f = vec![];
    if let Some(n) = p.name {
        validate::text("name", &n, 1, 100)?;
        f.push(("name", FieldValue::Text(n.trim().to_string())));
    }
    if let Some(m) = p.mobile {
        f.push(("mobile", FieldValue::Text(validate::mobile("mobile", &m)?)));
    }
    if let Some(l) = p.language {
        let l = l.trim().to_string();
        if !l.is_empty() && sync_core::domain::messages::Language::parse(&l).is_none() {
            return Err(NodeError::invalid(
                "language",
                "must be one of en, hi, kn, ta",
            ));
        }
        f.push(("language", text_or_null(Some(l))));
    }
    if let Some(n) = p.no_messages {
        f.push(("no_messages", FieldValue::Bool(n)));
    }
    if p.email.is_some() {
        f.push(("email", text_or_null(p.email)));
    }
    if p.address.is_some() {
        f.push(("address", text_or_null(p.address)));
    }
    if let Some(g) = p.gstin {
        let g = g.trim().to_uppercase();
        if !g.is_empty() {
            validate::gstin("gstin", &g)?;
        }
        f.push(("gstin", text_or_null(Some(g))));
    }
    if let Some(st) = p.state_code {
        if !st.trim().is_empty() {
            validate::state_code("state_code", st.trim())?;
        }
        f.push(("state_code", text_or_null(Some(st))));
    }
    if f.is_empty() {
        return Err(NodeError::invalid(
            "body",
            "give at least one field to change",
        ));
    }
    let w = writes(node, id, f)?;
    node.commit(
        s.user,
        OpBody::CustomerUpdated {
            customer: id,
            writes: w,
        },
    )?;
    node.read(|c| read::customer(c, id))
}

pub fn find_customers(node: &Node, s: &Session, q: &str) -> Result<Vec<CustomerView>> {
    let b = own_branch(node, s)?;
    validate::text("q", q, 0, 100)?;
    node.read(|c| read::find_customers(c, b, q.trim(), 50))
}

pub fn get_customer(node: &Node, s: &Session, id: RecordId) -> Result<CustomerView> {
    let b = own_branch(node, s)?;
    let cu = node.read(|c| read::customer(c, id))?;
    if cu.branch != b {
        return Err(NodeError::NotFound(format!("customer {id}")));
    }
    Ok(cu)
}

#[derive(Clone, Debug, Serialize)]
pub struct CustomerHistory {
    pub customer: CustomerView,
    pub jobs: Vec<JobSummary>,
}

pub fn customer_history(node: &Node, s: &Session, id: RecordId) -> Result<CustomerHistory> {
    let customer = get_customer(node, s, id)?;
    let jobs = node.read(|c| {
        read::jobs(
            c,
            customer.branch,
            &JobFilter {
                customer: Some(id),
                limit: Some(1000),
                ..Default::default()
            },
        )
    })?;
    Ok(CustomerHistory { customer, jobs })
}
