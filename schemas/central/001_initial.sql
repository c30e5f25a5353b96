-- The central trk ledger (PostgreSQL 15, PostGIS 3): the records, positions, audits and
-- checkpoints every site pushed (`trk ledger push`), each tagged with its site, and the
-- fleet's registry, managed here and pulled by the sites (`trk ledger pull`).
--
-- Everything lives in the schema `trk`. Before this file runs, trk creates that schema,
-- trk.migrations, and the group roles it grants to (when missing):
--   trk_site    a site's login role is a member: it may insert its own site's records,
--               positions, audits and checkpoints, and read the registry; never update or
--               delete a record, never write another site's;
--   trk_report  read-only: every table and view.
-- Times are ms since 1970, UTC, as in the site's file (the views give timestamptz).
-- Keys all begin with the site, so the schema distributes by site unchanged (Citus) and
-- partitions by site (LIST or HASH) with declarative partitioning (docs/central.md).
-- PostGIS is created in schema public by trk before this file (libtrack/src/ledger_pg_open.cpp),
-- where QGIS, ogr2ogr and psql find its functions.

-- This ledger's identity: sites keep their high-water mark per central ledger id.
CREATE TABLE trk.ledger (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created timestamptz NOT NULL DEFAULT now(),
  one boolean NOT NULL UNIQUE DEFAULT true CHECK (one)
);
INSERT INTO trk.ledger DEFAULT VALUES;

-- The sites that push here, and the login role each pushes as (NULL: pushed by an
-- administrator, who may push for any site).
CREATE TABLE trk.sites (
  name text PRIMARY KEY CHECK (name <> ''),
  role name UNIQUE,
  added timestamptz NOT NULL DEFAULT now()
);

