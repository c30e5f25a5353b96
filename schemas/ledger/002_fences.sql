-- Geofences kept in the ledger (`trk fence add`), as the GeoJSON Features they were given in,
-- for `trk fence` to read when no --fences file is named.
CREATE TABLE fences (
  id TEXT PRIMARY KEY,
  feature TEXT NOT NULL,              -- the GeoJSON Feature, minified, as validated when added
  added INTEGER NOT NULL              -- ms since 1970, UTC
) STRICT;
