//! The rule book's view of the device's tables (`RuleContext`), so that a
//! device checks an operation exactly as the reference replica and the hub do.

use rust_decimal::Decimal;
use sync_core::body::{Lease, OwnSeries};
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::Role;
use sync_core::domain::rules::{
    BranchInfo, DeviceInfo, DocInfo, JobInfo, RuleContext, TransferInfo, UserInfo,
};
use sync_core::domain::stock::Holder;
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::op::OpId;
use sync_core::replica::{Genesis, HQ};

use crate::sql::SqlExt;
use crate::sql::{Param, Row};
use crate::{Result, Sql, p, to16};

/// The rule book's view of one connection. Each read answers "nothing
/// there" when SQLite fails, and remembers the failure: the rule book asks
/// [`RuleContext::storage_error`] after its check, so a failed read is a
/// refusal, never "this number is free" (see `rules::check`).
pub struct TxCtx<'a> {
    c: &'a dyn Sql,
    genesis: &'a Genesis,
    failed: std::cell::RefCell<Option<String>>,
}

fn d(s: Option<String>) -> Decimal {
    s.and_then(|s| s.parse().ok()).unwrap_or_default()
}

impl<'a> TxCtx<'a> {
    pub fn new(c: &'a dyn Sql, genesis: &'a Genesis) -> TxCtx<'a> {
        TxCtx {
            c,
            genesis,
            failed: std::cell::RefCell::new(None),
        }
    }

    /// Keep the first failure, answer with `T`'s "nothing there".
    fn ok<T: Default>(&self, r: Result<T>) -> T {
        r.unwrap_or_else(|e| {
            self.failed.borrow_mut().get_or_insert(e.to_string());
            T::default()
        })
    }

    fn sum(&self, sql: &str, p: &[Param<'_>]) -> Decimal {
        let rows: Vec<String> = self.ok(self.c.all(sql, p, |r| r.get(0)));
        let mut total = Decimal::ZERO;
        for v in rows {
            match v.parse::<Decimal>().ok().and_then(|x| total.checked_add(x)) {
                Some(t) => total = t,
                None => {
                    self.failed
                        .borrow_mut()
                        .get_or_insert(format!("amount `{v}` cannot be summed"));
                }
            }
        }
        total
    }

    fn job_balance_due_sql(&self, job: RecordId) -> Decimal {
        let j = &job.0[..];
        let invoiced = self.sum("SELECT grand_total FROM documents WHERE job = ?1 AND cancelled = 0 AND doc_type = 'tax_invoice'", p![j]);
        let credited = self.sum("SELECT grand_total FROM documents WHERE job = ?1 AND cancelled = 0 AND doc_type = 'credit_note'", p![j]);
        let paid = self.sum(
            "SELECT amount FROM payments WHERE job = ?1 OR invoice IN (SELECT id FROM documents WHERE job = ?1 AND cancelled = 0 AND doc_type = 'tax_invoice')",
            p![j],
        );
        match invoiced
            .checked_sub(credited)
            .and_then(|x| x.checked_sub(paid))
        {
            Some(due) => due,
            None => {
                self.failed
                    .borrow_mut()
                    .get_or_insert("a job's balance cannot be computed".into());
                Decimal::ZERO
            }
        }
    }
}

