/**
 * Migration 3: who is running. `runs.host` and `runs.heartbeat_at` let a crawl tell a live crawl
 * on the same database (refused: two crawls would fetch the same frontier rows and double the
 * request rate on every portal) from one that died (its pid is gone on this host, or its
 * heartbeat is older than five minutes). Other commands record them too.
 */
export const version = 3;
export const name = 'run_lease';

export const sql = /* sql */ `
ALTER TABLE runs ADD COLUMN host TEXT;          -- os.hostname() of the process (pid is only meaningful there)
ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;  -- a running crawl refreshes it every 30 s
`;
