/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zonelab: the data model shared by every file of the module.
 *
 * zonelab rebuilds, inside a module, the part of the page allocator that
 * decides where a page comes from on a NUMA machine.  This header holds the
 * structures and the internal API; each .c file owns one concern (see
 * DESIGN.md) and reaches the others only through the functions below.
 */
#ifndef _ZONELAB_H
#define _ZONELAB_H

#include <linux/cpumask.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

struct seq_file;

/**
 * struct zl_topo_zone - what zonelab knows of one real zone.
 * @name:	the kernel's zone name ("DMA", "Normal", ...), static storage.
 * @managed:	pages the buddy allocator manages.
 * @present:	physical pages present; what build_zonerefs_node() tests.
 * @spanned:	pages the zone spans, holes included.
 */
struct zl_topo_zone {
	const char *name;
	unsigned long managed;
	unsigned long present;
	unsigned long spanned;
};

/**
 * struct zl_topo_node - one real node in a topology snapshot.
 * @cpus:	the node's cpumask (cpumask_of_node()) when the snapshot was
 *		taken; points into the snapshot's own storage.
 * @distance:	node_distance(this node, n) for every n < nr_nodes.
 * @zone:	the node's real zones, indexed by enum zone_type.
 */
struct zl_topo_node {
	struct cpumask *cpus;
	int *distance;
	struct zl_topo_zone zone[MAX_NR_ZONES];
};

/**
 * struct zl_topology - a snapshot of the real NUMA topology.
 * @nr_nodes:	nr_node_ids when the snapshot was taken; node ids are below it.
 * @possible:	N_POSSIBLE.
 * @online:	N_ONLINE.
 * @memory:	N_MEMORY.
 * @normal:	N_NORMAL_MEMORY.
 * @cpu:	N_CPU.
 * @node:	@nr_nodes entries, one per node id.
 *
 * A snapshot is filled once by zl_topology_take() and never changes after;
 * it is either private to its taker or owned by one zonelist generation,
 * which frees it.  Everything the node-ordering algorithm reads comes from
 * here, so one rebuild sees one consistent machine even while memory or CPU
 * hotplug changes the real one.
 */
struct zl_topology {
	unsigned int nr_nodes;
	nodemask_t possible;
	nodemask_t online;
	nodemask_t memory;
	nodemask_t normal;
	nodemask_t cpu;
	struct zl_topo_node *node;
};

/**
 * struct zl_zoneref - one entry of a zonelab zonelist.
 * @nid:	the node the zone belongs to.
 * @zone_idx:	its enum zone_type.
 */
struct zl_zoneref {
	int nid;
	int zone_idx;
};

/**
 * struct zl_zonelist - an ordered list of zones, best first.
 * @nr:		number of entries in @refs.
 * @refs:	the zones.
 */
struct zl_zonelist {
	unsigned int nr;
	struct zl_zoneref *refs;
};

/**
 * struct zl_node_lists - the lists built for one node.
 * @nr_order:	number of entries in @order.
 * @order:	the fallback node order, local node first (what the kernel
 *		prints as "Fallback order for Node N").
 * @fallback:	every populated zone of the nodes in @order.
 * @thisnode:	the node's own populated zones (__GFP_THISNODE).
 */
struct zl_node_lists {
	unsigned int nr_order;
	int *order;
	struct zl_zonelist fallback;
	struct zl_zonelist thisnode;
};

/**
 * struct zl_generation - one immutable set of zonelists for every node.
 * @seq:	generation number, 1 for the first one built at load.
 * @topo:	the snapshot the lists were built from; owned and freed with
 *		the generation.
 * @node:	@topo->nr_nodes entries, one per node id; a node that is not
 *		possible has nr_order == 0.
 * @rcu:	frees the generation after a grace period.
 *
 * A generation is built completely before it is published through
 * zl_zonelists (rcu_assign_pointer) and is never written after that, so
 * a reader under rcu_read_lock() sees either the old or the new lists,
 * never a mix, and never waits for a rebuild.
 */
struct zl_generation {
	u64 seq;
	struct zl_topology *topo;
	struct zl_node_lists *node;
	/* private: */
	struct rcu_head rcu;
};

/*
 * The published generation.  Written only by zonelist.c under its rebuild
 * mutex with rcu_assign_pointer(); read under rcu_read_lock() with
 * rcu_dereference() through zl_generation_get().
 */
extern struct zl_generation __rcu *zl_zonelists;

/**
 * zl_generation_get() - the current generation, for a reader.
 *
 * Context: rcu_read_lock() held; the result stays valid until it is dropped.
 */
static inline struct zl_generation *zl_generation_get(void)
{
	/* Pairs with rcu_assign_pointer() in zl_publish(). */
	return rcu_dereference(zl_zonelists);
}

/*
 * Node masks in a snapshot never have a bit at or above nr_nodes (they are
 * copies of node_states[]), so the kernel's for_each_node_mask() walks a
 * snapshot safely.  There are no zl_for_each_*() macros: every for-each
 * macro reuses its arguments, which checkpatch --strict reports.
 */

/*
 * Event counters.  Each is a per-CPU u64 bumped with this_cpu_inc(), which
 * is safe against preemption and interrupts on its own; zl_stat_read() sums
 * them without a lock, so a reader may see a sum a few events old.
 */
enum zl_stat_item {
	ZL_STAT_REBUILDS,
	ZL_STAT_REBUILD_SKIPPED,
	ZL_STAT_REBUILD_FAILED,
	ZL_STAT_MEMORY_EVENTS,
	ZL_NR_STATS,
};

struct zl_stat_cpu {
	u64 v[ZL_NR_STATS];
};

DECLARE_PER_CPU(struct zl_stat_cpu, zl_stat_cpu);

static inline void zl_count(enum zl_stat_item item)
{
	this_cpu_inc(zl_stat_cpu.v[item]);
}

u64 zl_stat_read(enum zl_stat_item item);
void zl_stats_show(struct seq_file *m);

/* topology.c */
struct zl_topology *zl_topology_take(void);
void zl_topology_free(struct zl_topology *topo);
bool zl_topology_same_lists(const struct zl_topology *a,
			    const struct zl_topology *b);
bool zl_topo_zone_populated(const struct zl_topology *topo, int nid,
			    int zone_idx);
void zl_topology_show(struct seq_file *m, const struct zl_topology *topo);

/* zonelist.c */
int zl_zonelist_init(void);
void zl_zonelist_exit(void);
int zl_rebuild(bool force);
int zl_memory_notifier_register(void);
void zl_memory_notifier_unregister(void);
void zl_zonelists_show(struct seq_file *m);
void zl_kernel_zonelists_show(struct seq_file *m);
void zl_rebuild_stats_show(struct seq_file *m);

/* debugfs.c */
void zl_debugfs_init(void);
void zl_debugfs_exit(void);

#endif /* _ZONELAB_H */
