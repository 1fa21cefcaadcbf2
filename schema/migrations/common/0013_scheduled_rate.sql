-- An item's GST rate announced ahead: `next_gst_rate` applies to lines
-- made on or after `rate_from` (YYYY-MM-DD); before it, `gst_rate`.
ALTER TABLE items ADD COLUMN next_gst_rate TEXT;
ALTER TABLE items ADD COLUMN rate_from TEXT;
