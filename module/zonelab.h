/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zonelab: the data model shared by every file of the module.
 *
 * zonelab rebuilds, inside a module, the part of the page allocator that
 * decides where a page comes from on a NUMA machine.  This header holds the
 * structures and the internal API; each .c file owns one concern and
 * reaches the others only through the functions below.  DESIGN.md, at the
 * top of the repository, maps the files, their layers and the lock order.
 */
#ifndef _ZONELAB_H
#define _ZONELAB_H

#include <linux/cpumask.h>
#include <linux/kref.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/local_lock.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <uapi/linux/mempolicy.h>

struct seq_file;
struct page;
struct zl_ctx;

/* Longest context or region name, NUL included. */
#define ZL_NAME_MAX		32

/* Buddy orders: 0 .. ZL_NR_ORDERS - 1, the kernel's own range (Kbuild). */
#if defined(NR_PAGE_ORDERS)
#define ZL_NR_ORDERS	NR_PAGE_ORDERS
#elif defined(ZL_MAX_ORDER_INCLUSIVE)
#define ZL_NR_ORDERS	(MAX_ORDER + 1)
#else
#define ZL_NR_ORDERS	MAX_ORDER
#endif

/**
 * struct zl_topo_zone - what zonelab knows of one real zone.
 * @name:	the kernel's zone name ("DMA", "Normal", ...), static storage.
 * @managed:	pages the buddy allocator manages.
 * @present:	physical pages present; what build_zonerefs_node() tests.
 * @spanned:	pages the zone spans, holes included.
 * @zl_pages:	pages zonelab holds from this zone (its own zone's size),
 *		filled in by rebuild.c, not by zl_topology_take(): zonelab's
 *		zonelists list a zone only when this is not zero.
 */
