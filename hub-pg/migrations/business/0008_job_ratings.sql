-- Customers' ratings of their delivered jobs, from their own page
-- (`JobRated`, signed by the branch's hub device): the latest per job.
CREATE TABLE job_ratings (
    job      bytea PRIMARY KEY,
    branch   bytea  NOT NULL,
    stars    bigint NOT NULL,
    comment  text COLLATE "C",
    at       bigint NOT NULL
);
