-- Views of the central ledger for QGIS, ogr2ogr and plain SQL: a view per record type, with
-- real timestamptz times and the record's fields as columns (from its JSON, as
-- schemas/*.schema.json define them), and each asset's latest position per site. The
-- asset is the one the record resolved to (a tag or device linked later gets it too).
-- Also: fences keep the order they were added in (added_order), as the site's file does.

ALTER TABLE trk.fences ADD COLUMN added_order bigint GENERATED ALWAYS AS IDENTITY;

CREATE VIEW trk.fixes AS
  SELECT r.site, r.seq, to_timestamp(r.time / 1000.0) AS time, r.asset, j ->> 'device' AS device,
         r.lat, r.lon, (j ->> 'alt')::double precision AS alt, (j ->> 'speed')::double precision AS speed,
         (j ->> 'course')::double precision AS course, (j ->> 'hdop')::double precision AS hdop,
         (j ->> 'sats')::integer AS sats, j ->> 'fix' AS fix,
         ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(j -> 'zones') = 'array'
                                                     THEN j -> 'zones' ELSE '[]' END)) AS zones,
         j ->> 'src' AS src, r.geom
  FROM trk.records r, LATERAL (SELECT r.json::jsonb AS j) record
  WHERE r.type = 'fix';

CREATE VIEW trk.reads AS
  SELECT r.site, r.seq, to_timestamp(r.time / 1000.0) AS time, r.asset, j ->> 'epc' AS epc, j ->> 'uri' AS uri,
         j ->> 'reader' AS reader, (j ->> 'antenna')::integer AS antenna, (j ->> 'rssi')::double precision AS rssi,
         (j ->> 'count')::integer AS count, j ->> 'src' AS src
  FROM trk.records r, LATERAL (SELECT r.json::jsonb AS j) record
  WHERE r.type = 'read';

CREATE VIEW trk.readings AS
  SELECT r.site, r.seq, to_timestamp(r.time / 1000.0) AS time, r.asset, j ->> 'device' AS device,
         j ->> 'metric' AS metric, (j ->> 'value')::double precision AS value, j ->> 'unit' AS unit,
         j ->> 'src' AS src
  FROM trk.records r, LATERAL (SELECT r.json::jsonb AS j) record
  WHERE r.type = 'reading';

CREATE VIEW trk.events AS
  SELECT r.site, r.seq, to_timestamp(r.time / 1000.0) AS time, r.asset, j ->> 'event' AS event,
         j ->> 'fence' AS fence, j ->> 'rule' AS rule, j ->> 'severity' AS severity,
         j ->> 'violation' AS violation, j ->> 'metric' AS metric, (j ->> 'value')::double precision AS value,
         (j ->> 'peak')::double precision AS peak, (j ->> 'duration_s')::double precision AS duration_s,
         j ->> 'src' AS src
  FROM trk.records r, LATERAL (SELECT r.json::jsonb AS j) record
  WHERE r.type = 'event';

-- Each asset's latest position per site; a read's place is its reader's (antenna's) zone.
CREATE VIEW trk.latest_positions AS
  SELECT p.site, p.asset, p.seq, to_timestamp(p.time / 1000.0) AS time, p.type, p.lat, p.lon, p.reader,
         p.antenna, coalesce(a.zone, rd.zone) AS reader_zone, p.geom
  FROM trk.positions p
  LEFT JOIN trk.readers rd ON rd.id = p.reader
  LEFT JOIN trk.reader_antennas a ON a.reader = p.reader AND a.antenna = p.antenna;

GRANT SELECT ON trk.fixes, trk.reads, trk.readings, trk.events, trk.latest_positions TO trk_report;
