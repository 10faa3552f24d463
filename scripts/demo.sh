# zonelab demo: run inside the guest by `make run` (busybox sh).
# Loads the module, shows what it built over the guest's real nodes,
# unloads it and checks that every object came back.
d=/sys/kernel/debug/zonelab
insmod "$ZONELAB_KO" || exit 1
for f in topology zonelists stats; do
	echo "== $f"
	cat "$d/$f" || exit 1
done
rmmod zonelab || exit 1
line=$(dmesg | grep 'zonelab: unloaded:' | tail -n 1)
alloc=$(echo "$line" | sed -n 's/.*allocated \([0-9]*\) freed.*/\1/p')
freed=$(echo "$line" | sed -n 's/.*freed \([0-9]*\).*/\1/p')
if [ -z "$alloc" ] || [ "$alloc" != "$freed" ] || [ -d "$d" ]; then
	echo "== unload LEAKED: ${line:-no unload line}"
	exit 1
fi
echo "== unloaded: all $freed zonelist generations freed, debugfs removed (zonelab holds no pages yet)"
