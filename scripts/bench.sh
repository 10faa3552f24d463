# zonelab benchmark: run inside the guest by `make bench` (busybox sh).
# 1. zonelab's order-0 alloc+free pairs against the kernel's on one CPU
#    while the default stress runs on every CPU.
# 2. The rebuild-disruption benchmark: per rebuild mode, allocation
#    throughput on every CPU but the first, without and with the rebuild
#    storm on the first CPU, the slowest allocation and the mean rebuild.
d=/sys/kernel/debug/zonelab
iterations=${ZL_BENCH_ITERATIONS:-200000}
phase_ms=${ZL_BENCH_REBUILD_MS:-1000}
insmod "$ZONELAB_KO" || exit 1
echo start > $d/stress || exit 1
echo "run $iterations" > $d/bench
rc=$?
echo stop > $d/stress
cat $d/bench
cat $d/stress | grep -E '^(ops|fails)'
if [ "$rc" = 0 ]; then
	echo "run $phase_ms" > $d/bench_rebuild
	rc=$?
	cat $d/bench_rebuild
	# The targets, as ratios: rcu should keep >= 0.95 of its baseline.
	awk '/^mode / { printf "mode %s throughput_ratio %.3f\n", $2, $4 / $6 }' \
		$d/bench_rebuild
fi
rmmod zonelab || exit 1
exit $rc
