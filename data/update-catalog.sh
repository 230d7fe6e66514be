#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# update-catalog.sh CATALOGDIR — meson's install step after sluice.catalog is
# installed into CATALOGDIR: index it with "journalctl --update-catalog", as
# systemd's own install does, so that "journalctl -x" and
# "journalctl --list-catalog" know sluice's MESSAGE_IDs at once.
#
# Not run (meson skips it, skip_if_destdir) when DESTDIR is set: the files
# land in a staging tree, not on the system whose index would be updated.
# Packages update the index on the target instead (Debian: systemd's dpkg
# trigger on /usr/lib/systemd/catalog runs "journalctl --update-catalog";
# see docs/design.md, "Install").
#
# Skipped, and said so, when CATALOGDIR is not a directory journalctl reads
# (a prefix other than /usr or /usr/local) or when there is no journalctl.
# A failing journalctl (an install by a user who may write the prefix but not
# /var/lib/systemd/catalog) is reported with the command to run, and the
# install stands: the files are in place, only the index lags.
set -u

catalogdir=${1:?usage: update-catalog.sh CATALOGDIR}

case $catalogdir in
/usr/lib/systemd/catalog | /usr/local/lib/systemd/catalog) ;;
*)
	echo "sluice: journalctl reads no catalog from $catalogdir: the journal catalog index is left alone"
	exit 0
	;;
esac
if ! command -v journalctl >/dev/null 2>&1; then
	echo "sluice: no journalctl here: the journal catalog index is left alone"
	exit 0
fi
echo "sluice: indexing $catalogdir/sluice.catalog: journalctl --update-catalog"
if ! journalctl --update-catalog; then
	echo "sluice: WARNING: journalctl --update-catalog failed; run it as root, or \"journalctl -x\" will not explain sluice's entries" >&2
fi
exit 0
