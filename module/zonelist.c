// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab zonelists: per-node fallback and thisnode lists over the real
 * NUMA nodes, built with the kernel's node-ordering algorithm and published
 * as immutable generations.
 *
 * A rebuild takes a topology snapshot, builds a whole new generation from
 * it and publishes it with one pointer swap; the old generation is freed
 * after a grace period.  Readers never wait for a rebuild and never see a
 * half-built list, which is what stop_machine bought before 2017 and what
 * the seqlock retry buys in today's kernel.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "zonelab.h"
#include "trace.h"

struct zl_generation __rcu *zl_zonelists;

/*
 * Serialises rebuilds: taking the snapshot, numbering, publishing
 * zl_zonelists and the rebuild timings below.  Never taken by readers.
 */
static DEFINE_MUTEX(zl_rebuild_lock);

/* Written under zl_rebuild_lock; read locklessly by `stats` (READ_ONCE). */
static u64 zl_next_seq = 1;
static u64 zl_rebuild_ns_last;
static u64 zl_rebuild_ns_max;

/*
 * Generations ever allocated and freed.  The free side runs in RCU
 * callbacks, so these are atomics rather than fields under the mutex.
 */
static atomic64_t zl_gen_allocated = ATOMIC64_INIT(0);
static atomic64_t zl_gen_freed = ATOMIC64_INIT(0);

/* Layout of one generation: header, node array, then the list storage. */
static size_t zl_generation_size(unsigned int nr)
{
	size_t sz = sizeof(struct zl_generation);

	sz = size_add(sz, array_size(nr, sizeof(struct zl_node_lists)));
	sz = size_add(sz, array3_size(nr, nr, sizeof(int)));
	sz = size_add(sz, array3_size(nr, nr * MAX_NR_ZONES,
				      sizeof(struct zl_zoneref)));
	return size_add(sz, array3_size(nr, MAX_NR_ZONES,
					sizeof(struct zl_zoneref)));
}

static struct zl_generation *zl_generation_alloc(struct zl_topology *topo)
{
	unsigned int nr = topo->nr_nodes, nid;
	struct zl_generation *gen;
	struct zl_zoneref *refs;
	int *order;

	gen = kvzalloc(zl_generation_size(nr), GFP_KERNEL);
	if (!gen)
		return NULL;

	gen->topo = topo;
	gen->node = (struct zl_node_lists *)(gen + 1);
	order = (int *)(gen->node + nr);
	refs = (struct zl_zoneref *)(order + nr * nr);
	for (nid = 0; nid < nr; nid++) {
		gen->node[nid].order = order + nid * nr;
		gen->node[nid].fallback.refs = refs;
		refs += nr * MAX_NR_ZONES;
	}
	for (nid = 0; nid < nr; nid++) {
		gen->node[nid].thisnode.refs = refs;
		refs += MAX_NR_ZONES;
	}
	atomic64_inc(&zl_gen_allocated);
	return gen;
}

static void zl_generation_free(struct zl_generation *gen)
{
	zl_topology_free(gen->topo);
	kvfree(gen);
	atomic64_inc(&zl_gen_freed);
}

static void zl_generation_free_rcu(struct rcu_head *head)
{
	zl_generation_free(container_of(head, struct zl_generation, rcu));
}

/*
 * Does the local node head its own fallback order?  Up to 6.6 it always
 * did, memoryless or not; 6.7 ("mm: page_alloc: skip memoryless nodes
 * entirely") leaves a memoryless local node out.  Follow the kernel we are
 * built for (Kbuild sets the flag), since the point is to equal its lists.
 */
#ifdef ZL_SKIP_MEMORYLESS_LOCAL
static bool zl_local_node_first(const struct zl_topology *topo, int local)
{
	return node_isset(local, topo->memory);
}
#else
static bool zl_local_node_first(const struct zl_topology *topo, int local)
{
	return true;
}
#endif

