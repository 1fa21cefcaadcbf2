//! Messages to customers, made by the device in the same transaction as
//! the event that calls for one (a job card opened, a job ready, a payment
//! taken): the op goes to the hub with the event, and the hub sends it once
//! it has it, however long the branch was offline. The device only decides
//! *what* to say, in the customer's language; *how* (WhatsApp, SMS) is the
//! hub's, where the providers' credentials are.
//!
//! A customer who asked for no messages gets none; one whose language is
//! not set is written to in English, the language of the shop's slips and
//! invoices (the counter sets a customer's language when they ask).

use rusqlite::Connection;
use sync_core::body::{Message, OpBody};
use sync_core::domain::messages::{Event, Language};
use sync_core::ids::RecordId;

use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::{Node, new_id};
use crate::store::read::{self, Contact, MessageView};

/// The message `event` calls for, to `to`, or none when the customer asked
/// for none. `values` are the event's variables as the customer reads them.
pub(crate) fn message_for(
    event: Event,
    customer: RecordId,
    to: &Contact,
    job: Option<RecordId>,
    values: Vec<String>,
) -> Result<Option<OpBody>> {
    if to.no_messages {
        return Ok(None);
    }
    Ok(Some(OpBody::MessageQueued(Message {
        id: new_id()?,
        customer,
        job,
        event,
        language: to
            .language
            .as_deref()
            .and_then(Language::parse)
            .unwrap_or(Language::English),
        to: to.mobile.clone(),
        values,
        resend_of: None,
    })))
}

/// "Ready for pickup", with the delivery OTP the customer was given at
/// intake (sealed under the branch key with the job). A job whose OTP was
/// never sealed (opened before messages) or was replaced without it gets
/// the message without the number: the slip still has it.
///
/// Runs inside the node's write: `key` (the branch key) is read before it,
/// as the node's lock is held here.
pub(crate) fn job_ready(
    c: &Connection,
    node: &Node,
    key: &[u8; 32],
    job: RecordId,
) -> Result<Option<OpBody>> {
    let d = read::job_detail(c, job)?;
    let to = read::contact(c, d.summary.customer)?;
    let (hash, sealed) = read::job_otp(c, job)?;
    let otp = sealed
        .and_then(|s| crate::crypto::open(key, job, "otp", &s).ok())
        .filter(|otp| sync_core::domain::rules::otp_hash(job, otp) == hash)
        .unwrap_or_else(|| "(see your job slip)".to_string());
    let shop = read::branch(c, node.branch)?.name;
    message_for(
        Event::JobReady,
        d.summary.customer,
        &to,
        Some(job),
        vec![to.name.clone(), d.summary.job_no.clone(), otp, shop],
    )
}

/// "The estimate is ready": its total with GST, and (filled in by the hub,
/// which alone signs them) the link to the customer's page where they
/// approve or decline it.
pub(crate) fn estimate_shared(
    c: &Connection,
    job: RecordId,
    total: Option<rust_decimal::Decimal>,
) -> Result<Option<OpBody>> {
    let d = read::job_summary(c, job)?;
    let to = read::contact(c, d.customer)?;
    message_for(
        Event::EstimateShared,
        d.customer,
        &to,
        Some(job),
        vec![
            to.name.clone(),
            d.job_no.clone(),
            sync_core::domain::messages::Value::Money(total.unwrap_or_default()).shown(),
            String::new(),
        ],
    )
}

/// "Your invoice": its number and total, and the page link (the hub's).
pub(crate) fn invoice_finalized(
    c: &Connection,
    doc: &sync_core::body::Document,
) -> Result<Option<OpBody>> {
    let Some(customer) = doc.customer else {
        return Ok(None); // a walk-in with no customer record
    };
    let to = read::contact(c, customer)?;
    message_for(
        Event::InvoiceFinalized,
        customer,
        &to,
        doc.job,
        vec![
            to.name.clone(),
            doc.number.clone(),
            sync_core::domain::messages::Value::Money(doc.grand_total).shown(),
            String::new(),
        ],
    )
}

/// A person sends a job's message again (it failed, or the customer says
/// it never came): a new message with the same words, marked as a resend.
pub fn resend(node: &Node, s: &Session, message: RecordId) -> Result<MessageView> {
    crate::services::own_branch(node, s)?;
    let (old, customer, job) = node.read(|c| read::message(c, message))?;
    let event = Event::parse(&old.event)
        .ok_or_else(|| NodeError::invalid("message", "its event is unknown to this version"))?;
    let to = node.read(|c| read::contact(c, customer))?;
    let id = new_id()?;
    node.commit(
        s.user,
        OpBody::MessageQueued(Message {
            id,
            customer,
            job,
            event,
            language: Language::parse(&old.language).unwrap_or(Language::English),
            // To the number the customer has now, if it changed.
            to: to.mobile,
            values: old.values,
            resend_of: Some(message),
        }),
    )?;
    node.read(|c| read::message(c, id)).map(|(m, _, _)| m)
}

/// The WhatsApp click-to-chat link of a message, in the owner's words:
/// what the counter opens with one click when the hub has no channel (the
/// message's status is `not_sent`), or whenever a person prefers.
pub fn chat_link(node: &Node, s: &Session, message: RecordId) -> Result<String> {
    crate::services::own_branch(node, s)?;
    let (m, _, _) = node.read(|c| read::message(c, message))?;
    let event = Event::parse(&m.event)
        .ok_or_else(|| NodeError::invalid("message", "its event is unknown to this version"))?;
    let language = Language::parse(&m.language).unwrap_or(Language::English);
    let values: Vec<_> = m
        .values
        .iter()
        .map(|v| sync_core::domain::messages::Value::Text(v.clone()))
        .collect();
    // The owner's words if they wrote any (they reach the device as the
    // hub's op), else the built-in ones.
    let words = node.read(|c| read::template(c, node.branch, event.as_str(), language.code()))?;
    let text = sync_core::domain::messages::render(
        words
            .as_deref()
            .unwrap_or_else(|| sync_core::domain::messages::default_text(event, language)),
        &values,
    )?;
    Ok(sync_core::domain::messages::click_to_chat(&m.to, &text)?)
}
