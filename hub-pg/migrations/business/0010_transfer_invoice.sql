-- A tax invoice that bills a transfer to a branch under another GSTIN
-- names its transfer, so the transfer shows its invoice.
ALTER TABLE documents ADD COLUMN transfer bytea;
