# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-duplicates.sh — class unique (conf/duplicates.conf:
# Duplicates=reject): a second job with the same parameters while the first is
# running is refused with org.sluice.Error.Duplicate; other parameters are fine;
# once the first is done the same parameters are accepted again.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup
sluice_add_dropin duplicates

submit_unique() {
	container_exec gdbus call --system --dest "$SLUICE_BUS" --object-path "$SLUICE_MANAGER" \
		--method org.sluice.Scheduler1.Submit unique "{'parameters': <{'sec': '$1'}>}"
}

step "the first job of class unique with sec=600 runs"
assert_status 0 submit_unique 600
id1=$(sed -n "s|.*'$SLUICE_MANAGER/job/\([0-9]*\)'.*|\1|p" <<<"$OUTPUT")
assert_match '^[0-9]+$' "$id1" "id from: $OUTPUT"
wait_until "$SLUICE_BOUND" sluice_running "$id1"

step "a second one with sec=600 is refused: org.sluice.Error.Duplicate"
assert_status nonzero submit_unique 600
assert_contains "org.sluice.Error.Duplicate" "$OUTPUT" "Submit of a duplicate"
assert_status nonzero container_exec sluicectl submit unique sec=600
echo "   sluicectl: $OUTPUT"

step "sec=601 is not a duplicate"
assert_status 0 submit_unique 601
id2=$(sed -n "s|.*'$SLUICE_MANAGER/job/\([0-9]*\)'.*|\1|p" <<<"$OUTPUT")
assert_match '^[0-9]+$' "$id2" "id from: $OUTPUT"

step "once the first is cancelled, sec=600 is accepted again"
assert_status 0 container_exec sluicectl cancel "$id1" "$id2"
assert_eq "done cancelled" "$(sluice_wait "$id1")" "Wait(finished) of job $id1"
assert_eq "done cancelled" "$(sluice_wait "$id2")" "Wait(finished) of job $id2"
assert_status 0 submit_unique 600
id3=$(sed -n "s|.*'$SLUICE_MANAGER/job/\([0-9]*\)'.*|\1|p" <<<"$OUTPUT")
assert_match '^[0-9]+$' "$id3" "id from: $OUTPUT"
assert_status 0 container_exec sluicectl cancel "$id3"
assert_eq "done cancelled" "$(sluice_wait "$id3")" "Wait(finished) of job $id3"
