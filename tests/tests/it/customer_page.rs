//! The customer's own page in headless Chromium, at a cheap phone's size:
//! the link the hub signs opens the one job (its estimate and total, its
//! timeline); Approve on it moves the job at the branch after its next
//! sync, as the hub's signed op; Decline on another job likewise; and an
//! altered link, another job's id under the first one's signature, or an
//! expired link shows nothing of any job.

use std::sync::Arc;

use branch_node::node::Node;
use branch_node::services as svc;
use e2e_tests::browser::Browser;
use e2e_tests::demo::{self, Staff};
use e2e_tests::world::{Hub, bg};
use hub::store::HubStore;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::Role;
use sync_core::ids::RecordId;

async fn work<T: Send + 'static>(
    node: &Arc<Node>,
    f: impl FnOnce(&Node) -> branch_node::Result<T> + Send + 'static,
) -> T {
    let n = node.clone();
    bg(move || f(&n)).await.unwrap()
}

/// Nothing on the page names a job.
async fn shows_nothing(b: &Browser, url: &str, job_nos: &[String], why: &str) {
    b.goto(url).await;
    let text = b.wait_text("#nothing", why, 10).await;
    assert!(text.contains("Ask the shop"), "{text}");
    let body = b.text("body").await;
    for no in job_nos {
        assert!(!body.contains(no.as_str()), "{url} shows {no}: {body}");
    }
    assert!(!body.contains("Approve"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_approves_on_their_page_and_the_branch_moves_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path(), 1000).await;
    let desk = hub.enroll(dir.path(), 0, "jayanagar", true, &hub.url).await;
    branch_node::sync::sync_once(&desk.node, &hub.url)
        .await
        .unwrap();
    let b0 = &hub.branches[0];
    let s = Arc::new(Staff {
        manager: desk.login(b0, Role::Manager).await,
        counter: desk.login(b0, Role::Receptionist).await,
        technician: desk.login(b0, Role::Technician).await,
        accounts: desk.login(b0, Role::Accountant).await,
    });
    let st = s.clone();
    let jobs = work(&desk.node, move |n| {
        let jobs = demo::take_in(n, &st, 0, 3, 80)?;
        demo::diagnose(n, &st.technician, &jobs)?;
        for (job, _) in &jobs[..2] {
            svc::change_status(n, &st.manager, *job, demo::to(JobStatus::EstimateShared))?;
        }
        // The third goes all the way: approved, repaired, billed, delivered.
        demo::approve(n, &st.manager, &jobs[2..])?;
        demo::repair(n, &st.technician, &jobs[2..], None)?;
        demo::bill_and_deliver(
            n,
            &st,
            &jobs[2..],
            sync_core::domain::date::Date::from_unix_ms_ist(hub::store::db::now_ms()),
        )?;
        Ok(jobs)
    })
    .await;
    branch_node::sync::sync_once(&desk.node, &hub.url)
        .await
        .unwrap();
    let st = s.clone();
    let ids: Vec<RecordId> = jobs.iter().map(|(j, _)| *j).collect();
    let (job_nos, totals) = {
        let ids = ids.clone();
        work(&desk.node, move |n| {
            let mut nos = vec![];
            let mut totals = vec![];
            for id in ids {
                let d = svc::job_detail(n, &st.counter, id)?;
                nos.push(d.summary.job_no.clone());
                totals.push(d.estimate_totals.map(|t| t.grand_total).unwrap());
            }
            Ok((nos, totals))
        })
        .await
    };

    let key = hub.store.customer_link_key();
    let now = hub::store::db::now_ms();
    let link = |job: RecordId| hub::customer::link(&hub.url, &key, job, now);
    let b = Browser::start().await;
    // A cheap phone.
    b.viewport(360, 640, true).await;

    // The first job's page: its number, its estimate's total, Approve.
    b.goto(&link(ids[0])).await;
    b.wait_text("#job-no", &job_nos[0], 10).await;
    let total = b.text("#estimate-total").await;
    assert_eq!(
        total,
        format!("₹{}", sync_core::domain::money::format_inr(totals[0]))
    );
    let body = b.text("body").await;
    assert!(!body.contains(&job_nos[1]), "another job on the page");
    let sideways = b
        .js(
            "return document.documentElement.scrollWidth > window.innerWidth + 1",
            vec![],
        )
        .await;
    assert_eq!(
        sideways,
        serde_json::json!(false),
        "sideways scroll on a phone"
    );
    b.screenshot("customer-page-phone").await;
    b.click("#approve").await;
    b.wait_text("#said", "go ahead", 10).await;
    b.wait_text("#status", "Estimate approved", 10).await;
    assert!(
        b.js("return !document.getElementById('approve')", vec![])
            .await
            == serde_json::json!(true)
    );

    // The second declines.
    b.goto(&link(ids[1])).await;
    b.wait_text("#job-no", &job_nos[1], 10).await;
    b.click("#decline").await;
    b.wait_text("#status", "Estimate declined", 10).await;

    // The branch has both answers after its next sync, from the hub.
    branch_node::sync::sync_once(&desk.node, &hub.url)
        .await
        .unwrap();
    let st = s.clone();
    let (first, second) = {
        let ids = ids.clone();
        work(&desk.node, move |n| {
            Ok((
                svc::job_detail(n, &st.counter, ids[0])?,
                svc::job_detail(n, &st.counter, ids[1])?,
            ))
        })
        .await
    };
    assert_eq!(first.summary.status, "approved");
    assert_eq!(second.summary.status, "rejected");
    let last = first.timeline.last().unwrap();
    assert!(
        last.note
            .as_deref()
            .unwrap_or_default()
            .contains("by the customer on their page"),
        "{last:?}"
    );

    // Links that open nothing.
    let good = link(ids[0]);
    let token = good.rsplit('/').next().unwrap().to_string();
    let mut altered = token.clone().into_bytes();
    altered[60] = if altered[60] == b'0' { b'1' } else { b'0' };
    let altered = String::from_utf8(altered).unwrap();
    shows_nothing(
        &b,
        &format!("{}/c/{altered}", hub.url),
        &job_nos,
        "not valid",
    )
    .await;
    let other = format!("{}{}", hex::encode(ids[1].0), &token[32..]);
    shows_nothing(&b, &format!("{}/c/{other}", hub.url), &job_nos, "not valid").await;
    let expired = hub::customer::token(&key, ids[0], now - 1);
    shows_nothing(&b, &format!("{}/c/{expired}", hub.url), &job_nos, "expired").await;
    // An answer through an altered link changes nothing.
    let r = reqwest::Client::new()
        .post(format!("{}/c/{altered}/answer", hub.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("answer=decline")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let store = hub.store.clone();
    let first_id = ids[0];
    let still = bg(move || store.customer_job(first_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status, JobStatus::Approved);

    // A job not delivered yet is not rated: refused, nothing signed.
    let r = reqwest::Client::new()
        .post(format!("{good}/rating"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("stars=5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().await.unwrap().contains("once it is delivered"));

    // The delivered one: its customer rates it at the end, and the branch
    // and the owner's report have it.
    b.goto(&link(ids[2])).await;
    b.wait_text("#job-no", &job_nos[2], 10).await;
    b.click("#stars-4").await;
    b.fill("#comment", "Quick and honest").await;
    b.click("#rate").await;
    b.wait_text("#rated", "★★★★☆", 10).await;
    branch_node::sync::sync_once(&desk.node, &hub.url)
        .await
        .unwrap();
    let st = s.clone();
    let third = ids[2];
    let rated = work(&desk.node, move |n| svc::job_detail(n, &st.counter, third)).await;
    let rating = rated.rating.expect("the rating reached the branch");
    assert_eq!(rating.stars, 4);
    assert_eq!(rating.comment.as_deref(), Some("Quick and honest"));
    let store = hub.store.clone();
    let report = bg(move || hub::reports::report(&*store, "ratings"))
        .await
        .unwrap();
    assert_eq!(report.rows.len(), 1, "{:?}", report.rows);
    assert!(report.rows[0].contains(&"4".to_string()) && report.rows[0].contains(&job_nos[2]));
}
