# shellcheck shell=bash
# Host programs for the guest initramfs. Sourced by qemu-run; needs
# lib/common.sh (die).
#
# The guest has busybox and nothing else; a test that compares zonelab with
# a real tool (numactl --hardware) needs that tool and the shared libraries
# it links, at the same paths as on the host, so the program's own
# interpreter path (/lib64/ld-linux-x86-64.so.2) and the loader's default
# search path (/lib/x86_64-linux-gnu) find them without an ld.so.cache.

# Host programs to copy when present: "<Debian package> <path>" per line.
# A program whose package is not installed is left out, and the tests that
# need it skip.  These go into the base archive, which every run shares.
INITRAMFS_PROGRAMS=(
	"numactl /usr/bin/numactl"
)
# The tracing tools of zonelab_tools_test go into a run's own archive, and
# only when the topology runs that test: perf and its libraries are 11 MB
# gzipped, 6 s more of every boot under TCG.
INITRAMFS_TOOLS=(
	"trace-cmd /usr/bin/trace-cmd"
	"linux-perf /usr/bin/perf"
)

# The programs of INITRAMFS_PROGRAMS (or of the array named $1) the host
# has, one path per line.
initramfs_programs() {
	local -n list=${1:-INITRAMFS_PROGRAMS}
	local entry pkg path status
	for entry in "${list[@]}"; do
		read -r pkg path <<<"$entry"
		status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
		[[ $status == ii* && -x $path ]] && printf '%s\n' "$path"
	done
	return 0
}

# What the base archive's programs depend on: path and mtime of each
# program and library. The base archive is rebuilt when this changes
# (a package installed, removed or upgraded).
initramfs_programs_key() {
	local prog
	while IFS= read -r prog; do
		[[ -n $prog ]] || continue
		initramfs_files "$prog" | xargs -r stat -L -c '%n %Y'
	done < <(initramfs_programs)
}

# $1 and the shared libraries ldd says it loads (absolute paths only: not
# linux-vdso), one per line.
initramfs_files() {
	local out
	out=$(ldd "$1" 2>/dev/null) || out=
	printf '%s\n' "$1"
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' <<<"$out"
}

# Copy every program of INITRAMFS_PROGRAMS (or of the array named $2) the
# host has, with its libraries, into the initramfs tree $1 (symlinks
# resolved).
initramfs_add_programs() {
	local dir=$1 prog f
	while IFS= read -r prog; do
		[[ -n $prog ]] || continue
		while IFS= read -r f; do
			mkdir -p "$dir$(dirname "$f")"
			cp -L "$f" "$dir$f" || die "cannot copy $f into the initramfs"
		done < <(initramfs_files "$prog")
	done < <(initramfs_programs "${2:-INITRAMFS_PROGRAMS}")
}
