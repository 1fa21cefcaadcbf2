-- E-invoices: the replica's `einvoices` and the branch's flag (common/0012
-- on SQLite) and the hub's queue and settings (hub/0006).
ALTER TABLE branches ADD COLUMN einvoicing bigint NOT NULL DEFAULT 0;
CREATE TABLE einvoices (
    document      bytea PRIMARY KEY,
    branch        bytea NOT NULL,
    irn           text COLLATE "C" NOT NULL,
    ack_no        text COLLATE "C" NOT NULL,
    ack_date      text COLLATE "C" NOT NULL,
    signed_qr     text COLLATE "C" NOT NULL,
    cancel_state  text COLLATE "C",
    cancel_date   text COLLATE "C",
    cancel_remark text COLLATE "C"
);
CREATE TABLE einvoice_settings (
    id         bigint PRIMARY KEY,
    settings   text COLLATE "C" NOT NULL,
    updated_at bigint NOT NULL
);
CREATE TABLE einvoice_queue (
    document      bytea PRIMARY KEY,
    branch        bytea  NOT NULL,
    state         text COLLATE "C" NOT NULL,
    claimed_at    bigint,
    irn           text COLLATE "C",
    ack_date      text COLLATE "C",
    reason        text COLLATE "C",
    cancel        text COLLATE "C",
    cancel_reason text COLLATE "C",
    queued_at     bigint NOT NULL
);
CREATE INDEX einvoice_queue_state ON einvoice_queue (state);
CREATE INDEX einvoice_queue_cancel ON einvoice_queue (cancel);
