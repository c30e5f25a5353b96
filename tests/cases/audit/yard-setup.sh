# The ledger of the audit cases: yard A's pallets, a forklift, a trailer, the dock and
# gate readers, and reads.jsonl of statuses/ imported (sourced by the cases' cmd files).
d=$(mktemp -d); trap 'rm -rf $d' EXIT; export TRK_LEDGER=$d/ledger.db
trk ledger init 2>/dev/null
for a in PAL-1:85 PAL-2:86 PAL-3:87 PAL-4:88; do
  trk asset add ${a%:*} --kind pallet --home yard-a
  trk asset link ${a%:*} --epc 3074257BF7194E4000001A${a#*:}
done
trk asset add FL-07 --kind forklift --home yard-a
trk asset add TRL-9 --kind trailer --home yard-a
trk asset add PAL-9 --kind pallet --home yard-b; trk asset link PAL-9 --epc 3074257BF7194E4000001A90
trk reader add dock-1 --zone yard-a --antenna 2:yard-a
trk reader add gate-2 --zone gate
trk ledger import ../statuses/reads.jsonl 2>/dev/null
