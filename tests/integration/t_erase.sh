# Erasure leaves no byte of the carer behind. Two carers, each with values
# found nowhere else (family name, NHS number, phone, email, postcode, the
# first line of the address); the first is referred twice by a practice,
# passed on by one charity to another with a reason naming her, contacted
# with a note naming her, and one referral cancelled with a note. Every
# file under the hub's data/, logs/ and run/ (not providers/<id>/: each
# organisation's own copy) is searched raw (grep -a -i; the NHS number and
# phone with and without spaces, the postcode with and without its space):
# before the erasure each value of both carers is found (so the search is
# shown to find them), after it none of the first carer's, while the
# second's still are; and so after the router restarts. Each organisation
# that had the case gets an erasure file naming the files it was sent; the
# practice reads "erased"; the report's counts do not change; the audit
# trail records the erasure without her details; a reason naming her is
# refused.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start

# The first carer (erased) and the second (kept); the NHS numbers pass the
# check digit.
a_family=Thistlewaite a_nhs="716 284 9539" a_phone="07700 900817"
a_email=morwenna.t@example.org a_pc="CM2 9ZX" a_addr="17 Periwinkle Mews"
b_family=Penhaligon b_nhs="628 391 0475" b_phone="07700 900632"
b_email=oswin.p@example.org b_pc="CM2 6WQ" b_addr="4 Quillfeather Row"

card() { # card FAMILY GIVEN NHS PHONE EMAIL POSTCODE ADDRESS
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer:
  given_name: $2
  family_name: $1
  date_of_birth: 1968-03-14
  nhs_number: "$3"
  phone: "$4"
  email: $5
  postcode: "$6"
  address: "$7, Essex"
cared_for: {relationship: mother, conditions: [dementia]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
record_carer_on_gp_record: true
DOC
}
submit_one() {
    cli submit gp "$1" >"$WORK/ids" || fail "not accepted: $(cat "$WORK/ids")"
    sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/ids"
}
card "$a_family" Morwenna "$a_nhs" "$a_phone" "$a_email" "$a_pc" "$a_addr" >"$WORK/a.yaml"
card "$b_family" Oswin "$b_nhs" "$b_phone" "$b_email" "$b_pc" "$b_addr" >"$WORK/b.yaml"
a1=$(submit_one "$WORK/a.yaml")
b1=$(submit_one "$WORK/b.yaml")
wait_count 2 carers-first
case_a=$(jq -r "select(.referral_id == \"$a1\") | .case_id" $(files carers-first))
case_b=$(jq -r "select(.referral_id == \"$b1\") | .case_id" $(files carers-first))
[ -n "$case_a" ] && [ -n "$case_b" ] || fail "no case for one of the carers"

# Carers First passes her case on to Essex Carers Support, in words that
# name her; they contact her and note it.
cli --key provider-carers-first outcome "$case_a" not_ours --to ecs \
    --reason "Mrs $a_family lives in Colchester now" >"$WORK/o" 2>&1 || fail "not_ours: $(cat "$WORK/o")"
wait_count 1 ecs
cli --key provider-ecs outcome "$case_a" contacted \
    --note "Spoke to Morwenna $a_family at $a_addr, phone $a_phone" >"$WORK/o" 2>&1 ||
    fail "contacted: $(cat "$WORK/o")"
# Referred again (the same carer: her case, with ECS), then that referral
# is cancelled with a note.
# (The same card again would be a resend: this one differs in a field.)
sed 's/relationship: mother/relationship: father/' "$WORK/a.yaml" >"$WORK/a2.yaml"
a2=$(submit_one "$WORK/a2.yaml")
wait_count 2 ecs
cli cancel "$a2" --reason error --note "sent twice for $a_family by mistake" >"$WORK/o" 2>&1 ||
    fail "cancel: $(cat "$WORK/o")"
wait_count 3 ecs
cli status "$a2" --json >"$WORK/st" || fail "status of $a2"
assert_eq "$(jq -r .case_id "$WORK/st")" "$case_a" "the second referral's case"

# Every form each value may be written in.
forms() { # forms KIND VALUE
    case $1 in
    digits) echo "$2" && echo "${2// /}" ;;
    postcode) echo "$2" && echo "${2// /}" ;;
    *) echo "$2" ;;
    esac
}
values() { # values a|b: "KIND VALUE" lines
    local p=$1 k v
    for k in family nhs phone email pc addr; do
        v=${p}_$k
        echo "$k ${!v}"
    done
}
kind_of() { case $1 in nhs | phone) echo digits ;; pc) echo postcode ;; *) echo text ;; esac; }
# found VALUE: the files under data/, logs/ and run/ that hold it (raw,
# any case), one per line.
found() {
    grep -r -a -i -l -D skip -F -- "$1" "$hub/data" "$hub/logs" "$hub/run" 2>/dev/null
}
# Each value of carer p is found (in one of its forms, at least), or
# with none: no form of any of them is.
check_values() { # check_values a|b present|absent WHEN
    local p=$1 want=$2 kind value form hits any
    while read -r kind value; do
        any=
        while read -r form; do
            hits=$(found "$form")
            [ -n "$hits" ] && any="$any$form in: $(echo "$hits" | sed "s|$hub/||" | tr '\n' ' ')"
        done < <(forms "$(kind_of "$kind")" "$value")
        if [ "$want" = present ] && [ -z "$any" ]; then
            fail "$3: carer $p's $kind ($value) is in no file of the hub: the search cannot be trusted"
        elif [ "$want" = absent ] && [ -n "$any" ]; then
            fail "$3: carer $p's $kind is still there: $any"
        fi
        [ "$want" = present ] && note "$3: carer $p's $kind: $any"
    done < <(values "$p")
    return 0
}
check_values a present "before the erasure"
check_values b present "before the erasure"