/*
 * The kernel's find_next_best_node() (mm/page_alloc.c) over a snapshot:
 * the local node first, then the nearest node with memory, penalising
 * nodes below us and nodes with CPUs, with node_load[] breaking ties so
 * that nodes at equal distance take turns being first.
 */
static int zl_next_best_node(const struct zl_topology *topo, int local,
			     nodemask_t *used, const int *node_load)
{
	const struct zl_topo_node *tl = &topo->node[local];
	int n, val, min_val = INT_MAX, best = NUMA_NO_NODE;

	if (!node_isset(local, *used) && zl_local_node_first(topo, local)) {
		node_set(local, *used);
		return local;
	}

	for_each_node_mask(n, topo->memory) {
		if (node_isset(n, *used))
			continue;

		val = tl->distance[n] + (n < local);
		if (!cpumask_empty(topo->node[n].cpus))
			val += PENALTY_FOR_NODE_WITH_CPUS;
		val = val * MAX_NUMNODES + node_load[n];

		if (val < min_val) {
			min_val = val;
			best = n;
		}
	}

	if (best != NUMA_NO_NODE)
		node_set(best, *used);
	return best;
}

/* A node's populated zones, highest first: build_zonerefs_node(). */
static void zl_add_node_zones(const struct zl_topology *topo, int nid,
			      struct zl_zonelist *zl)
{
	int idx;

	for (idx = MAX_NR_ZONES - 1; idx >= 0; idx--) {
		if (!zl_topo_zone_populated(topo, nid, idx))
			continue;
		zl->refs[zl->nr].zone = zl_zone_get(nid, idx);
		zl->refs[zl->nr].nid = nid;
		zl->refs[zl->nr].zone_idx = idx;
		zl->nr++;
	}
}

/*
 * build_zonelists() for one node.  @node_load persists across the nodes of
 * one rebuild, as the kernel's static node_load[] does between its memset
 * in __build_all_zonelists() and the end of the loop over all nodes.
 */
static void zl_build_node(struct zl_generation *gen, int local, int *node_load)
{
	const struct zl_topology *topo = gen->topo;
	struct zl_node_lists *nl = &gen->node[local];
	const int *dist = topo->node[local].distance;
	nodemask_t used = NODE_MASK_NONE;
	int node, prev = local;
	unsigned int i;

	while ((node = zl_next_best_node(topo, local, &used, node_load)) >= 0) {
		if (dist[node] != dist[prev])
			node_load[node]++;
		nl->order[nl->nr_order++] = node;
		prev = node;
	}

	for (i = 0; i < nl->nr_order; i++)
		zl_add_node_zones(topo, nl->order[i], &nl->fallback);
	zl_add_node_zones(topo, local, &nl->thisnode);
}

/* Build every possible node's lists, in the kernel's node order. */
static int zl_build_all(struct zl_generation *gen)
{
	const struct zl_topology *topo = gen->topo;
	int *node_load;
	int nid;

	node_load = kcalloc(topo->nr_nodes, sizeof(*node_load), GFP_KERNEL);
	if (!node_load)
		return -ENOMEM;

	for_each_node_mask(nid, topo->possible)
		zl_build_node(gen, nid, node_load);

	kfree(node_load);
	return 0;
}

static void zl_publish(struct zl_generation *gen)
{
	struct zl_generation *old;

	lockdep_assert_held(&zl_rebuild_lock);

	gen->seq = zl_next_seq++;
	old = rcu_dereference_protected(zl_zonelists,
					lockdep_is_held(&zl_rebuild_lock));
	/* Pairs with rcu_dereference() in zl_generation_get(). */
	rcu_assign_pointer(zl_zonelists, gen);
	if (old)
		call_rcu(&old->rcu, zl_generation_free_rcu);
}

static void zl_note_rebuild_time(u64 ns)
{
	lockdep_assert_held(&zl_rebuild_lock);

	/* Pairs with READ_ONCE() in zl_rebuild_stats_show(). */
	WRITE_ONCE(zl_rebuild_ns_last, ns);
	if (ns > zl_rebuild_ns_max)
		WRITE_ONCE(zl_rebuild_ns_max, ns);
}

