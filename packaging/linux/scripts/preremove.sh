#!/bin/sh
# Before the files go (Debian prerm, RPM %preun).
#   Debian: remove | upgrade NEW-VERSION | ...    RPM: 0 (erase), 1 (upgrade)
# On removal, stop and disable the helper; an upgrade leaves it running
# for the new package's script to restart.
set -e

unit=espresso-helper.service

case "$1" in
remove | deconfigure | 0) ;;
*) exit 0 ;;
esac

if command -v systemctl >/dev/null 2>&1; then
	if [ -d /run/systemd/system ]; then
		systemctl stop "$unit" || true
	fi
	systemctl disable "$unit" >/dev/null 2>&1 || true
fi
exit 0