# The counts before: the report, with its time of making left out.
report() { cli report --json | jq -S 'del(.generated_at)'; }
report >"$WORK/report-before" || fail "report before"

# A reason that names her is refused, saying which detail, and not kept.
for bad in "Mrs $a_family asked" "request about $a_nhs" "request about ${a_nhs// /}" \
    "moved from ${a_pc// /}" "call back on $a_phone" "asked by $a_email"; do
    cli erase "$case_a" --reason "$bad" >"$WORK/o" 2>&1
    assert_eq "$?" 65 "exit status of an erasure whose reason names the carer ($bad)"
    grep -q "reason: it holds the carer's .*audit trail" "$WORK/o" || fail "the refusal of '$bad' said: $(cat "$WORK/o")"
done
cli erase "$case_a" --reason "" >"$WORK/o" 2>&1
assert_eq "$?" 65 "exit status of an erasure with an empty reason"
cli erase C-999999 --reason "the carer's request" >"$WORK/o" 2>&1
assert_eq "$?" 66 "exit status of an erasure of no case"
grep -q "no case C-999999" "$WORK/o" || fail "an erasure of no case said: $(cat "$WORK/o")"
cli --key gp erase "$case_a" --reason "the carer's request" >"$WORK/o" 2>&1
assert_eq "$?" 77 "exit status of an erasure with a practice's key"

# The erasure, by one of her referral ids.
cli erase "$a1" --reason "the carer's request (UK GDPR article 17)" >"$WORK/erase" 2>&1 ||
    fail "erase failed: $(cat "$WORK/erase")"
note "$(cat "$WORK/erase")"
grep -qx "erased: case $case_a, on .*" "$WORK/erase" || fail "erase did not name the case: $(cat "$WORK/erase")"
grep -qx "  referrals: $a1, $a2" "$WORK/erase" || fail "erase did not list the referrals: $(cat "$WORK/erase")"
grep -q "organisations told to erase their copy: Essex Carers Support (ecs), Carers First (carers-first)$" \
    "$WORK/erase" || fail "erase did not name the organisations told: $(cat "$WORK/erase")"
grep -q "the router's store is rewritten" "$WORK/erase" || fail "the router's store: $(cat "$WORK/erase")"
for intake in gp-intake discharge-intake school-intake; do
    grep -q "^$intake: its spool is rewritten" "$WORK/erase" || fail "$intake's spool: $(cat "$WORK/erase")"
done

