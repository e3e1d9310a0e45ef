#!/bin/sh
# Builds dist/Espresso-VERSION.pkg on a Mac: the app bundle with fyne
# package from FyneApp.toml, the helper and espressoctl inside it, the
# helper also in /Library/PrivilegedHelperTools for its launchd job
# (org.espressovpn.helper.plist), and the postinstall script that creates
# the espresso group and starts the job.
#
#   packaging/darwin/build-pkg.sh [--stage-only DIR]
#
# --stage-only lays out the package's payload and scripts in DIR and stops
# before pkgbuild, which only exists on macOS; the tests compare that
# layout with golden files. ESPRESSO_APP (an Espresso.app), ESPRESSO_HELPER
# and ESPRESSO_CTL use ready binaries instead of building them, and
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

work=${stage_only:-$root/build/darwin}
rm -rf "$work"
mkdir -p "$work/root/Applications" "$work/root/Library/LaunchDaemons" \
	"$work/root/Library/PrivilegedHelperTools" "$work/scripts"

# The binaries.
helper=${ESPRESSO_HELPER:-}
ctl=${ESPRESSO_CTL:-}
if [ -z "$helper" ]; then
	helper=$work/espresso-helper
	(cd "$root" && CGO_ENABLED=0 go build -ldflags "$ldflags" -o "$helper" ./helper)
fi
if [ -z "$ctl" ]; then
	ctl=$work/espressoctl
	(cd "$root" && CGO_ENABLED=0 go build -ldflags "$ldflags" -o "$ctl" ./app/espressoctl)
fi
app=${ESPRESSO_APP:-}
if [ -z "$app" ]; then
	# fyne package reads FyneApp.toml from the directory it builds, and
	# the main package is app/: hand it the file's values.
	toml() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*$/\1/p" "$root/FyneApp.toml" | head -n 1; }
	# GOFLAGS carries the version stamp into fyne's go build.
	(cd "$root/app" && GOFLAGS="-ldflags=-X=github.com/espressovpn/espresso/internal/version.stamp=$version" \
		go run fyne.io/tools/cmd/fyne@v1.7.4 package -os darwin \
		--name "$(toml Name)" --app-id "$(toml ID)" --app-build "$(toml Build)" \
		--app-version "${version%%[~+]*}" --icon "$root/$(toml Icon)" --release)
	app=$root/app/$(toml Name).app
	mv "$app" "$work/"
	app=$work/$(toml Name).app
fi

cp -R "$app" "$work/root/Applications/Espresso.app"
install -m 755 "$helper" "$work/root/Applications/Espresso.app/Contents/MacOS/espresso-helper"
install -m 755 "$ctl" "$work/root/Applications/Espresso.app/Contents/MacOS/espressoctl"
install -m 755 "$helper" "$work/root/Library/PrivilegedHelperTools/espresso-helper"
install -m 644 "$here/org.espressovpn.helper.plist" "$work/root/Library/LaunchDaemons/org.espressovpn.helper.plist"
install -m 755 "$here/postinstall" "$work/scripts/postinstall"
sed "s/@VERSION@/$version/" "$here/distribution.xml" > "$work/distribution.xml"

if [ -n "$stage_only" ]; then
	exit 0
fi

mkdir -p "$root/dist"
pkgbuild --root "$work/root" --scripts "$work/scripts" --identifier org.espressovpn.espresso \
	--version "$version" --install-location / --ownership recommended "$work/espresso-component.pkg"
productbuild --distribution "$work/distribution.xml" --package-path "$work" \
	"$root/dist/Espresso-$version.pkg"
echo "built dist/Espresso-$version.pkg"
