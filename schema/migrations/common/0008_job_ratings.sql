-- Customers' ratings of their delivered jobs, from their own page
-- (`JobRated`, signed by the branch's hub device): the latest per job.
CREATE TABLE job_ratings (
    job      BLOB PRIMARY KEY,
    branch   BLOB    NOT NULL,
    stars    INTEGER NOT NULL,
    comment  TEXT,
    at       INTEGER NOT NULL
);
