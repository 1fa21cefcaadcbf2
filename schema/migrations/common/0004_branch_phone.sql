-- The branch's phone number, on every print and screen beside its name.
ALTER TABLE branches ADD COLUMN phone TEXT;
