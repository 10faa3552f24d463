# shellcheck shell=bash disable=SC2034  # TOPO_* are read by the sourcing script
# Parser for scripts/topologies/*.topo (format: scripts/topologies/README)
# and the QEMU arguments that build that machine. Sourced by qemu-run;
# needs lib/common.sh (die).
#
# After topo_parse FILE:
#   TOPO_NODES            number of nodes (ids 0..TOPO_NODES-1)
#   TOPO_MEM_MB[i]        boot memory of node i in MiB (0 = memoryless)
#   TOPO_CPUS[i]          CPUs of node i (0 = CPU-less)
#   TOPO_DIST[i]          row i of the distance matrix, space separated
#   TOPO_DIMM_NODE[k]     node of pc-dimm k
#   TOPO_DIMM_MB[k]       size of pc-dimm k in MiB
#   TOPO_APPEND           extra kernel command line words
#   TOPO_TIMEOUT          host timeout in seconds (empty = caller's default)
#   TOPO_SKIP_TESTS       selftest programs the whole-list run leaves out
#   TOPO_VARIANTS         names of the variants applied (topo_apply_variant)

# The guest's memory block size: a dimm that is not a whole number of
# blocks would leave a partly populated block that cannot be onlined.
TOPO_BLOCK_MB=128

# "512M", "1G" or "0" -> MiB on stdout; returns 1 on anything else.
topo_size_mb() {
	local s=$1
	case $s in
	0) echo 0 ;;
	[1-9]*M) [[ ${s%M} =~ ^[0-9]+$ ]] && echo "${s%M}" ;;
	[1-9]*G) [[ ${s%G} =~ ^[0-9]+$ ]] && echo $((${s%G} * 1024)) ;;
	*) return 1 ;;
	esac
}

# Report a syntax or consistency error at FILE:LINE and stop.
topo_err() {
	die "$TOPO_FILE${1:+:$1}: $2"
}

topo_is_uint() {
	[[ $1 =~ ^[0-9]+$ ]]
}

# node <id> mem <size> cpus <count>
topo_parse_node() {
	local ln=$1 id=$2 kmem=$3 mem=$4 kcpus=$5 cpus=$6 extra=$7 mb
	[[ $kmem == mem && $kcpus == cpus && -z $extra ]] ||
		topo_err "$ln" "expected: node <id> mem <size> cpus <count>"
	topo_is_uint "$id" || topo_err "$ln" "bad node id '$id'"
	# Ids must come in order: QEMU and the guest number nodes densely, and
	# CPUs are numbered in node order.
	((id == TOPO_NODES)) || topo_err "$ln" "node $id out of order (expected node $TOPO_NODES)"
	mb=$(topo_size_mb "$mem") || topo_err "$ln" "bad size '$mem' (use e.g. 512M, 1G or 0)"
	topo_is_uint "$cpus" || topo_err "$ln" "bad cpu count '$cpus'"
	# A node with neither is absent from the ACPI tables: the guest would
	# not have it at all.
	((mb > 0 || cpus > 0)) || topo_err "$ln" "node $id has neither memory nor CPUs"
	# Linux numbers nodes in the order it meets them in the SRAT, whose
	# CPU entries come first: a node with CPUs after a CPU-less one would
	# get another id in the guest than in this file.
	if ((cpus > 0 && id > 0 && TOPO_CPUS[id - 1] == 0)); then
		topo_err "$ln" "node $id has CPUs but node $((id - 1)) has none: put CPU-less nodes last (the guest numbers nodes with CPUs first)"
	fi
	TOPO_MEM_MB[id]=$mb
	TOPO_CPUS[id]=$cpus
	TOPO_NODES=$((id + 1))
}

# distance <id> <d0> <d1> ... ; checked against the node count at the end.
topo_parse_distance() {
	local ln=$1 id=$2 d
	shift 2
	topo_is_uint "$id" || topo_err "$ln" "bad node id '$id'"
	[[ -z ${TOPO_DIST[id]:-} ]] || topo_err "$ln" "second distance row for node $id"
	for d in "$@"; do
		topo_is_uint "$d" || topo_err "$ln" "bad distance '$d'"
	done
	TOPO_DIST[id]="$*"
	TOPO_DIST_LINE[id]=$ln
}

# dimm <node> <size>
topo_parse_dimm() {
	local ln=$1 node=$2 size=$3 extra=$4 mb
	[[ -n $size && -z $extra ]] || topo_err "$ln" "expected: dimm <node> <size>"
	topo_is_uint "$node" || topo_err "$ln" "bad node id '$node'"
	mb=$(topo_size_mb "$size") || topo_err "$ln" "bad size '$size'"
	((mb > 0 && mb % TOPO_BLOCK_MB == 0)) ||
		topo_err "$ln" "dimm size must be a multiple of ${TOPO_BLOCK_MB}M"
	TOPO_DIMM_NODE+=("$node")
	TOPO_DIMM_MB+=("$mb")
	TOPO_DIMM_LINE+=("$ln")
}

