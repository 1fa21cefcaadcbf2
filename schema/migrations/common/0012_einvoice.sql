-- E-invoices (issue 16, item 8).
--
-- `einvoicing`: the business's turnover puts its B2B invoices under
-- e-invoicing (a branch field the hub signs, so a device offline knows to
-- print "IRN pending").
ALTER TABLE branches ADD COLUMN einvoicing INTEGER NOT NULL DEFAULT 0;

-- A B2B tax invoice's registration at the IRP (`EinvoiceRegistered`, signed
-- by the branch's hub device): one IRN per document for good. A cancelled
-- invoice's IRN is `cancelled` at the IRP too, or `window_closed` when the
-- IRP's 24 hours had passed (`EinvoiceCancelled`).
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