struct zl_topo_zone {
	const char *name;
	unsigned long managed;
	unsigned long present;
	unsigned long spanned;
	unsigned long zl_pages;
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

/* Watermarks, as the kernel's enum zone_watermarks. */
enum zl_wmark {
	ZL_WMARK_MIN,
	ZL_WMARK_LOW,
	ZL_WMARK_HIGH,
	ZL_NR_WMARK,
	/* Not a zone's: an OOM victim's reserve, half of min (walk.c). */
	ZL_WMARK_OOM = ZL_NR_WMARK,
};

/**
 * struct zl_free_area - one order's free list of a zonelab zone.
 * @list:	head pages of free 2^order blocks, linked through page->lru.
 * @nr_free:	entries on @list.
 */
struct zl_free_area {
	struct list_head list;
	unsigned long nr_free;
};

/**
 * struct zl_pcp - a CPU's list of order-0 pages in front of one zone.
 * @lock:	makes the owning CPU's accesses exclusive: local_lock disables
 *		preemption (a per-CPU spinlock on PREEMPT_RT, which keeps the
 *		task on the CPU).  No zonelab path allocates or frees from
 *		interrupt context, so interrupts need not be disabled; remote
 *		CPUs never touch the list except for a CPU that is dead.
 * @count:	pages on @list; under @lock, read remotely with READ_ONCE().
 * @list:	the pages, linked through page->lru; under @lock.
 */
struct zl_pcp {
	local_lock_t lock;
	int count;
	struct list_head list;
};

/* A zonelab memory block's state, named as memory blocks are in sysfs. */
enum zl_block_state {
	ZL_BLOCK_ONLINE,
	ZL_BLOCK_GOING_OFFLINE,
	ZL_BLOCK_OFFLINE,
};

/**
 * struct zl_block - one reserved chunk of real pages, the unit of
 * zonelab's memory hotplug.
 * @node:	entry in the zone's @blocks list; under the zone's lock.
 * @zone:	the zone whose pool the block belongs to.
 * @page:	first page; the chunk is 2^zl_block_order naturally aligned
 *		pages, so its pfn >> zl_block_order names it.
 * @id:		that name, the block's key in zone.c's xarray.
 * @state:	written under the zone's lock and zl_hotplug_lock; read
 *		locklessly by `blocks` with READ_ONCE().
 * @isolated:	pages of the block that are free but kept out of the buddy
 *		lists because the block is not online; under the zone's lock.
 * @contig:	the pages came from alloc_contig_range() (taken from newly
 *		onlined memory) and go back with free_contig_range().
 * @by_event:	taken offline by the real memory offline in progress, to be
 *		brought back if it fails; under zl_hotplug_lock.
 * @given:	its pages' references were dropped for a real memory offline
 *		in progress (virtio-mem's protocol for PageOffline pages);
 *		under zl_hotplug_lock.
 * @rcu:	frees the block after a grace period: `blocks` reads blocks
 *		under RCU while hotplug may give them back.
 */
struct zl_block {
	struct list_head node;
	struct zl_zone *zone;
	struct page *page;
	unsigned long id;
	enum zl_block_state state;
	unsigned long isolated;
	bool contig;
	bool by_event;
	bool given;
	/* private: */
	struct rcu_head rcu;
};

/**
 * struct zl_zone - a zonelab zone: the pages zonelab reserved from one
 * real zone of one node, with buddy free lists, watermarks and pcplists.
 * @nid:		node id.
 * @zone_idx:		the real zone's enum zone_type.
 * @name:		the real zone's name.
 * @lock:		protects @free_area and the buddy state kept in the
 *			pages (page->private, page->lru of free pages).
 * @free_area:		free lists per order; under @lock.
 * @free_pages:		pages on @free_area (not in pcplists); written
 *			under @lock, read locklessly by watermark checks.
 * @present:		pages of every block the zone holds, online or not;
 *			written under @lock, read with READ_ONCE().
 * @managed:		pages of its online blocks, which allocations may use
 *			(the kernel's managed pages); as @present.  A zone
 *			with none is not populated and leaves the zonelists.
 * @start_pfn:		lowest pfn of the pool; fixed after init.
 * @end_pfn:		one past the highest pfn of the pool; as @start_pfn.
 * @watermark:		min/low/high; recomputed under zl_hotplug_lock when
 *			a zone's @managed changes, as the kernel does after
 *			online and offline; read through zl_wmark().
 * @lowmem_reserve:	pages kept free for requests whose highest zone is
 *			the index (the kernel's protection array); written
 *			as @watermark, read with READ_ONCE().
 * @pcp_high:		pcp high mark, computed per zone rather than per CPU
 *			(the 2020 change), again when @managed changes, as
 *			zone_pcp_update() does; read with READ_ONCE().
 * @pcp_batch:		pages moved per refill or drain; as @pcp_high.
 * @pcp_disabled:	when non-zero, pcplists are bypassed: allocations
 *			and frees go straight to the buddy lists (hotplug,
 *			and the `pcp` file's disables).
 * @pcp_user_disabled:	how many of @pcp_disabled the `pcp` file holds.
 * @pcp:		the per-CPU lists; allocated at init for every zone
 *			(hotplug may give an empty one pages later) and freed
 *			at exit, after every user is gone, so the fast path
 *			reads it unlocked.
 * @nr_isolating:	blocks of the zone going offline; under @lock.  Only
 *			while it is non-zero does a page freed to the zone
 *			need its block looked up.
 * @blocks:		the zone's blocks; under @lock.
 */
struct zl_zone {
	int nid;
	int zone_idx;
	const char *name;
	spinlock_t lock;		/* see @lock above */
	struct zl_free_area free_area[ZL_NR_ORDERS];
	atomic_long_t free_pages;
	unsigned long present;
	unsigned long managed;
	unsigned long start_pfn;
	unsigned long end_pfn;
	unsigned long watermark[ZL_NR_WMARK];
	long lowmem_reserve[MAX_NR_ZONES];
	int pcp_high;
	int pcp_batch;
	atomic_t pcp_disabled;
	atomic_t pcp_user_disabled;
	struct zl_pcp __percpu *pcp;
	unsigned int nr_isolating;
	struct list_head blocks;
};

/* A watermark of a zone, which hotplug may be recomputing meanwhile. */
static inline unsigned long zl_wmark(const struct zl_zone *zone,
				     enum zl_wmark w)
{
	/* Pairs with WRITE_ONCE() in zl_zone_set_wmarks(). */
	return READ_ONCE(zone->watermark[w]);
}

/**
 * struct zl_zoneref - one entry of a zonelab zonelist.
 * @zone:	the zonelab zone (zones outlive every list), or NULL after
 *		the last entry.  Written with WRITE_ONCE() and read with
 *		READ_ONCE(): the live lists of the in-place rebuild modes
 *		are rewritten while walks read them.
 */
struct zl_zoneref {
	struct zl_zone *zone;
};

/**
 * struct zl_zonelist - an ordered list of zones, best first.
 * @nr:		entries before the terminating NULL zone.
 * @refs:	the zones, then NULL.  There is room for every zone of
 *		every node plus a last NULL that is never written, so a
 *		walk of a list rewritten under it still ends.
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
 * struct zl_generation - zonelists for every node.
 * @seq:	generation number, 1 for the first one built at load.
 * @nr_nodes:	entries in @node; node ids are below it.
 * @topo:	the snapshot the lists were built from, owned and freed with
 *		the generation; NULL for the in-place modes' live copy.
 * @node:	one entry per node id; a node that is not possible has
 *		nr_order == 0 and empty lists.
 * @rcu:	frees the generation after a grace period.
 *
 * A built generation is complete before it is published and is never
 * written after that.  The one exception is rebuild.c's live copy,
 * which the seqlock, stop_machine and inplace modes rewrite in place.
 */
struct zl_generation {
	u64 seq;
	unsigned int nr_nodes;
	struct zl_topology *topo;
	struct zl_node_lists *node;
	/* private: */
	struct rcu_head rcu;
};

/* How zonelab rebuilds its zonelists: see DESIGN.md and rebuild.c. */
enum zl_rebuild_mode {
	ZL_REBUILD_RCU,
	ZL_REBUILD_SEQLOCK,
	ZL_REBUILD_STOP_MACHINE,
	ZL_REBUILD_INPLACE,
	ZL_NR_REBUILD_MODES,
};

/**
 * struct zl_lists_read - what one walk read of the published lists
 * (zl_lists_read_begin() fills it, zl_lists_read_end() completes it).
 * @mode:	the rebuild mode when the walk began.
 * @seq:	the live copy's sequence count when it began.
 * @live:	the lists walked.
 * @before:	the last completely built generation when the walk began.
 * @after:	the same when it ended.
 */
struct zl_lists_read {
	enum zl_rebuild_mode mode;
	unsigned int seq;
	const struct zl_generation *live;
	const struct zl_generation *before;
	const struct zl_generation *after;
};

/*
 * Leave what zl_lists_read_begin() entered, once the walk and its
 * detectors are done with the lists.
 */
static inline void zl_lists_read_unlock(const struct zl_lists_read *r)
	__releases(RCU)
{
	if (r->mode == ZL_REBUILD_STOP_MACHINE)
		preempt_enable();
	rcu_read_unlock();
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
	ZL_STAT_ALLOC_SUCCESS,
	ZL_STAT_ALLOC_FAIL,
	ZL_STAT_PCP_HIT,
	ZL_STAT_PCP_MISS,
	ZL_STAT_ZONE_LOCK,
	ZL_STAT_PAGES_RESERVED,
	ZL_STAT_PAGES_RETURNED,
	ZL_STAT_ZONELIST_RETRY,
	ZL_STAT_DOUBLE_VISIT,
	ZL_STAT_MISSED_ZONE,
	ZL_STAT_PREMATURE_OOM,
	ZL_STAT_BLOCKS_OFFLINED,
	ZL_STAT_BLOCKS_ONLINED,
	ZL_STAT_OFFLINE_BUSY,
	ZL_STAT_OFFLINE_PCP_PAGE,
	ZL_STAT_HOTPLUG_VETO,
	ZL_STAT_POLICY_VIOLATION,
	ZL_STAT_OOM_KILLS,
	ZL_STAT_OOM_RESERVE_ALLOCS,
	ZL_STAT_OOM_REAPED,
	ZL_STAT_OOM_PENDING,
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

/* stats.c */
u64 zl_stat_read(enum zl_stat_item item);
void zl_count_add(enum zl_stat_item item, u64 n);
void zl_stats_show(struct seq_file *m);

/* topology.c */
struct zl_topology *zl_topology_take(void);
unsigned long zl_node_free_pages(int nid);
u8 zl_node_il_weight(int nid);
void zl_topology_free(struct zl_topology *topo);
bool zl_topology_same_lists(const struct zl_topology *a,
			    const struct zl_topology *b);
bool zl_topo_zone_populated(const struct zl_topology *topo, int nid,
			    int zone_idx);
void zl_topology_show(struct seq_file *m, const struct zl_topology *topo);
void zl_topology_show_numactl(struct seq_file *m, const struct zl_topology *topo);

/* zonelist.c */
struct zl_generation *zl_generation_alloc(unsigned int nr);
struct zl_generation *zl_generation_build(struct zl_topology *topo);
void zl_generation_free(struct zl_generation *gen);
void zl_generation_free_rcu(struct rcu_head *head);
void zl_generation_show(struct seq_file *m, const struct zl_generation *gen);
void zl_generation_counts(s64 *allocated, s64 *freed);
s64 zl_generations_live(void);
void zl_kernel_zonelists_show(struct seq_file *m);

/*
 * The setter of a writable unsigned int parameter with a cap: -ERANGE
 * past @max, so a bad value leaves the old one in force.  Readers pair
 * with the WRITE_ONCE() through READ_ONCE().
 */
static inline int zl_param_set_uint_max(const char *val,
					const struct kernel_param *kp,
					unsigned int max)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	if (v > max)
		return -ERANGE;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

/*
 * Spin for @us microseconds of clocksource time: walk_delay_us and
 * inplace_delay_us widen races by wall time.  udelay() counts TSC cycles
 * or calibrated loops instead, and a TCG guest whose vCPUs' TSCs are
 * unsynchronised got 100 10 ms walk delays in 0.12 s on one boot and in
 * 0.9 s on the next.  Any context but NMI.
 */
static inline void zl_spin_us(unsigned int us)
{
	u64 end = ktime_get_ns() + (u64)us * NSEC_PER_USEC;

	while (ktime_get_ns() < end)
		cpu_relax();
}

/* rebuild.c */
extern unsigned int zl_inplace_delay_us;
int zl_rebuild_init(void);
void zl_rebuild_exit(void);
int zl_rebuild(bool force);
void zl_rebuild_async(void);
void zl_rebuild_flush(void);
int zl_rebuild_hiding(int slot);
enum zl_rebuild_mode zl_rebuild_mode_get(void);
int zl_rebuild_mode_set(enum zl_rebuild_mode mode);
int zl_rebuild_mode_parse(const char *name);
const char *zl_rebuild_mode_name(enum zl_rebuild_mode mode);
void zl_rebuild_mode_show(struct seq_file *m);
const struct zl_generation *zl_generation_current(void);
u64 zl_current_seq(void);
void zl_lists_read_begin(struct zl_lists_read *r) __acquires(RCU);
bool zl_lists_read_end(struct zl_lists_read *r);
void zl_zonelists_show(struct seq_file *m);
void zl_rebuild_stats_show(struct seq_file *m);

/* walk.c */
struct zl_alloc_req;
struct page *zl_walk_try(unsigned int order, const struct zl_alloc_req *req,
			 int nid, enum zl_wmark wmark, bool last);
void zl_mems_premature_check(const nodemask_t *used, const nodemask_t *now,
			     unsigned int order);

/* zone.c */
extern unsigned int zl_block_order;
extern struct mutex zl_hotplug_lock;
int zl_zones_init(unsigned long pages_per_node, unsigned int reserve_percent,
		  unsigned long min_free_kbytes);
void zl_zones_exit(void);
int zl_zone_slot_of(const struct zl_zone *zone);
struct zl_block *zl_block_get(unsigned long id);
struct zl_block *zl_block_find(unsigned long *id);
struct zl_block *zl_page_block(struct page *page);
int zl_block_add(struct page *page, bool contig);
void zl_block_release(struct zl_block *block);
void zl_zones_recompute(void);
void zl_block_isolate(struct zl_block *block);
void zl_block_unisolate(struct zl_block *block);
bool zl_block_isolated_all(struct zl_block *block);
void zl_block_set_offline(struct zl_block *block);
void zl_block_set_online(struct zl_block *block);
void zl_block_give(struct zl_block *block, bool give);
void zl_block_forget(struct zl_block *block);
extern struct wait_queue_head zl_block_wq;
extern atomic_t zl_nr_blocks_offline;
/* Zone slots: every (node, zone index) pair, populated or not. */
#define ZL_NR_ZONE_SLOTS	(nr_node_ids * MAX_NR_ZONES)
struct zl_zone *zl_zone_slot(int slot);
struct zl_zone *zl_zone_get(int nid, int zone_idx);
unsigned long zl_pool_pages(const nodemask_t *nodes);
struct zl_zone *zl_page_zone(struct page *page);
unsigned long zl_zone_pages(int nid, int zone_idx);
bool zl_zone_watermark_ok(struct zl_zone *zone, unsigned int order,
			  unsigned long mark, int highest_zoneidx);
struct page *__zl_buddy_alloc(struct zl_zone *zone, unsigned int order);
struct page *zl_buddy_alloc(struct zl_zone *zone, unsigned int order);
void __zl_buddy_free(struct zl_zone *zone, struct page *page,
		     unsigned int order);
void zl_buddy_free(struct zl_zone *zone, struct page *page,
		   unsigned int order);
void zl_zone_show(struct seq_file *m, struct zl_zone *zone);
void zl_buddy_show(struct seq_file *m);

/* pcp.c */
int zl_pcp_init(void);
void zl_pcp_exit(void);
struct page *zl_pcp_alloc(struct zl_zone *zone);
void zl_pcp_free(struct zl_zone *zone, struct page *page);
void zl_pcp_drain_local(void);
void zl_pcp_drain_all(void);
void zl_pcp_drain_all_cpuslocked(void);
void zl_pcp_disable_cpuslocked(struct zl_zone *zone);
void zl_pcp_enable(struct zl_zone *zone);
void zl_pcp_user_disable(struct zl_zone *zone);
int zl_pcp_user_enable(struct zl_zone *zone);
struct page *zl_rmqueue(struct zl_zone *zone, unsigned int order);
void zl_pcp_show(struct seq_file *m, struct zl_zone *zone);

/* oom.c */
#define ZL_OOM_ADJ_MIN		(-1000)	/* never chosen */
#define ZL_OOM_ADJ_MAX		1000

/**
 * struct zl_owner - an OOM candidate: what zonelab's OOM picks victims
 * among and charges pages to.  An alloc file's holder, the stress workers,
 * or a context with every alloc file and worker that allocates under it.
 * @node:	entry in oom.c's list; under zl_oom_lock.
 * @id:		a number for `oom` and the tracepoints.
 * @kind:	"file", "stress" or "ctx".
 * @name:	which one.
 * @node_pages:	pages held per node (nr_node_ids entries).
 * @pages:	pages held in all.
 * @reaped:	pages the reaper (or the owner, on seeing its mark) freed.
 * @oom_score_adj: -1000 .. 1000, as the task's; -1000 exempts the owner.
 *		Written with WRITE_ONCE().
 * @victim:	the owner-wide victim mark; set and cleared under
 *		zl_oom_lock, read with READ_ONCE() by allocations and workers.
 * @kills:	times it was chosen; under zl_oom_lock.
 * @oom_skip:	MMF_OOM_SKIP: the reaper gave up on this victim, which no
 *		longer stops a new choice; set under zl_oom_lock, cleared
 *		with @reap_tries when the victim is gone.
 * @reap_tries:	the reaper's passes over this victim; under zl_oom_lock.
 * @reap:	frees the owner's pages (with @trylock, gives up while they
 *		are busy), or NULL when its users free them on seeing
 *		@victim (stress workers) or its members hold them.
 * @members_lock: protects @members.
 * @members:	owners whose pages are charged to this one (a context's
 *		alloc files), reaped with it.
 * @member_node: entry in another owner's @members; under its lock.
 */
struct zl_owner {
	struct list_head node;
	unsigned int id;
	const char *kind;
	char name[ZL_NAME_MAX];
	atomic_long_t *node_pages;
	atomic_long_t pages;
	atomic_long_t reaped;
	int oom_score_adj;
	bool victim;
	unsigned int kills;
	bool oom_skip;
	unsigned int reap_tries;
	void (*reap)(struct zl_owner *o, bool trylock);
	struct mutex members_lock;	/* see @members_lock above */
	struct list_head members;
	struct list_head member_node;
};

int zl_owner_init(struct zl_owner *o, const char *kind, const char *name,
		  void (*reap)(struct zl_owner *o, bool trylock));
void zl_owner_add_member(struct zl_owner *o, struct zl_owner *member);
void zl_owner_del_member(struct zl_owner *o, struct zl_owner *member);
void zl_owner_register(struct zl_owner *o);
void zl_owner_unregister(struct zl_owner *o);
void zl_owner_destroy(struct zl_owner *o);
void zl_owner_charge(struct zl_owner *o, struct page *page, unsigned int order,
		     bool alloc);
void zl_owner_reaped(struct zl_owner *o, unsigned long pages);
bool zl_oom_kill(const struct zl_alloc_req *req);
bool zl_oom_reserve_allowed(const struct zl_owner *o);
int zl_oom_set_disabled(bool disable);
void zl_oom_disabled_show(struct seq_file *m);
void zl_oom_show(struct seq_file *m);
void zl_oom_exit(void);

/* alloc.c */
#define ZL_ALLOC_THISNODE	0x1	/* never fall back to another node */
#define ZL_ALLOC_NOSLOW		0x2	/* no drain, no last try: a first try */

/**
 * struct zl_alloc_req - where an allocation may take pages from.
 * @nid:	the node whose zonelist it walks, or NUMA_NO_NODE for the
 *		running CPU's.
 * @mask:	the nodes it may use, or NULL for every node.
 * @flags:	ZL_ALLOC_*.
 * @mems_seq:	the sequence count of the mems_allowed @mask was computed
 *		from, or NULL; while it moves, a failure is not the last.
 * @mems_cookie: its value then.
 * @owner:	who the pages are for: it may be chosen as OOM victim, and
 *		as a victim its allocations may use the OOM reserve; or NULL.
 */
struct zl_alloc_req {
	int nid;
	const nodemask_t *mask;
	unsigned int flags;
	seqcount_spinlock_t *mems_seq;
	unsigned int mems_cookie;
	struct zl_owner *owner;
};

extern unsigned int zl_mems_retry;
struct page *zl_alloc_req(unsigned int order, const struct zl_alloc_req *req);
struct page *zl_alloc_pages(unsigned int order, int nid, unsigned int flags);
void zl_free_pages(struct page *page, unsigned int order);

/* hotplug.c */
/* Longest wait for a block's holders (`hotplug`, offline_timeout_ms). */
#define ZL_OFFLINE_TIMEOUT_MAX_MS	60000
/* Most pages online_reserve_pages may take from one onlined range. */
#define ZL_ONLINE_RESERVE_MAX		BIT(20)
extern unsigned int zl_offline_timeout_ms;
extern unsigned long zl_online_reserve_pages;
int zl_hotplug_init(void);
void zl_hotplug_exit(void);
int zl_hotplug_offline(unsigned long id, unsigned int timeout_ms);
int zl_hotplug_online(unsigned long id);
void zl_blocks_show(struct seq_file *m);

/*
 * policy.c.  The kernel's mode numbers, so that a task's own policy
 * (cpuset.c) reads as one of these; weighted interleave is 6.9's next.
 */
enum zl_mpol_mode {
	ZL_MPOL_DEFAULT = MPOL_DEFAULT,
	ZL_MPOL_PREFERRED = MPOL_PREFERRED,
	ZL_MPOL_BIND = MPOL_BIND,
	ZL_MPOL_INTERLEAVE = MPOL_INTERLEAVE,
	ZL_MPOL_LOCAL = MPOL_LOCAL,
	ZL_MPOL_PREFERRED_MANY = MPOL_PREFERRED_MANY,
	ZL_MPOL_WEIGHTED_INTERLEAVE,
	ZL_NR_MPOL,
};

#define ZL_MPOL_F_STATIC	0x1	/* MPOL_F_STATIC_NODES */
#define ZL_MPOL_F_RELATIVE	0x2	/* MPOL_F_RELATIVE_NODES */
#define ZL_MPOL_F_SHARED	0x4	/* a region's: lookups take a reference */

/* Longest policy string: mode, flags and a nodelist. */
#define ZL_MPOL_STR_MAX		256
#define ZL_MAX_REGIONS		64
#define ZL_REGION_MAX_PAGES	BIT(30)
/* Ranges with a policy in one region: lookups walk them under a spinlock. */
#define ZL_REGION_MAX_RANGES	256

/**
 * struct zl_mempolicy - a memory policy, immutable once published.
 * @ref:	references: its owner (a context or a region range) and
 *		every allocation that uses it.  The last put frees it after
 *		a grace period, since readers find it under RCU first.
 * @mode:	enum zl_mpol_mode.
 * @flags:	ZL_MPOL_F_*.
 * @nodes:	the effective nodes (pol->nodes).
 * @user_nodes:	the nodes as given (w.user_nodemask), for static and
 *		relative rebinding.
 * @mems:	the cpuset mems it was made for (w.cpuset_mems_allowed), for
 *		the default remap.
 * @rcu:	frees it.
 */
struct zl_mempolicy {
	refcount_t ref;
	unsigned short mode;
	unsigned short flags;
	nodemask_t nodes;
	nodemask_t user_nodes;
	nodemask_t mems;
	/* private: */
	struct rcu_head rcu;
};

/**
 * struct zl_il - an owner's interleave state (task->il_prev, il_weight).
 * @lock:	protects @cur and @left.
 * @cur:	the node of the last interleaved page.
 * @left:	pages @cur may still take before the next node's turn
 *		(weighted interleave).
 * @weights:	per-node weights (nr_node_ids entries, 1 .. 255), written
 *		with WRITE_ONCE() by the `weights` file.
 */
struct zl_il {
	spinlock_t lock;		/* see @lock above */
	int cur;
	int left;
	u8 *weights;
};

/**
 * struct zl_sp_range - a range of a region with its own policy.
 * @node:	entry in the region's @ranges, sorted; under its lock.
 * @start:	first page.
 * @end:	one past the last page.
 * @pol:	the policy; the range holds a reference.
 */
struct zl_sp_range {
	struct list_head node;
	unsigned long start;
	unsigned long end;
	struct zl_mempolicy *pol;
};

/**
 * struct zl_region - a shared object with a range -> policy map, as a
 * shmem file has (struct shared_policy).
 * @node:	entry in policy.c's list of regions.
 * @name:	its name.
 * @pages:	its size.
 * @lock:	protects @ranges (sp->lock).
 * @ranges:	the ranges that have a policy; the rest is default.
 */
struct zl_region {
	struct list_head node;
	char name[ZL_NAME_MAX];
	unsigned long pages;
	spinlock_t lock;		/* see @lock above */
	struct list_head ranges;
};

long zl_policies_live_count(void);
bool zl_mpol_tryget(struct zl_mempolicy *pol);
void zl_mpol_get(struct zl_mempolicy *pol);
void zl_mpol_put(struct zl_mempolicy *pol);
void zl_mpol_cond_put(struct zl_mempolicy *pol);
struct zl_mempolicy *zl_mpol_parse(char *str, const nodemask_t *mems);
void zl_mpol_format(char *buf, size_t size, const struct zl_mempolicy *pol);
struct zl_mempolicy *zl_mpol_rebind(const struct zl_mempolicy *old,
				    const nodemask_t *mems);
struct zl_mempolicy *zl_mpol_default(void);
int zl_mpol_target(const struct zl_mempolicy *pol, const nodemask_t *mems,
		   struct zl_il *il, long ilx, nodemask_t *mask,
		   nodemask_t *first);
int zl_il_next(struct zl_il *il, const struct zl_mempolicy *pol);
int zl_region_create(const char *name, unsigned long pages);
int zl_region_set(const char *name, unsigned long start, unsigned long end,
		  struct zl_mempolicy *pol);
int zl_region_check(const char *name, unsigned long offset,
		    unsigned long count);
int zl_region_lookup(const char *name, unsigned long offset,
		     struct zl_mempolicy **pol);
int zl_region_destroy(const char *name);
void zl_regions_show(struct seq_file *m);
void zl_regions_exit(void);

/* cpuset.c */
/**
 * struct zl_ctx - a zonelab context: what a task is to the allocator, its
 * cpuset's mems_allowed and its mempolicy.
 * @node:	entry in cpuset.c's list; under zl_ctx_lock.
 * @name:	its name, also its debugfs directory's.
 * @ref:	the list's reference and one per user (alloc files, stress
 *		workers); a context in use cannot be destroyed.
 * @lock:	serialises updates of @mems_allowed and @policy (the
 *		task's alloc_lock).
 * @mems_seq:	write section around @mems_allowed updates
 *		(task->mems_allowed_seq); allocations retry on it.
 * @mems_allowed: under @mems_seq.
 * @policy:	RCU-published; replaced whole under @lock, never written.
 * @il:		interleave state.
 * @owner:	the OOM owner its users' pages are charged to; its
 *		node_pages are the `numa` file, its members the alloc
 *		files bound to it.
 * @allocs:	allocations made under it.
 * @fails:	allocations that failed.
 * @retries:	allocations retried because mems_allowed changed.
 * @rebinds:	policies rebound by a mems update.
 */
struct zl_ctx {
	struct list_head node;
	char name[ZL_NAME_MAX];
	struct kref ref;
	spinlock_t lock;		/* see @lock above */
	seqcount_spinlock_t mems_seq;
	nodemask_t mems_allowed;
	struct zl_mempolicy __rcu *policy;
	struct zl_il il;
	struct zl_owner owner;
	atomic64_t allocs;
	atomic64_t fails;
	atomic64_t retries;
	atomic64_t rebinds;
};

struct zl_ctx *zl_ctx_create(const char *name);
struct zl_ctx *zl_ctx_unlink(const char *name);
struct zl_ctx *zl_ctx_find(const char *name);
void zl_ctx_put(struct zl_ctx *ctx);
int zl_ctx_set_mems(struct zl_ctx *ctx, const nodemask_t *mems);
int zl_ctx_set_policy(struct zl_ctx *ctx, const char *str);
struct page *zl_ctx_alloc(struct zl_ctx *ctx, const struct zl_mempolicy *pol,
			  long ilx, unsigned int order, unsigned int flags);
struct page *zl_task_alloc(const struct zl_mempolicy *pol, long ilx,
			   unsigned int order, int nid, unsigned int flags,
			   struct zl_owner *owner);
int zl_ctx_set_oom_score_adj(struct zl_ctx *ctx, int adj);
void zl_ctx_show_oom_score_adj(struct seq_file *m, struct zl_ctx *ctx);
void zl_contexts_show(struct seq_file *m);
void zl_ctx_show_mems(struct seq_file *m, struct zl_ctx *ctx);
void zl_ctx_show_policy(struct seq_file *m, struct zl_ctx *ctx);
void zl_ctx_show_numa(struct seq_file *m, struct zl_ctx *ctx);
void zl_ctx_show_stats(struct seq_file *m, struct zl_ctx *ctx);
void zl_ctx_show_weights(struct seq_file *m, struct zl_ctx *ctx);
int zl_ctx_set_weight(struct zl_ctx *ctx, unsigned int nid, unsigned int w);
void zl_contexts_exit(void);

/* holder.c */
/* Open `alloc` files at once (EMFILE past it). */
#define ZL_MAX_ALLOC_FILES	1024

/**
 * struct zl_holder - the pages one open `alloc` file holds, counted per
 * node and freed all at once.
 * @lock:	serialises the owner's commands.
 * @pages:	held blocks, linked through page->lru of their first page,
 *		whose page->private holds the order; under @lock.
 * @nr_pages:	pages held; under @lock.
 * @node_pages:	pages held per node (nr_node_ids entries); under @lock.
 * @ctx:	the context it allocates under, with a reference, or NULL
 *		for the calling task's cpuset; set once, under @lock.
 * @owner:	the holder as an OOM owner while it is not bound to a
 *		context; once bound, a member of the context's owner, to
 *		which its pages are charged.
 * @reaped:	pages the OOM reaper took; under @lock.
 * @reap_pending: the next write fails with -ENOMEM; under @lock.
 */
struct zl_holder {
	struct mutex lock;		/* see @lock above */
	struct list_head pages;
	unsigned long nr_pages;
	unsigned long *node_pages;
	struct zl_ctx *ctx;
	struct zl_owner owner;
	unsigned long reaped;
	bool reap_pending;
};

/**
 * struct zl_holder_req - one `alloc` command.
 * @count:	allocations.
 * @order:	order of each.
 * @nid:	preferred node, or NUMA_NO_NODE.
 * @flags:	ZL_ALLOC_* flags.
 * @ctx:	a context to bind the holder to (the caller's reference is
 *		taken over when it binds), or NULL.
 * @region:	a region whose policy at @offset + i the i-th allocation
 *		uses, or "" for none.
 * @offset:	the first page offset in @region.
 */
struct zl_holder_req {
	unsigned long count;
	unsigned int order;
	int nid;
	unsigned int flags;
	struct zl_ctx *ctx;
	char region[ZL_NAME_MAX];
	unsigned long offset;
};

struct zl_holder *zl_holder_create(const char *name);
void zl_holder_destroy(struct zl_holder *h);
int zl_holder_set_oom_score_adj(struct zl_holder *h, int adj);
long zl_holder_alloc(struct zl_holder *h, struct zl_holder_req *req);
unsigned long zl_holder_free(struct zl_holder *h, unsigned long count);
size_t zl_holder_text_size(void);
size_t zl_holder_format(struct zl_holder *h, char *buf, size_t size);

/* stress.c */
/**
 * struct zl_stress_args - what `stress start` asks for.
 * @threads:	workers; 0 means one per CPU of @cpus.
 * @order_max:	highest order allocated.
 * @hold:	blocks each worker holds before it frees the oldest.
 * @nid:	preferred node, or NUMA_NO_NODE for the worker's own.
 * @cpus:	CPUs the workers are bound to, round-robin; NULL for every
 *		online CPU.
 * @ctx:	a context the workers allocate under (its policy and mems;
 *		@nid is then unused), with a reference that stress takes
 *		over on success, or NULL.
 * @oom_score_adj: the workers' as OOM owner, without @ctx.
 */
struct zl_stress_args {
	unsigned int threads;
	unsigned int order_max;
	unsigned int hold;
	int nid;
	const struct cpumask *cpus;
	struct zl_ctx *ctx;
	int oom_score_adj;
};

int zl_stress_init(void);
void zl_stress_exit(void);
int zl_stress_start(struct zl_stress_args *args);
void zl_stress_stop(void);
void zl_stress_show(struct seq_file *m);

/* storm.c */
int zl_storm_start(unsigned int cpu, int slot);
void zl_storm_stop(void);
void zl_storm_show(struct seq_file *m);
void zl_storm_counts(u64 *rebuilds, u64 *ns);

/* bench.c */
int zl_bench_run(unsigned long iterations);
void zl_bench_show(struct seq_file *m);
int zl_bench_rebuild_run(unsigned int ms);
void zl_bench_rebuild_show(struct seq_file *m);

/* debugfs.c */
void zl_debugfs_init(void);
void zl_debugfs_exit(void);

#endif /* _ZONELAB_H */