# Whole-file checks that need every line first.
topo_check() {
	local i j k row d
	((TOPO_NODES > 0)) || topo_err "" "no nodes"
	local cpus=0 mem=0
	for ((i = 0; i < TOPO_NODES; i++)); do
		cpus=$((cpus + TOPO_CPUS[i]))
		mem=$((mem + TOPO_MEM_MB[i]))
	done
	((cpus > 0)) || topo_err "" "no node has CPUs"
	((mem > 0)) || topo_err "" "no node has memory"
	for ((i = 0; i < TOPO_NODES; i++)); do
		[[ -n ${TOPO_DIST[i]:-} ]] || topo_err "" "no distance row for node $i (a full matrix is required)"
		read -ra row <<<"${TOPO_DIST[i]}"
		((${#row[@]} == TOPO_NODES)) ||
			topo_err "${TOPO_DIST_LINE[i]}" "distance row $i has ${#row[@]} values, expected $TOPO_NODES"
		for ((j = 0; j < TOPO_NODES; j++)); do
			d=${row[j]}
			# What Linux accepts in a SLIT: 10 to itself, more to others
			# (255 would mean unreachable).
			if ((i == j)); then
				((d == 10)) || topo_err "${TOPO_DIST_LINE[i]}" "distance $i->$i must be 10"
			else
				((d > 10 && d < 255)) ||
					topo_err "${TOPO_DIST_LINE[i]}" "distance $i->$j must be 11..254"
			fi
		done
	done
	for i in "${!TOPO_DIST[@]}"; do
		((i < TOPO_NODES)) || topo_err "${TOPO_DIST_LINE[i]}" "distance row for unknown node $i"
	done
	for k in "${!TOPO_DIMM_NODE[@]}"; do
		((TOPO_DIMM_NODE[k] < TOPO_NODES)) ||
			topo_err "${TOPO_DIMM_LINE[k]}" "dimm on unknown node ${TOPO_DIMM_NODE[k]}"
	done
}

topo_parse() {
	TOPO_FILE=$1
	TOPO_NODES=0
	TOPO_MEM_MB=() TOPO_CPUS=() TOPO_DIST=() TOPO_DIST_LINE=()
	TOPO_DIMM_NODE=() TOPO_DIMM_MB=() TOPO_DIMM_LINE=()
	TOPO_APPEND='' TOPO_TIMEOUT='' TOPO_SKIP_TESTS='' TOPO_VARIANTS=()
	[[ -r $TOPO_FILE ]] || die "cannot read topology $TOPO_FILE"
	local line ln=0 kw
	local -a w
	while IFS= read -r line || [[ -n $line ]]; do
		ln=$((ln + 1))
		line=${line%%#*}
		read -ra w <<<"$line"
		((${#w[@]})) || continue
		kw=${w[0]}
		case $kw in
		node) topo_parse_node "$ln" "${w[1]:-}" "${w[2]:-}" "${w[3]:-}" "${w[4]:-}" "${w[5]:-}" "${w[6]:-}" ;;
		distance) topo_parse_distance "$ln" "${w[@]:1}" ;;
		dimm) topo_parse_dimm "$ln" "${w[1]:-}" "${w[2]:-}" "${w[3]:-}" ;;
		append) TOPO_APPEND+="${TOPO_APPEND:+ }${w[*]:1}" ;;
		timeout)
			if ! topo_is_uint "${w[1]:-}" || ((${#w[@]} != 2 || w[1] == 0)); then
				topo_err "$ln" "expected: timeout <seconds>"
			fi
			TOPO_TIMEOUT=${w[1]}
			;;
		skip-tests)
			local t
			((${#w[@]} > 1)) || topo_err "$ln" "expected: skip-tests <test...>"
			for t in "${w[@]:1}"; do
				[[ $t =~ ^zonelab_[a-z0-9_]+_test$ ]] ||
					topo_err "$ln" "'$t' is not a zonelab_*_test name"
			done
			TOPO_SKIP_TESTS+="${TOPO_SKIP_TESTS:+ }${w[*]:1}"
			;;
		*) topo_err "$ln" "unknown keyword '$kw'" ;;
		esac
	done <"$TOPO_FILE"
	topo_check
}

# Apply variant file $1 (format: scripts/variants/README) to the parsed
# topology: extra kernel command line words and/or fewer CPUs. Call after
# topo_parse; TOPO_VARIANTS lists the variants applied.
topo_apply_variant() {
	local file=$1 line ln=0 kw name
	local -a w
	[[ -r $file ]] || die "cannot read variant $file"
	name=$(basename "$file" .var)
	while IFS= read -r line || [[ -n $line ]]; do
		ln=$((ln + 1))
		line=${line%%#*}
		read -ra w <<<"$line"
		((${#w[@]})) || continue
		kw=${w[0]}
		case $kw in
		append)
			((${#w[@]} > 1)) || die "$file:$ln: expected: append <words>"
			TOPO_APPEND+="${TOPO_APPEND:+ }${w[*]:1}"
			;;
		cpus)
			if ! topo_is_uint "${w[1]:-}" || ((${#w[@]} != 2 || w[1] == 0)); then
				die "$file:$ln: expected: cpus <count>"
			fi
			topo_limit_cpus "variant $name" "${w[1]}"
			;;
		*) die "$file:$ln: unknown keyword '$kw'" ;;
		esac
	done <"$file"
	TOPO_VARIANTS+=("$name")
}

# Keep the first $2 CPUs in node order (the guest's CPUs 0..$2-1), take
# the others away; a node left with neither memory nor CPUs is an error
# ($1 names the variant for it). Nodes with CPUs stay before CPU-less ones.
topo_limit_cpus() {
	local what=$1 left=$2 i keep
	for ((i = 0; i < TOPO_NODES; i++)); do
		keep=$((TOPO_CPUS[i] < left ? TOPO_CPUS[i] : left))
		left=$((left - keep))
		TOPO_CPUS[i]=$keep
		((TOPO_MEM_MB[i] > 0 || keep > 0)) ||
			die "$what: on $TOPO_FILE, node $i would have neither memory nor CPUs"
	done
}

topo_total_cpus() {
	local i n=0
	for ((i = 0; i < TOPO_NODES; i++)); do n=$((n + TOPO_CPUS[i])); done
	echo "$n"
}

topo_total_mem_mb() {
	local i n=0
	for ((i = 0; i < TOPO_NODES; i++)); do n=$((n + TOPO_MEM_MB[i])); done
	echo "$n"
}

topo_total_dimm_mb() {
	local k n=0
	for k in "${!TOPO_DIMM_MB[@]}"; do n=$((n + TOPO_DIMM_MB[k])); done
	echo "$n"
}

# One line for progress messages, e.g. "2 nodes, 2 cpus, 1024M, dimms
# node1:128M, variant 1cpu".
topo_summary() {
	local k s
	s="$TOPO_NODES nodes, $(topo_total_cpus) cpus, $(topo_total_mem_mb)M"
	if ((${#TOPO_DIMM_NODE[@]})); then
		s+=", dimms"
		for k in "${!TOPO_DIMM_NODE[@]}"; do
			s+=" node${TOPO_DIMM_NODE[k]}:${TOPO_DIMM_MB[k]}M"
		done
	fi
	((${#TOPO_VARIANTS[@]} == 0)) || s+=", variant ${TOPO_VARIANTS[*]}"
	echo "$s"
}

# Fill the array named by $1 with the QEMU machine arguments (memory, CPUs,
# NUMA nodes, distances, dimms) for the parsed topology.
topo_qemu_args() {
	local -n _qargs=$1
	local i j k cpu=0 ncpu mem dimms m
	local -a row
	ncpu=$(topo_total_cpus)
	mem=$(topo_total_mem_mb)
	dimms=$(topo_total_dimm_mb)
	# QEMU insists that -m equals the sum of the nodes' memdevs; dimms
	# live outside it, in slots up to maxmem.
	m="${mem}M"
	if ((${#TOPO_DIMM_NODE[@]})); then
		m+=",slots=${#TOPO_DIMM_NODE[@]},maxmem=$((mem + dimms))M"
	fi
	# One CPU per socket: a socket whose CPUs span nodes makes the guest
	# print a topology_sane WARNING at boot.
	_qargs+=(-m "$m" -smp "$ncpu,sockets=$ncpu,cores=1,threads=1")
	for ((i = 0; i < TOPO_NODES; i++)); do
		local spec="node,nodeid=$i"
		if ((TOPO_CPUS[i] == 1)); then
			spec+=",cpus=$cpu"
		elif ((TOPO_CPUS[i] > 1)); then
			spec+=",cpus=$cpu-$((cpu + TOPO_CPUS[i] - 1))"
		fi
		cpu=$((cpu + TOPO_CPUS[i]))
		# A memoryless node gets no memdev at all (a 0-byte one is refused).
		if ((TOPO_MEM_MB[i] > 0)); then
			_qargs+=(-object "memory-backend-ram,id=mem$i,size=${TOPO_MEM_MB[i]}M")
			spec+=",memdev=mem$i"
		fi
		_qargs+=(-numa "$spec")
	done
	# Every ordered pair, so QEMU never fills in a mirrored value for us.
	for ((i = 0; i < TOPO_NODES; i++)); do
		read -ra row <<<"${TOPO_DIST[i]}"
		for ((j = 0; j < TOPO_NODES; j++)); do
			((i == j)) || _qargs+=(-numa "dist,src=$i,dst=$j,val=${row[j]}")
		done
	done
	for k in "${!TOPO_DIMM_NODE[@]}"; do
		_qargs+=(-object "memory-backend-ram,id=dimm$k,size=${TOPO_DIMM_MB[k]}M"
			-device "pc-dimm,id=d$k,memdev=dimm$k,node=${TOPO_DIMM_NODE[k]}")
	done
}
