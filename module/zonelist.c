// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab zonelists: per-node fallback and thisnode lists over the real
 * NUMA nodes, built from a topology snapshot with the kernel's
 * node-ordering algorithm into a generation.  How a generation reaches
 * the allocator (RCU, seqlock, stop_machine or in place) is rebuild.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "zonelab.h"

/*
 * Built generations ever allocated and freed, for the unload report (the
 * in-place modes' live copy is not one).  The free side runs in RCU
 * callbacks, so these are atomics.
 */
static atomic64_t zl_gen_allocated = ATOMIC64_INIT(0);
static atomic64_t zl_gen_freed = ATOMIC64_INIT(0);

/* Entries of a fallback list: every zone of every node, then NULL. */
static size_t zl_fallback_cap(unsigned int nr)
{
	return nr * MAX_NR_ZONES + 1;
}

/*
 * Layout of one generation: header, node array, the list storage, then
 * the node orders.  The zonerefs come before the ints: an odd number of
 * ints in front would leave them 4-byte aligned, and an 8-byte store that
 * crosses a cache line is not atomic.  Walks read the in-place modes'
 * live copy while it is rewritten, and must see each entry whole.
 */
static size_t zl_generation_size(unsigned int nr)
{
	size_t sz = sizeof(struct zl_generation);

	sz = size_add(sz, array_size(nr, sizeof(struct zl_node_lists)));
	sz = size_add(sz, array3_size(nr, zl_fallback_cap(nr),
				      sizeof(struct zl_zoneref)));
	sz = size_add(sz, array3_size(nr, MAX_NR_ZONES + 1,
				      sizeof(struct zl_zoneref)));
	return size_add(sz, array3_size(nr, nr, sizeof(int)));
}

/**
 * zl_generation_alloc() - an empty generation with room for @nr nodes.
 * @nr:		node ids below it.
 *
 * Return: the generation, every list empty and NULL-terminated, or NULL.
 */
struct zl_generation *zl_generation_alloc(unsigned int nr)
{
	struct zl_generation *gen;
	struct zl_zoneref *refs;
	unsigned int nid;
	int *order;

	BUILD_BUG_ON(sizeof(struct zl_generation) % __alignof__(struct zl_zoneref) ||
		     sizeof(struct zl_node_lists) % __alignof__(struct zl_zoneref));
	gen = kvzalloc(zl_generation_size(nr), GFP_KERNEL);
	if (!gen)
		return NULL;

	gen->nr_nodes = nr;
	gen->node = (struct zl_node_lists *)(gen + 1);
	refs = (struct zl_zoneref *)(gen->node + nr);
	for (nid = 0; nid < nr; nid++) {
		gen->node[nid].fallback.refs = refs;
		refs += zl_fallback_cap(nr);
	}
	for (nid = 0; nid < nr; nid++) {
		gen->node[nid].thisnode.refs = refs;
		refs += MAX_NR_ZONES + 1;
	}
	order = (int *)refs;
	for (nid = 0; nid < nr; nid++)
		gen->node[nid].order = order + nid * nr;
	return gen;
}

void zl_generation_free(struct zl_generation *gen)
{
	if (gen->topo)
		atomic64_inc(&zl_gen_freed);
	zl_topology_free(gen->topo);
	kvfree(gen);
}

void zl_generation_free_rcu(struct rcu_head *head)
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
		zl->refs[zl->nr++].zone = zl_zone_get(nid, idx);
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

/**
 * zl_generation_build() - build the lists of a topology snapshot.
 * @topo:	the snapshot; the generation owns it from now on, also when
 *		the build fails.
 *
 * Return: the complete generation (seq not yet set), or NULL.
 */
struct zl_generation *zl_generation_build(struct zl_topology *topo)
{
	struct zl_generation *gen = zl_generation_alloc(topo->nr_nodes);

	if (!gen) {
		zl_topology_free(topo);
		return NULL;
	}
	gen->topo = topo;
	atomic64_inc(&zl_gen_allocated);
	if (zl_build_all(gen)) {
		zl_generation_free(gen);
		return NULL;
	}
	return gen;
}

/* Generations ever allocated and freed, for the unload report. */
void zl_generation_counts(s64 *allocated, s64 *freed)
{
	*allocated = atomic64_read(&zl_gen_allocated);
	*freed = atomic64_read(&zl_gen_freed);
}

s64 zl_generations_live(void)
{
	return atomic64_read(&zl_gen_allocated) - atomic64_read(&zl_gen_freed);
}

static void zl_show_zonelist(struct seq_file *m, const char *what, int nid,
			     const struct zl_zonelist *zl)
{
	const struct zl_zoneref *z;

	seq_printf(m, "node %d %s:", nid, what);
	for (z = zl->refs; z < zl->refs + zl->nr; z++)
		seq_printf(m, " %d/%s", z->zone->nid, z->zone->name);
	seq_putc(m, '\n');
}

/**
 * zl_generation_show() - print a built generation (the `zonelists` file).
 * @m:		the seq_file.
 * @gen:	the generation, kept alive by the caller.
 */
void zl_generation_show(struct seq_file *m, const struct zl_generation *gen)
{
	unsigned int i;
	int nid;

	seq_printf(m, "generation %llu\n", gen->seq);
	for_each_node_mask(nid, gen->topo->possible) {
		const struct zl_node_lists *nl = &gen->node[nid];

		seq_printf(m, "node %d order:", nid);
		for (i = 0; i < nl->nr_order; i++)
			seq_printf(m, " %d", nl->order[i]);
		seq_putc(m, '\n');
		zl_show_zonelist(m, "fallback", nid, &nl->fallback);
		zl_show_zonelist(m, "thisnode", nid, &nl->thisnode);
	}
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
