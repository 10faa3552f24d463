// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab topology: snapshots of the real NUMA nodes.
 *
 * Everything the zonelist builder needs from the running kernel is copied
 * into one allocation, so a rebuild works on one consistent picture of the
 * machine and the comparison "did anything the lists depend on change?" is
 * a plain comparison of two snapshots.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/vmstat.h>

#include "zonelab.h"

/*
 * One allocation holds the header, the node array, the cpumasks and the
 * distance matrix, in that order: the cpumasks (whole longs) stay aligned
 * for bitmap operations.
 */
static size_t zl_topology_size(unsigned int nr)
{
	size_t sz = sizeof(struct zl_topology);

	sz = size_add(sz, array_size(nr, sizeof(struct zl_topo_node)));
	sz = size_add(sz, array_size(nr, cpumask_size()));
	return size_add(sz, array3_size(nr, nr, sizeof(int)));
}

static struct zl_topology *zl_topology_alloc(unsigned int nr)
{
	struct zl_topology *topo;
	char *cursor;
	unsigned int nid;

	topo = kvzalloc(zl_topology_size(nr), GFP_KERNEL);
	if (!topo)
		return NULL;

	topo->nr_nodes = nr;
	cursor = (char *)(topo + 1);
	topo->node = (struct zl_topo_node *)cursor;
	cursor += nr * sizeof(struct zl_topo_node);
	for (nid = 0; nid < nr; nid++) {
		topo->node[nid].cpus = (struct cpumask *)cursor;
		cursor += cpumask_size();
	}
	for (nid = 0; nid < nr; nid++) {
		topo->node[nid].distance = (int *)cursor;
		cursor += nr * sizeof(int);
	}
	return topo;
}

void zl_topology_free(struct zl_topology *topo)
{
	kvfree(topo);
}

static void zl_topology_take_zones(struct zl_topo_node *tn, int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	int idx;

	/* Possible nodes all have a pgdat (free_area_init); be safe anyway. */
	if (!pgdat)
		return;

	for (idx = 0; idx < MAX_NR_ZONES; idx++) {
		struct zone *zone = &pgdat->node_zones[idx];

		/*
		 * Memory hotplug changes these under mem_hotplug_lock, which
		 * a module cannot take; a snapshot that races it is followed
		 * by the memory notifier's own rebuild, which sees the end
		 * state.
		 */
		tn->zone[idx].name = zone->name;
		tn->zone[idx].managed = zone_managed_pages(zone);
		tn->zone[idx].present = READ_ONCE(zone->present_pages);
		tn->zone[idx].spanned = READ_ONCE(zone->spanned_pages);
	}
}

/**
 * zl_topology_take() - snapshot the real NUMA topology.
 *
 * Return: a new snapshot the caller owns, or NULL when out of memory.
 */
struct zl_topology *zl_topology_take(void)
{
	struct zl_topology *topo;
	int nid, n;

	topo = zl_topology_alloc(nr_node_ids);
	if (!topo)
		return NULL;

	topo->possible = node_states[N_POSSIBLE];
	topo->online = node_states[N_ONLINE];
	topo->memory = node_states[N_MEMORY];
	topo->normal = node_states[N_NORMAL_MEMORY];
	topo->cpu = node_states[N_CPU];

	for_each_node_mask(nid, topo->possible) {
		struct zl_topo_node *tn = &topo->node[nid];

		cpumask_copy(tn->cpus, cpumask_of_node(nid));
		for_each_node_mask(n, topo->possible)
			tn->distance[n] = node_distance(nid, n);
		zl_topology_take_zones(tn, nid);
	}
	return topo;
}

/**
 * zl_topo_zone_populated() - does a zone belong in zonelab's zonelists?
 * @topo:	the snapshot.
 * @nid:	node id, below @topo->nr_nodes.
 * @zone_idx:	enum zone_type.
 *
 * build_zonerefs_node() lists a real zone when it has present pages;
 * zonelab lists its own zone when zonelab holds pages of that real zone,
 * which implies the real zone is populated.  Zones zonelab got no pages
 * from do not exist for its allocator.
 */
