# zonelab report: run inside the default guest by `make report` (busybox
# sh).  Measures, prints the raw data between markers, computes nothing:
# scripts/report (on the host) turns it into data files, plots and a page.
#
#   ZL-PHASE <text>               progress, one line per phase (the host
#                                 shows these on the terminal)
#   ZL-DATA-BEGIN <section> [k=v ...]
#   ...                           the section's raw lines
#   ZL-DATA-END <section>
#   ZL-SKIP <what> <reason>       a measurement that could not run here
#
# Sections, in order:
#   info             uname -r, CPUs, command line, trace clock and the TSC
#                    frequency the kernel found, zonelab's `topology`
#   bench_rebuild    `bench_rebuild` after `run <ms>` (every mode)
#   trace mode=<m>   the trace buffer while the storm runs on CPU 0 and
#                    order-0 stress on the other CPUs: one line per event,
#                    `A <cpu> <ts>` for zonelab_alloc and
#                    `R <cpu> <ts> duration_ns=<n> mode=<m>` for
#                    zonelab_rebuild (the trace lines without the
#                    columns the host does not use, to keep the serial
#                    line short); then `stats <cpu> <key>: <n>` (each CPU
#                    buffer's entries, overrun, dropped events) and
#                    `storm ...`, `stress ...` (their reads after the run)
#   race mode=<m>    `stats` before (`B <key> <value>`) and after
#                    (`E <key> <value>`) a storm at pool exhaustion, the
#                    storm's and the stress's reads (`S ...`)
#   hotplug          one line per sample of the hotplug loop (see below)
#   cpuset policy=<bind|interleave> mems_retry=<1|0> a=<nodes> b=<nodes>
#          flips=<n> every=<k> hold=<blocks>
#                    cpuset01: the mems of a context flipped <n> times
#                    between a and b while stress allocates under it at
#                    exhaustion, one section per pass (bind, then
#                    interleave, each with mems_retry=1 then 0):
#                    `P <key> <value>` (the context's policy, mems,
#                    oom_score_adj and mems_retry as the pass began),
#                    `stats` before (`B <key> <value>`) and after (`E`),
#                    the context's stats before (`BC`) and after (`EC`),
#                    `W <polls>` (50 ms polls until stress first failed:
#                    exhaustion), every <k> flips and after the last
#                    `F i=<flips> t=<uptime> mems=<written last>
#                    n<nid>=<pages> ... allocs= fails= retries= rebinds=
#                    premature_oom=` (the context's numa and stats,
#                    stats' premature_oom), `X ...` (a mems write that
#                    failed), `S ...` (stress before it stopped) and
#                    `EN node <nid> <pages>` (numa after)
#   unload           the module's unload message
#
# ZL_REPORT_* in the environment shorten or lengthen it (see defaults).
d=/sys/kernel/debug/zonelab
t=/sys/kernel/tracing
delay_param=/sys/module/zonelab/parameters/inplace_delay_us
bench_ms=${ZL_REPORT_BENCH_MS:-1000}
trace_s=${ZL_REPORT_TRACE_S:-0.3}
race_s=${ZL_REPORT_RACE_S:-3}
rounds=${ZL_REPORT_ROUNDS:-20}
# mems writes per bind pass (interleave passes: half), ~2 ms each under
# TCG: the four passes add 15-20 s; an F sample every flip_every (odd, so
# that the samples alternate between the two sets).
flips=${ZL_REPORT_FLIPS:-2000}
flip_every=${ZL_REPORT_FLIP_EVERY:-25}
cpuset_passes="bind:1 bind:0 interleave:1 interleave:0"
modes="rcu seqlock stop_machine inplace"

phase() { echo "ZL-PHASE $*"; }
begin() { echo "ZL-DATA-BEGIN $*"; }
end() { echo "ZL-DATA-END $1"; }

insmod "$ZONELAB_KO" || exit 1

# The CPUs other than the first: where stress allocates while the storm
# rebuilds on the first.
cpus=$(awk '/^processor/ { n++ } END { print n }' /proc/cpuinfo)
if [ "$cpus" -lt 2 ]; then
	echo "ZL-SKIP all the storm needs a second CPU"
	rmmod zonelab
	exit 1
fi
others=1-$((cpus - 1))
[ "$cpus" = 2 ] && others=1

