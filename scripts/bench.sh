# zonelab benchmark: run inside the guest by `make bench` (busybox sh).
# Times zonelab's order-0 alloc+free pairs against the kernel's on one CPU
# while the default stress runs on every CPU, and prints the figures.
d=/sys/kernel/debug/zonelab
iterations=${ZL_BENCH_ITERATIONS:-200000}
insmod "$ZONELAB_KO" || exit 1
echo start > $d/stress || exit 1
echo "run $iterations" > $d/bench
rc=$?
echo stop > $d/stress
cat $d/bench
cat $d/stress | grep -E '^(ops|fails)'
rmmod zonelab || exit 1
exit $rc
