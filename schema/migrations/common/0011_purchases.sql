-- Suppliers' bills the shop received (`PurchaseRecorded`), with their tax
-- worked out once, and payments made to suppliers against them
-- (`SupplierPaid`): input tax credit for GSTR-3B, and what is owed.
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
CREATE INDEX purchases_by_branch_date ON purchases (branch, bill_date);
CREATE TABLE supplier_payments (
    id          BLOB PRIMARY KEY,
    branch      BLOB    NOT NULL,
    purchase    BLOB    NOT NULL,
    amount      TEXT    NOT NULL,
    mode        TEXT    NOT NULL,
    reference   TEXT,
    date        TEXT    NOT NULL
);
CREATE INDEX supplier_payments_by_purchase ON supplier_payments (purchase);
