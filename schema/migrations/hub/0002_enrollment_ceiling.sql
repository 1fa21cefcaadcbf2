-- The role ceiling the owner gave a device when issuing its one-time code;
-- NULL is the default for its kind (a store device manager, else technician).
ALTER TABLE enrollments ADD COLUMN ceiling TEXT;
