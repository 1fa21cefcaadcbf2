-- Generated from the migrations by `SCHEMA_BLESS=1 cargo test -p schema`. Do not edit.
CREATE TABLE ops (
    lsn          INTEGER PRIMARY KEY,          -- local arrival order: the pull cursor
    device       BLOB    NOT NULL,
    seq          INTEGER NOT NULL,
    hlc_wall     INTEGER NOT NULL,
    hlc_logical  INTEGER NOT NULL,
    author       BLOB    NOT NULL,
    branch       BLOB    NOT NULL,
    kind         TEXT    NOT NULL,
    hash         BLOB    NOT NULL,
    wire         BLOB    NOT NULL,              -- the signed bytes, exactly as received
    rejected     TEXT,                          -- the hub refused it (reason): kept for the chain, never materialized
    UNIQUE (device, seq)
);
CREATE TABLE chain_heads (
    device BLOB PRIMARY KEY,
    seq    INTEGER NOT NULL,
    hash   BLOB    NOT NULL
) WITHOUT ROWID;
CREATE TABLE pending_ops (
    device   BLOB    NOT NULL,
    seq      INTEGER NOT NULL,
    wire     BLOB    NOT NULL,
    rejected TEXT, check_kind TEXT NOT NULL DEFAULT 'trust',
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
CREATE TABLE field_versions (
    record       BLOB    NOT NULL,
    field        TEXT    NOT NULL,
    hlc_wall     INTEGER NOT NULL,
    hlc_logical  INTEGER NOT NULL,
    device       BLOB    NOT NULL,
    seq          INTEGER NOT NULL,
    value        TEXT    NOT NULL,             -- FieldValue as JSON
    superseded   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (record, field, device, seq)
) WITHOUT ROWID;
CREATE TABLE record_origins (
    record       BLOB PRIMARY KEY,
    kind         TEXT    NOT NULL,
    hlc_wall     INTEGER NOT NULL,
    hlc_logical  INTEGER NOT NULL,
    device       BLOB    NOT NULL,
    seq          INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE branches (
    id                  BLOB PRIMARY KEY,
    name                TEXT NOT NULL,
    gstin               TEXT NOT NULL,
    state_code          TEXT NOT NULL,
    address             TEXT NOT NULL,
    invoice_prefix      TEXT NOT NULL,
    credit_note_prefix  TEXT NOT NULL,
    upi_id              TEXT
, phone TEXT, einvoicing INTEGER NOT NULL DEFAULT 0);
CREATE TABLE users (
    id        BLOB PRIMARY KEY,
    branch    BLOB,
    name      TEXT    NOT NULL,
    role      TEXT    NOT NULL,
    active    INTEGER NOT NULL DEFAULT 1,
    pin_hash  TEXT    NOT NULL
);
CREATE TABLE devices (
    id           BLOB PRIMARY KEY,
    branch       BLOB    NOT NULL,
    public_key   BLOB    NOT NULL,
    label        TEXT    NOT NULL,
    holds_store  INTEGER NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0,
    revoked_reason TEXT
, ceiling TEXT NOT NULL DEFAULT 'technician', hub INTEGER NOT NULL DEFAULT 0, number INTEGER, invoice_prefix TEXT, credit_note_prefix TEXT);
CREATE TABLE customers (
    id          BLOB PRIMARY KEY,
    branch      BLOB    NOT NULL,
    name        TEXT    NOT NULL,
    mobile      TEXT    NOT NULL,
    email       TEXT,
    address     TEXT,
    gstin       TEXT,
    state_code  TEXT,
    created_at  INTEGER NOT NULL
, language TEXT, no_messages INTEGER NOT NULL DEFAULT 0);
CREATE TABLE jobs (
    id              BLOB PRIMARY KEY,
    branch          BLOB    NOT NULL,
    job_no          TEXT    NOT NULL,
    customer        BLOB    NOT NULL,
    device_type     TEXT    NOT NULL,
    brand           TEXT    NOT NULL,
    model           TEXT    NOT NULL,
    serial          TEXT    NOT NULL,
    complaint       TEXT    NOT NULL,
    accessories     TEXT    NOT NULL,          -- JSON array
    condition       TEXT    NOT NULL,
    password_kind   TEXT,
    password_nonce  TEXT,                      -- AES-256-GCM under the branch key
    password_ct     TEXT,
    otp_hash        TEXT    NOT NULL,
    technician      BLOB,
    promised        TEXT,
    estimate_note   TEXT,
    status          TEXT    NOT NULL,
    status_head_device BLOB,
    status_head_seq    INTEGER,
    conflicts       INTEGER NOT NULL DEFAULT 0, -- status changes that lost a disagreement
    opened_at       INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    closed_at       INTEGER
, otp_sealed TEXT);
CREATE TABLE job_texts (
    job    BLOB NOT NULL,
    field  TEXT NOT NULL,
    text   TEXT NOT NULL,
    doc    BLOB NOT NULL,                      -- the automerge document
    PRIMARY KEY (job, field)
) WITHOUT ROWID;
CREATE TABLE status_changes (
    device       BLOB    NOT NULL,
    seq          INTEGER NOT NULL,
    job          BLOB    NOT NULL,
    hlc_wall     INTEGER NOT NULL,
    hlc_logical  INTEGER NOT NULL,
    author       BLOB    NOT NULL,
    from_status  TEXT    NOT NULL,
    to_status    TEXT    NOT NULL,
    after_device BLOB,
    after_seq    INTEGER,
    is_override  INTEGER NOT NULL,
    reason       TEXT,
    note         TEXT,
    delivery     TEXT,                         -- proof of delivery, JSON
    on_path      INTEGER NOT NULL DEFAULT 1,   -- 0: lost a concurrent disagreement
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
CREATE TABLE estimate_lines (
    id          BLOB PRIMARY KEY,
    job         BLOB    NOT NULL,
    kind        TEXT    NOT NULL,
    item        BLOB,
    description TEXT    NOT NULL,
    hsn_sac     TEXT    NOT NULL,
    qty         TEXT    NOT NULL,
    unit        TEXT    NOT NULL,
    unit_price  TEXT    NOT NULL,
    discount    TEXT    NOT NULL,
    gst_rate    TEXT    NOT NULL,
    removed     INTEGER NOT NULL DEFAULT 0,
    added_at    INTEGER NOT NULL
);
CREATE TABLE password_reads (
    device   BLOB    NOT NULL,
    seq      INTEGER NOT NULL,
    job      BLOB    NOT NULL,
    reader   BLOB    NOT NULL,
    at       INTEGER NOT NULL,
    purpose  TEXT    NOT NULL,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
CREATE TABLE items (
    id             BLOB PRIMARY KEY,
    sku            TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    hsn_sac        TEXT    NOT NULL,
    gst_rate       TEXT    NOT NULL,
    unit           TEXT    NOT NULL,
    sale_price     TEXT    NOT NULL,
    cost           TEXT    NOT NULL,
    reorder_level  TEXT    NOT NULL,
    is_service     INTEGER NOT NULL
, branch BLOB, next_gst_rate TEXT, rate_from TEXT);
CREATE TABLE stock_movements (
    id          BLOB PRIMARY KEY,
    device      BLOB    NOT NULL,
    seq         INTEGER NOT NULL,
    branch      BLOB    NOT NULL,
    item        BLOB    NOT NULL,
    kind        TEXT    NOT NULL,
    qty         TEXT    NOT NULL,
    job         BLOB,
    to_device   BLOB,
    transfer    BLOB,
    detail      TEXT    NOT NULL,              -- the movement as JSON
    at          INTEGER NOT NULL
);
CREATE TABLE stock_balances (
    branch       BLOB NOT NULL,
    item         BLOB NOT NULL,
    holder_kind  TEXT NOT NULL,                -- device | transit
    holder       BLOB NOT NULL,
    qty          TEXT NOT NULL,
    PRIMARY KEY (branch, item, holder_kind, holder)
) WITHOUT ROWID;
CREATE TABLE transfers (
    id           BLOB PRIMARY KEY,
    item         BLOB    NOT NULL,
    from_branch  BLOB    NOT NULL,
    to_branch    BLOB    NOT NULL,
    receiver     BLOB    NOT NULL,
    sent         TEXT    NOT NULL,
    received     TEXT,
    variance     TEXT,
    sent_at      INTEGER NOT NULL,
    received_at  INTEGER
);
CREATE TABLE documents (
    id               BLOB PRIMARY KEY,
    branch           BLOB    NOT NULL,
    device           BLOB    NOT NULL,
    doc_type         TEXT    NOT NULL,
    prefix           TEXT    NOT NULL,
    fy               INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    number           TEXT    NOT NULL,
    date             TEXT    NOT NULL,
    customer         BLOB,
    customer_name    TEXT    NOT NULL,
    customer_gstin   TEXT,
    place_of_supply  TEXT    NOT NULL,
    job              BLOB,
    taxable          TEXT    NOT NULL,
    cgst             TEXT    NOT NULL,
    sgst             TEXT    NOT NULL,
    igst             TEXT    NOT NULL,
    round_off        TEXT    NOT NULL,
    grand_total      TEXT    NOT NULL,
    against          BLOB,
    body             TEXT    NOT NULL,         -- the signed document as JSON
    cancelled        INTEGER NOT NULL DEFAULT 0,
    cancel_reason    TEXT, transfer BLOB,
    UNIQUE (prefix, doc_type, fy, seq)
);
CREATE TABLE document_lines (
    document  BLOB    NOT NULL,
    idx       INTEGER NOT NULL,
    hsn_sac   TEXT    NOT NULL,
    gst_rate  TEXT    NOT NULL,
    qty       TEXT    NOT NULL,
    taxable   TEXT    NOT NULL,
    cgst      TEXT    NOT NULL,
    sgst      TEXT    NOT NULL,
    igst      TEXT    NOT NULL,
    PRIMARY KEY (document, idx)
) WITHOUT ROWID;
CREATE TABLE payments (
    id         BLOB PRIMARY KEY,
    branch     BLOB    NOT NULL,
    invoice    BLOB,
    job        BLOB,
    amount     TEXT    NOT NULL,
    mode       TEXT    NOT NULL,
    reference  TEXT,
    date       TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE TABLE leases (
    id        BLOB PRIMARY KEY,
    device    BLOB    NOT NULL,
    doc_type  TEXT    NOT NULL,
    prefix    TEXT    NOT NULL,
    fy        INTEGER NOT NULL,
    first     INTEGER NOT NULL,
    last      INTEGER NOT NULL
);
CREATE TABLE audit (
    n        INTEGER PRIMARY KEY,
    device   BLOB    NOT NULL,
    seq      INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    author   BLOB    NOT NULL,
    branch   BLOB    NOT NULL,
    kind     TEXT    NOT NULL,
    record   TEXT,
    prev     BLOB    NOT NULL,
    hash     BLOB    NOT NULL
);
CREATE TABLE op_audience (
    lsn     INTEGER NOT NULL,
    branch  BLOB    NOT NULL,
    PRIMARY KEY (branch, lsn)
) WITHOUT ROWID;
CREATE TABLE hub_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE branch_keys (
    branch   BLOB PRIMARY KEY,
    nonce    BLOB NOT NULL,
    wrapped  BLOB NOT NULL
);
CREATE TABLE enrollments (
    code_hash    BLOB PRIMARY KEY,            -- SHA-256 of the one-time code
    branch       BLOB    NOT NULL,
    label        TEXT    NOT NULL,
    holds_store  INTEGER NOT NULL,
    wrapped_key  BLOB    NOT NULL,            -- branch key wrapped under the code's secret
    nonce        BLOB    NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_by      BLOB,
    used_at      INTEGER
, ceiling TEXT, invoice_prefix TEXT, credit_note_prefix TEXT);
CREATE TABLE rejected_ops (
    device  BLOB    NOT NULL,
    seq     INTEGER NOT NULL,
    hash    BLOB    NOT NULL,
    wire    BLOB    NOT NULL,
    reason  TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
CREATE TABLE series_high (
    prefix    TEXT    NOT NULL,
    doc_type  TEXT    NOT NULL,
    fy        INTEGER NOT NULL,
    high      INTEGER NOT NULL,
    PRIMARY KEY (prefix, doc_type, fy)
) WITHOUT ROWID;
CREATE TABLE job_edits (
    device       BLOB    NOT NULL,
    seq          INTEGER NOT NULL,
    job          BLOB    NOT NULL,
    hlc_wall     INTEGER NOT NULL,
    hlc_logical  INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
CREATE TABLE overruled_ops (
    device BLOB    NOT NULL,
    seq    INTEGER NOT NULL,
    reason TEXT    NOT NULL,
    at     INTEGER NOT NULL,
    PRIMARY KEY (device, seq)
);
CREATE TABLE restore_waits (
    device  BLOB PRIMARY KEY,
    branch  BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE deferred_hub_ops (
    id      INTEGER PRIMARY KEY,
    device  BLOB NOT NULL,
    branch  BLOB NOT NULL,
    author  BLOB NOT NULL,
    body    TEXT NOT NULL
);
CREATE TABLE messages (
    id          BLOB PRIMARY KEY,
    branch      BLOB    NOT NULL,
    customer    BLOB    NOT NULL,
    job         BLOB,
    event       TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    recipient   TEXT    NOT NULL,
    msg_values  TEXT    NOT NULL,
    resend_of   BLOB,
    author      BLOB    NOT NULL,
    at          INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    status_rank INTEGER NOT NULL,
    channel     TEXT,
    provider_id TEXT,
    reason      TEXT,
    status_at   INTEGER
);
CREATE TABLE message_sends (
    message     BLOB PRIMARY KEY,
    branch      BLOB    NOT NULL,
    channel     TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    provider_id TEXT,
    reason      TEXT,
    claimed_at  INTEGER NOT NULL,
    answered_at INTEGER
);
CREATE TABLE message_channels (
    channel    TEXT PRIMARY KEY,
    settings   TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE webhook_events (
    event_id TEXT PRIMARY KEY,
    at       INTEGER NOT NULL
);
CREATE TABLE message_templates (
    scope    BLOB    NOT NULL,
    event    TEXT    NOT NULL,
    language TEXT    NOT NULL,
    text     TEXT    NOT NULL,
    PRIMARY KEY (scope, event, language)
);
CREATE TABLE job_ratings (
    job      BLOB PRIMARY KEY,
    branch   BLOB    NOT NULL,
    stars    INTEGER NOT NULL,
    comment  TEXT,
    at       INTEGER NOT NULL
);
CREATE TABLE purchases (
    id              BLOB PRIMARY KEY,
    branch          BLOB    NOT NULL,
    supplier_name   TEXT    NOT NULL,
    supplier_gstin  TEXT,
    supplier_state  TEXT    NOT NULL,
    bill_number     TEXT    NOT NULL,
    bill_date       TEXT    NOT NULL,
    taxable         TEXT    NOT NULL,
    cgst            TEXT    NOT NULL,
    sgst            TEXT    NOT NULL,
    igst            TEXT    NOT NULL,
    grand_total     TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    at              INTEGER NOT NULL
);
CREATE TABLE supplier_payments (
    id          BLOB PRIMARY KEY,
    branch      BLOB    NOT NULL,
    purchase    BLOB    NOT NULL,
    amount      TEXT    NOT NULL,
    mode        TEXT    NOT NULL,
    reference   TEXT,
    date        TEXT    NOT NULL
);
CREATE TABLE einvoices (
    document      BLOB PRIMARY KEY,
    branch        BLOB NOT NULL,
    irn           TEXT NOT NULL,
    ack_no        TEXT NOT NULL,
    ack_date      TEXT NOT NULL,
    signed_qr     TEXT NOT NULL,
    cancel_state  TEXT,
    cancel_date   TEXT,
    cancel_remark TEXT
);
CREATE TABLE einvoice_settings (
    id         INTEGER PRIMARY KEY,
    settings   TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE einvoice_queue (
    document      BLOB PRIMARY KEY,
    branch        BLOB    NOT NULL,
    state         TEXT    NOT NULL,
    claimed_at    INTEGER,
    irn           TEXT,
    ack_date      TEXT,
    reason        TEXT,
    cancel        TEXT,
    cancel_reason TEXT,
    queued_at     INTEGER NOT NULL
);
CREATE INDEX field_versions_live ON field_versions (record, field) WHERE superseded = 0;
CREATE INDEX customers_mobile ON customers (branch, mobile);
CREATE INDEX customers_name ON customers (branch, name COLLATE NOCASE);
CREATE INDEX customers_mobile_all ON customers (mobile);
CREATE INDEX jobs_branch_status ON jobs (branch, status, opened_at);
CREATE INDEX jobs_technician ON jobs (technician, status);
CREATE INDEX jobs_customer ON jobs (customer);
CREATE INDEX jobs_serial ON jobs (serial);
CREATE INDEX status_changes_job ON status_changes (job);
CREATE INDEX estimate_lines_job ON estimate_lines (job);
CREATE INDEX password_reads_job ON password_reads (job);
CREATE INDEX items_sku ON items (sku);
CREATE INDEX stock_movements_item ON stock_movements (branch, item, at);
CREATE INDEX stock_movements_job ON stock_movements (job);
CREATE INDEX documents_branch_date ON documents (branch, date);
CREATE INDEX documents_job ON documents (job);
CREATE INDEX payments_invoice ON payments (invoice);
CREATE INDEX payments_job ON payments (job);
CREATE INDEX leases_device ON leases (device);
CREATE INDEX ops_branch_lsn ON ops (branch, lsn);
CREATE INDEX job_edits_job ON job_edits (job);
CREATE INDEX audit_place ON audit (device, seq);
CREATE INDEX messages_job ON messages (job);
CREATE INDEX messages_status ON messages (status);
CREATE INDEX message_sends_provider ON message_sends (provider_id);
CREATE INDEX message_sends_state ON message_sends (state);
CREATE INDEX purchases_by_branch_date ON purchases (branch, bill_date);
CREATE INDEX supplier_payments_by_purchase ON supplier_payments (purchase);
CREATE INDEX einvoice_queue_state ON einvoice_queue (state);
CREATE INDEX einvoice_queue_cancel ON einvoice_queue (cancel);
CREATE TRIGGER ops_no_update BEFORE UPDATE ON ops
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only'); END;
CREATE TRIGGER ops_no_delete BEFORE DELETE ON ops
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only'); END;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE VIEW held_ops AS
SELECT o.* FROM ops o
 WHERE o.rejected IS NULL
   AND NOT EXISTS (SELECT 1 FROM overruled_ops x WHERE x.device = o.device AND x.seq = o.seq);
