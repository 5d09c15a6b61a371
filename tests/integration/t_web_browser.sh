# The web front door in a real browser, as referrers use it: headless
# Chromium, driven by tests/browser/web_referrer.py, against the real
# daemons (local-hub with a web section). A GP receptionist logs in with a
# first password and changes it, sends the yellow card with mistakes
# (consent missing, an NHS number whose check digit is wrong, half a
# postcode), finds each in the error summary and beside its field with
# what was typed kept, corrects them and sends it: the page gives the
# reference and the organisation it is expected to go to, worked out here
# by hand from config/routing.yaml. The case file arrives in that
# organisation's spool; /referrals lists the referral and /referrals/ID
# shows its timeline once the organisation has contacted the carer;
# another practice's user sees nothing of it (404 at its address). The
# same, shorter, for a hospital's discharge form and a school's form.
# axe-core (WCAG 2.2 A and AA) runs on every page visited: serious or
# critical violations fail, others are printed. Screenshots of every page
# (desktop and 320 px) are saved in $WORK/shots and, if CARERHUB_ARTIFACTS
# is set, copied there. Skipped, saying so, only if the browser is not
# installed and CARERHUB_REQUIRE_BROWSER is unset (tools/deps installs it).
. "$(dirname "$0")/lib.sh"
browser_ready

web_hub_start

# Users: the receptionist with a first password as an operator gives one
# out; the others with passwords of their own.
first=$(cli user add r.gp --role gp --org F81001 | tail -n 1)
[ -n "$first" ] || fail "no first password for r.gp"
adduser() {
    cli user add "$1" --role "$2" --org "$3" --password-stdin <<<"$4" >/dev/null ||
        fail "user add $1"
}
adduser o.gp gp F81002 'other practice password'
adduser h.nurse hospital RAJ 'ward ten password'
adduser o.nurse hospital RDE 'other trust password'
adduser s.lead school 115000 'young carers lead password'
adduser o.lead school 115001 'other school password'

shots=$WORK/shots
mkdir -p "$shots"
# browse WHAT SOURCE ARGS...: web_referrer.py, its output kept in the log.
browse() {
    local what=$1 src=$2 rc
    shift 2
    /usr/bin/python3 "$top/tests/browser/web_referrer.py" "$what" "$url" "$shots" --source "$src" \
        "${axe_opt[@]}" "$@" >"$WORK/browse.out" 2>&1
    rc=$?
    sed "s/^/[$src $what] /" "$WORK/browse.out"
    [ $rc -eq 0 ] || fail "$src $what in Chromium: $(grep -A20 FAILED "$WORK/browse.out" || tail -n 5 "$WORK/browse.out")"
}

# wait_referral PROVIDER ID: until PROVIDER's spool holds the case file of
# referral ID; prints its path. Fails if another organisation has it.
wait_referral() {
    local f i
    for ((i = 0; i < 200; i++)); do
        for f in $(files "$1"); do
            [ "$(jq -r .referral_id "$f")" = "$2" ] && echo "$f" && return 0
        done
        sleep 0.1
    done
    fail "the case file of $2 did not reach $1's spool; elsewhere: $(grep -l "$2" $(files) 2>/dev/null)"
}

