-- The replay guard of a business served by several hub processes at once:
-- a signed request seen by any of them is a replay at every other. (A hub
-- alone on SQLite keeps it in memory.) Entries outlive the clock window,
-- past which the clock check refuses the request anyway.

CREATE TABLE seen_requests (
    device      bytea  NOT NULL,
    signature   bytea  NOT NULL,
    expires_at  bigint NOT NULL,
    PRIMARY KEY (device, signature)
);
