-- Suppliers' bills the shop received (`PurchaseRecorded`), with their tax
-- worked out once, and payments made to suppliers against them
-- (`SupplierPaid`): input tax credit for GSTR-3B, and what is owed.
CREATE TABLE purchases (
    id              bytea PRIMARY KEY,
    branch          bytea  NOT NULL,
    supplier_name   text COLLATE "C" NOT NULL,
    supplier_gstin  text COLLATE "C",
    supplier_state  text COLLATE "C" NOT NULL,
    bill_number     text COLLATE "C" NOT NULL,
    bill_date       text COLLATE "C" NOT NULL,
    taxable         text COLLATE "C" NOT NULL,
    cgst            text COLLATE "C" NOT NULL,
    sgst            text COLLATE "C" NOT NULL,
    igst            text COLLATE "C" NOT NULL,
    grand_total     text COLLATE "C" NOT NULL,
    body            text COLLATE "C" NOT NULL,
    at              bigint NOT NULL
);
CREATE INDEX purchases_by_branch_date ON purchases (branch, bill_date);
CREATE TABLE supplier_payments (
    id          bytea PRIMARY KEY,
    branch      bytea  NOT NULL,
    purchase    bytea  NOT NULL,
    amount      text COLLATE "C" NOT NULL,
    mode        text COLLATE "C" NOT NULL,
    reference   text COLLATE "C",
    date        text COLLATE "C" NOT NULL
);
CREATE INDEX supplier_payments_by_purchase ON supplier_payments (purchase);
