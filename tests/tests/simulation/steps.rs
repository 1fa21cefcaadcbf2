//! The steps of a shop's day, one drawn from the seed at a time.

use branch_node::{billing as bill, inventory as inv, services as svc, sync};
use e2e_tests::proxy::FaultRates;
use e2e_tests::world::{bg, dec};
use rust_decimal::Decimal;
use sync_core::body::{PaymentMode, TextField};
use sync_core::domain::lifecycle::{JobStatus, next_steps};

use super::day::*;

impl Day {
    /// Whether the stolen laptop stands revoked at the hub now.
    pub async fn thief_revoked(&self) -> bool {
        let (hub, thief) = (self.hub.store.clone(), self.thief.device);
        bg(move || hub::store::HubStore::device_auth(&*hub, thief))
            .await
            .expect("device auth")
            .is_some_and(|a| a.revoked)
    }

    pub async fn step(&mut self) {
        let d = [DESK, DESK, LAPTOP, LAPTOP, TNR][self.rng.below(5)];
        let b = self.branch_of[d];
        let k = self.rng.below(100);
        self.made += 1;
        let i = self.made;
        match k {
            0..=9 => {
                self.story.push(format!("{i}: intake at {d}"));
                self.doing = "intake";
                let who = 1;
                // The counter quotes the labour at intake.
                if let Some(o) = self
                    .act(d, who, move |n, s| {
                        let o = svc::open_job(n, s, intake(i))?;
                        svc::add_estimate_line(n, s, o.job.summary.id, labour("850"))?;
                        Ok(o)
                    })
                    .await
                {
                    self.jobs[b].push((o.job.summary.id, o.otp));
                }
            }
            10..=17 => {
                let Some((job, _)) = self.job(b) else { return };
                self.story.push(format!("{i}: diagnosis at {d}"));
                self.doing = "diagnosis";
                // Saved from a screen loaded a while ago: its version, then
                // other words may have arrived since.
                let stale = self.rng.chance(50);
                let who = if d == LAPTOP { 0 } else { 1 };
                self.act(d, who, move |n, s| {
                    let shown = svc::job_detail(n, s, job)?;
                    let text = format!("{} Note {i}.", shown.diagnosis);
                    let version = if stale {
                        shown.diagnosis_version.clone()
                    } else {
                        svc::job_detail(n, s, job)?.diagnosis_version
                    };
                    svc::set_text(n, s, job, TextField::Diagnosis, &text, Some(&version))?;
                    svc::add_estimate_line(n, s, job, labour("600")).map(|_| ())
                })
                .await;
            }
            18..=33 => {
                let Some((job, otp)) = self.job(b) else {
                    return;
                };
                let pick = self.rng.next();
                self.story.push(format!("{i}: status move at {d}"));
                self.doing = "status";
                self.act(d, 1, move |n, s| {
                    let now = svc::job_detail(n, s, job)?;
                    let from: JobStatus =
                        serde_json::from_value(serde_json::json!(now.summary.status))
                            .expect("a status");
                    let steps = next_steps(from);
                    if steps.is_empty() {
                        return Ok(());
                    }
                    let next = steps[(pick % steps.len() as u64) as usize];
                    let otp = (next == JobStatus::Delivered).then_some(otp);
                    svc::change_status(n, s, job, to(next, otp)).map(|_| ())
                })
                .await;
            }
            34..=43 => {
                // A job's bill, or now and then a counter sale.
                let job = if self.rng.chance(80) {
                    let Some((job, _)) = self.job(b) else { return };
                    Some(job)
                } else {
                    None
                };
                self.story.push(format!("{i}: invoice at {d}"));
                self.doing = "invoice";
                if let Some(id) = self
                    .act(d, 2, move |n, s| {
                        let draft = bill::create_draft(
                            n,
                            s,
                            bill::DraftInput {
                                job,
                                customer: None,
                                customer_name: job.is_none().then(|| format!("Walk-in {i}")),
                                customer_gstin: None,
                                customer_state: None,
                                customer_address: None,
                                lines: if job.is_none() {
                                    vec![labour("449.50")]
                                } else {
                                    vec![]
                                },
                            },
                        )?;
                        Ok(bill::finalize(n, s, draft.draft.id, None)?.doc.id)
                    })
                    .await
                {
                    self.invoices[b].push(id);
                }
            }
            44..=60 => {
                let Some(invoice) = self.rng.pick(&self.invoices[b]) else {
                    return;
                };
                // Often the whole balance: two devices that have not met
                // yet may both take it.
                let part = if self.rng.chance(50) {
                    4
                } else {
                    1 + self.rng.below(4) as i64
                };
                let upi = self.rng.chance(50);
                self.story.push(format!("{i}: payment at {d}"));
                self.doing = "payment";
                self.act(d, 2, move |n, s| {
                    let doc = bill::get_document(n, s, invoice)?;
                    let due: Decimal = doc.balance_due.parse().expect("a balance");
                    if due <= Decimal::ZERO {
                        return Ok(());
                    }
                    let amount = (due * Decimal::from(part) / Decimal::from(4)).round_dp(2);
                    bill::record_payment(
                        n,
                        s,
                        bill::PaymentInput {
                            invoice: Some(invoice),
                            job: None,
                            amount: amount.max(Decimal::ONE).min(due),
                            mode: if upi {
                                PaymentMode::Upi
                            } else {
                                PaymentMode::Cash
                            },
                            reference: upi.then(|| format!("UPI/{i}")),
                            date: None,
                        },
                    )
                    .map(|_| ())
                })
                .await;
            }
            61..=63 if d != TNR || self.transfers.is_empty() => {
                let (ram, lap, tech) = (
                    self.hub.items["RAM8-DDR4"],
                    self.devs[LAPTOP].id(),
                    self.people[LAPTOP][0].user,
                );
                self.story.push(format!("{i}: stock at {d}"));
                self.doing = "stock";
                match d {
                    DESK => {
                        self.act(d, 1, move |n, s| {
                            inv::issue_to_technician(
                                n,
                                s,
                                inv::IssueInput {
                                    item: ram,
                                    qty: Decimal::ONE,
                                    technician: tech,
                                    to_device: lap,
                                },
                            )
                            .map(|_| ())
                        })
                        .await;
                    }
                    LAPTOP => {
                        let Some((job, _)) = self.job(0) else { return };
                        self.act(d, 0, move |n, s| {
                            inv::use_on_job(
                                n,
                                s,
                                inv::UseInput {
                                    job,
                                    item: ram,
                                    qty: Decimal::ONE,
                                    unit_price: None,
                                },
                            )
                            .map(|_| ())
                        })
                        .await;
                    }
                    _ => {
                        self.act(d, 1, move |n, s| {
                            inv::receive(
                                n,
                                s,
                                inv::ReceiptInput {
                                    item: ram,
                                    qty: dec("2"),
                                    supplier: "SP Road".into(),
                                    reference: None,
                                    note: None,
                                },
                            )
                            .map(|_| ())
                        })
                        .await;
                    }
                }
            }
            61..=66 => {
                let ssd = self.hub.items["SSD512-NVME"];
                if d == TNR {
                    let Some(t) = self.rng.pick(&self.transfers) else {
                        return;
                    };
                    let short = self.rng.chance(30);
                    self.story.push(format!("{i}: transfer in at T Nagar"));
                    self.doing = "transfer in";
                    self.act(TNR, 1, move |n, s| {
                        let received = if short { Decimal::ZERO } else { Decimal::ONE };
                        inv::transfer_in(
                            n,
                            s,
                            inv::TransferInInput {
                                transfer: t,
                                received,
                            },
                        )
                        .map(|_| ())
                    })
                    .await;
                } else {
                    let (tb, tdev) = (self.hub.branches[1].id, self.devs[TNR].id());
                    self.story.push(format!("{i}: transfer out at {d}"));
                    self.doing = "transfer out";
                    if let Some(t) = self
                        .act(d, 1, move |n, s| {
                            inv::transfer_out(
                                n,
                                s,
                                inv::TransferOutInput {
                                    item: ssd,
                                    qty: Decimal::ONE,
                                    to_branch: tb,
                                    to_device: Some(tdev),
                                    unit_value: None,
                                    eway_bill: None,
                                },
                            )
                            .map(|t| t.id)
                        })
                        .await
                    {
                        self.transfers.push(t);
                    }
                }
            }
            67..=80 => {
                self.story.push(format!("{i}: {d} syncs with the hub"));
                self.tally.steps.entry("hub sync").or_default().0 += 1;
                if self.rng.chance(25) {
                    // Two devices at the hub at once.
                    let other = (d + 1 + self.rng.below(2)) % 3;
                    let (a, b) = (self.devs[d].node.clone(), self.devs[other].node.clone());
                    let (ua, ub) = (self.links[d].url.clone(), self.links[other].url.clone());
                    let _ = tokio::join!(sync::sync_once(&a, &ua), sync::sync_once(&b, &ub));
                } else {
                    self.sync_hub(d).await;
                }
            }
            81..=88 => {
                if d == TNR {
                    return;
                }
                self.story.push(format!("{i}: {d} syncs over the LAN"));
                self.tally.steps.entry("LAN sync").or_default().0 += 1;
                self.sync_lan(d).await;
            }
            89..=92 => {
                let up = self.rng.chance(60);
                let bad = self.rng.chance(50);
                let which = self.rng.below(5);
                self.story.push(format!(
                    "{i}: link {which} {}, {}",
                    if up { "up" } else { "down" },
                    if bad { "bad" } else { "clean" }
                ));
                let link = match which {
                    0..=2 => &self.links[which],
                    3 => &self.to_desk,
                    _ => &self.to_laptop,
                };
                link.set_online(up);
                link.set_faults(if bad { BAD_LINK } else { FaultRates::NONE });
            }
            93..=94 => {
                self.story.push(format!("{i}: {d} restarts"));
                self.tally.steps.entry("device restart").or_default().0 += 1;
                self.devs[d].restart().await;
                match d {
                    DESK => self.to_desk.set_upstream(&self.devs[DESK].url),
                    LAPTOP => self.to_laptop.set_upstream(&self.devs[LAPTOP].url),
                    _ => {}
                }
            }
            95 => match self.rng.below(3) {
                0 => {
                    self.story.push(format!("{i}: the nightly backup"));
                    self.tally.steps.entry("hub backup").or_default().0 += 1;
                    let to = self._dir.path().join(format!("backup-{i}.sqlite"));
                    let (db, t) = (self.hub.store.db.clone(), to.clone());
                    bg(move || hub::store::db::restore::backup(&db, &t))
                        .await
                        .expect("a backup");
                    let revoked = self.thief_revoked().await;
                    self.backup = Some((to, revoked));
                }
                // A revocation signed after the backup is out of force
                // until a device of the branch returns it (ARCHITECTURE,
                // "Backups and recovery"): restores here span none.
                1 if self.backup.is_some()
                    && self.backup.as_ref().map(|b| b.1) == Some(self.thief_revoked().await) =>
                {
                    self.story.push(format!(
                        "{i}: the hub's disk dies; last night's backup restored"
                    ));
                    self.tally.steps.entry("hub restore").or_default().0 += 1;
                    let from = self.backup.as_ref().map(|b| b.0.clone()).expect("a backup");
                    self.hub.restore_from(&from).await;
                    for l in &self.links {
                        l.set_upstream(&self.hub.addr);
                    }
                    // The owner, restoring, stops waiting for the stolen
                    // laptop: it will never send its work back.
                    let (hub, thief) = (self.hub.store.clone(), self.thief.device);
                    bg(move || {
                        let _ = hub::store::HubStore::release(&*hub, thief);
                    })
                    .await;
                }
                _ => {
                    self.story.push(format!("{i}: the hub restarts"));
                    self.tally.steps.entry("hub restart").or_default().0 += 1;
                    self.hub.restart().await;
                    for l in &self.links {
                        l.set_upstream(&self.hub.addr);
                    }
                }
            },
            96 if !self.revoked && self.made > 10 => {
                let (hub, thief) = (self.hub.store.clone(), self.thief.device);
                match bg(move || hub::store::HubStore::revoke(&*hub, thief, "stolen")).await {
                    Ok(_) => {
                        self.story
                            .push(format!("{i}: the owner revokes the stolen laptop"));
                        self.revoked = true;
                    }
                    // Restored, and the branch's devices have not all
                    // returned what the hub lost: the owner tries later.
                    Err(hub::error::HubError::Recovering(_)) => {
                        self.story.push(format!(
                            "{i}: the owner's revocation waits for the hub to recover"
                        ));
                    }
                    Err(e) => panic!("revoking the stolen laptop: {e}"),
                }
            }
            _ => self.forge(i).await,
        }
    }
}
