# zonelab demo: run inside the guest by `make run` (busybox sh).
# Loads the module, shows what it built over the guest's real nodes,
# allocates from it, unloads it and checks that every page and object
# came back.
d=/sys/kernel/debug/zonelab
insmod "$ZONELAB_KO" || exit 1
for f in topology zonelists zoneinfo; do
	echo "== $f"
	cat "$d/$f" || exit 1
done
echo "== alloc 1000 pages on node 0, then 1000 more anywhere"
exec 3<>"$d/alloc"
echo "alloc 1000 node=0" >&3 && echo "alloc 1000" >&3 || exit 1
cat <&3
exec 3>&-
echo "== stats"
cat "$d/stats"
rmmod zonelab || exit 1
line=$(dmesg | grep 'zonelab: unloaded:' | tail -n 1)
set -- $(echo "$line" | sed -n 's/.*allocated \([0-9]*\) freed \([0-9]*\), pages reserved \([0-9]*\) returned \([0-9]*\).*/\1 \2 \3 \4/p')
if [ $# -ne 4 ] || [ "$1" != "$2" ] || [ "$3" != "$4" ] || [ -d "$d" ]; then
	echo "== unload LEAKED: ${line:-no unload line}"
	exit 1
fi
echo "== unloaded: $4 of $3 pages and $2 of $1 zonelist generations came back"
