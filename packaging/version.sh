#!/bin/sh
# Prints Espresso's version, the one stamped into the binaries and used as
# the package version, from git describe:
#
#   on the tag v0.2.0            0.2.0
#   3 commits after v0.2.0       0.2.0+3.gabcdef0
#   no tag yet                   0.1.0~git412.gabcdef0  (0.1.0 from FyneApp.toml)
#   uncommitted changes          ... with .dirty appended
#
# Only characters that Debian, RPM, FreeBSD pkg and macOS accept in a
# version: digits, letters, '.', '+' and '~' ('~' sorts before the release).
set -eu
cd "$(dirname "$0")/.."
base=$(sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' FyneApp.toml | head -n 1)
dirty=""
if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo "${base:-0.0.0}"
	exit 0
fi
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	dirty=".dirty"
fi
if d=$(git describe --tags --long --match 'v[0-9]*' 2>/dev/null); then
	# v0.2.0-3-gabcdef0
	hash=${d##*-}
	rest=${d%-*}
	count=${rest##*-}
	tag=${rest%-*}
	tag=${tag#v}
	if [ "$count" = 0 ]; then
		v=$tag
		[ -n "$dirty" ] && v="$v+dirty"
	else
		v="$tag+$count.$hash$dirty"
	fi
else
	v="${base:-0.0.0}~git$(git rev-list --count HEAD).g$(git rev-parse --short=7 HEAD)$dirty"
fi
echo "$v"
