-- A device's own invoice and credit-note series (`hub device enroll
-- --own-series`), when two devices of a branch bill offline at once; NULL
-- when it numbers in its branch's series.
ALTER TABLE devices ADD COLUMN invoice_prefix TEXT;
ALTER TABLE devices ADD COLUMN credit_note_prefix TEXT;
