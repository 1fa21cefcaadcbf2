-- A device's own invoice and credit-note series (`hub device enroll
-- --own-series`); NULL when it numbers in its branch's series. The
-- enrollment code carries the series chosen when it was issued.
ALTER TABLE devices ADD COLUMN invoice_prefix text COLLATE "C";
ALTER TABLE devices ADD COLUMN credit_note_prefix text COLLATE "C";
ALTER TABLE enrollments ADD COLUMN invoice_prefix text COLLATE "C";
ALTER TABLE enrollments ADD COLUMN credit_note_prefix text COLLATE "C";
