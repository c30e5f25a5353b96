#!/usr/bin/env bash
# Installs the Debian packages trk needs to build, test and run (idempotent, quiet when
# everything is present). Runs as root, or through sudo when not root.
#   scripts/install-deps.sh           build + test + run
#   scripts/install-deps.sh --bench   also what scripts/bench/ compares trk against
#   scripts/install-deps.sh --fuzz    also clang and libFuzzer (scripts/fuzz.sh)
#   scripts/install-deps.sh --tidy    also clang-tidy (scripts/tidy.sh)
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config
  libcli11-dev libfmt-dev libsqlite3-dev libgps-dev libserialport-dev
  libboost-dev doctest-dev libsimdjson-dev libsodium-dev
  libmosquitto-dev  # MQTT client (Eclipse Mosquitto's libmosquitto): trk publish, trk read mqtt
  libprotobuf-c-dev protobuf-c-compiler  # Sparkplug B payloads: its .proto compiled with protoc-c
  libpq-dev  # the central ledger's client (PostgreSQL's libpq): --ledger postgresql://, trk ledger push/pull
  libmodbus-dev  # Modbus RTU/TCP: framing, CRC, timeouts, exceptions (trk read modbus, trk modbus)
  libudunits2-dev  # units in rules: UDUNITS-2 and its units database (libudunits2-data)
  libkissfft-dev  # FFT of trk vibration's spectra (float)
  libhowardhinnant-date-dev tzdata  # --tz: Howard Hinnant's date reads tzdata's /usr/share/zoneinfo
  # man pages (markdown -> roff)
  pandoc
  # the Debian package (cpack): dpkg-shlibdeps works out its Depends, on the binaries
  # that file(1) finds (CPack refuses shlibdeps without it; a fresh Debian lacks it)
  dpkg-dev file
  # tests: pseudo-terminal pairs, a private gpsd fed by gpsfake, schema validation (JSON
  # Schema; xmllint for GPX and KML), signatures checked with a third party's tools
  # (openssl; jq and xxd take a checkpoint line apart)
  socat gpsd gpsd-clients python3 python3-jsonschema python3-shapely libxml2-utils openssl jq xxd
  # tests only: the zsh and fish completion scripts are parsed and run by those shells
  zsh fish
  # tests only: real Modbus servers (pymodbus, TCP and RTU over a socat pty; its serial
  # server needs serial-asyncio) and an established client to agree with (mbpoll)
  python3-pymodbus python3-serial-asyncio mbpoll
  # tests only: a real central ledger, PostgreSQL 15 with PostGIS 3, started by the tests in a
  # temporary directory (tests/support/pg_server.py); psql is their independent client
  postgresql-15 postgresql-15-postgis-3 postgresql-client-15
  # tests only: a real MQTT broker (mosquitto 2.0, started by the tests on a free loopback
  # port), its independent clients (mosquitto_pub, mosquitto_sub), and Google's protobuf
  # runtime for the tests' own Sparkplug B encoder
  mosquitto mosquitto-clients python3-protobuf
  # tests only: systemd-analyze checks the edge gateway's example unit (scripts/edge)
  systemd
  # tests only: independent computations to agree with (trend slopes and etas, vibration
  # figures: tests/check_trends.py, tests/vibration_numpy.py)
  python3-numpy
  # tests only: a real browser opens trk map's pages (headless Chromium over the DevTools
  # protocol, tests/support/browser.py); the demo's map needs none, any browser opens it
  chromium
)
for option in "$@"; do
  case $option in
    --bench) packages+=(gpsbabel time sqlite3 libsqlite3-mod-spatialite python3-numpy) ;;
    # Debian's default clang, and its runtime libraries, where libFuzzer lives.
    --fuzz) packages+=(clang libclang-rt-dev) ;;
    --tidy) packages+=(clang-tidy) ;;
    *) echo "install-deps: unknown option $option (use --bench, --fuzz, --tidy)" >&2; exit 64 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may never have fetched the package lists.
"${as_root[@]}" apt-get update -qq
# The tests start PostgreSQL servers of their own; installing the server package must not
# also create and start a system cluster on port 5432 (Debian's default). Only when the
# PostgreSQL packages are not there yet, so that an existing setup is left as it is.
if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && ! dpkg-query -W postgresql-common >/dev/null 2>&1; then
  "${as_root[@]}" mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false  # trk's scripts/install-deps.sh: its tests start their own servers" |
    "${as_root[@]}" tee /etc/postgresql-common/createcluster.d/trk.conf >/dev/null
fi
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
