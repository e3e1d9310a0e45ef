#!/bin/sh
# Builds dist/espresso-VERSION.pkg on FreeBSD with pkg create: the app,
# the helper and espressoctl in /usr/local/bin, the rc.d script
# espresso_helper, the desktop entry and icon; the package's pre-install
# script creates the espresso group.
#
#   packaging/freebsd/build-pkg.sh [--stage-only DIR]
#
# --stage-only lays out the staging root and +MANIFEST in DIR and stops
# before pkg create; the tests compare them with golden files.
# ESPRESSO_APP, ESPRESSO_HELPER and ESPRESSO_CTL use ready binaries, and
# ESPRESSO_VERSION a version instead of packaging/version.sh's.
set -eu
umask 022

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stage_only=""
if [ "${1:-}" = --stage-only ]; then
	stage_only=$2
fi
version=${ESPRESSO_VERSION:-$("$root/packaging/version.sh")}
ldflags="-s -w -X github.com/espressovpn/espresso/internal/version.stamp=$version"

work=${stage_only:-$root/build/freebsd}
rm -rf "$work"
stage=$work/root
mkdir -p "$stage/usr/local/bin" "$stage/usr/local/etc/rc.d" \
	"$stage/usr/local/share/applications" "$stage/usr/local/share/icons/hicolor/512x512/apps"

build() { # package output [cgo]
	(cd "$root" && CGO_ENABLED=${3:-0} go build -ldflags "$ldflags" -o "$2" "$1")
}
app=${ESPRESSO_APP:-}
helper=${ESPRESSO_HELPER:-}
ctl=${ESPRESSO_CTL:-}
[ -n "$app" ] || { app=$work/espresso; build ./app "$app" 1; }
[ -n "$helper" ] || { helper=$work/espresso-helper; build ./helper "$helper"; }
[ -n "$ctl" ] || { ctl=$work/espressoctl; build ./app/espressoctl "$ctl"; }

install -m 755 "$app" "$stage/usr/local/bin/espresso"
install -m 755 "$helper" "$stage/usr/local/bin/espresso-helper"
install -m 755 "$ctl" "$stage/usr/local/bin/espressoctl"
install -m 755 "$here/espresso_helper" "$stage/usr/local/etc/rc.d/espresso_helper"
install -m 644 "$root/packaging/linux/com.github.espressovpn.espresso.desktop" \
	"$stage/usr/local/share/applications/com.github.espressovpn.espresso.desktop"
install -m 644 "$root/assets/icon.png" \
	"$stage/usr/local/share/icons/hicolor/512x512/apps/com.github.espressovpn.espresso.png"

# espressoctl's man page and shell completions, from the CLI itself.
mkdir -p "$stage/usr/local/share/man/man1" "$stage/usr/local/share/bash-completion/completions" \
	"$stage/usr/local/share/zsh/site-functions" "$stage/usr/local/share/fish/vendor_completions.d"
"$ctl" help --man | gzip -9n > "$stage/usr/local/share/man/man1/espressoctl.1.gz"
"$ctl" completion bash > "$stage/usr/local/share/bash-completion/completions/espressoctl"
"$ctl" completion zsh > "$stage/usr/local/share/zsh/site-functions/_espressoctl"
"$ctl" completion fish > "$stage/usr/local/share/fish/vendor_completions.d/espressoctl.fish"
chmod 644 "$stage/usr/local/share/man/man1/espressoctl.1.gz" "$stage/usr/local/share/bash-completion/completions/espressoctl" \
	"$stage/usr/local/share/zsh/site-functions/_espressoctl" "$stage/usr/local/share/fish/vendor_completions.d/espressoctl.fish"

sed "s/@VERSION@/$version/" "$here/MANIFEST.in" > "$work/+MANIFEST"
# The plist: every file of the staging root, by its installed path.
(cd "$stage" && find . -type f | sed 's|^\./|/|' | sort) > "$work/plist"

if [ -n "$stage_only" ]; then
	exit 0
fi
mkdir -p "$root/dist"
pkg create -M "$work/+MANIFEST" -r "$stage" -p "$work/plist" -o "$root/dist"
echo "built dist/espresso-$version.pkg"
