-- Yard audits (`trk audit`): what each one found, so that the next audit of the same zone can
-- say what changed (newly missing, newly present).
CREATE TABLE audits (
  id INTEGER PRIMARY KEY,
  zone TEXT NOT NULL,
  time INTEGER NOT NULL,              -- when it ran (--now), ms since 1970, UTC
  window_from INTEGER NOT NULL,       -- the sightings it looked at: [from, to]
  window_to INTEGER NOT NULL,
  result TEXT NOT NULL                -- JSON object: asset id (or "epc:HEX") -> status
) STRICT;
CREATE INDEX audits_zone_time ON audits (zone, time);
