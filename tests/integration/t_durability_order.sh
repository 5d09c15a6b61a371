# Nothing is acknowledged before it is durable. The GP intake answers
# "accepted" only once the referral is synced in its store; the router sends
# a ForwardAck only once what it took over is synced in its store; a
# provider's agent acknowledges deliveries only once each case file it wrote
# is synced (fsync of the file, or one syncfs for a batch) and its ledger
# too. Each daemon runs with a preloaded library (bin/libcarerhub-synclog.so)
# that logs, in call order, every write to and sync of its files and every
# message it sends; the log is then checked: at each acknowledgement no file
# of that daemon may hold a write not synced since. A write to a file opened
# O_DSYNC (LMDB's meta page) is durable by itself.
. "$(dirname "$0")/lib.sh"
REDELIVER_MS=60000 hub_config # no redeliveries: each delivery is acknowledged once
log=$WORK/synclog
proto=$top/proto/carerhub.proto

# field MESSAGE NAME: the number of field (or enum value) NAME in MESSAGE, as
# the .proto defines it; the log shows field numbers only.
field() {
    awk -v m="$1" -v f="$2" '
        $1 == "message" && $2 == m { inside = 1; next }
        inside && /^}/ { exit }
        inside { for (i = 1; i < NF; i++) if ($i == f && $(i + 1) == "=") {
            v = $(i + 2); sub(/;.*/, "", v); print v; exit } }' "$proto"
}
submit_reply=$(field Envelope submit_reply)
forward_ack=$(field Envelope forward_ack)
delivery_ack=$(field Envelope delivery_ack)
status=$(field SubmitReply status)
accepted=$(field SubmitReply ACCEPTED)
delivery_ids=$(field DeliveryAck delivery_ids)
for v in "$submit_reply" "$forward_ack" "$delivery_ack" "$status" "$accepted" "$delivery_ids"; do
    [ -n "$v" ] || fail "cannot read the field numbers from $proto"
done

synclog_start() {
    env LD_PRELOAD="$bin/libcarerhub-synclog.so" SYNCLOG="$log" \
        SYNCLOG_DIR="$hub/data:$hub/providers" \
        ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
        "$top/deploy/local-hub" start "$hub" "$@" >/dev/null || fail "$* did not start"
}
card() { # card FAMILY: a carer in Colchester (ecs)
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: Ann, family_name: "$1", date_of_birth: 1960-02-03, postcode: "CO1 1AB", phone: "07700 900111"}
cared_for: {relationship: father}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
}

synclog_start router gp-intake
# One delivery: the agent writes a single case file (fsync of that file).
card Single >"$WORK/one.yaml"
cli submit gp "$WORK/one.yaml" >"$WORK/out" || fail "not accepted"
synclog_start provider-ecs
wait_count 1 ecs
# Eight deliveries waiting for the agent: it takes them as one batch or a
# few (one syncfs for the batch).
hub_stop provider-ecs
for i in 1 2 3 4 5 6 7 8; do card "Batch$i"; done >"$WORK/eight.yaml"
cli submit gp "$WORK/eight.yaml" >>"$WORK/out" || fail "not accepted"
last=$(awk '/^accepted/{id = $2} END {print id}' "$WORK/out")
for ((i = 0; i < 100; i++)); do
    cli status "$last" 2>/dev/null | grep -q "routed to" && break
    sleep 0.1
done
cli status "$last" | grep -q "routed to" || fail "not routed: $(cli status "$last")"
synclog_start provider-ecs
wait_count 9 ecs
hub_stop # the logs are complete once the daemons have stopped
assert_eq "$(grep -c '^accepted ' "$WORK/out")" 9 "accepted"

