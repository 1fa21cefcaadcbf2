//! `hub` command line: set up a business as an owner would, and serve.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use rust_decimal::Decimal;
use sync_core::body::Branch;
use sync_core::domain::roles::Role;
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};

use crate::error::{HubError, Result};
use crate::store::db::{HubDb, Place, now_ms};
use crate::store::{BranchChange, HubStore, ItemChange, UserChange};

#[derive(Parser, Debug)]
#[command(
    name = "hub",
    version,
    about = "The repair business's hub: enrollment, sync, invoice-number leases and the owner's reports."
)]
pub struct Cli {
    /// The hub database: a SQLite file (its key file sits beside it as
    /// <db>.keys), or a PostgreSQL URL (postgres://user@host/db) with --keys.
    #[arg(long, env = "HUB_DB", default_value = "hub.sqlite", global = true)]
    pub db: PathBuf,
    /// The hub's root key file, for a hub on PostgreSQL (with SQLite it is
    /// <db>.keys). Keep it as safe as the passphrase: it signs for the hub.
    #[arg(long, env = "HUB_KEYS", global = true)]
    pub keys: Option<PathBuf>,
    /// The owner's passphrase: wraps every branch key. Needed to add branches
    /// and issue enrollment codes.
    #[arg(long, env = "HUB_PASSPHRASE", global = true, hide_env_values = true)]
    pub passphrase: Option<String>,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Create the organization and its owner.
    Init {
        #[arg(long)]
        owner_name: String,
        #[arg(long)]
        owner_pin: String,
        /// The business's name, on every screen and print of the hub.
        #[arg(long)]
        business: Option<String>,
    },
    /// This business's name; or, for a hub serving many businesses
    /// (`serve --businesses DIR`), add, list and remove them.
    #[command(subcommand)]
    Business(BusinessCmd),
    /// Branches.
    #[command(subcommand)]
    Branch(BranchCmd),
    /// Users.
    #[command(subcommand)]
    User(UserCmd),
    /// Devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// The shared catalogue.
    #[command(subcommand)]
    Item(ItemCmd),
    /// Print a report as CSV (revenue, gst, hsn, documents, stock, pending_jobs,
    /// technicians, to_settle, invoices, jobs, audit, password_reads, or
    /// customer_history with --mobile), narrowed by --from, --to, --branch;
    /// or a GST return as the portal's JSON: gstr1 or gstr3b with --gstin and
    /// --period MMYYYY; or, the same way, tally: the month's vouchers as
    /// Tally's import XML.
    Report {
        name: String,
        /// The customer's mobile number, for customer_history.
        #[arg(long)]
        mobile: Option<String>,
        /// The first day (YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        /// The last day (YYYY-MM-DD).
        #[arg(long)]
        to: Option<String>,
        /// One branch, by its id.
        #[arg(long)]
        branch: Option<String>,
        /// For the returns gstr1, gstr3b and tally: the GSTIN they are of.
        #[arg(long)]
        gstin: Option<String>,
        /// For the returns: the month as MMYYYY (112026 is November 2026).
        #[arg(long)]
        period: Option<String>,
    },
    /// Copy the hub (running or not) to <to>, with its key file as
    /// <to>.keys: keep both somewhere safe, as safe as the key file itself.
    Backup { to: PathBuf },
    /// Put the backup <from> in place as the hub at --db (stop the hub
    /// first; what was there is moved aside, never deleted). The restored
    /// hub waits for every active device to send what it lost before it
    /// signs leases or changes again.
    Restore { from: PathBuf },
    /// After a restore: the devices the hub still waits for.
    #[command(subcommand)]
    Recovery(RecoveryCmd),
    /// How the hub sends customers their messages (credentials stay here,
    /// never on a device).
    #[command(subcommand)]
    Messaging(MessagingCmd),
    /// Serve the sync endpoints and the owner's dashboard: HTTPS with
    /// --tls-cert and --tls-key, plain HTTP (loopback, shop LAN) without.
    Serve {
        #[arg(long, default_value = "127.0.0.1:7400")]
        listen: String,
        /// PEM certificate chain (leaf first) to serve HTTPS with.
        #[arg(long, env = "HUB_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key of --tls-cert.
        #[arg(long, env = "HUB_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve every business in this directory (`hub business add`)
        /// instead of the one at --db.
        #[arg(long)]
        businesses: Option<PathBuf>,
        /// Where customers reach this hub (the links to their job's page in
        /// messages), e.g. https://laptopcare.hub.example.in; with
        /// --businesses, `{business}` in it is each business's slug.
        /// Default: the address served.
        #[arg(long, env = "HUB_PUBLIC_URL")]
        public_url: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum BusinessCmd {
    /// Name this business (shown on every screen and print of the hub).
    Name { name: String },
    /// E-invoicing for B2B (turnover above ₹5 crore): --on with the IRP's
    /// (GSP's) address and credentials, --off, or neither to see the queue.
    /// B2B tax invoices accepted while on are registered at the IRP.
    Einvoice(EinvoiceArgs),
    /// Add a business to DIR, with its own hub, owner and passphrase
    /// (--passphrase or HUB_PASSPHRASE). Its owner's pages are at
    /// <slug>.<the hub's domain>; set it up with `hub --db DIR/<slug>.sqlite`.
    Add {
        slug: String,
        #[arg(long)]
        dir: PathBuf,
        /// The business's name, on every screen and print.
        #[arg(long)]
        name: String,
        #[arg(long)]
        owner_name: String,
        #[arg(long)]
        owner_pin: String,
    },
    /// The businesses in DIR.
    List {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Take a business off (stop the hub first): its files move to
    /// DIR/removed/, nothing is deleted.
    Remove {
        slug: String,
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
pub struct EinvoiceArgs {
    #[arg(long, conflicts_with = "off")]
    pub on: bool,
    #[arg(long)]
    pub off: bool,
    /// The IRP's API through the business's GSP, e.g.
    /// https://gsp.example.in/einv-gsp.
    #[arg(long)]
    pub irp_url: Option<String>,
    #[arg(long, env = "IRP_CLIENT_ID", hide_env_values = true)]
    pub client_id: Option<String>,
    #[arg(long, env = "IRP_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// The e-invoice API user created on the IRP for this GSTIN.
    #[arg(long)]
    pub user: Option<String>,
    #[arg(long, env = "IRP_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum MessagingCmd {
    /// Send by the WhatsApp Business Cloud API: templates approved at Meta
    /// under each event's name (job_opened, job_ready, ...) and language.
    Whatsapp {
        /// The Graph API's address.
        #[arg(long, default_value = "https://graph.facebook.com")]
        base: String,
        #[arg(long, default_value = "v21.0")]
        version: String,
        /// The business phone number's id (not the number).
        #[arg(long)]
        phone_number_id: String,
        /// A system user's access token.
        #[arg(long, env = "WHATSAPP_TOKEN", hide_env_values = true)]
        token: String,
        /// The app secret that signs the status webhooks.
        #[arg(long, env = "WHATSAPP_APP_SECRET", hide_env_values = true)]
        app_secret: String,
        /// What Meta must send when the webhook (/webhooks/whatsapp) is registered.
        #[arg(long)]
        verify_token: Option<String>,
    },
    /// Send by SMS through an Indian DLT gateway, from a JSON file: base,
    /// userid, password, sender (the six-letter header), entity_id and
    /// templates ({"job_ready:en": {"id": "<DLT template id>", "text":
    /// "Dear {#var#}, ..."}}). Used when WhatsApp is not set up.
    Sms { file: PathBuf },
    /// Send by email over SMTP (STARTTLS) to customers with an address,
    /// when neither WhatsApp nor an SMS template serves the message.
    Email {
        #[arg(long)]
        host: String,
        #[arg(long, default_value_t = 587)]
        port: u16,
        #[arg(long)]
        username: Option<String>,
        #[arg(long, env = "SMTP_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// The sender, e.g. "Jayanagar Laptop Care <care@jlcare.in>".
        #[arg(long)]
        from: String,
        /// Plain SMTP (a relay on this host or a private link only).
        #[arg(long)]
        plain: bool,
    },
    /// The words of an event's message in a language (`{{1}}`, `{{2}}`, …
    /// for its details in order), for the business or one branch.
    Template {
        #[arg(long)]
        event: String,
        #[arg(long)]
        language: String,
        #[arg(long)]
        branch: Option<BranchId>,
        /// The words; leave out to go back to the built-in ones.
        #[arg(long)]
        text: Option<String>,
    },
    /// The channels set up (secrets not shown).
    Show,
    /// A link to a job's page for its customer (to send by hand).
    Link {
        job: RecordId,
        /// The hub's address as customers reach it.
        #[arg(long, env = "HUB_PUBLIC_URL")]
        public_url: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum RecoveryCmd {
    /// The devices the hub waits for (an empty list: recovered).
    Status,
    /// Stop waiting for a device that is gone for good. What only it held
    /// of the hub's lost work may come back later, refused as a fork.
    Release { device: DeviceId },
    /// The database was just restored from a backup by other means (on
    /// PostgreSQL, `pg_restore`; every hub process stopped): begin a new
    /// incarnation that waits for every active device, as `hub restore` does.
    Begin,
}

#[derive(Subcommand, Debug)]
pub enum BranchCmd {
    /// Add a branch (service center).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        gstin: String,
        #[arg(long)]
        state_code: String,
        #[arg(long, default_value = "")]
        address: String,
        #[arg(long)]
        invoice_prefix: String,
        #[arg(long)]
        credit_note_prefix: String,
        #[arg(long)]
        upi_id: Option<String>,
        /// The counter's phone, printed with the shop's name.
        #[arg(long)]
        phone: Option<String>,
    },
    /// Change a branch's name, address, UPI id or phone (an empty value
    /// clears the UPI id or phone); every device of it applies the change.
    Edit {
        branch: BranchId,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        upi_id: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add a user to a branch (or an owner with --branch omitted and --role owner).
    Add {
        #[arg(long)]
        branch: Option<BranchId>,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        pin: String,
    },
    /// Everyone at every branch, active or not (JSON).
    List,
    /// Stop a person logging in anywhere (devices apply it at their next
    /// sync; open sessions end).
    Deactivate { user: UserId },
    /// Let a deactivated person log in again.
    Reactivate { user: UserId },
    /// Give a person a new PIN.
    ResetPin {
        user: UserId,
        #[arg(long)]
        pin: String,
    },
    /// Change a person's role (within the branch's staff) or name.
    Change {
        user: UserId,
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Move a person to another branch: deactivated here, added there with
    /// the same name, role and PIN; prints the new user id.
    Move {
        user: UserId,
        #[arg(long)]
        to: BranchId,
    },
}

#[derive(Subcommand, Debug)]
pub enum ItemCmd {
    /// Change an item of the shared catalogue: price, cost, reorder level,
    /// HSN/SAC, GST rate, unit or name.
    Edit {
        item: RecordId,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        sale_price: Option<Decimal>,
        #[arg(long)]
        cost: Option<Decimal>,
        #[arg(long)]
        reorder_level: Option<Decimal>,
        #[arg(long)]
        gst_rate: Option<Decimal>,
        /// With --gst-rate: the day (YYYY-MM-DD) the new rate applies from;
        /// lines made before it keep the present rate.
        #[arg(long)]
        rate_from: Option<sync_core::domain::date::Date>,
        #[arg(long)]
        hsn_sac: Option<String>,
        #[arg(long)]
        unit: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum DeviceCmd {
    /// Issue a one-time enrollment code for a new device of a branch.
    Enroll {
        #[arg(long)]
        branch: BranchId,
        #[arg(long)]
        label: String,
        /// This device holds the branch store (the front desk).
        #[arg(long)]
        store: bool,
        /// The highest role that may sign on this device (owner, manager,
        /// receptionist, technician, accountant). Default: manager for the
        /// front desk (--store), technician for any other device. A stolen
        /// device can act at most this far.
        #[arg(long, value_parser = parse_role)]
        ceiling: Option<Role>,
        /// Give the device an invoice and credit-note series of its own, so
        /// two devices of the branch can each bill offline with consecutive
        /// numbers. Alone it takes the branch's prefixes cut to four and the
        /// next free letter (BLR1 → BLR1A); or name them: `--own-series
        /// BLR1A,BLRCA` (invoice, credit note).
        #[arg(long, num_args = 0..=1, default_missing_value = "", value_name = "INVOICE,CREDIT_NOTE")]
        own_series: Option<String>,
    },
    /// Revoke a device (lost or stolen laptop). Its number blocks are reported, never re-leased.
    Revoke {
        device: DeviceId,
        #[arg(long)]
        reason: String,
    },
}

/// `--own-series` alone, or with `INVOICE,CREDIT_NOTE` prefixes.
fn series_choice(arg: Option<&str>) -> Result<crate::store::SeriesChoice> {
    use crate::store::SeriesChoice;
    Ok(match arg.map(str::trim) {
        None => SeriesChoice::Branch,
        Some("") => SeriesChoice::OwnNext,
        Some(s) => {
            let (inv, cn) = s.split_once(',').ok_or_else(|| {
                HubError::invalid(
                    "own_series",
                    "name both prefixes as INVOICE,CREDIT_NOTE (e.g. BLR1A,BLRCA), or give none",
                )
            })?;
            SeriesChoice::Own(sync_core::body::OwnSeries {
                invoice_prefix: inv.trim().to_uppercase(),
                credit_note_prefix: cn.trim().to_uppercase(),
            })
        }
    })
}

fn print<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v).expect("serializes"));
    Ok(())
}

pub fn run(cli: Cli) -> Result<()> {
    if let Cmd::Init {
        owner_name,
        owner_pin,
        business,
    } = &cli.cmd
    {
        let pass = cli.passphrase.as_deref().ok_or_else(|| {
            HubError::invalid(
                "passphrase",
                "give --passphrase or HUB_PASSPHRASE (at least 8 characters)",
            )
        })?;
        let place = Place::parse(&cli.db, cli.keys.as_deref())?;
        let hub = HubDb::init_at(&place, owner_name, owner_pin, pass)?;
        if let Some(b) = business {
            hub.set_business_name(b)?;
        }
        return print(
            &serde_json::json!({ "db": place.label(), "owner": hub.genesis().owner, "hub_device": hub.genesis().hub_device }),
        );
    }
    // Neither needs the hub opened (a backup reads the file on a
    // connection of its own, beside a running hub).
    let on_postgres = crate::tenants::Businesses::at(&cli.db, &cli.db)
        .postgres
        .is_some();
    if on_postgres && matches!(cli.cmd, Cmd::Backup { .. } | Cmd::Restore { .. }) {
        return Err(HubError::Unsupported {
            field: "db",
            rule: "a hub on PostgreSQL is backed up with PostgreSQL's own tools (pg_dump --schema of the business, or a base backup; see README.md), with its --keys file".into(),
        });
    }
    match &cli.cmd {
        Cmd::Backup { to } => return print(&crate::store::db::restore::backup(&cli.db, to)?),
        Cmd::Restore { from } => {
            return print(&crate::store::db::restore::restore(from, &cli.db)?);
        }
        Cmd::Business(BusinessCmd::Add {
            slug,
            dir,
            name,
            owner_name,
            owner_pin,
        }) => {
            let pass = cli.passphrase.as_deref().ok_or_else(|| {
                HubError::invalid(
                    "passphrase",
                    "give --passphrase or HUB_PASSPHRASE (at least 8 characters): the new business's own",
                )
            })?;
            let at = crate::tenants::Businesses::at(dir, &cli.db);
            let hub = crate::tenants::add(&at, slug, name, owner_name, owner_pin, pass)?;
            return print(
                &serde_json::json!({ "business": slug, "db": hub.db, "owner": hub.genesis().owner }),
            );
        }
        Cmd::Business(BusinessCmd::List { dir }) => {
            return print(
                &serde_json::json!({ "businesses": crate::tenants::list(&crate::tenants::Businesses::at(dir, &cli.db))? }),
            );
        }
        Cmd::Business(BusinessCmd::Remove { slug, dir }) => {
            return print(
                &serde_json::json!({ "removed": slug, "moved_to": crate::tenants::remove(&crate::tenants::Businesses::at(dir, &cli.db), slug)? }),
            );
        }
        Cmd::Serve {
            listen,
            tls_cert,
            tls_key,
            businesses: Some(dir),
            public_url,
        } => {
            let tls = match (tls_cert, tls_key) {
                (Some(c), Some(k)) => Some(crate::tls::load(c, k)?),
                _ => None,
            };
            let tenants = Arc::new(crate::tenants::Tenants::open(
                &crate::tenants::Businesses::at(dir, &cli.db),
                cli.passphrase.as_deref(),
                crate::server::RATE_PER_SEC,
            )?);
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(listen.as_str()).await?;
                let addr = listener.local_addr()?;
                let scheme = if tls.is_some() { "https" } else { "http" };
                println!(
                    "hub: serving sync for {} businesses on {scheme}://{addr}  dashboards: {scheme}://<business>.<domain>/login",
                    tenants.slugs().len()
                );
                tenants.start_outboxes(public_url.as_deref());
                let stop = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                match tls {
                    Some(tls) => crate::tenants::serve_tls(listener, tls, tenants, stop).await,
                    None => crate::tenants::serve(listener, tenants, stop).await,
                }
            })?;
            return Ok(());
        }
        _ => {}
    }
    let place = Place::parse(&cli.db, cli.keys.as_deref())?;
    let hub = Arc::new(HubDb::open_at(&place, cli.passphrase.as_deref())?);
    match cli.cmd {
        Cmd::Backup { .. }
        | Cmd::Restore { .. }
        | Cmd::Business(
            BusinessCmd::Add { .. } | BusinessCmd::List { .. } | BusinessCmd::Remove { .. },
        )
        | Cmd::Serve {
            businesses: Some(_),
            ..
        } => unreachable!("handled above"),
        Cmd::Messaging(MessagingCmd::Whatsapp {
            base,
            version,
            phone_number_id,
            token,
            app_secret,
            verify_token,
        }) => {
            for (field, v) in [
                ("phone_number_id", &phone_number_id),
                ("token", &token),
                ("app_secret", &app_secret),
            ] {
                if v.trim().is_empty() {
                    return Err(HubError::invalid(field, "cannot be empty"));
                }
            }
            if !(base.starts_with("https://") || base.starts_with("http://")) {
                return Err(HubError::invalid("base", "must be an http(s) address"));
            }
            let settings = crate::outbox::WhatsAppSettings {
                base,
                version,
                phone_number_id,
                token,
                app_secret,
                verify_token,
            };
            hub.set_message_channel(
                "whatsapp",
                &serde_json::to_string(&settings).map_err(|e| HubError::Setup(e.to_string()))?,
            )?;
            print(
                &serde_json::json!({ "whatsapp": "set up", "phone_number_id": settings.phone_number_id, "webhook": "/webhooks/whatsapp" }),
            )
        }
        Cmd::Messaging(MessagingCmd::Sms { file }) => {
            let text = std::fs::read_to_string(&file)?;
            let g: crate::sms::DltGateway = serde_json::from_str(&text)
                .map_err(|e| HubError::invalid("file", format!("is not the SMS settings: {e}")))?;
            if let Err((field, rule)) = g.check() {
                return Err(HubError::invalid(&field, rule));
            }
            hub.set_message_channel(
                "sms",
                &serde_json::to_string(&g).map_err(|e| HubError::Setup(e.to_string()))?,
            )?;
            print(
                &serde_json::json!({ "sms": "set up", "sender": g.sender, "templates": g.templates.keys().collect::<Vec<_>>() }),
            )
        }
        Cmd::Messaging(MessagingCmd::Email {
            host,
            port,
            username,
            password,
            from,
            plain,
        }) => {
            let m = crate::email::SmtpSettings {
                host,
                port,
                username,
                password,
                from,
                plain,
            };
            if let Err((field, rule)) = m.check() {
                return Err(HubError::invalid(&field, rule));
            }
            hub.set_message_channel(
                "email",
                &serde_json::to_string(&m).map_err(|e| HubError::Setup(e.to_string()))?,
            )?;
            print(
                &serde_json::json!({ "email": "set up", "host": m.host, "port": m.port, "from": m.from }),
            )
        }
        Cmd::Messaging(MessagingCmd::Template {
            event,
            language,
            branch,
            text,
        }) => {
            let event = sync_core::domain::messages::Event::parse(&event)
                .ok_or_else(|| HubError::invalid("event", "must be one of job_opened, estimate_shared, job_ready, invoice_finalized, payment_received"))?;
            let language = sync_core::domain::messages::Language::parse(&language)
                .ok_or_else(|| HubError::invalid("language", "must be one of en, hi, kn, ta"))?;
            hub.set_message_template(sync_core::body::MessageTemplate {
                branch,
                event,
                language,
                text: text.clone().filter(|t| !t.trim().is_empty()),
            })?;
            print(
                &serde_json::json!({ "event": event.as_str(), "language": language.code(), "branch": branch, "words": text.unwrap_or_else(|| sync_core::domain::messages::default_text(event, language).into()) }),
            )
        }
        Cmd::Messaging(MessagingCmd::Show) => {
            let w = crate::outbox::whatsapp(&*hub)?;
            let s = crate::outbox::sms(&*hub)?;
            let e = crate::outbox::email(&*hub)?;
            print(&serde_json::json!({
                "email": e.map(|e| serde_json::json!({ "host": e.host, "port": e.port, "from": e.from, "plain": e.plain })),
                "whatsapp": w.map(|w| serde_json::json!({ "base": w.base, "version": w.version, "phone_number_id": w.phone_number_id, "verify_token_set": w.verify_token.is_some() })),
                "sms": s.map(|s| serde_json::json!({ "base": s.base, "sender": s.sender, "entity_id": s.entity_id, "templates": s.templates })),
                "without_a_channel": "messages wait at the counter as a WhatsApp link",
            }))
        }
        Cmd::Messaging(MessagingCmd::Link { job, public_url }) => {
            if hub.customer_job(job)?.is_none() {
                return Err(HubError::NotFound(format!("job {job}")));
            }
            print(
                &serde_json::json!({ "job": job, "link": crate::customer::link(&public_url, &hub.customer_link_key(), job, now_ms()), "valid_days": crate::customer::LINK_DAYS }),
            )
        }
        Cmd::Recovery(RecoveryCmd::Begin) => print(&hub.begin_recovery()?),
        Cmd::Recovery(RecoveryCmd::Status) => {
            print(&serde_json::json!({ "awaiting": hub.recovery()? }))
        }
        Cmd::Recovery(RecoveryCmd::Release { device }) => {
            hub.release(device)?;
            print(&serde_json::json!({ "released": device, "awaiting": hub.recovery()? }))
        }
        Cmd::Init { .. } => unreachable!("handled above"),
        Cmd::Branch(BranchCmd::Add {
            name,
            gstin,
            state_code,
            address,
            invoice_prefix,
            credit_note_prefix,
            upi_id,
            phone,
        }) => {
            let mut id = [0u8; 16];
            getrandom::getrandom(&mut id).map_err(|e| HubError::Setup(e.to_string()))?;
            let b = hub.add_branch(Branch {
                id: BranchId(id),
                name,
                gstin,
                state_code,
                address,
                invoice_prefix,
                credit_note_prefix,
                upi_id,
                phone,
            })?;
            print(&serde_json::json!({ "branch": b }))
        }
        Cmd::User(UserCmd::Add {
            branch,
            name,
            role,
            pin,
        }) => {
            let role = Role::parse(&role).ok_or_else(|| {
                HubError::invalid(
                    "role",
                    "must be owner, manager, receptionist, technician or accountant",
                )
            })?;
            print(&serde_json::json!({ "user": hub.add_user(branch, &name, role, &pin)? }))
        }
        Cmd::Branch(BranchCmd::Edit {
            branch,
            name,
            address,
            upi_id,
            phone,
        }) => {
            let ch = BranchChange {
                name,
                address,
                upi_id,
                phone,
                einvoicing: None,
            };
            hub.update_branch(branch, &ch)?;
            print(&serde_json::json!({ "branch": branch, "changed": true }))
        }
        Cmd::User(UserCmd::List) => print(&hub.users()?),
        Cmd::User(UserCmd::Deactivate { user }) => change_user(
            &*hub,
            user,
            UserChange {
                active: Some(false),
                ..UserChange::default()
            },
        ),
        Cmd::User(UserCmd::Reactivate { user }) => change_user(
            &*hub,
            user,
            UserChange {
                active: Some(true),
                ..UserChange::default()
            },
        ),
        Cmd::User(UserCmd::ResetPin { user, pin }) => change_user(
            &*hub,
            user,
            UserChange {
                pin: Some(pin),
                ..UserChange::default()
            },
        ),
        Cmd::User(UserCmd::Change { user, role, name }) => change_user(
            &*hub,
            user,
            UserChange {
                role,
                name,
                ..UserChange::default()
            },
        ),
        Cmd::User(UserCmd::Move { user, to }) => {
            print(&serde_json::json!({ "moved": user, "user": hub.move_user(user, to)? }))
        }
        Cmd::Item(ItemCmd::Edit {
            item,
            name,
            sale_price,
            cost,
            reorder_level,
            gst_rate,
            rate_from,
            hsn_sac,
            unit,
        }) => {
            let ch = ItemChange {
                name,
                sale_price,
                cost,
                reorder_level,
                gst_rate,
                rate_from,
                hsn_sac,
                unit,
            };
            hub.update_item(item, &ch)?;
            print(&serde_json::json!({ "item": item, "changed": true }))
        }
        Cmd::Device(DeviceCmd::Enroll {
            branch,
            label,
            store,
            ceiling,
            own_series,
        }) => print(&hub.create_enrollment_for(
            &crate::store::EnrollmentAsk {
                branch,
                label,
                holds_store: store,
                ceiling,
                series: series_choice(own_series.as_deref())?,
            },
            now_ms(),
        )?),
        Cmd::Device(DeviceCmd::Revoke { device, reason }) => print(
            &serde_json::json!({ "revoked": device, "leases_retired": hub.revoke(device, &reason)? }),
        ),
        Cmd::Business(BusinessCmd::Einvoice(a)) => crate::einvoice::cli::run(&*hub, a),
        Cmd::Business(BusinessCmd::Name { name }) => {
            hub.set_business_name(&name)?;
            print(&serde_json::json!({ "business": hub.business_name()? }))
        }
        Cmd::Report {
            name,
            gstin: Some(gstin),
            period,
            ..
        } if name == "gstr1" || name == "gstr3b" || name == "tally" => {
            let period = period.ok_or_else(|| {
                HubError::invalid("period", "a return is for a month: --period MMYYYY")
            })?;
            if name == "tally" {
                print!("{}", crate::returns::tally_of(&*hub, &gstin, &period)?);
                return Ok(());
            }
            let json = if name == "gstr1" {
                serde_json::to_string_pretty(&crate::returns::gstr1_of(&*hub, &gstin, &period)?)
            } else {
                serde_json::to_string_pretty(&crate::returns::gstr3b_of(&*hub, &gstin, &period)?)
            };
            println!("{}", json.map_err(|e| HubError::Setup(e.to_string()))?);
            Ok(())
        }
        Cmd::Report {
            name,
            mobile,
            from,
            to,
            branch,
            ..
        } => {
            // The same checks as the dashboard's query string.
            let mut q = crate::filters::Params::new();
            for (k, v) in [
                ("mobile", mobile),
                ("from", from),
                ("to", to),
                ("branch", branch),
            ] {
                if let Some(v) = v {
                    q.insert(k.to_string(), v);
                }
            }
            let ask = crate::filters::Ask::parse(&*hub, &name, &q)?;
            let table = crate::reports::report_for(&*hub, &name, &ask)?.table;
            print!("{}", table.to_csv());
            Ok(())
        }
        Cmd::Serve {
            listen,
            tls_cert,
            tls_key,
            businesses: None,
            public_url,
        } => {
            // Refuse a bad certificate before binding, with the field named.
            let tls = match (&tls_cert, &tls_key) {
                (Some(c), Some(k)) => Some(crate::tls::load(c, k)?),
                _ => None,
            };
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(&listen).await?;
                let addr = listener.local_addr()?;
                let scheme = if tls.is_some() { "https" } else { "http" };
                // The owner logs in there with their name and PIN: no secret
                // is printed, nor ever put in a URL.
                println!(
                    "hub: serving sync on {scheme}://{addr}  dashboard: {scheme}://{addr}/login"
                );
                let state = crate::server::AppState::new(hub);
                tokio::spawn(crate::einvoice::run(state.hub.clone()));
                tokio::spawn(crate::outbox::run(
                    state.hub.clone(),
                    state.outbox.clone(),
                    Some(public_url.unwrap_or_else(|| format!("{scheme}://{addr}"))),
                    std::future::pending::<()>(),
                ));
                let stop = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                match tls {
                    Some(tls) => crate::server::serve_tls(listener, tls, state, stop).await,
                    None => crate::server::serve(listener, state, stop).await,
                }
            })?;
            Ok(())
        }
    }
}

fn change_user(hub: &dyn HubStore, user: UserId, ch: UserChange) -> Result<()> {
    hub.update_user(user, &ch)?;
    print(&serde_json::json!({ "user": user, "changed": true }))
}

fn parse_role(s: &str) -> std::result::Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        "must be one of owner, manager, receptionist, technician, accountant".to_string()
    })
}
