#!/bin/bash
# Builds strongSwan 6 from its source tarball once per machine, into a cache
# directory named after the tarball's SHA-256, and prints that directory.
# The tests of Espresso against strongSwan 6 run the daemon from there
# (platform/linux/testnet.StrongSwan6 calls this script when the directory
# is missing); `make strongswan6` runs it ahead of the tests.
#
# Environment:
#   ESPRESSO_STRONGSWAN6_SRC    the tarball (default: ../shared/third_party/
#                               strongswan-6.0.6-src.tar.gz from the module root)
#   ESPRESSO_STRONGSWAN6_CACHE  the cache directory (default: /var/cache/
#                               espresso-test as root, else
#                               ${XDG_CACHE_HOME:-~/.cache}/espresso-test)
#   ESPRESSO_STRONGSWAN6_JOBS   parallel make jobs (default 2)
#
# The build installs into PREFIX = CACHE/strongswan-VERSION-SHA256 with its
# own sysconfdir and piddir inside PREFIX, so it does not touch the system's
# strongSwan: nothing outside PREFIX is written. It builds and installs in a
# staging directory next to PREFIX and renames it into place, under a lock,
# so that two test processes do not build at once and a failed or
# interrupted build leaves no half-built PREFIX behind.
#
# Exit status: 0 with PREFIX on stdout; 1 when the build failed; 2 when it
# cannot run here (no tarball, no build tools and no root to install them);
# the reason is on stderr either way.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
src=${ESPRESSO_STRONGSWAN6_SRC:-$root/../shared/third_party/strongswan-6.0.6-src.tar.gz}
if [ "$(id -u)" = 0 ]; then
	cache=${ESPRESSO_STRONGSWAN6_CACHE:-/var/cache/espresso-test}
else
	cache=${ESPRESSO_STRONGSWAN6_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/espresso-test}
fi
jobs=${ESPRESSO_STRONGSWAN6_JOBS:-2}

cannot() { echo "strongswan6: $*" >&2; exit 2; }
failed() { echo "strongswan6: $*" >&2; exit 1; }

[ -r "$src" ] || cannot "no strongSwan 6 source tarball at $src (set ESPRESSO_STRONGSWAN6_SRC)"
src=$(realpath "$src")
sum=$(sha256sum "$src" | cut -c1-64)
base=$(basename "$src")
version=${base#strongswan-}
version=${version%%-src.tar.gz}
version=${version%%.tar.gz}
version=${version%%.tar.bz2}
prefix=$cache/strongswan-$version-$sum

# The prefix is complete once its stamp exists: the rename is the last step.
if [ -f "$prefix/.complete" ]; then
	echo "$prefix"
	exit 0
fi

mkdir -p "$cache" || cannot "cannot create $cache"
exec 9>"$cache/.strongswan-$version-$sum.lock"
flock 9
if [ -f "$prefix/.complete" ]; then
	echo "$prefix"
	exit 0
fi

# The Debian packages the build needs (the same list as `make deps`).
debs="autoconf automake libtool gperf bison flex pkg-config libgmp-dev libssl-dev make gcc"
missing=""
for p in $debs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || cannot "missing Debian packages:$missing (install them, or run as root)"
	echo "strongswan6: installing$missing" >&2
	apt-get update -qq >&2 || cannot "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2 ||
		cannot "cannot install$missing"
fi

work=$(mktemp -d "$cache/.build-$version-XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "strongswan6: building strongSwan $version from $src into $prefix (log: $work/build.log while it runs)" >&2
log=$work/build.log
# PREFIX is compiled in (plugin and configuration paths, the libraries'
# rpath), so configure for the final place and install into the staging
# directory with DESTDIR. The steps are chained with && (set -e does not
# apply on the left of ||), so none runs after one failed.
if ! {
	tar -xzf "$src" -C "$work" &&
	cd "$work/strongswan-$version" &&
	./autogen.sh &&
	./configure --prefix="$prefix" --sysconfdir="$prefix/etc" \
		--with-piddir="$prefix/run" --with-systemdsystemunitdir=no \
		--enable-kernel-libipsec --enable-ml --enable-openssl \
		--enable-eap-mschapv2 --enable-eap-identity --enable-eap-tls \
		--enable-md4 --disable-gmp &&
	nice -n 10 make -j"$jobs" &&
	make install DESTDIR="$work/stage"
} >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	failed "build of strongSwan $version failed"
fi
mkdir -p "$work/stage$prefix/run"
date -u +%FT%TZ >"$work/stage$prefix/.complete"
mv -T "$work/stage$prefix" "$prefix" || failed "cannot move the build into $prefix"
echo "strongswan6: built in $(( $(date +%s) - start ))s" >&2
echo "$prefix"