# Trace timestamps: the TSC in cycles where there is one (the default
# clocks print microseconds, too coarse for an allocation of a few us),
# converted on the host with the frequency the kernel calibrated.
tsc_mhz=$(dmesg | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' | tail -n 1)
[ -n "$tsc_mhz" ] || tsc_mhz=$(dmesg | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz processor.*/\1/p' | tail -n 1)
clock=local
if [ -n "$tsc_mhz" ] && grep -qw x86-tsc $t/trace_clock 2>/dev/null; then
	echo x86-tsc >$t/trace_clock && clock=x86-tsc
fi
# Per CPU: at most ~18000 events (28 bytes each) kept, the latest ones
# (overwrite mode): what the serial line carries in ~10 s per mode.
echo ${ZL_REPORT_BUFFER_KB:-512} >$t/buffer_size_kb

phase "info: $(uname -r), $cpus CPUs, trace clock $clock"
begin info
echo "kernel $(uname -r)"
echo "cpus $cpus"
echo "cmdline $(cat /proc/cmdline)"
echo "trace_clock $clock"
echo "tsc_mhz ${tsc_mhz:-0}"
echo "uptime $(cut -d' ' -f1 /proc/uptime)"
echo "buffer_size_kb $(cat $t/buffer_size_kb)"
echo "bench_ms $bench_ms"
echo "trace_s $trace_s"
echo "race_s $race_s"
echo "rounds $rounds"
echo "flips $flips"
echo "flip_every $flip_every"
sed 's/^/topology /' $d/topology
grep -E '^Node|^ +(pages free|managed|present)' $d/zoneinfo | sed 's/^ */zoneinfo /'
end info

# 1. Throughput: bench_rebuild runs every mode itself.
phase "bench_rebuild: run $bench_ms (2 phases x 4 modes x ${bench_ms} ms)"
if echo "run $bench_ms" >$d/bench_rebuild; then
	begin bench_rebuild
	cat $d/bench_rebuild
	end bench_rebuild
else
	echo "ZL-SKIP bench_rebuild write failed"
fi

# Every CPU but the first offline ($1 = 0) or back online (1).
other_cpus() {
	for f in /sys/devices/system/cpu/cpu[1-9]*/online; do
		[ -w "$f" ] && echo "$1" >"$f"
	done
}

# Switch the two events on or off ($1) with the other CPUs offline.
# Switching an event live-patches code with int3, and under QEMU TCG a
# CPU running that code meanwhile can hang: once, a `stop_machine` storm
# left CPU 0 waiting in multi_cpu_stop for good after the events came on
# with the stress running on CPU 1.  Between phases only tracing_on moves,
# which patches nothing.
trace_events() {
	other_cpus 0
	echo "$1" >$t/events/zonelab/zonelab_alloc/enable
	echo "$1" >$t/events/zonelab/zonelab_rebuild/enable
	other_cpus 1
}

# 2. Latency and rebuild duration: the trace buffer during a storm.
echo 0 >$t/tracing_on
trace_events 1
for m in $modes; do
	if ! echo $m >$d/rebuild_mode 2>/dev/null; then
		echo "ZL-SKIP trace:$m rebuild_mode refused $m"
		continue
	fi
	phase "trace $m: storm on CPU 0, stress on CPU $others, tracing ${trace_s} s"
	echo "start order_max=0 cpus=$others" >$d/stress || exit 1
	echo "start cpu=0" >$d/storm || exit 1
	sleep 0.2
	echo >$t/trace
	echo 1 >$t/tracing_on
	sleep "$trace_s"
	echo 0 >$t/tracing_on
	storm=$(cat $d/storm)
	echo stop >$d/storm
	stress=$(cat $d/stress)
	echo stop >$d/stress
	begin trace mode=$m
	# "  task-pid  [001] .....  123456789: zonelab_alloc: node=..."
	awk '/^#/ { next }
	{
		cpu = $0; sub(/^.*\[/, "", cpu); sub(/\].*$/, "", cpu)
		for (i = 1; i <= NF; i++) if ($i ~ /^zonelab_/) break
		ts = $(i - 1); sub(/:$/, "", ts)
		if ($i == "zonelab_alloc:") print "A", cpu + 0, ts
		else if ($i == "zonelab_rebuild:") print "R", cpu + 0, ts, $(i + 2), $(i + 3)
	}' $t/trace
	for f in $t/per_cpu/cpu*/stats; do
		c=${f%/stats}
		awk -v c=${c##*/} '/^(entries|overrun|dropped events):/ { print "stats", c, $1, $NF }' $f
	done
	echo "$storm" | sed 's/^/storm /'
	echo "$stress" | sed 's/^/stress /'
	end trace
done
trace_events 0
echo 1 >$t/tracing_on
echo >$t/trace
echo rcu >$d/rebuild_mode

# 3. Race detectors: the storm with every allocating worker at pool
# exhaustion (the README's worked example), per mode.
pool=$(awk '$1 == "managed" { n += $2 } END { print n }' $d/zoneinfo)
hold=$pool
[ "$hold" -gt 65536 ] && hold=65536
for m in $modes; do
	if ! echo $m >$d/rebuild_mode 2>/dev/null; then
		echo "ZL-SKIP race:$m rebuild_mode refused $m"
		continue
	fi
	delay=0
	[ $m = inplace ] && delay=20
	echo $delay >$delay_param
	phase "race $m: storm ${race_s} s at exhaustion (inplace_delay_us=$delay)"
	begin race mode=$m inplace_delay_us=$delay
	sed 's/^/B /' $d/stats
	echo "start order_max=0 hold=$hold cpus=$others" >$d/stress || exit 1
	echo "start cpu=0" >$d/storm || exit 1
	sleep "$race_s"
	sed 's/^/S storm /' $d/storm
	echo stop >$d/storm
	sed 's/^/S stress /' $d/stress
	echo stop >$d/stress
	sed 's/^/E /' $d/stats
	end race
done
echo 0 >$delay_param
echo rcu >$d/rebuild_mode

# 4. Hotplug loop: zonelab blocks offline/online through `hotplug`, the
# guest's offline memory block (the pc-dimm) online_movable/offline, under
# light stress.  One sample line after each step:
#   t=<uptime> step=<round>:<action> rc=<0|1>
#   zl<nid>=<managed>/<free>/<present>  (zonelab's zones of the node, summed)
#   blk<nid>=<online blocks>            (`blocks`)
#   k<nid>=<MemTotal kB>/<MemFree kB>   (/sys/devices/system/node/node<nid>/meminfo)
#   <stats key>=<value> ...             (rebuilds memory_events blocks_*
#                                        offline_busy hotplug_vetoes)
sample() {
	{
		echo "t $(cut -d' ' -f1 /proc/uptime)"
		echo "step $1"
		echo "rc $2"
		awk '/^Node/ { n = $2; sub(/,/, "", n) }
			$1 == "pages" && $2 == "free" { f[n] += $3 }
			$1 == "managed" { m[n] += $2 }
			$1 == "present" { p[n] += $2 }
			END { for (n in m) print "zl" n, m[n] "/" f[n] "/" p[n] }' $d/zoneinfo
		awk '$10 == "online" { b[$4]++ } { if (!($4 in b)) b[$4] = 0 }
			END { for (n in b) print "blk" n, b[n] }' $d/blocks
		for n in /sys/devices/system/node/node[0-9]*; do
			awk -v n="${n##*node}" '$3 == "MemTotal:" { tot = $4 }
				$3 == "MemFree:" { fr = $4 }
				END { print "k" n, tot "/" fr }' $n/meminfo
		done
		grep -E '^(rebuilds|memory_events|blocks_offlined|blocks_onlined|offline_busy|hotplug_vetoes) ' $d/stats
	} | awk '{ printf "%s%s=%s", sep, $1, $2; sep = " " } END { print "" }'
}
dimm=
for m in /sys/devices/system/memory/memory[0-9]*; do
	if [ "$(cat $m/state)" = offline ]; then
		dimm=$m
		break
	fi
done
# The last block of each node with blocks, node 0 first.
blocks=$(awk '{ last[$4] = $2 } END { for (n in last) print n, last[n] }' $d/blocks | sort -n | awk '{ print $2 }')
phase "hotplug: $rounds rounds over blocks $(echo $blocks) and ${dimm:-no offline memory block}"
[ -n "$dimm" ] || echo "ZL-SKIP hotplug:dimm no offline memory block in /sys/devices/system/memory"
echo "start hold=16 cpus=$others" >$d/stress || exit 1
begin hotplug dimm=${dimm##*/} blocks=$(echo $blocks | tr ' ' ,)
sample 0:start 0
i=1
while [ $i -le "$rounds" ]; do
	nb=$(echo $blocks | wc -w)
	b=$(echo $blocks | tr ' ' '\n' | sed -n "$(((i - 1) % nb + 1))p")
	echo "offline $b" >$d/hotplug 2>/dev/null
	sample "$i:zl-offline-$b" $?
	if [ -n "$dimm" ]; then
		echo online_movable >$dimm/state 2>/dev/null
		sample "$i:online-movable-${dimm##*/}" $?
	fi
	echo "online $b" >$d/hotplug 2>/dev/null
	sample "$i:zl-online-$b" $?
	if [ -n "$dimm" ]; then
		echo offline >$dimm/state 2>/dev/null
		sample "$i:offline-${dimm##*/}" $?
	fi
	i=$((i + 1))
done
end hotplug
echo stop >$d/stress

# 5. Cpuset flips (the page's section 6): LTP's cpuset01 on a context,
# zonelab's model of a task in a cpuset.  The context is exempt from
# zonelab's OOM (oom_score_adj -1000: the run measures cpuset races, not
# kills); stress workers allocate under it at pool exhaustion (a window
# larger than the pool) while this shell flips its mems between two
# disjoint node sets, the first and the second half of the nodes with
# memory.  Per pass (policy:mems_retry) one `cpuset` section.
c=zl-report-cpuset
retry_param=/sys/module/zonelab/parameters/mems_retry
cs_hold=$((pool * 2))
[ "$cs_hold" -gt 65536 ] && cs_hold=65536
# One F line: uptime, the context's numa and stats, premature_oom.
flip_sample() {
	awk -v i="$1" -v m="$2" 'FNR == 1 { f++ }
		f == 1 { printf "F i=%s t=%s mems=%s", i, $1, m }
		f == 2 { printf " n%s=%s", $2, $3 }
		f == 3 && $1 ~ /^(allocs|fails|retries|rebinds)$/ { printf " %s=%s", $1, $2 }
		f == 4 && $1 == "premature_oom" { printf " %s=%s", $1, $2 }
		END { print "" }' /proc/uptime $d/ctx/$c/numa $d/ctx/$c/stats $d/stats
}
if ! echo "create $c" >$d/contexts; then
	echo "ZL-SKIP cpuset-flips cannot create context $c"
elif [ "$(grep -c '^node ' $d/ctx/$c/numa)" -lt 2 ]; then
	echo "ZL-SKIP cpuset-flips fewer than two nodes with memory"
	echo "destroy $c" >$d/contexts
else
	mem_nodes=$(awk '{ print $2 }' $d/ctx/$c/numa)
	nmem=$(echo $mem_nodes | wc -w)
	set_a=$(echo $mem_nodes | tr ' ' '\n' | head -n $((nmem / 2)) | paste -sd, -)
	set_b=$(echo $mem_nodes | tr ' ' '\n' | tail -n $((nmem - nmem / 2)) | paste -sd, -)
	all=$(echo $mem_nodes | tr ' ' ,)
	echo -1000 >$d/ctx/$c/oom_score_adj || exit 1
	phase "cpuset flips: mems $set_a <-> $set_b, $flips flips under bind, $((flips / 2)) under interleave, mems_retry 1 and 0 each"
	for pass in $cpuset_passes; do
		pol=${pass%:*}
		r=${pass#*:}
		n=$flips
		[ "$pol" = bind ] || n=$((flips / 2))
		echo $r >$retry_param || exit 1
		# From the root cpuset's mems: the policy over all of them,
		# then the first set (the policy rebound to it).
		echo $all >$d/ctx/$c/mems || exit 1
		echo "$pol:$all" >$d/ctx/$c/policy || exit 1
		echo $set_a >$d/ctx/$c/mems || exit 1
		begin cpuset policy=$pol mems_retry=$r a=$set_a b=$set_b flips=$n every=$flip_every hold=$cs_hold
		echo "P policy $(cat $d/ctx/$c/policy)"
		echo "P mems $(cat $d/ctx/$c/mems)"
		echo "P oom_score_adj $(cat $d/ctx/$c/oom_score_adj)"
		echo "P mems_retry $(cat $retry_param)"
		sed 's/^/B /' $d/stats
		sed 's/^/BC /' $d/ctx/$c/stats
		fails0=$(awk '$1 == "fails" { print $2 }' $d/stress)
		echo "start order_max=0 hold=$cs_hold ctx=$c" >$d/stress || exit 1
		# Until a worker's allocation failed: the pool is exhausted.
		w=0
		while [ "$(awk '$1 == "fails" { print $2 }' $d/stress)" = "$fails0" ] && [ $w -lt 200 ]; do
			sleep 0.05
			w=$((w + 1))
		done
		echo "W $w"
		flip_sample 0 $set_a
		i=1
		m=$set_a
		while [ $i -le $n ]; do
			if [ $((i % 2)) = 1 ]; then m=$set_b; else m=$set_a; fi
			echo $m >$d/ctx/$c/mems || echo "X flip $i: mems write failed"
			[ $((i % flip_every)) = 0 ] && flip_sample $i $m
			i=$((i + 1))
		done
		[ $((n % flip_every)) = 0 ] || flip_sample $n $m
		sed 's/^/S /' $d/stress
		echo stop >$d/stress
		sed 's/^/E /' $d/stats
		sed 's/^/EC /' $d/ctx/$c/stats
		sed 's/^/EN /' $d/ctx/$c/numa
		end cpuset
	done
	echo 1 >$retry_param
	echo "destroy $c" >$d/contexts
fi

phase "unload"
rmmod zonelab || exit 1
begin unload
dmesg | grep 'zonelab: unloaded:' | tail -n 1
end unload
