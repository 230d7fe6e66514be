# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-catalog.sh — the install indexes sluice's journal catalog (issue 10,
# item 5): after the harness's install (container_install: the files, then the
# install's post-install steps inside the container, as a plain "meson install"
# runs them) "journalctl --list-catalog" lists both sluice MESSAGE_IDs and
# "journalctl --dump-catalog" prints their text, without anybody running
# "journalctl --update-catalog".  A DESTDIR install leaves the index alone and
# says so (packagers index on the target, from a trigger).
#
# Issue 12, item 10: a job's start and end carry MESSAGE_IDs whose catalog
# entries "journalctl -x" shows, and the human text names the job and its
# class ("job 42 (verify): finished: success"), so "journalctl -u sluiced"
# reads on its own.

RAISED_ID=ace039390172443e9ff3530e2741aa0d
CLEARED_ID=27d59619caf54eb3ad15919fbdc141b2
STARTED_ID=aa38a4c39bbb4beeaecc098b57f4bbaf
FINISHED_ID=f837e27dd95042679b57880056bafd90

step "the catalog file is installed"
assert_status 0 container_exec test -f /usr/lib/systemd/catalog/sluice.catalog

step "journalctl --list-catalog lists both MESSAGE_IDs (the install indexed them)"
assert_status 0 container_exec journalctl --no-pager --list-catalog
assert_contains "$RAISED_ID sluice: sluice alert @SLUICE_ALERT_NAME@ raised" "$OUTPUT" "journalctl --list-catalog"
assert_contains "$CLEARED_ID sluice: sluice alert @SLUICE_ALERT_NAME@ cleared" "$OUTPUT" "journalctl --list-catalog"
assert_contains "$STARTED_ID sluice: sluice job @SLUICE_JOB_ID@ (@SLUICE_CLASS@) started" "$OUTPUT" "journalctl --list-catalog"
assert_contains "$FINISHED_ID sluice: sluice job @SLUICE_JOB_ID@ (@SLUICE_CLASS@) finished: @SLUICE_RESULT@" \
	"$OUTPUT" "journalctl --list-catalog"

step "journalctl --dump-catalog prints their text"
assert_status 0 container_exec journalctl --no-pager --dump-catalog "$RAISED_ID" "$CLEARED_ID"
assert_contains "The sluice job scheduler raised the alert @SLUICE_ALERT_NAME@" "$OUTPUT" "journalctl --dump-catalog"

step "a DESTDIR install skips the index update (meson says so), the index stays as it was"
before=$(container_exec stat -c %y /var/lib/systemd/catalog/database)
stage=/run/sluice-test-catalog-stage
assert_status 0 container_exec meson install -C "$SLUICE_BUILD_DIR" --no-rebuild --destdir "$stage" \
	--tags post-install
assert_contains "Skipping custom install script because DESTDIR is set" "$OUTPUT" "meson install --destdir"
assert_not_contains "journalctl --update-catalog" "$OUTPUT" "meson install --destdir"
assert_eq "$before" "$(container_exec stat -c %y /var/lib/systemd/catalog/database)" \
	"mtime of the catalog index after a DESTDIR install"
container_exec rm -rf "$stage"

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

# The entry of job $1 with MESSAGE_ID $2 is in the journal, explained (journalctl -x);
# then its text is in $OUTPUT.
job_event_explained() {
	local out
	out=$(container_exec journalctl --no-pager -x -u sluiced.service "MESSAGE_ID=$2" "SLUICE_JOB_ID=$1") &&
		[[ $out == *"Subject: sluice job $1 "* ]]
}
explained_entry() {
	wait_until "$SLUICE_BOUND" job_event_explained "$1" "$2"
	assert_status 0 container_exec journalctl --no-pager -x -u sluiced.service "MESSAGE_ID=$2" "SLUICE_JOB_ID=$1"
}

step "a job's start and end: MESSAGE_IDs explained by journalctl -x, the text names job and class"
ok=$(sluice_submit echo word=catalog)
assert_eq "done success" "$(sluice_wait "$ok")" "Wait(finished) of job $ok"
explained_entry "$ok" "$STARTED_ID"
assert_contains "job $ok (echo): started" "$OUTPUT" "journalctl -x MESSAGE_ID=$STARTED_ID"
assert_contains "Subject: sluice job $ok (echo) started" "$OUTPUT" "journalctl -x MESSAGE_ID=$STARTED_ID"
assert_contains "sluice-job-$ok.service" "$OUTPUT" "journalctl -x MESSAGE_ID=$STARTED_ID"
assert_contains "sluicectl logs $ok" "$OUTPUT" "journalctl -x MESSAGE_ID=$STARTED_ID"
explained_entry "$ok" "$FINISHED_ID"
assert_contains "job $ok (echo): finished: success" "$OUTPUT" "journalctl -x MESSAGE_ID=$FINISHED_ID"
assert_contains "Subject: sluice job $ok (echo) finished: success" "$OUTPUT" "journalctl -x MESSAGE_ID=$FINISHED_ID"

bad=$(sluice_submit sh script="exit 3")
assert_eq "done failed" "$(sluice_wait "$bad")" "Wait(finished) of job $bad"
explained_entry "$bad" "$FINISHED_ID"
assert_contains "job $bad (sh): finished: failed" "$OUTPUT" "journalctl -x MESSAGE_ID=$FINISHED_ID"
assert_contains "exit status 3" "$OUTPUT" "journalctl -x MESSAGE_ID=$FINISHED_ID"
assert_contains "Subject: sluice job $bad (sh) finished: failed" "$OUTPUT" "journalctl -x MESSAGE_ID=$FINISHED_ID"

step "the plain journal of sluiced names the job in every job line"
assert_status 0 container_exec journalctl --no-pager -o cat -u sluiced.service "SLUICE_JOB_ID=$bad"
assert_match "^job $bad \(sh\): " "$OUTPUT" "journalctl -o cat SLUICE_JOB_ID=$bad"
