-- The hub's side of e-invoicing (never synced).
--
-- `einvoice_settings`: the IRP (or GSP) address and credentials, one row;
-- never sent to a device, never printed back.
CREATE TABLE einvoice_settings (
    id         INTEGER PRIMARY KEY,
    settings   TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- `einvoice_queue`: a B2B tax invoice of an e-invoicing branch, queued in the
-- transaction that accepted it. `state`: `queued`, `registering` (claimed,
-- committed before the IRP is asked), `registered`, `failed` (the IRP
-- refused it: `reason`). `cancel`: NULL, `wanted` (the invoice was
-- cancelled), `cancelling` (claimed), `cancelled`, `window_closed`,
-- `failed`.
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
CREATE INDEX einvoice_queue_state ON einvoice_queue (state);
CREATE INDEX einvoice_queue_cancel ON einvoice_queue (cancel);
