#!/bin/sh
# After the files are gone (Debian postrm, RPM %postun).
#   Debian: remove | purge | upgrade ... | ...    RPM: 0 (erase), 1 (upgrade)
# Purge also removes the helper's state (profiles, saved passwords, crash
# records) and the espresso group. RPM has no purge: an erase keeps both,
# as RPM packages keep their users and groups.
set -e

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	systemctl daemon-reload || true
fi

if [ "$1" = purge ]; then
	rm -rf /var/lib/espresso /run/espresso
	if getent group espresso >/dev/null; then
		groupdel espresso || echo "espresso: could not remove the espresso group" >&2
	fi
fi
exit 0