/*
 * __zl_rebuild() - rebuild with zl_rebuild_lock held.
 * Return: 1 if a generation was published, 0 if nothing had changed and
 * @force was false, or -ENOMEM.
 */
static int __zl_rebuild(bool force)
{
	struct zl_generation *cur, *gen;
	struct zl_topology *topo;
	u64 start = ktime_get_ns();
	int ret;

	lockdep_assert_held(&zl_rebuild_lock);

	topo = zl_topology_take();
	if (!topo)
		return -ENOMEM;

	cur = rcu_dereference_protected(zl_zonelists,
					lockdep_is_held(&zl_rebuild_lock));
	if (!force && cur && zl_topology_same_lists(cur->topo, topo)) {
		zl_topology_free(topo);
		return 0;
	}

	gen = zl_generation_alloc(topo);
	if (!gen) {
		zl_topology_free(topo);
		return -ENOMEM;
	}
	ret = zl_build_all(gen);
	if (ret) {
		zl_generation_free(gen);
		return ret;
	}

	zl_publish(gen);
	zl_note_rebuild_time(ktime_get_ns() - start);
	zl_count(ZL_STAT_REBUILDS);
	trace_zonelab_rebuild(gen->seq, ktime_get_ns() - start, force);
	return 1;
}

/**
 * zl_rebuild() - rebuild zonelab's zonelists from the live topology.
 * @force:	publish a new generation even if nothing changed.
 *
 * Context: process context, may sleep.
 * Return: 1 if a generation was published, 0 if none was needed, or a
 * negative errno; on error the previous generation stays in place.
 */
int zl_rebuild(bool force)
{
	int ret;

	mutex_lock(&zl_rebuild_lock);
	ret = __zl_rebuild(force);
	mutex_unlock(&zl_rebuild_lock);

	if (ret < 0)
		zl_count(ZL_STAT_REBUILD_FAILED);
	return ret;
}

/*
 * The kernel rebuilds its own zonelists when onlining fills an empty zone
 * and when offlining empties one, before it sends MEM_ONLINE/MEM_OFFLINE;
 * follow it then.  The snapshot comparison in __zl_rebuild() decides
 * whether anything zonelab depends on changed.
 */
static int zl_memory_callback(struct notifier_block *nb, unsigned long action,
			      void *arg)
{
	int ret;

	if (action != MEM_ONLINE && action != MEM_OFFLINE)
		return NOTIFY_OK;

	zl_count(ZL_STAT_MEMORY_EVENTS);
	ret = zl_rebuild(false);
	if (ret == 0)
		zl_count(ZL_STAT_REBUILD_SKIPPED);
	else if (ret < 0)
		pr_err("rebuild after memory %s failed (%d); zonelists are stale\n",
		       action == MEM_ONLINE ? "online" : "offline", ret);
	/* Never veto: zonelab holds no memory the kernel needs back here. */
	return NOTIFY_OK;
}

static struct notifier_block zl_memory_nb = {
	.notifier_call = zl_memory_callback,
};

int zl_memory_notifier_register(void)
{
	return register_memory_notifier(&zl_memory_nb);
}

void zl_memory_notifier_unregister(void)
{
	unregister_memory_notifier(&zl_memory_nb);
}

/**
 * zl_zonelist_init() - build and publish the first generation.
 *
 * Return: 0 or a negative errno, with nothing left allocated.
 */
int zl_zonelist_init(void)
{
	int ret = zl_rebuild(true);

	return ret < 0 ? ret : 0;
}

/**
 * zl_zonelist_exit() - free every generation.
 *
 * Context: the memory notifier and debugfs are gone, so nothing can
 * rebuild or read any more.
 */
