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

# The kernel we boot and build against: $KVER, else Debian's default
# kernel (the one the linux-image-amd64 metapackage depends on) when it has
# both an image to boot and headers to build a module against (a module
# built for one and booted on the other would not load), else the newest
# version that has both. The other kernels of the matrix (6.12, 6.12-rt,
# see scripts/kernels/) never become the default by being installed.
zl_kver() {
	if [[ -n ${KVER:-} ]]; then
		printf '%s\n' "$KVER"
		return
	fi
	local img v best='' meta
	for img in /boot/vmlinuz-*; do
		[[ -e $img ]] || continue
		v=${img#/boot/vmlinuz-}
		[[ -d /lib/modules/$v/build ]] || continue
		best+="$v"$'\n'
	done
	[[ -n $best ]] || die "no kernel with both /boot/vmlinuz-<v> and /lib/modules/<v>/build (run scripts/setup)"
	meta=$(zl_meta_kver linux-image-amd64)
	if [[ -n $meta ]] && grep -qxF -- "$meta" <<<"$best"; then
		printf '%s\n' "$meta"
		return
	fi
	printf '%s' "$best" | sort -V | tail -n 1
}

# The kernel version a Debian linux-image metapackage ($1) points at
# ("linux-image-6.1.0-56-amd64 (= ...)" -> 6.1.0-56-amd64); nothing when
# the metapackage is not installed.
zl_meta_kver() {
	local dep
	dep=$(dpkg-query -W -f='${db:Status-Abbrev} ${Depends}' "$1" 2>/dev/null) || return 0
	[[ $dep == ii* ]] || return 0
	dep=${dep#ii}
	dep=${dep#"${dep%%[![:space:]]*}"}
	dep=${dep%%[ ,]*}
	[[ $dep == linux-image-* ]] || return 0
	printf '%s\n' "${dep#linux-image-}"
}