# journey SOURCE USER PASSWORD ORG-CODE PROVIDER ORGANISATION OUTSIDER
#         OUTSIDER-PASSWORD FAMILY-NAME [--new-password NP]:
# the form sent with mistakes then right, the case file at PROVIDER (the
# carer as typed, the user's organisation), the referral in /referrals and
# its timeline, nothing of it for OUTSIDER.
journey() {
    local src=$1 user=$2 pw=$3 code=$4 prov=$5 org=$6 outsider=$7 opw=$8 family=$9 rid f cid
    shift 9
    note "$src: $user refers through /refer/$src"
    browse refer "$src" --user "$user" --password "$pw" --expect-org "$org" --out "$WORK/$src.id" "$@"
    [ "${1:-}" = --new-password ] && pw=$2
    rid=$(cat "$WORK/$src.id")
    f=$(wait_referral "$prov" "$rid")
    note "$src: $rid arrived at $prov: $(basename "$f")"
    assert_eq "$(jq -r '[.provider_name, .referrals[0].carer.family_name,
        (.referrals[0] | .gp.practice // .discharge.hospital.trust // .school.school.urn),
        .referrals[0].submitted_by] | join("|")' "$f")" "$org|$family|$code|web/$user" \
        "organisation, carer, referrer's organisation and submitter in $rid's case file"
    [ "$(files | xargs -r grep -l "\"$rid\"" | wc -l)" = 1 ] || fail "$rid is in more than one case file"
    # The organisation contacts the carer: the referral's timeline shows it.
    cid=$(jq -r .case_id "$f")
    cli --key "provider-$prov" outcome "$cid" contacted >"$WORK/outcome" 2>&1 ||
        fail "contacted $cid: $(cat "$WORK/outcome")"
    browse referrals "$src" --user "$user" --password "$pw" --id "$rid" --expect-org "$org" \
        --expect-event "The service contacted the carer"
    browse outsider "$src" --user "$outsider" --password "$opw" --id "$rid" --expect-org "$org"
}

# Where each is expected to go, from config/routing.yaml by hand: CM2 is
# Chelmsford (Mid and South Essex: Carers First), CO15 Tendring (North
# Essex: Essex Carers Support), and a pupil born in 2012 is under 18 (the
# Young Carers Service).
journey gp r.gp "$first" F81001 carers-first "Carers First" o.gp 'other practice password' Smith \
    --new-password 'a receptionist password 7'
# The GP card's answers about the caring (tests/browser/web_answers.py),
# in its case file: the second person, the caring, its impact, the
# requests and the carer's agreement to the equality questions.
f=$(wait_referral carers-first "$(cat "$WORK/gp.id")")
assert_eq "$(jq -c '.referrals[0] | [.more_cared_for[0].relationship,
    .more_cared_for[0].conditions[0], .caring.hours_per_week, .caring.years, .caring.lives_with,
    .caring.able_to_continue, .impact.work, .impact.own_health, .requests.carers_assessment,
    .requests.council_knows, .requests.benefits_check, .consent.equality_monitoring]' "$f")" \
    '["father","physical_disability","50_or_more",8,true,"not_sure","at_risk","yes",true,"not_sure",true,true]' \
    "the caring in the GP card's case file"
journey discharge h.nurse 'ward ten password' RAJ ecs "Essex Carers Support" o.nurse \
    'other trust password' "O'Neill"
journey school s.lead 'young carers lead password' 115000 young-carers "Essex Young Carers Service" \
    o.lead 'other school password' Khan
assert_eq "$(count)" 3 "case files"

# Every page was looked at and photographed, at both widths.
n=0
for page in gp-login gp-change gp-change-errors gp-home gp-form gp-errors gp-sent gp-referrals \
    gp-referral gp-outsider-referrals gp-404 discharge-form discharge-errors discharge-sent \
    discharge-referral discharge-404 school-form school-errors school-sent school-referral school-404; do
    for w in desktop 320; do
        [ -s "$shots/$page-$w.png" ] || fail "no screenshot $page-$w.png"
        n=$((n + 1))
    done
done
note "$n screenshots in $shots"
if [ -n "${CARERHUB_ARTIFACTS:-}" ]; then
    mkdir -p "$CARERHUB_ARTIFACTS" && cp "$shots"/*.png "$CARERHUB_ARTIFACTS/" ||
        fail "cannot copy the screenshots to $CARERHUB_ARTIFACTS"
fi
# Every view of the referrals was a query the router audited, naming the user.
audit_fetch
for u in r.gp h.nurse s.lead o.gp; do
    audit_has '.event == "status" and .actor == "gateway web / user '"$u"'"' ||
        fail "no status query by $u in the router's audit"
done
grep -qi 'smith\|o.neill\|khan' "$WORK/audit" && fail "the audit trail holds a carer's name"
hub_stop
