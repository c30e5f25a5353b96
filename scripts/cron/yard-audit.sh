#!/bin/sh
# A yard audit for cron: is everything whose home is ZONE there? Run it, for example, every
# morning at 6 with this crontab line (crontab -e as the user who owns the ledger):
#
#   0 6 * * * /usr/local/bin/yard-audit.sh yard-a
#
# What it does:
# - audits ZONE over the last WINDOW (default 24h) with `trk audit`, keeping the audit in the
#   ledger ($TRK_LEDGER, else ~/.local/share/trk/ledger.db) so that tomorrow's report says
#   what changed;
# - writes the report as JSON Lines to $TRK_AUDIT_DIR/ZONE-YYYYMMDD.jsonl (default
#   /var/lib/trk/audits), for the record and for `trk export --format epcis`;
# - prints nothing when everything expected is there: cron then sends no mail;
# - when something is missing, misplaced or unknown (trk audit exits 1), prints the table
#   a supervisor reads: cron mails it to the crontab's MAILTO. The script exits 1 as well;
# - when the ledger stays busy (exit 75, another trk writing for long), retries once after a
#   minute, then reports the failure (exit 75); any other failure is reported with trk's
#   own message and status.
#   yard-audit.sh ZONE [WINDOW]
set -u
zone=${1:?usage: yard-audit.sh ZONE [WINDOW]}
window=${2:-24h}
dir=${TRK_AUDIT_DIR:-/var/lib/trk/audits}
mkdir -p "$dir" || exit 73
report=$dir/$zone-$(date -u +%Y%m%d).jsonl

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# The table first, not kept, so that it and the kept audit both compare with the last one.
audit() {
  trk audit --zone "$zone" --since "$window" --now "$now" --format table --no-store >"$report.txt" 2>"$report.err" &&
    : || [ $? = 1 ] || return $?
  trk audit --zone "$zone" --since "$window" --now "$now" --format jsonl >"$report" 2>>"$report.err"
}
audit; status=$?
if [ "$status" = 75 ]; then
  sleep 60
  audit; status=$?
fi
case $status in
  0) rm -f "$report.err" "$report.txt" ;;
  1)
    echo "Yard audit of $zone: discrepancies"
    echo
    cat "$report.txt"
    echo
    echo "Report: $report"
    rm -f "$report.err" "$report.txt"
    ;;
  *)
    echo "yard-audit.sh: trk audit of $zone failed (exit $status):"
    cat "$report.err"
    ;;
esac
exit "$status"
