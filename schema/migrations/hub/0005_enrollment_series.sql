-- The own series an enrollment code gives the device that uses it, chosen
-- when the owner issues the code (so it can be printed with it).
ALTER TABLE enrollments ADD COLUMN invoice_prefix TEXT;
ALTER TABLE enrollments ADD COLUMN credit_note_prefix TEXT;