# Each line: PID SEQ PROGRAM EVENT ARGS... (see tests/preload/synclog.c).
awk -v sr="$submit_reply" -v fa="$forward_ack" -v da="$delivery_ack" -v st="$status" \
    -v acc="$accepted" -v ids="$delivery_ids" '
    function unsynced(pid, what,   k, a, out, n) {
        out = ""; n = 0
        for (k in dirty) {
            split(k, a, SUBSEP)
            if (a[1] == pid && n++ < 3) out = out " " a[2] " (written at " dirty[k] ")"
        }
        if (n > 3) out = out " and " (n - 3) " more"
        if (out != "") print "bad: " pr " sent " what " (event " sq ") with unsynced writes:" out
    }
    {
        pid = $1; sq = $2; pr = $3; ev = $4
        sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "")
        args = $0
    }
    ev == "write" {
        n = split(args, a, " "); path = a[1]; for (i = 2; i < n - 1; i++) path = path " " a[i]
        if (a[n - 1] == "0") dirty[pid, path] = sq
        if (path ~ /\/\.carerhub\/tmp\/[^\/]+\.tmp$/ && !((pid, path) in written)) {
            written[pid, path] = 1; fresh[pid]++; files++
        }
        next
    }
    ev == "fsync" || ev == "fdatasync" || ev == "msync" {
        delete dirty[pid, args]
        if (args ~ /\.tmp$/) tmpfsync++
        next
    }
    ev == "syncfs" || ev == "sync" {
        for (k in dirty) { split(k, a, SUBSEP); if (a[1] == pid) delete dirty[k] }
        if (pr == "carerhub-provider" && ev == "syncfs") agent_syncfs++
        next
    }
    ev == "send" {
        desc = " " substr(args, index(args, " ") + 1) " "
        if (desc ~ (" " sr "\\{([^}]* )?" st "=" acc "[ }]")) {
            unsynced(pid, "accepted"); n_accepted++
        } else if (desc ~ (" " fa "\\{")) {
            unsynced(pid, "a ForwardAck"); n_forward_ack++
        } else if (desc ~ (" " da "\\{")) {
            unsynced(pid, "a DeliveryAck")
            inner = desc; sub("^.* " da "\\{", "", inner); sub(/\}.*$/, "", inner)
            k = gsub("(^| )" ids "=", "", inner)
            if (k != fresh[pid])
                print "bad: the agent acknowledged " k " deliveries having written " (fresh[pid] + 0) \
                    " case file(s) since its last acknowledgement"
            fresh[pid] = 0; n_delivery_ack++; acked += k
        }
        next
    }
    END {
        print "checked: accepted " n_accepted ", ForwardAck " n_forward_ack ", DeliveryAck " \
            n_delivery_ack " of " acked " deliveries, " files " case files, " (tmpfsync + 0) \
            " case file fsync(s), " (agent_syncfs + 0) " agent syncfs"
    }' "$log" >"$WORK/check" 2>&1 || fail "cannot check the log: $(cat "$WORK/check")"
sed 's/^/   /' "$WORK/check"
if grep -q '^bad:' "$WORK/check"; then
    fail "acknowledged before durable: $(grep '^bad:' "$WORK/check" | head -n 5)"
fi
# The test saw what it is about: every referral accepted, forwarded and
# acknowledged by an agent that synced single files and batches.
read -r n_acc n_fwd n_dack n_acked n_files n_fsync n_syncfs <<<"$(sed -n \
    's/^checked: accepted \([0-9]*\), ForwardAck \([0-9]*\), DeliveryAck \([0-9]*\) of \([0-9]*\) deliveries, \([0-9]*\) case files, \([0-9]*\) case file fsync(s), \([0-9]*\) agent syncfs$/\1 \2 \3 \4 \5 \6 \7/p' \
    "$WORK/check")"
assert_eq "${n_acc:-}" 9 "\"accepted\" replies seen"
[ "${n_fwd:-0}" -ge 2 ] || fail "ForwardAcks seen: ${n_fwd:-none}"
[ "${n_dack:-0}" -ge 2 ] || fail "DeliveryAcks seen: ${n_dack:-none}"
assert_eq "$n_acked" 9 "deliveries acknowledged"
assert_eq "$n_files" 9 "case files written"
[ "$n_fsync" -ge 1 ] || fail "no case file was synced on its own (a batch of one)"
[ "$n_syncfs" -ge 1 ] || fail "no batch was synced with syncfs"
