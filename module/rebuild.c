// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab rebuild: how a new generation of zonelists reaches allocations
 * that are walking the old one, in four modes; the write side, and the
 * read side that walks (walk.c) enter and leave.
 *
 * Two pointers matter.  zl_built is the last completely built generation,
 * immutable, the reference every detector compares against.  zl_live is
 * what walks iterate: in `rcu` mode the same generation (published with
 * one pointer swap, the old one freed after a grace period); in the other
 * modes a single live copy that each rebuild rewrites in place, entry by
 * entry, as the kernel rewrites pgdat->node_zonelists:
 *
 *   seqlock       the rewrite runs inside zl_live_seq's write section; a
 *                 walk that failed while the count moved is retried (the
 *                 kernel's zonelist_update_seq, since 2023);
 *   stop_machine  the rewrite runs inside stop_machine() and walks keep
 *                 preemption off, so none can be in the middle of a list
 *                 (the kernel before 2017);
 *   inplace       nothing protects the walks (the 2017 patch alone); the
 *                 rewrite only bumps zl_live_seq, which the detectors read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/stop_machine.h>
#include <linux/workqueue.h>

#include "zonelab.h"
#include "trace.h"

/* Longest delay between two entry writes of an inplace rewrite. */
#define ZL_INPLACE_DELAY_MAX	1000

/*
 * Serialises rebuilds and mode switches: zl_built, zl_live, zl_mode, the
 * live copy's contents and the counters below.  Never
 * taken by walks.  stop_machine() takes cpu_hotplug_lock inside it, so it
 * is never taken with cpu_hotplug_lock held: memory hotplug's notifiers
 * hold that, and they ask for a rebuild through zl_rebuild_work instead.
 */
static DEFINE_MUTEX(zl_rebuild_lock);

static void zl_rebuild_fn(struct work_struct *work);
static DECLARE_WORK(zl_rebuild_work, zl_rebuild_fn);

/* Written under zl_rebuild_lock with rcu_assign_pointer(); read under RCU. */
static struct zl_generation __rcu *zl_built;
static struct zl_generation __rcu *zl_live;

/*
 * The live copy of the in-place modes; allocated at init, freed at exit.
 * Its entries are written under zl_rebuild_lock with WRITE_ONCE() while
 * walks read them with READ_ONCE().
 */
static struct zl_generation *zl_copy;

/*
 * Bumped around every rewrite of the live copy (under zl_rebuild_lock):
 * seqlock-mode walks retry on it, the detectors of the other modes read
 * it to know a rewrite overlapped them.
 */
static seqcount_t zl_live_seq = SEQCNT_ZERO(zl_live_seq);

/* Written under zl_rebuild_lock, read by walks with READ_ONCE(). */
static enum zl_rebuild_mode zl_mode = ZL_REBUILD_RCU;

/* Under zl_rebuild_lock; read locklessly by `stats` (READ_ONCE). */
static u64 zl_next_seq = 1;
static u64 zl_rebuild_ns_last;
static u64 zl_rebuild_ns_max;

/* Microseconds between two entry writes of an inplace rewrite. */
unsigned int zl_inplace_delay_us;

static int zl_inplace_delay_set(const char *val, const struct kernel_param *kp)
{
	/* Read with READ_ONCE() in zl_publish(). */
	return zl_param_set_uint_max(val, kp, ZL_INPLACE_DELAY_MAX);
}

static const struct kernel_param_ops zl_inplace_delay_ops = {
	.set	= zl_inplace_delay_set,
	.get	= param_get_uint,
};

/*
 * Widens the window of the unsafe mode honestly, so that a short test
 * sees what a long-running machine would: only inplace rewrites wait.
 */
module_param_cb(inplace_delay_us, &zl_inplace_delay_ops, &zl_inplace_delay_us,
		0644);
MODULE_PARM_DESC(inplace_delay_us,
		 "Delay in microseconds between two entry writes of an inplace-mode rebuild (0-1000, default 0)");

static const char * const zl_mode_names[ZL_NR_REBUILD_MODES] = {
	[ZL_REBUILD_RCU]		= "rcu",
	[ZL_REBUILD_SEQLOCK]		= "seqlock",
	[ZL_REBUILD_STOP_MACHINE]	= "stop_machine",
	[ZL_REBUILD_INPLACE]		= "inplace",
};

static struct zl_generation *zl_built_locked(void)
{
	return rcu_dereference_protected(zl_built,
					 lockdep_is_held(&zl_rebuild_lock));
}

/* Rewrite one live list in place, entry by entry, as the kernel does. */
static void zl_copy_list(struct zl_zonelist *dst, const struct zl_zonelist *src,
			 unsigned int delay_us)
{
	unsigned int i;

	for (i = 0; i < src->nr; i++) {
		/* Pairs with READ_ONCE() in the walks (walk.c). */
		WRITE_ONCE(dst->refs[i].zone, src->refs[i].zone);
		if (delay_us)
			zl_spin_us(delay_us);
	}
	WRITE_ONCE(dst->refs[src->nr].zone, NULL);
	WRITE_ONCE(dst->nr, src->nr);
}

/*
 * Context: zl_rebuild_lock held by the rebuilding task, which in
 * stop_machine mode is not the task running this (a stopper thread), so
 * lockdep cannot assert it here; zl_publish() does.
 */
static void zl_copy_generation(const struct zl_generation *src,
			       unsigned int delay_us)
{
	unsigned int nid;

	for (nid = 0; nid < src->nr_nodes; nid++) {
		zl_copy_list(&zl_copy->node[nid].fallback,
			     &src->node[nid].fallback, delay_us);
		zl_copy_list(&zl_copy->node[nid].thisnode,
			     &src->node[nid].thisnode, delay_us);
	}
	WRITE_ONCE(zl_copy->seq, src->seq);
}

/* The stop_machine callback: every other CPU spins with interrupts off. */
static int zl_publish_stopped(void *data)
{
	struct zl_generation *gen = data;

	write_seqcount_begin(&zl_live_seq);
	zl_copy_generation(gen, 0);
	rcu_assign_pointer(zl_built, gen);
	write_seqcount_end(&zl_live_seq);
	return 0;
}

/*
 * Make @gen the current generation the way the mode says.  In every mode
 * zl_built changes together with what walks see (inside the write section
 * of the in-place modes), so a walk that no rewrite overlapped saw exactly
 * zl_built.
 */
static void zl_publish(struct zl_generation *gen)
{
	struct zl_generation *old = zl_built_locked();

	lockdep_assert_held(&zl_rebuild_lock);

	gen->seq = zl_next_seq++;
	switch (zl_mode) {
	case ZL_REBUILD_RCU:
		/* Pairs with rcu_dereference() in zl_lists_read_begin(). */
		rcu_assign_pointer(zl_built, gen);
		rcu_assign_pointer(zl_live, gen);
		break;
	case ZL_REBUILD_SEQLOCK:
		/* A plain seqcount's writer must not be preempted. */
		preempt_disable();
		write_seqcount_begin(&zl_live_seq);
		zl_copy_generation(gen, 0);
		rcu_assign_pointer(zl_built, gen);
		write_seqcount_end(&zl_live_seq);
		preempt_enable();
		break;
	case ZL_REBUILD_STOP_MACHINE:
		stop_machine(zl_publish_stopped, gen, NULL);
		break;
	default:
		/*
		 * No protection: the count only tells the detectors, and the
		 * writer may be preempted between entries, as the 2017 patch
		 * without its seqlock would be.
		 */
		raw_write_seqcount_begin(&zl_live_seq);
		zl_copy_generation(gen, READ_ONCE(zl_inplace_delay_us));
		rcu_assign_pointer(zl_built, gen);
		raw_write_seqcount_end(&zl_live_seq);
		break;
	}
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
 * The live topology with what zonelab holds of each real zone, less the
 * zone @hide (a slot, or -1), as if its last block had gone offline.
 */
static struct zl_topology *zl_rebuild_topology(int hide)
{
	struct zl_topology *topo = zl_topology_take();
	int nid, idx;

	if (!topo)
		return NULL;
	for_each_node_mask(nid, topo->possible)
		for (idx = 0; idx < MAX_NR_ZONES; idx++)
			topo->node[nid].zone[idx].zl_pages = zl_zone_pages(nid, idx);
	if (hide >= 0)
		topo->node[hide / MAX_NR_ZONES].zone[hide % MAX_NR_ZONES].zl_pages = 0;
	return topo;
}

/*
 * __zl_rebuild() - rebuild with zl_rebuild_lock held, leaving out the zone
 * @hide (or none, -1).
 * Return: 1 if a generation was published, 0 if nothing had changed and
 * @force was false, or -ENOMEM.
 */
static int __zl_rebuild(bool force, int hide)
{
	struct zl_generation *cur = zl_built_locked(), *gen;
	struct zl_topology *topo;
	u64 start = ktime_get_ns(), ns;

	lockdep_assert_held(&zl_rebuild_lock);

	topo = zl_rebuild_topology(hide);
	if (!topo)
		return -ENOMEM;
	if (!force && cur && zl_topology_same_lists(cur->topo, topo)) {
		zl_topology_free(topo);
		return 0;
	}
	gen = zl_generation_build(topo);
	if (!gen)
		return -ENOMEM;

	zl_publish(gen);
	ns = ktime_get_ns() - start;
	zl_note_rebuild_time(ns);
	zl_count(ZL_STAT_REBUILDS);
	trace_zonelab_rebuild(gen->seq, ns, zl_mode);
	return 1;
}

/**
 * zl_rebuild() - rebuild zonelab's zonelists from the live topology.
 * @force:	publish a new generation even if nothing changed.
 *
 * Context: process context, cpu_hotplug_lock not held (see
 * zl_rebuild_async()).
 * Return: 1 if a generation was published, 0 if none was needed, or a
 * negative errno; on error the previous generation stays in place.
 */
int zl_rebuild(bool force)
{
	int ret;

	mutex_lock(&zl_rebuild_lock);
	ret = __zl_rebuild(force, -1);
	mutex_unlock(&zl_rebuild_lock);
	if (ret < 0)
		zl_count(ZL_STAT_REBUILD_FAILED);
	return ret;
}

static void zl_rebuild_fn(struct work_struct *work)
{
	int ret = zl_rebuild(false);

	/* A hotplug event that changed nothing zonelab's lists depend on. */
	if (!ret)
		zl_count(ZL_STAT_REBUILD_SKIPPED);
	else if (ret < 0)
		pr_err("rebuild after hotplug failed (%d); zonelists are stale\n",
		       ret);
}

/**
 * zl_rebuild_async() - rebuild soon, if anything the lists depend on
 * changed; for callers that hold cpu_hotplug_lock (memory hotplug's
 * notifiers, zonelab's own block hotplug), which must not wait for
 * stop_machine().  Readers of `zonelists` and `stats` wait for it.
 */
void zl_rebuild_async(void)
{
	queue_work(system_unbound_wq, &zl_rebuild_work);
}

/* Wait for a rebuild zl_rebuild_async() asked for. */
void zl_rebuild_flush(void)
{
	flush_work(&zl_rebuild_work);
}

/**
 * zl_rebuild_hiding() - publish a new generation with one zone left out.
 * @slot:	zl_zone_slot_of() of the zone, or -1 to hide none.
 *
 * The rebuild storm (storm.c) alternates between a zone and none, so that
 * every rebuild changes the lists the way an offline of the zone's last
 * block and its return would, without waiting for the block's holders.
 *
 * Return: as zl_rebuild().
 */
int zl_rebuild_hiding(int slot)
{
	int ret;

	mutex_lock(&zl_rebuild_lock);
	ret = __zl_rebuild(true, slot);
	mutex_unlock(&zl_rebuild_lock);
	return ret;
}

enum zl_rebuild_mode zl_rebuild_mode_get(void)
{
	return READ_ONCE(zl_mode);
}

/**
 * zl_rebuild_mode_set() - switch the rebuild mode.
 * @mode:	the new mode.
 *
 * Every switch passes through `rcu`: walks first go back to the immutable
 * generation, a grace period later no walk that saw the old mode is left,
 * and only then do walks of the new mode get the live copy.  A walk thus
 * always treats the lists it walks the way their writer expects.
 *
 * Return: 0, or -EOPNOTSUPP for stop_machine on PREEMPT_RT, whose walks
 * take sleeping locks and so cannot keep preemption off.
 */
int zl_rebuild_mode_set(enum zl_rebuild_mode mode)
{
	struct zl_generation *built;

	if (mode == ZL_REBUILD_STOP_MACHINE && IS_ENABLED(CONFIG_PREEMPT_RT))
		return -EOPNOTSUPP;

	mutex_lock(&zl_rebuild_lock);
	if (mode == zl_mode)
		goto out_unlock;
	built = zl_built_locked();
	if (zl_mode != ZL_REBUILD_RCU) {
		rcu_assign_pointer(zl_live, built);
		synchronize_rcu();
	}
	WRITE_ONCE(zl_mode, mode);
	synchronize_rcu();
	if (mode != ZL_REBUILD_RCU) {
		/* No walk can see the copy now: write it plainly. */
		zl_copy_generation(built, 0);
		rcu_assign_pointer(zl_live, zl_copy);
	}
out_unlock:
	mutex_unlock(&zl_rebuild_lock);
	return 0;
}

/* The mode named @name, or -EINVAL. */
int zl_rebuild_mode_parse(const char *name)
{
	int i = match_string(zl_mode_names, ZL_NR_REBUILD_MODES, name);

	return i < 0 ? -EINVAL : i;
}

const char *zl_rebuild_mode_name(enum zl_rebuild_mode mode)
{
	return zl_mode_names[mode];
}

void zl_rebuild_mode_show(struct seq_file *m)
{
	seq_printf(m, "%s\n", zl_mode_names[zl_rebuild_mode_get()]);
}

/**
 * zl_generation_current() - the last completely built generation.
 *
 * Context: rcu_read_lock() held; the generation is valid until it is
 * dropped.
 * Return: the generation, or NULL before the first one.
 */
const struct zl_generation *zl_generation_current(void)
{
	return rcu_dereference(zl_built);
}

/* The built generation's number, 0 before the first one. */
u64 zl_current_seq(void)
{
	const struct zl_generation *gen;
	u64 seq = 0;

	rcu_read_lock();
	gen = zl_generation_current();
	if (gen)
		seq = gen->seq;
	rcu_read_unlock();
	return seq;
}

/**
 * zl_lists_read_begin() - start reading the lists a walk iterates.
 * @r:	filled with the mode, the lists and what to check them against.
 *
 * Enters an RCU read-side section (and, in stop_machine mode, a
 * non-preemptible one) that zl_lists_read_unlock() leaves.
 */
void zl_lists_read_begin(struct zl_lists_read *r)
	__acquires(RCU)
{
	rcu_read_lock();
	r->mode = READ_ONCE(zl_mode);
	if (r->mode == ZL_REBUILD_STOP_MACHINE)
		preempt_disable();
	if (r->mode == ZL_REBUILD_SEQLOCK)
		r->seq = read_seqcount_begin(&zl_live_seq);
	else
		r->seq = raw_read_seqcount(&zl_live_seq);
	r->live = rcu_dereference(zl_live);
	/* Immutable lists are their own "before"; the copy has zl_built. */
	r->before = r->live && r->live->topo ? r->live :
		    rcu_dereference(zl_built);
	r->after = NULL;
}

/**
 * zl_lists_read_end() - the walk is done with the lists it iterated.
 * @r:	as zl_lists_read_begin() left it; @r->after is set.
 *
 * Return: true if a rewrite of the live copy overlapped the walk.
 */
bool zl_lists_read_end(struct zl_lists_read *r)
{
	r->after = rcu_dereference(zl_built);
	return read_seqcount_retry(&zl_live_seq, r->seq);
}

/**
 * zl_rebuild_init() - build and publish the first generation.
 *
 * Return: 0 or a negative errno, with nothing left allocated.
 */
int zl_rebuild_init(void)
{
	int ret;

	zl_copy = zl_generation_alloc(nr_node_ids);
	if (!zl_copy)
		return -ENOMEM;
	ret = zl_rebuild(true);
	if (ret < 0) {
		zl_generation_free(zl_copy);
		zl_copy = NULL;
		return ret;
	}
	return 0;
}

/**
 * zl_rebuild_exit() - free every generation.
 *
 * Context: the memory notifier, debugfs and every allocating thread are
 * gone, so nothing can rebuild or walk any more.
 */
void zl_rebuild_exit(void)
{
	struct zl_generation *gen;

	cancel_work_sync(&zl_rebuild_work);
	mutex_lock(&zl_rebuild_lock);
	gen = zl_built_locked();
	RCU_INIT_POINTER(zl_built, NULL);
	RCU_INIT_POINTER(zl_live, NULL);
	mutex_unlock(&zl_rebuild_lock);

	if (gen)
		call_rcu(&gen->rcu, zl_generation_free_rcu);
	/* Wait for every pending free before the module text goes away. */
	rcu_barrier();
	zl_generation_free(zl_copy);
	zl_copy = NULL;
}

/**
 * zl_zonelists_show() - print the built generation.
 * @m:	the seq_file of the `zonelists` file.
 */
void zl_zonelists_show(struct seq_file *m)
{
	const struct zl_generation *gen;

	zl_rebuild_flush();
	rcu_read_lock();
	gen = zl_generation_current();
	if (gen)
		zl_generation_show(m, gen);
	rcu_read_unlock();
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
	seq_printf(m, "generations_live %lld\n", zl_generations_live());
}
