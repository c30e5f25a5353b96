-- The first schema of the trk ledger: assets and what identifies them, fixed RFID readers,
-- and every record trk was given, chained by SHA-256 so that tampering shows.
CREATE TABLE assets (
  id TEXT PRIMARY KEY,
  name TEXT,
  kind TEXT,
  home TEXT,                          -- the zone the asset belongs in
  attrs TEXT NOT NULL DEFAULT '{}',   -- JSON object of the --attr k=v pairs
  created INTEGER NOT NULL,           -- ms since 1970, UTC
  retired INTEGER                     -- set by `trk asset retire`; history is kept
) STRICT;

-- What identifies an asset in the records: an EPC (hex), a pure identity URI, a GPS device.
CREATE TABLE links (
  kind TEXT NOT NULL CHECK (kind IN ('epc', 'uri', 'device')),
  value TEXT NOT NULL,
  asset TEXT NOT NULL REFERENCES assets (id),
  since INTEGER NOT NULL,
  PRIMARY KEY (kind, value)
) STRICT;
CREATE INDEX links_asset ON links (asset);

-- Where fixed RFID readers (and each of their antennas) stand.
CREATE TABLE readers (
  id TEXT PRIMARY KEY,
  zone TEXT NOT NULL,
  lat REAL,
  lon REAL
) STRICT;
CREATE TABLE reader_antennas (
  reader TEXT NOT NULL REFERENCES readers (id),
  antenna INTEGER NOT NULL,
  zone TEXT NOT NULL,
  PRIMARY KEY (reader, antenna)
) STRICT;

-- Every stored record, in the order stored. `key` stands for the record's natural key (what
-- makes two imports of it the same record): its time (8 bytes, big-endian) and 8 bytes of
-- the key's SHA-256. `hash` is SHA-256 over the previous record's hash and this record's
-- canonical JSON.
CREATE TABLE records (
  seq INTEGER PRIMARY KEY,
  key BLOB NOT NULL UNIQUE,
  type TEXT NOT NULL,
  time INTEGER NOT NULL,
  asset TEXT,
  subject TEXT,                       -- the device of a fix or reading, the EPC of a read
  json TEXT NOT NULL,
  hash BLOB NOT NULL
) STRICT;
CREATE INDEX records_asset_time ON records (asset, time);

-- The latest position of each asset (from a fix, or a read at a reader), kept by import
-- so that `trk where` does not scan history.
CREATE TABLE positions (
  asset TEXT PRIMARY KEY,
  seq INTEGER NOT NULL REFERENCES records (seq),
  time INTEGER NOT NULL,
  type TEXT NOT NULL,
  lat REAL,
  lon REAL,
  reader TEXT,
  antenna INTEGER
) STRICT;