-- The registry, as in the site's file (schemas/ledger/001_initial.sql), managed centrally.
CREATE TABLE trk.assets (
  id text PRIMARY KEY,
  name text,
  kind text,
  home text,
  attrs text NOT NULL DEFAULT '{}',
  created bigint NOT NULL,
  retired bigint
);
CREATE TABLE trk.links (
  kind text NOT NULL CHECK (kind IN ('epc', 'uri', 'device')),
  value text NOT NULL,
  asset text NOT NULL REFERENCES trk.assets (id),
  since bigint NOT NULL,
  PRIMARY KEY (kind, value)
);
CREATE INDEX links_asset ON trk.links (asset);
CREATE TABLE trk.readers (
  id text PRIMARY KEY,
  zone text NOT NULL,
  lat double precision,
  lon double precision,
  geom geometry(Point, 4326) GENERATED ALWAYS AS (
    CASE WHEN lat IS NOT NULL AND lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED
);
CREATE TABLE trk.reader_antennas (
  reader text NOT NULL REFERENCES trk.readers (id),
  antenna integer NOT NULL,
  zone text NOT NULL,
  PRIMARY KEY (reader, antenna)
);
CREATE TABLE trk.fences (
  id text PRIMARY KEY,
  feature text NOT NULL,              -- the GeoJSON Feature, minified, as validated when added
  added bigint NOT NULL,
  geom geometry(Geometry, 4326)       -- its shape (a circle as a polygon), set by trk when added
);
CREATE INDEX fences_geom ON trk.fences USING gist (geom);

-- Every record every site pushed: the site's own seq, natural key, canonical JSON and chain
-- hash, unchanged, so that each site's chain verifies here. No foreign key to sites: a
-- per-row check would slow COPY; the statement trigger below checks the site instead.
CREATE TABLE trk.records (
  site text NOT NULL,
  seq bigint NOT NULL,
  key bytea NOT NULL,
  type text NOT NULL,
  time bigint NOT NULL,
  asset text,
  subject text,
  json text NOT NULL,
  hash bytea NOT NULL,
  lat double precision,               -- fixes: the position
  lon double precision,
  geom geometry(Point, 4326) GENERATED ALWAYS AS (
    CASE WHEN lat IS NOT NULL AND lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED,
  PRIMARY KEY (site, seq),
  UNIQUE (site, key)
);
CREATE INDEX records_asset_time ON trk.records (asset, time);
CREATE INDEX records_geom ON trk.records USING gist (geom);

-- Each asset's latest position per site (from a fix, or a read at a reader).
CREATE TABLE trk.positions (
  site text NOT NULL,
  asset text NOT NULL,
  seq bigint NOT NULL,
  time bigint NOT NULL,
  type text NOT NULL,
  lat double precision,
  lon double precision,
  reader text,
  antenna integer,
  geom geometry(Point, 4326) GENERATED ALWAYS AS (
    CASE WHEN lat IS NOT NULL AND lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED,
  PRIMARY KEY (site, asset)
);
CREATE INDEX positions_asset ON trk.positions (asset, time);
CREATE INDEX positions_geom ON trk.positions USING gist (geom);

-- Audits: pushed ones keep their id in the site's file (site_id); one run on the central
-- ledger has none, and no site when it looked at every site.
CREATE TABLE trk.audits (
  id bigserial PRIMARY KEY,
  site text,
  site_id bigint,
  zone text NOT NULL,
  time bigint NOT NULL,
  window_from bigint NOT NULL,
  window_to bigint NOT NULL,
  result text NOT NULL,
  UNIQUE (site, site_id)
);
CREATE INDEX audits_zone_time ON trk.audits (zone, time);

-- Signed checkpoints of each site's chain (seq is the site's).
CREATE TABLE trk.checkpoints (
  id bigserial PRIMARY KEY,
  site text NOT NULL,
  site_id bigint,
  seq bigint NOT NULL,
  hash bytea NOT NULL,
  time bigint NOT NULL,
  public_key bytea NOT NULL,
  signature bytea NOT NULL,
  UNIQUE (site, site_id)
);
CREATE INDEX checkpoints_site_seq ON trk.checkpoints (site, seq);

-- What a stage run against the central ledger keeps between runs (--ledger-state), per site
-- ('' when not narrowed to one).
CREATE TABLE trk.stage_state (
  site text NOT NULL DEFAULT '',
  stage text NOT NULL,
  name text NOT NULL,
  state text NOT NULL,
  generation bigint NOT NULL,
  saved bigint NOT NULL,
  PRIMARY KEY (site, stage, name)
);

-- The site the current role pushes for; NULL for a role that is no site's.
CREATE FUNCTION trk.role_site() RETURNS text LANGUAGE sql STABLE AS
  $$ SELECT name FROM trk.sites WHERE role = current_user $$;

-- A member of trk_site writes only its own site's rows. Records arrive by COPY, which
-- PostgreSQL refuses on tables with row-level security, so records are checked per
-- statement (on the transition table: one check per COPY, not per row); the other tables
-- use row-level security below.
CREATE FUNCTION trk.check_record_sites() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  own text := trk.role_site();
  wrong text;
BEGIN
  IF own IS NULL THEN
    IF pg_has_role(current_user, 'trk_site', 'MEMBER')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
      RAISE EXCEPTION 'role % is a trk_site member but pushes for no site', current_user
        USING ERRCODE = '42501', HINT = 'an administrator adds it: INSERT INTO trk.sites (name, role) VALUES (''SITE'', ''ROLE'')';
    END IF;
    RETURN NULL;
  END IF;
  SELECT site INTO wrong FROM new_records WHERE site IS DISTINCT FROM own LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'role % may only write records of site %, not of site %', current_user, own, wrong
      USING ERRCODE = '42501';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER records_site AFTER INSERT ON trk.records REFERENCING NEW TABLE AS new_records
  FOR EACH STATEMENT EXECUTE FUNCTION trk.check_record_sites();

ALTER TABLE trk.positions ENABLE ROW LEVEL SECURITY;
ALTER TABLE trk.audits ENABLE ROW LEVEL SECURITY;
ALTER TABLE trk.checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE trk.stage_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_reads ON trk.positions FOR SELECT TO trk_report USING (true);
CREATE POLICY report_reads ON trk.audits FOR SELECT TO trk_report USING (true);
CREATE POLICY report_reads ON trk.checkpoints FOR SELECT TO trk_report USING (true);
CREATE POLICY report_reads ON trk.stage_state FOR SELECT TO trk_report USING (true);
CREATE POLICY own_site ON trk.positions TO trk_site USING (site = trk.role_site()) WITH CHECK (site = trk.role_site());
CREATE POLICY own_site ON trk.audits TO trk_site USING (site = trk.role_site()) WITH CHECK (site = trk.role_site());
CREATE POLICY own_site ON trk.checkpoints TO trk_site USING (site = trk.role_site()) WITH CHECK (site = trk.role_site());
CREATE POLICY own_site ON trk.stage_state TO trk_site USING (site = trk.role_site()) WITH CHECK (site = trk.role_site());

-- A site learns its central head (seq, hash) without reading other sites' records.
CREATE FUNCTION trk.site_head(site_name text) RETURNS TABLE (seq bigint, hash bytea)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = trk, pg_temp AS
  $$ SELECT seq, hash FROM trk.records WHERE site = site_name ORDER BY seq DESC LIMIT 1 $$;
-- ... and the hash of one of its records (to check that its chain joins the central one).
CREATE FUNCTION trk.site_record_hash(site_name text, record_seq bigint) RETURNS bytea
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = trk, pg_temp AS
  $$ SELECT hash FROM trk.records WHERE site = site_name AND seq = record_seq $$;
REVOKE ALL ON FUNCTION trk.site_head(text), trk.site_record_hash(text, bigint) FROM PUBLIC;

GRANT USAGE ON SCHEMA trk TO trk_site, trk_report;
GRANT SELECT ON ALL TABLES IN SCHEMA trk TO trk_report;
GRANT SELECT ON trk.ledger, trk.sites, trk.assets, trk.links, trk.readers, trk.reader_antennas, trk.fences
  TO trk_site;
GRANT INSERT ON trk.records TO trk_site;
GRANT SELECT, INSERT, UPDATE ON trk.positions TO trk_site;
GRANT SELECT, INSERT ON trk.audits, trk.checkpoints TO trk_site;
GRANT SELECT, INSERT, UPDATE ON trk.stage_state TO trk_site;
GRANT USAGE ON SEQUENCE trk.audits_id_seq, trk.checkpoints_id_seq TO trk_site;
GRANT EXECUTE ON FUNCTION trk.site_head(text), trk.site_record_hash(text, bigint) TO trk_site, trk_report;
