# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-catalog.sh — the install indexes sluice's journal catalog (issue 10,
# item 5): after the harness's install (container_install: the files, then the
# install's post-install steps inside the container, as a plain "meson install"
# runs them) "journalctl --list-catalog" lists both sluice MESSAGE_IDs and
# "journalctl --dump-catalog" prints their text, without anybody running
# "journalctl --update-catalog".  A DESTDIR install leaves the index alone and
# says so (packagers index on the target, from a trigger).

RAISED_ID=ace039390172443e9ff3530e2741aa0d
CLEARED_ID=27d59619caf54eb3ad15919fbdc141b2

step "the catalog file is installed"
assert_status 0 container_exec test -f /usr/lib/systemd/catalog/sluice.catalog

step "journalctl --list-catalog lists both MESSAGE_IDs (the install indexed them)"
assert_status 0 container_exec journalctl --no-pager --list-catalog
assert_contains "$RAISED_ID sluice: sluice alert @SLUICE_ALERT_NAME@ raised" "$OUTPUT" "journalctl --list-catalog"
assert_contains "$CLEARED_ID sluice: sluice alert @SLUICE_ALERT_NAME@ cleared" "$OUTPUT" "journalctl --list-catalog"

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