impl TxCtx<'_> {
    /// One optional row, its failure remembered.
    fn row<T>(&self, sql: &str, p: &[Param<'_>], f: impl FnOnce(&Row) -> Result<T>) -> Option<T> {
        match self.c.one(sql, p, f) {
            Ok(v) => v,
            Err(e) => {
                self.failed.borrow_mut().get_or_insert(e.to_string());
                None
            }
        }
    }

    fn exists(&self, sql: &str, p: &[Param<'_>]) -> bool {
        self.row(sql, p, |r| r.get::<bool>(0)).unwrap_or(false)
    }
}

impl RuleContext for TxCtx<'_> {
    fn storage_error(&self) -> Option<String> {
        self.failed.borrow().clone()
    }

    fn user(&self, id: UserId) -> Option<UserInfo> {
        let found = self
            .row(
                "SELECT role, branch, active FROM users WHERE id = ?1",
                p![&id.0[..]],
                |r| {
                    Ok((
                        r.get::<String>(0)?,
                        r.get::<Option<Vec<u8>>>(1)?,
                        r.get::<bool>(2)?,
                    ))
                },
            )
            .and_then(|(role, branch, active)| {
                Some(UserInfo {
                    role: Role::parse(&role)?,
                    branch: branch.map(|b| BranchId(to16(&b))),
                    active,
                })
            });
        // The genesis owner acts before (and without) a user record.
        found.or_else(|| {
            (id == self.genesis.owner).then_some(UserInfo {
                role: Role::Owner,
                branch: None,
                active: true,
            })
        })
    }

    fn device(&self, id: DeviceId) -> Option<DeviceInfo> {
        if id == self.genesis.hub_device {
            return Some(DeviceInfo {
                branch: HQ,
                revoked: false,
                holds_store: false,
                ceiling: Role::Owner,
                hub: true,
                number: None,
                series: None,
            });
        }
        self.row(
            "SELECT branch, revoked, holds_store, ceiling, hub, number, invoice_prefix, credit_note_prefix FROM devices WHERE id = ?1",
            p![&id.0[..]],
            |r| {
                let series = match (r.get::<Option<String>>(6)?, r.get::<Option<String>>(7)?) {
                    (Some(invoice_prefix), Some(credit_note_prefix)) => Some(OwnSeries {
                        invoice_prefix,
                        credit_note_prefix,
                    }),
                    _ => None,
                };
                Ok((
                    r.get::<Vec<u8>>(0)?,
                    r.get::<bool>(1)?,
                    r.get::<bool>(2)?,
                    r.get::<String>(3)?,
                    r.get::<bool>(4)?,
                    r.get::<Option<u32>>(5)?,
                    series,
                ))
            },
        )
        .and_then(|(b, revoked, holds_store, ceiling, hub, number, series)| {
            Some(DeviceInfo {
                branch: BranchId(to16(&b)),
                revoked,
                holds_store,
                ceiling: Role::parse(&ceiling)?,
                hub,
                number,
                series,
            })
        })
    }

    fn branch(&self, id: BranchId) -> Option<BranchInfo> {
        self.row(
            "SELECT state_code, gstin, invoice_prefix, credit_note_prefix FROM branches WHERE id = ?1",
            p![&id.0[..]],
            |r| {
                Ok(BranchInfo {
                    state_code: r.get(0)?,
                    gstin: r.get(1)?,
                    invoice_prefix: r.get(2)?,
                    credit_note_prefix: r.get(3)?,
                })
            },
        )
    }

    fn customer_branch(&self, id: RecordId) -> Option<BranchId> {
        self.row(
            "SELECT branch FROM customers WHERE id = ?1",
            p![&id.0[..]],
            |r| r.get::<Vec<u8>>(0),
        )
        .map(|b| BranchId(to16(&b)))
    }

    fn status_change_to(&self, job: RecordId, op: OpId) -> Option<JobStatus> {
        let to: String = self.row(
            "SELECT to_status FROM status_changes WHERE device = ?1 AND seq = ?2 AND job = ?3",
            p![&op.device.0[..], op.seq, &job.0[..]],
            |r| r.get(0),
        )?;
        JobStatus::parse(&to)
    }

    fn job(&self, id: RecordId) -> Option<JobInfo> {
        let row = self.row(
            "SELECT branch, status, status_head_device, status_head_seq, otp_hash FROM jobs WHERE id = ?1",
            p![&id.0[..]],
            |r| {
                Ok((
                    r.get::<Vec<u8>>(0)?,
                    r.get::<String>(1)?,
                    r.get::<Option<Vec<u8>>>(2)?,
                    r.get::<Option<u64>>(3)?,
                    r.get::<String>(4)?,
                ))
            },
        )?;
        Some(JobInfo {
            branch: BranchId(to16(&row.0)),
            status: JobStatus::parse(&row.1)?,
            head: match (row.2, row.3) {
                (Some(d), Some(s)) => Some(OpId {
                    device: DeviceId(to16(&d)),
                    seq: s,
                }),
                _ => None,
            },
            otp_hash: row.4,
        })
    }

    fn job_balance_due(&self, id: RecordId) -> Decimal {
        self.job_balance_due_sql(id)
    }

    fn estimate_line_job(&self, line: RecordId) -> Option<RecordId> {
        self.row(
            "SELECT job FROM estimate_lines WHERE id = ?1 AND removed = 0",
            p![&line.0[..]],
            |r| r.get::<Vec<u8>>(0),
        )
        .map(|j| RecordId(to16(&j)))
    }

    fn item_exists(&self, id: RecordId) -> bool {
        self.exists(
            "SELECT EXISTS (SELECT 1 FROM items WHERE id = ?1)",
            p![&id.0[..]],
        )
    }

    fn item_branch(&self, id: RecordId) -> Option<BranchId> {
        // An item from before items carried a branch counts as the shared
        // catalogue's: only the root may edit it.
        self.row(
            "SELECT branch FROM items WHERE id = ?1",
            p![&id.0[..]],
            |r| r.get::<Option<Vec<u8>>>(0),
        )
        .map(|b| b.map(|b| BranchId(to16(&b))).unwrap_or(HQ))
    }

    fn balance(&self, branch: BranchId, item: RecordId, holder: Holder) -> Decimal {
        let (kind, h) = match holder {
            Holder::Device(d) => ("device", d.0),
            Holder::Transit(t) => ("transit", t.0),
        };
        d(self.row(
            "SELECT qty FROM stock_balances WHERE branch = ?1 AND item = ?2 AND holder_kind = ?3 AND holder = ?4",
            p![&branch.0[..], &item.0[..], kind, &h[..]],
            |r| r.get(0),
        ))
    }

    fn transfer(&self, id: RecordId) -> Option<TransferInfo> {
        self.row(
            "SELECT from_branch, to_branch, receiver, item, sent, received,
                    EXISTS (SELECT 1 FROM stock_movements m WHERE m.transfer = transfers.id AND m.kind = 'transfer_out')
             FROM transfers WHERE id = ?1",
            p![&id.0[..]],
            |r| {
                Ok(TransferInfo {
                    from_branch: BranchId(to16(&r.get::<Vec<u8>>(0)?)),
                    to_branch: BranchId(to16(&r.get::<Vec<u8>>(1)?)),
                    receiver: DeviceId(to16(&r.get::<Vec<u8>>(2)?)),
                    item: RecordId(to16(&r.get::<Vec<u8>>(3)?)),
                    sent: d(r.get(4)?),
                    received: r.get::<Option<String>>(5)?.is_some(),
                    sent_out: r.get(6)?,
                })
            },
        )
    }

    fn leases_of(&self, device: DeviceId) -> Vec<Lease> {
        self.ok(crate::leases_of(self.c, device))
    }

    fn document(&self, id: RecordId) -> Option<DocInfo> {
        let row = self.row(
            "SELECT branch, doc_type, number, date, grand_total, cancelled, body FROM documents WHERE id = ?1",
            p![&id.0[..]],
            |r| {
                Ok((
                    r.get::<Vec<u8>>(0)?,
                    r.get::<String>(1)?,
                    r.get::<String>(2)?,
                    r.get::<String>(3)?,
                    r.get::<String>(4)?,
                    r.get::<bool>(5)?,
                    r.get::<String>(6)?,
                ))
            },
        )?;
        let body: sync_core::body::Document = serde_json::from_str(&row.6).ok()?;
        Some(DocInfo {
            branch: BranchId(to16(&row.0)),
            doc_type: DocType::parse(&row.1)?,
            number: row.2,
            date: row.3.parse::<Date>().ok()?,
            grand_total: row.4.parse().ok()?,
            cancelled: row.5,
            paid: self.sum(
                "SELECT amount FROM payments WHERE invoice = ?1",
                p![&id.0[..]],
            ),
            credited: self.sum(
                "SELECT grand_total FROM documents WHERE against = ?1 AND cancelled = 0",
                p![&id.0[..]],
            ),
            goods: sync_core::domain::rules::goods_of_doc(&body),
            customer_gstin: body.customer_gstin.clone(),
        })
    }

    fn number_taken(&self, prefix: &str, doc_type: DocType, fy: u16, seq: u64) -> bool {
        self.exists(
            "SELECT EXISTS (SELECT 1 FROM documents WHERE prefix = ?1 AND doc_type = ?2 AND fy = ?3 AND seq = ?4)",
            p![prefix, doc_type.as_str(), fy, seq],
        )
    }

    fn record_exists(&self, id: RecordId) -> bool {
        self.exists(
            "SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?1) OR EXISTS (SELECT 1 FROM users WHERE id = ?1) OR EXISTS (SELECT 1 FROM jobs WHERE id = ?1) OR EXISTS (SELECT 1 FROM items WHERE id = ?1)
             OR EXISTS (SELECT 1 FROM estimate_lines WHERE id = ?1) OR EXISTS (SELECT 1 FROM documents WHERE id = ?1)
             OR EXISTS (SELECT 1 FROM payments WHERE id = ?1) OR EXISTS (SELECT 1 FROM stock_movements WHERE id = ?1)
             OR EXISTS (SELECT 1 FROM messages WHERE id = ?1) OR EXISTS (SELECT 1 FROM purchases WHERE id = ?1)
             OR EXISTS (SELECT 1 FROM supplier_payments WHERE id = ?1)",
            p![&id.0[..]],
        )
    }

    fn purchase(&self, id: RecordId) -> Option<sync_core::domain::rules::PurchaseInfo> {
        let (branch, total) = self.row(
            "SELECT branch, grand_total FROM purchases WHERE id = ?1",
            p![&id.0[..]],
            |r| Ok((r.get::<Vec<u8>>(0)?, r.get::<String>(1)?)),
        )?;
        Some(sync_core::domain::rules::PurchaseInfo {
            branch: BranchId(to16(&branch)),
            grand_total: total.parse().ok()?,
            paid: self.sum(
                "SELECT amount FROM supplier_payments WHERE purchase = ?1",
                p![&id.0[..]],
            ),
        })
    }

    fn message_branch(&self, id: RecordId) -> Option<BranchId> {
        self.row(
            "SELECT branch FROM messages WHERE id = ?1",
            p![&id.0[..]],
            |r| r.get::<Vec<u8>>(0),
        )
        .map(|b| BranchId(to16(&b)))
    }

    fn einvoice_irn(&self, document: RecordId) -> Option<String> {
        self.row(
            "SELECT irn FROM einvoices WHERE document = ?1",
            p![&document.0[..]],
            |r| r.get::<String>(0),
        )
    }
}
