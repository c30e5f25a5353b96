-- What a site's ledger keeps about itself: its site name ('site', set by `trk ledger init
-- --site`), and per central ledger the last seq it confirmed ('push:ID', written by `trk ledger
-- push` only after the central commit).
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