bool zl_topo_zone_populated(const struct zl_topology *topo, int nid,
			    int zone_idx)
{
	return topo->node[nid].zone[zone_idx].zl_pages != 0;
}

static bool zl_topo_node_same_lists(const struct zl_topology *a,
				    const struct zl_topology *b, int nid)
{
	const struct zl_topo_node *na = &a->node[nid], *nb = &b->node[nid];
	int n, idx;

	if (cpumask_empty(na->cpus) != cpumask_empty(nb->cpus))
		return false;
	for_each_node_mask(n, a->possible)
		if (na->distance[n] != nb->distance[n])
			return false;
	for (idx = 0; idx < MAX_NR_ZONES; idx++)
		if (zl_topo_zone_populated(a, nid, idx) !=
		    zl_topo_zone_populated(b, nid, idx))
			return false;
	return true;
}

/**
 * zl_topology_same_lists() - would @a and @b give the same zonelists?
 * @a:	one snapshot.
 * @b:	another.
 *
 * Compares exactly the inputs of the node-ordering algorithm: which nodes
 * exist and have memory, which have CPUs, the distances, and which zones
 * are populated.  Page counts alone do not matter.
 */
bool zl_topology_same_lists(const struct zl_topology *a,
			    const struct zl_topology *b)
{
	int nid;

	if (a->nr_nodes != b->nr_nodes ||
	    !nodes_equal(a->possible, b->possible) ||
	    !nodes_equal(a->memory, b->memory))
		return false;

	for_each_node_mask(nid, a->possible)
		if (!zl_topo_node_same_lists(a, b, nid))
			return false;
	return true;
}

/* "<key> <list>\n", with no trailing blank when the list is empty. */
static void zl_show_bitmap(struct seq_file *m, const char *key,
			   const unsigned long *bits, unsigned int nbits)
{
	seq_puts(m, key);
	if (!bitmap_empty(bits, nbits))
		seq_printf(m, " %*pbl", nbits, bits);
	seq_putc(m, '\n');
}

static void zl_show_nodes(struct seq_file *m, const char *key,
			  const struct zl_topology *topo, const nodemask_t *mask)
{
	zl_show_bitmap(m, key, nodes_addr(*mask), topo->nr_nodes);
}

static void zl_topology_show_node(struct seq_file *m,
				  const struct zl_topology *topo, int nid)
{
	const struct zl_topo_node *tn = &topo->node[nid];
	char key[32];
	int n, idx;

	snprintf(key, sizeof(key), "node %d cpus", nid);
	zl_show_bitmap(m, key, cpumask_bits(tn->cpus), nr_cpu_ids);

	seq_printf(m, "node %d distances", nid);
	for_each_node_mask(n, topo->online)
		seq_printf(m, " %d", tn->distance[n]);
	seq_putc(m, '\n');

	for (idx = 0; idx < MAX_NR_ZONES; idx++)
		seq_printf(m, "node %d zone %s managed %lu present %lu spanned %lu\n",
			   nid, tn->zone[idx].name, tn->zone[idx].managed,
			   tn->zone[idx].present, tn->zone[idx].spanned);
}

/**
 * zl_topology_show() - print a snapshot in the `topology` file's format.
 * @m:		the seq_file.
 * @topo:	the snapshot.
 *
 * The keys follow /sys/devices/system/node and /proc/zoneinfo so that tests
 * and users can compare the two line by line.
 */
void zl_topology_show(struct seq_file *m, const struct zl_topology *topo)
{
	int nid;

	zl_show_nodes(m, "possible", topo, &topo->possible);
	zl_show_nodes(m, "online", topo, &topo->online);
	zl_show_nodes(m, "has_memory", topo, &topo->memory);
	zl_show_nodes(m, "has_normal_memory", topo, &topo->normal);
	zl_show_nodes(m, "has_cpu", topo, &topo->cpu);

	for_each_node_mask(nid, topo->online)
		zl_topology_show_node(m, topo, nid);
}

/* Pages to numactl's MB: its kB from nodeN/meminfo, times 1024, >> 20. */
static unsigned long long zl_pages_to_mb(unsigned long pages)
{
	return ((unsigned long long)pages << PAGE_SHIFT) >> 20;
}