void zl_zonelist_exit(void)
{
	struct zl_generation *gen;

	mutex_lock(&zl_rebuild_lock);
	gen = rcu_dereference_protected(zl_zonelists,
					lockdep_is_held(&zl_rebuild_lock));
	RCU_INIT_POINTER(zl_zonelists, NULL);
	mutex_unlock(&zl_rebuild_lock);

	if (gen)
		call_rcu(&gen->rcu, zl_generation_free_rcu);
	/* Wait for every pending free before the module text goes away. */
	rcu_barrier();
}

/* Generations ever allocated and freed, for the unload report. */
void zl_generation_counts(s64 *allocated, s64 *freed)
{
	*allocated = atomic64_read(&zl_gen_allocated);
	*freed = atomic64_read(&zl_gen_freed);
}

static void zl_show_zonelist(struct seq_file *m, const char *what, int nid,
			     const struct zl_zonelist *zl,
			     const struct zl_topology *topo)
{
	const struct zl_zoneref *z;

	seq_printf(m, "node %d %s:", nid, what);
	for (z = zl->refs; z < zl->refs + zl->nr; z++)
		seq_printf(m, " %d/%s", z->nid,
			   topo->node[z->nid].zone[z->zone_idx].name);
	seq_putc(m, '\n');
}

/**
 * zl_zonelists_show() - print the current generation.
 * @m:	the seq_file of the `zonelists` file.
 */
void zl_zonelists_show(struct seq_file *m)
{
	const struct zl_generation *gen;
	const struct zl_topology *topo;
	unsigned int i;
	int nid;

	rcu_read_lock();
	gen = zl_generation_get();
	if (!gen)
		goto out_unlock;

	topo = gen->topo;
	seq_printf(m, "generation %llu\n", gen->seq);
	for_each_node_mask(nid, topo->possible) {
		const struct zl_node_lists *nl = &gen->node[nid];

		seq_printf(m, "node %d order:", nid);
		for (i = 0; i < nl->nr_order; i++)
			seq_printf(m, " %d", nl->order[i]);
		seq_putc(m, '\n');
		zl_show_zonelist(m, "fallback", nid, &nl->fallback, topo);
		zl_show_zonelist(m, "thisnode", nid, &nl->thisnode, topo);
	}
out_unlock:
	rcu_read_unlock();
}

static void zl_show_kernel_zonelist(struct seq_file *m, const char *what,
				    int nid, const struct zonelist *zonelist)
{
	const struct zoneref *z;

	seq_printf(m, "node %d %s:", nid, what);
	for (z = zonelist->_zonerefs; z->zone; z++)
		seq_printf(m, " %d/%s", zone_to_nid(z->zone), z->zone->name);
	seq_putc(m, '\n');
}

/**
 * zl_kernel_zonelists_show() - print the kernel's own zonelists.
 * @m:	the seq_file of the `kernel_zonelists` file.
 *
 * Read without the kernel's zonelist_update_seq, which modules cannot
 * reach: the kernel rebuilds its lists in place, so a read that races a
 * memory hotplug rebuild may show a mix.  Tests read it while nothing is
 * being hotplugged.
 */
void zl_kernel_zonelists_show(struct seq_file *m)
{
	int nid;

	for_each_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);

		if (!pgdat)
			continue;
		zl_show_kernel_zonelist(m, "fallback", nid,
					&pgdat->node_zonelists[ZONELIST_FALLBACK]);
		zl_show_kernel_zonelist(m, "thisnode", nid,
					&pgdat->node_zonelists[ZONELIST_NOFALLBACK]);
	}
}

/**
 * zl_rebuild_stats_show() - the rebuild lines of the `stats` file.
 * @m:	the seq_file.
 */
void zl_rebuild_stats_show(struct seq_file *m)
{
	/* Pair with WRITE_ONCE() in zl_note_rebuild_time(). */
	seq_printf(m, "rebuild_ns_last %llu\n", READ_ONCE(zl_rebuild_ns_last));
	seq_printf(m, "rebuild_ns_max %llu\n", READ_ONCE(zl_rebuild_ns_max));
	seq_printf(m, "generations_live %lld\n",
		   atomic64_read(&zl_gen_allocated) -
		   atomic64_read(&zl_gen_freed));
}
