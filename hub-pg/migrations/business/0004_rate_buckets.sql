-- The rate limit of a business served by several hub processes at once:
-- one token bucket per device, whichever process a request reaches. (A hub
-- alone keeps its buckets in memory.)

CREATE TABLE rate_buckets (
    device  bytea  PRIMARY KEY,
    tokens  bigint NOT NULL,   -- thousandths of a request
    at      bigint NOT NULL    -- when they were counted, Unix ms
);
