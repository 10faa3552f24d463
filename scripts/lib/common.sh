# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this
# Shared helpers for zonelab's scripts. Sourced, never executed.
#
# Every script finds the repository root from its own location, so the
# scripts work from any working directory (make, CI, a user's shell).

# Repository root: scripts/lib/common.sh -> ../..
ZL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ZL_BUILD=$ZL_ROOT/build
# Where scripts/setup extracts the parts of linux-source we use.
ZL_KSRC=$ZL_BUILD/ksrc
ZL_KSFT=$ZL_KSRC/tools/testing/selftests

# Prefix for progress messages; scripts set it to their own tag.
ZL_TAG=${ZL_TAG:-zonelab}

note() { printf '[%s] %s\n' "$ZL_TAG" "$*" >&2; }
die() {
	printf '[%s] error: %s\n' "$ZL_TAG" "$*" >&2
	exit 1
}

# The kernel we boot and build against: $KVER, else the newest version
# that has both an image to boot and headers to build a module against
# (a module built for one and booted on the other would not load).
zl_kver() {
	if [[ -n ${KVER:-} ]]; then
		printf '%s\n' "$KVER"
		return
	fi
	local img v best=
	for img in /boot/vmlinuz-*; do
		[[ -e $img ]] || continue
		v=${img#/boot/vmlinuz-}
		[[ -d /lib/modules/$v/build ]] || continue
		best+="$v"$'\n'
	done
	[[ -n $best ]] || die "no kernel with both /boot/vmlinuz-<v> and /lib/modules/<v>/build (run scripts/setup)"
	printf '%s' "$best" | sort -V | tail -n 1
}
