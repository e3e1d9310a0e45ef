#!/bin/sh
# After the files are in place (Debian postinst, RPM %post).
#   Debian: configure [OLD-VERSION]    RPM: 1 (install), 2+ (upgrade)
# On an install: create the espresso group, add the desktop user who is
# installing (sudo or pkexec) to it, enable and start the helper. On an
# upgrade: restart the helper; a connection held by a kill switch stays
# blocked through the restart.
set -e

unit=espresso-helper.service
group=espresso

case "$1" in
configure) if [ -n "$2" ]; then action=upgrade; else action=install; fi ;;
1) action=install ;;
[0-9]*) action=upgrade ;;
*) exit 0 ;;
esac

# systemd runs the system when /run/systemd/system exists (sd_booted).
booted=false
[ -d /run/systemd/system ] && booted=true

if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers /usr/lib/sysusers.d/espresso.conf
elif ! getent group "$group" >/dev/null; then
	groupadd --system "$group"
fi

if [ "$action" = install ]; then
	user=""
	if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
		user=$SUDO_USER
	elif [ -n "${PKEXEC_UID:-}" ] && [ "$PKEXEC_UID" != 0 ]; then
		user=$(getent passwd "$PKEXEC_UID" | cut -d: -f1)
	fi
	if [ -n "$user" ] && id "$user" >/dev/null 2>&1 &&
		! id -nG "$user" | tr ' ' '\n' | grep -qx "$group"; then
		usermod -a -G "$group" "$user"
		echo "espresso: added $user to the $group group; log out and in again to use Espresso"
	fi
fi

if command -v systemctl >/dev/null 2>&1; then
	if $booted; then
		systemctl daemon-reload
	fi
	if [ "$action" = install ]; then
		# Works without a running systemd too: it only makes the links.
		systemctl enable --quiet "$unit"
	fi
fi

if ! $booted; then
	echo "espresso: systemd is not running as PID 1 here, so espresso-helper was installed but not started;"
	echo "espresso: start it with: /usr/bin/espresso-helper run --socket /run/espresso/helper.sock --state-dir /var/lib/espresso"
	exit 0
fi

if [ "$action" = install ]; then
	systemctl start "$unit"
elif systemctl --quiet is-active "$unit"; then
	# A clean stop keeps every kill switch block, and the new helper
	# resumes those connections under it.
	systemctl restart "$unit"
fi
exit 0
