//! Two devices of a branch, each offline from the other, each issue a
//! credit note against one ₹1,180 invoice (₹826 each, within what was left
//! when made): both are taken when they meet, and the ₹472 credited beyond
//! the invoice is put in front of a person on both devices alike.

use std::sync::Arc;

use crate::common::*;
use branch_node::node::Node;
use branch_node::services::LineInput;
use branch_node::{billing as bill, sync};
use rust_decimal::Decimal;
use sync_core::body::{Lease, LineKind, OpBody};
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Role;
use sync_core::ids::RecordId;

async fn bg<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

fn labour(price: &str) -> LineInput {
    LineInput {
        kind: LineKind::Service,
        item: None,
        description: "Board repair".into(),
        hsn_sac: "998713".into(),
        qty: Decimal::ONE,
        unit: "nos".into(),
        unit_price: price.parse().unwrap(),
        discount: Decimal::ZERO,
        gst_rate: Decimal::from(18),
    }
}

async fn serve(node: &Arc<Node>) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let node = Arc::clone(node);
    tokio::spawn(async move {
        branch_node::api::serve(listener, node, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (url, tx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_notes_made_apart_beyond_their_invoice_are_taken_and_flagged() {
    let (shop, laptop_db) = bg(|| {
        let shop = shop();
        let db = shop.dir.path().join("accounts.sqlite");
        let laptop = shop
            .node
            .enroll_local_device(&db, "accounts laptop", false, Some(Role::Manager))
            .unwrap();
        // The front desk, as its own hub, leases the laptop credit notes.
        shop.node
            .commit_as_root(OpBody::LeaseGranted(Lease {
                id: RecordId([0x51; 16]),
                device: laptop,
                doc_type: DocType::CreditNote,
                prefix: "BLRC".into(),
                fy: 2026,
                first: 501,
                last: 510,
            }))
            .unwrap();
        (shop, db)
    })
    .await;
    let a = shop.node.clone();
    let acct = shop.accountant.clone();
    let invoice = {
        let (a, s) = (a.clone(), acct.clone());
        bg(move || {
            let d = bill::create_draft(
                &a,
                &s,
                bill::DraftInput {
                    job: None,
                    customer: None,
                    customer_name: Some("Walk-in".into()),
                    customer_gstin: None,
                    customer_state: None,
                    customer_address: None,
                    lines: vec![labour("1000")],
                },
            )
            .unwrap();
            bill::finalize(&a, &s, d.draft.id, Some(DAY)).unwrap()
        })
        .await
    };
    let b = Arc::new(bg(move || Node::open(&laptop_db).unwrap()).await);
    let (url_a, _stop_a) = serve(&a).await;
    let (url_b, _stop_b) = serve(&b).await;
    sync::sync_once(&b, &url_a).await.unwrap();

    // Apart: each credits ₹700 + tax, each within the ₹1,180 it sees left.
    for n in [&a, &b] {
        let (n, s, inv) = (n.clone(), acct.clone(), invoice.doc.id);
        bg(move || {
            bill::credit_note(
                &n,
                &s,
                bill::CreditNoteInput {
                    invoice: inv,
                    reason: "rework refunded".into(),
                    lines: Some(vec![labour("700")]),
                    date: Some(DAY),
                    restock: Some(false),
                },
            )
            .unwrap()
        })
        .await;
    }
    assert!(
        attention(&a).is_empty() && attention(&b).is_empty(),
        "each alone is within the invoice"
    );

    // They meet: both notes are taken, and both devices flag the excess.
    sync::sync_once(&b, &url_a).await.unwrap();
    sync::sync_once(&a, &url_b).await.unwrap();
    for n in [&a, &b] {
        let notes = bill::list_documents(n, &acct, None)
            .unwrap()
            .into_iter()
            .filter(|d| d.doc.doc_type == DocType::CreditNote)
            .count();
        assert_eq!(notes, 2, "both credit notes are kept");
        let flagged = attention(n);
        assert_eq!(flagged.len(), 1, "{flagged:?}");
        assert!(
            flagged[0].contains(&invoice.doc.number)
                && flagged[0].contains("₹1,652.00")
                && flagged[0].contains("₹472.00"),
            "{flagged:?}"
        );
    }
}

const DAY: sync_core::domain::date::Date = sync_core::domain::date::Date {
    year: 2026,
    month: 12,
    day: 1,
};

fn attention(n: &Node) -> Vec<String> {
    sync::needs_attention(n)
        .unwrap()
        .into_iter()
        .filter(|v| v.kind == "over_credited")
        .map(|v| v.reason)
        .collect()
}