/* MemTotal of nodeN/meminfo: si_meminfo_node() sums the managed pages. */
static unsigned long zl_topo_node_managed(const struct zl_topo_node *tn)
{
	unsigned long sum = 0;
	int idx;

	for (idx = 0; idx < MAX_NR_ZONES; idx++)
		sum += tn->zone[idx].managed;
	return sum;
}

/*
 * A real node's free pages (MemFree of nodeN/meminfo), read now from its
 * zones: free pages are no input of the zonelists, so snapshots do not
 * keep them.
 */
unsigned long zl_node_free_pages(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	unsigned long sum = 0;
	int idx;

	if (!pgdat)
		return 0;
	for (idx = 0; idx < MAX_NR_ZONES; idx++)
		sum += zone_page_state(&pgdat->node_zones[idx], NR_FREE_PAGES);
	return sum;
}

#ifdef ZL_WEIGHTED_INTERLEAVE
/*
 * The kernel's weighted interleave weight of @nid, get_il_weight(): its
 * table is static in mm/mempolicy.c, so it is read where the kernel shows
 * it, /sys/kernel/mm/mempolicy/weighted_interleave/node<nid>; 1 when that
 * cannot be read, as for a node without a weight.
 *
 * Context: process context, may sleep.
 */
u8 zl_node_il_weight(int nid)
{
	char path[64], buf[8] = "";
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	u8 w;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/mempolicy/weighted_interleave/node%d", nid);
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return 1;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	return kstrtou8(strim(buf), 10, &w) || !w ? 1 : w;
}
#else
/* Before 6.9 there is no kernel weight: weighted interleave is zonelab's. */
u8 zl_node_il_weight(int nid)
{
	return 1;
}
#endif

/*
 * numactl's distance table: a header row of node ids, then one row per
 * node, every number as "% 3d " (so each line ends in a blank).
 */
static void zl_numactl_show_distances(struct seq_file *m,
				      const struct zl_topology *topo)
{
	int nid, n;

	seq_puts(m, "node distances:\nnode ");
	for_each_node_mask(n, topo->online)
		seq_printf(m, "% 3d ", n);
	seq_putc(m, '\n');
	for_each_node_mask(nid, topo->online) {
		seq_printf(m, "% 3d: ", nid);
		for_each_node_mask(n, topo->online)
			seq_printf(m, "% 3d ", topo->node[nid].distance[n]);
		seq_putc(m, '\n');
	}
}

/**
 * zl_topology_show_numactl() - print a snapshot as `numactl --hardware` does.
 * @m:		the seq_file.
 * @topo:	the snapshot.
 *
 * The layout of hardware() in numactl 2.0.16 (Debian 12), so that the two
 * outputs can be diffed: numactl's nodes are the directories of
 * /sys/devices/system/node, the online nodes; its cpus are nodeN/cpumap
 * (the node's CPUs that are online); its size and free are MemTotal and
 * MemFree of nodeN/meminfo in whole MB, here the snapshot's managed pages
 * and the real zones' free pages now.  numactl reads the distance table
 * by position in nodeN/distance, which lists online nodes only, so with
 * a hole among the online node ids its table is wrong; this one is not.
 */
void zl_topology_show_numactl(struct seq_file *m,
			      const struct zl_topology *topo)
{
	const nodemask_t *online = &topo->online;
	int nid, cpu;

	seq_printf(m, "available: %d nodes (%*pbl)\n", nodes_weight(*online),
		   topo->nr_nodes, nodes_addr(*online));
	for_each_node_mask(nid, *online) {
		const struct zl_topo_node *tn = &topo->node[nid];

		seq_printf(m, "node %d cpus:", nid);
		for_each_cpu_and(cpu, tn->cpus, cpu_online_mask)
			seq_printf(m, " %d", cpu);
		seq_putc(m, '\n');
		seq_printf(m, "node %d size: %llu MB\n", nid,
			   zl_pages_to_mb(zl_topo_node_managed(tn)));
		seq_printf(m, "node %d free: %llu MB\n", nid,
			   zl_pages_to_mb(zl_node_free_pages(nid)));
	}
	zl_numactl_show_distances(m, topo);
}
