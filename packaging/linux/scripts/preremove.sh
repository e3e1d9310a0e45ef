#!/bin/sh
# Before the files go (Debian prerm, RPM %preun).
#   Debian: remove | upgrade NEW-VERSION | ...    RPM: 0 (erase), 1 (upgrade)
# On removal, stop and disable the helper and lift its kill switch
# blocks; an upgrade leaves it running for the new package's script to
# restart.
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

# A stopped helper keeps the kill switch blocks of the connections that
# were wanted, for the next helper to resume; with the package going
# there is none, so lift them and forget their records.
if command -v nft >/dev/null 2>&1; then
	for table in $(nft list tables 2>/dev/null | awk '$1 == "table" && $2 == "inet" && $3 ~ /^espresso-/ { print $3 }'); do
		nft delete table inet "$table" || true
	done
fi
rm -f /var/lib/espresso/platform/linux-killswitch-*
exit 0