# Each organisation that had the case is told, with the files it was sent.
for org in carers-first ecs; do
    for i in $(seq 100); do
        f=$(ls "$hub/providers/$org/$case_a".*.erasure.json 2>/dev/null | head -n 1)
        [ -n "$f" ] && break
        sleep 0.1
    done
    [ -n "$f" ] || fail "no erasure file reached $org"
    sent=$(cd "$hub/providers/$org" && ls "$case_a".*.json | grep -v '\.erasure\.json$' | LC_ALL=C sort | jq -R . | jq -sc .)
    assert_eq "$(jq -c '[.kind, .case_id, .provider, .referral_ids, .files]' "$f")" \
        "[\"erasure\",\"$case_a\",\"$org\",[\"$a1\",\"$a2\"],$sent]" "the erasure file at $org"
    assert_eq "$(jq -r 'keys | join(" ")' "$f")" \
        "case_id erased_at files kind provider provider_name referral_ids schema version" "the erasure file's fields at $org"
done
# The other carer's case is not told anything.
ls "$hub/providers/carers-first/$case_b".*.erasure.json >/dev/null 2>&1 && fail "the other carer's case was erased"

check_values a absent "after the erasure"
check_values b present "after the erasure"

# The practice reads "erased", for both referrals; nothing of her.
for rid in "$a1" "$a2"; do
    cli --key gp status "$rid" --json >"$WORK/st" || fail "the practice's status of $rid"
    assert_eq "$(jq -r .progress "$WORK/st")" erased "the practice's status of $rid"
done
cli --key gp feedback --json >"$WORK/fb" || fail "feedback"
assert_eq "$(jq -r "[.[] | select(.case_id == \"$case_a\") | .state] | join(\" \")" "$WORK/fb")" \
    "erased erased" "the practice's feedback of the erased case"
assert_eq "$(jq -r ".[] | select(.referral_id == \"$b1\") | .state" "$WORK/fb")" delivered \
    "the practice's feedback of the other carer"
cli status "$a1" >"$WORK/st" || fail "the operator's status of $a1"
grep -qi "$a_family\|Periwinkle\|Morwenna" "$WORK/st" && fail "the operator's status shows her: $(cat "$WORK/st")"

# The report counts what it counted.
report >"$WORK/report-after" || fail "report after"
diff -u "$WORK/report-before" "$WORK/report-after" >"$WORK/report-diff" ||
    fail "the report changed with the erasure: $(head -n 30 "$WORK/report-diff")"

# The audit trail has the erasure, without her details.
audit_fetch
audit_has "select(.event == \"erased\" and .case_id == \"$case_a\" and (.detail | contains(\"UK GDPR article 17\")))" ||
    fail "the erasure is not audited: $(tail -n 5 "$WORK/audit")"
grep -qi "$a_family\|${a_nhs// /}\|Periwinkle\|$a_email" "$WORK/audit" && fail "the audit trail holds her details"

# Again: already erased, nothing more sent.
cli erase "$case_a" --reason "the carer's request" >"$WORK/o" 2>&1 || fail "a second erase: $(cat "$WORK/o")"
grep -q "^already erased: case $case_a" "$WORK/o" || fail "a second erase said: $(cat "$WORK/o")"
sleep 1
assert_eq "$(ls "$hub/providers/ecs/$case_a".*.erasure.json | wc -l)" 1 "erasure files at ecs after a second erase"

# After a restart of the router: still nothing of her; all else served.
hub_stop router
hub_start router
check_values a absent "after the router restarted"
check_values b present "after the router restarted"
cli --key gp status "$b1" --json >"$WORK/st" || fail "the other carer's status after the restart"
assert_eq "$(jq -r .case_id "$WORK/st")" "$case_b" "the other carer's case after the restart"
cli --key gp status "$a1" --json >"$WORK/st" || fail "the erased referral's status after the restart"
assert_eq "$(jq -r .progress "$WORK/st")" erased "the erased referral after the restart"
report >"$WORK/report-restart" || fail "report after the restart"
diff -u "$WORK/report-before" "$WORK/report-restart" >/dev/null || fail "the report changed after the restart"
# A referral of the other carer still goes to her case's organisation.
sed 's/relationship: mother/relationship: sister/' "$WORK/b.yaml" >"$WORK/b2.yaml"
b2=$(submit_one "$WORK/b2.yaml")
wait_count 5 carers-first
cli status "$b2" --json >"$WORK/st" || fail "status of $b2"
assert_eq "$(jq -r .case_id "$WORK/st")" "$case_b" "the other carer's new referral"
hub_stop
