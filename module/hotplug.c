// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab hotplug: zonelab's memory blocks going offline and online, by
 * injection from debugfs and by following the kernel's own memory hotplug.
 *
 * Taking a block offline is offline_pages() in small: disable the zone's
 * pcplists so that frees go straight to the zone (the 2020 fix: a page
 * freed into a pcplist would escape isolation), drain every CPU, isolate
 * the block so nothing allocates from it, then wait for its holders to
 * free what they hold.  Past the timeout the isolation is undone and the
 * block stays online and usable.
 *
 * After MEM_ONLINE zonelab may take pages from the new memory
 * (online_reserve_pages, alloc_contig_range()); they are PageOffline, as
 * virtio-mem's are.  When the kernel offlines a range that holds such
 * blocks, zonelab takes them offline in MEM_GOING_OFFLINE and drops its
 * references to their pages, which lets the kernel's offline take them
 * (the protocol page-flags.h describes for PageOffline pages), or vetoes
 * the offline when they stay held.  MEM_CANCEL_OFFLINE takes the
 * references back and brings the blocks online; MEM_OFFLINE forgets them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "zonelab.h"
#include "trace.h"

/**
 * struct zl_take - a range of real memory to take blocks from.
 * @node:	entry in zl_take_list.
 * @start_pfn:	first pfn.
 * @nr_pages:	pages in the range.
 * @budget:	pages to take at most.
 */
struct zl_take {
	struct list_head node;
	unsigned long start_pfn;
	unsigned long nr_pages;
	unsigned long budget;
};

/*
 * Ranges of newly onlined memory to take pages from, outside the hotplug
 * notifier's context.  Under zl_take_lock; zl_take_work empties it.
 */
static DEFINE_SPINLOCK(zl_take_lock);
static LIST_HEAD(zl_take_list);
static void zl_take_fn(struct work_struct *work);
static DECLARE_WORK(zl_take_work, zl_take_fn);

/*
 * The wait holds cpus_read_lock() and zl_hotplug_lock, so CPU hotplug and
 * the kernel's own memory hotplug wait with it: bounded, for them.
 */
unsigned int zl_offline_timeout_ms = 2000;

static int zl_offline_timeout_set(const char *val,
				  const struct kernel_param *kp)
{
	/* Read with READ_ONCE() in the offline paths. */
	return zl_param_set_uint_max(val, kp, ZL_OFFLINE_TIMEOUT_MAX_MS);
}

static const struct kernel_param_ops zl_offline_timeout_ops = {
	.set	= zl_offline_timeout_set,
	.get	= param_get_uint,
};

module_param_cb(offline_timeout_ms, &zl_offline_timeout_ops,
		&zl_offline_timeout_ms, 0644);
MODULE_PARM_DESC(offline_timeout_ms,
		 "How long taking a block offline waits for its holders, in ms (default 2000, at most 60000)");

unsigned long zl_online_reserve_pages;

static int zl_online_reserve_set(const char *val,
				 const struct kernel_param *kp)
{
	unsigned long pages;
	int ret = kstrtoul(val, 0, &pages);

	if (ret)
		return ret;
	if (pages > ZL_ONLINE_RESERVE_MAX)
		return -ERANGE;
	WRITE_ONCE(zl_online_reserve_pages, pages);
	return 0;
}

static const struct kernel_param_ops zl_online_reserve_ops = {
	.set	= zl_online_reserve_set,
	.get	= param_get_ulong,
};

module_param_cb(online_reserve_pages, &zl_online_reserve_ops,
		&zl_online_reserve_pages, 0644);
MODULE_PARM_DESC(online_reserve_pages,
		 "Pages to reserve from memory the kernel onlines into a non-movable zone (default 0: none; at most 1048576)");

static void zl_block_trace(struct zl_block *block)
{
	trace_zonelab_block(block->id, block->zone->nid, block->zone->zone_idx,
			    READ_ONCE(block->state));
}

/*
 * Take an online block offline, or fail and leave it online.
 * Return: 0, -EINVAL if it is not online, -EBUSY if its pages stayed
 * held past @timeout, -EINTR if a signal came first.
 */
static int zl_block_offline_locked(struct zl_block *block,
				   unsigned long timeout)
{
	struct zl_zone *zone = block->zone;
	long left;

	lockdep_assert_held(&zl_hotplug_lock);

	if (block->state != ZL_BLOCK_ONLINE)
		return -EINVAL;

	zl_pcp_disable_cpuslocked(zone);
	zl_block_isolate(block);
	zl_block_trace(block);
	left = wait_event_interruptible_timeout(zl_block_wq,
						zl_block_isolated_all(block),
						timeout);
	if (left <= 0 && !zl_block_isolated_all(block)) {
		zl_block_unisolate(block);
		zl_pcp_enable(zone);
		zl_count(ZL_STAT_OFFLINE_BUSY);
		zl_block_trace(block);
		return left < 0 ? -EINTR : -EBUSY;
	}
	zl_block_set_offline(block);
	zl_pcp_enable(zone);
	zl_zones_recompute();
	zl_count(ZL_STAT_BLOCKS_OFFLINED);
	zl_block_trace(block);
	return 0;
}

static int zl_block_online_locked(struct zl_block *block,
				  unsigned long unused)
{
	lockdep_assert_held(&zl_hotplug_lock);

	if (block->state != ZL_BLOCK_OFFLINE)
		return -EINVAL;
	zl_block_set_online(block);
	zl_zones_recompute();
	zl_count(ZL_STAT_BLOCKS_ONLINED);
	zl_block_trace(block);
	return 0;
}

/*
 * Run @op on block @id with CPU hotplug held off and zl_hotplug_lock
 * held, the order memory hotplug's notifiers take them in; rebuild if it
 * changed a block.  -ENOENT if there is no such block.
 */
static int zl_hotplug_op(unsigned long id, unsigned long timeout,
			 int (*op)(struct zl_block *block,
				   unsigned long timeout))
{
	struct zl_block *block;
	int ret = -ENOENT;

	cpus_read_lock();
	mutex_lock(&zl_hotplug_lock);
	block = zl_block_get(id);
	/* A given block's pages are the kernel's until its offline ends. */
	if (block)
		ret = block->given ? -EBUSY : op(block, timeout);
	if (!ret)
		zl_rebuild_async();
	mutex_unlock(&zl_hotplug_lock);
	cpus_read_unlock();
	return ret;
}

/**
 * zl_hotplug_offline() - take block @id offline (the `hotplug` file).
 * @id:		the block.
 * @timeout_ms:	how long to wait for its holders.
 *
 * Return: 0, -ENOENT if there is no such block, -EBUSY while a kernel
 * offline holds it, or as zl_block_offline_locked().
 */
int zl_hotplug_offline(unsigned long id, unsigned int timeout_ms)
{
	return zl_hotplug_op(id, msecs_to_jiffies(timeout_ms),
			     zl_block_offline_locked);
}

/**
 * zl_hotplug_online() - bring block @id back online.
 * @id:	the block.
 *
 * Return: 0, -ENOENT if there is no such block, -EBUSY while a kernel
 * offline holds it, -EINVAL if it is not offline.
 */
int zl_hotplug_online(unsigned long id)
{
	return zl_hotplug_op(id, 0, zl_block_online_locked);
}

/* The next block with an id in [*id, last], which it then names. */
static struct zl_block *zl_block_in(unsigned long *id, unsigned long last)
{
	struct zl_block *block = zl_block_find(id);

	return block && *id <= last ? block : NULL;
}

/* Bring back what a vetoed MEM_GOING_OFFLINE took offline. */
static void zl_event_rollback(unsigned long first, unsigned long last)
{
	struct zl_block *block;
	unsigned long id;

	for (id = first; (block = zl_block_in(&id, last)); id++) {
		if (block->by_event)
			zl_block_online_locked(block, 0);
		block->by_event = false;
	}
}

/*
 * Drop the queued takes that overlap a range going offline: by the time
 * zl_take_fn() ran, the memory could be offline, or gone.  zl_take_fn()
 * takes ranges only under zl_hotplug_lock, so none is halfway taken.
 */
static void zl_drop_takes(unsigned long start_pfn, unsigned long nr_pages)
{
	struct zl_take *t, *tmp;
	LIST_HEAD(drop);

	lockdep_assert_held(&zl_hotplug_lock);

	spin_lock(&zl_take_lock);
	list_for_each_entry_safe(t, tmp, &zl_take_list, node)
		if (t->start_pfn < start_pfn + nr_pages &&
		    start_pfn < t->start_pfn + t->nr_pages)
			list_move(&t->node, &drop);
	spin_unlock(&zl_take_lock);
	list_for_each_entry_safe(t, tmp, &drop, node)
		kfree(t);
}

/*
 * Take the range's online blocks offline, all within one timeout (the
 * notifier holds memory hotplug up meanwhile), or bring back those it
 * took and fail with the busy block's error.
 */
static int zl_event_offline(const struct memory_notify *arg,
			    unsigned long first, unsigned long last)
{
	unsigned long timeout = msecs_to_jiffies(READ_ONCE(zl_offline_timeout_ms));
	unsigned long deadline = jiffies + timeout;
	struct zl_block *block;
	unsigned long id;
	int ret;

	for (id = first; (block = zl_block_in(&id, last)); id++) {
		if (block->state == ZL_BLOCK_OFFLINE)
			continue;
		timeout = time_before(jiffies, deadline) ? deadline - jiffies : 0;
		ret = zl_block_offline_locked(block, timeout);
		if (ret) {
			zl_event_rollback(first, id);
			pr_info("vetoing offline of pfn %#lx-%#lx: block %lu is busy\n",
				arg->start_pfn, arg->start_pfn + arg->nr_pages,
				id);
			return ret;
		}
		block->by_event = true;
	}
	return 0;
}

/* Whether the range holds a block that zl_event_give() would give. */
static bool zl_event_gives(unsigned long first, unsigned long last)
{
	struct zl_block *block;
	unsigned long id;

	for (id = first; (block = zl_block_in(&id, last)); id++)
		if (block->contig)
			return true;
	return false;
}

/*
 * Hand the range's blocks over to the kernel's offline: those the event
 * took offline and those already offline by injection alike.
 */
static void zl_event_give(unsigned long first, unsigned long last)
{
	struct zl_block *block;
	bool released = false;
	unsigned long id;

	for (id = first; (block = zl_block_in(&id, last)); id++) {
		block->by_event = false;
		if (block->contig) {
			zl_block_give(block, true);
		} else {
			/* Not PageOffline: the kernel refused the range already. */
			zl_block_release(block);
			released = true;
		}
	}
	if (released)
		zl_rebuild_async();
}

/*
 * MEM_GOING_OFFLINE: take every zonelab block in the range offline and
 * hand its pages over, or bring them all back and veto.  Until the
 * offline ends (MEM_OFFLINE or MEM_CANCEL_OFFLINE) zonelab holds a
 * reference on itself, so that it cannot be unloaded meanwhile; an
 * unload already under way (try_module_get() fails) vetoes instead,
 * since its exit would free the pages the kernel is taking.
 */
static int zl_memory_going_offline(const struct memory_notify *arg)
{
	unsigned long first = arg->start_pfn >> zl_block_order;
	unsigned long last = (arg->start_pfn + arg->nr_pages - 1) >>
			     zl_block_order;
	int ret;

	lockdep_assert_held(&zl_hotplug_lock);

	zl_drop_takes(arg->start_pfn, arg->nr_pages);
	ret = zl_event_offline(arg, first, last);
	if (!ret && zl_event_gives(first, last) &&
	    !try_module_get(THIS_MODULE)) {
		zl_event_rollback(first, last);
		pr_info("vetoing offline of pfn %#lx-%#lx: zonelab is unloading\n",
			arg->start_pfn, arg->start_pfn + arg->nr_pages);
		ret = -EBUSY;
	}
	if (ret) {
		zl_count(ZL_STAT_HOTPLUG_VETO);
		return ret;
	}
	zl_event_give(first, last);
	return 0;
}

/* Queue a range for zl_take_fn(). */
static void zl_queue_take(unsigned long start_pfn, unsigned long nr_pages,
			  unsigned long budget)
{
	struct zl_take *t;

	if (!budget || !IS_ENABLED(CONFIG_CONTIG_ALLOC))
		return;
	t = kmalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return;
	t->start_pfn = start_pfn;
	t->nr_pages = nr_pages;
	t->budget = budget;
	spin_lock(&zl_take_lock);
	list_add_tail(&t->node, &zl_take_list);
	spin_unlock(&zl_take_lock);
	schedule_work(&zl_take_work);
}

/*
 * The end of a real offline over a range: MEM_CANCEL_OFFLINE takes the
 * given blocks back online, MEM_OFFLINE forgets them.
 */
static void zl_memory_offline_end(const struct memory_notify *arg,
				  bool cancelled)
{
	unsigned long first = arg->start_pfn >> zl_block_order;
	unsigned long last = (arg->start_pfn + arg->nr_pages - 1) >>
			     zl_block_order;
	struct zl_block *block;
	bool given = false;
	unsigned long id;

	lockdep_assert_held(&zl_hotplug_lock);

	for (id = first; (block = zl_block_in(&id, last)); id++) {
		if (!block->given)
			continue;
		given = true;
		if (cancelled) {
			zl_block_give(block, false);
			zl_block_online_locked(block, 0);
		} else {
			zl_block_forget(block);
		}
	}
	if (given)
		module_put(THIS_MODULE);
}

static void zl_memory_online(const struct memory_notify *arg)
{
	struct page *page = pfn_to_page(arg->start_pfn);

	/* Movable memory is there to be offlined again: leave it alone. */
	if (page_zonenum(page) != ZONE_MOVABLE)
		zl_queue_take(arg->start_pfn, arg->nr_pages,
			      READ_ONCE(zl_online_reserve_pages));
}

static int zl_memory_callback(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	const struct memory_notify *arg = data;
	int ret = 0;

	mutex_lock(&zl_hotplug_lock);
	switch (action) {
	case MEM_GOING_OFFLINE:
		ret = zl_memory_going_offline(arg);
		break;
	case MEM_CANCEL_OFFLINE:
		zl_memory_offline_end(arg, true);
		zl_rebuild_async();
		break;
	case MEM_OFFLINE:
		zl_memory_offline_end(arg, false);
		zl_count(ZL_STAT_MEMORY_EVENTS);
		zl_rebuild_async();
		break;
	case MEM_ONLINE:
		zl_count(ZL_STAT_MEMORY_EVENTS);
		zl_rebuild_async();
		zl_memory_online(arg);
		break;
	default:
		break;
	}
	mutex_unlock(&zl_hotplug_lock);
	return notifier_from_errno(ret);
}

static struct notifier_block zl_memory_nb = {
	.notifier_call = zl_memory_callback,
};

#ifdef CONFIG_CONTIG_ALLOC
/* Take free, block-aligned chunks of a range as new blocks. */
static void zl_take_range(const struct zl_take *t)
{
	unsigned long nr = 1UL << zl_block_order, got = 0, pfn;

	lockdep_assert_held(&zl_hotplug_lock);

	pfn = ALIGN(t->start_pfn, nr);
	for (; pfn + nr <= t->start_pfn + t->nr_pages && got < t->budget;
	     pfn += nr) {
		if (alloc_contig_range(pfn, pfn + nr, MIGRATE_MOVABLE,
				       GFP_KERNEL | __GFP_NOWARN))
			continue;
		if (zl_block_add(pfn_to_page(pfn), true)) {
			free_contig_range(pfn, nr);
			break;
		}
		got += nr;
	}
	if (got)
		pr_info("reserved %lu pages from pfn %#lx-%#lx\n", got,
			t->start_pfn, t->start_pfn + t->nr_pages);
}
#else
static void zl_take_range(const struct zl_take *t)
{
}
#endif

static void zl_take_fn(struct work_struct *work)
{
	struct zl_take *t;

	cpus_read_lock();
	mutex_lock(&zl_hotplug_lock);
	for (;;) {
		spin_lock(&zl_take_lock);
		t = list_first_entry_or_null(&zl_take_list, struct zl_take,
					     node);
		if (t)
			list_del(&t->node);
		spin_unlock(&zl_take_lock);
		if (!t)
			break;
		zl_take_range(t);
		kfree(t);
	}
	zl_zones_recompute();
	zl_rebuild_async();
	mutex_unlock(&zl_hotplug_lock);
	cpus_read_unlock();
}

/**
 * zl_blocks_show() - the `blocks` file: one line per block.
 * @m:	the seq_file.
 *
 * Read under RCU, not zl_hotplug_lock, so that a block going offline
 * shows as such while its offline waits for holders.
 */
void zl_blocks_show(struct seq_file *m)
{
	static const char * const names[] = {
		[ZL_BLOCK_ONLINE]		= "online",
		[ZL_BLOCK_GOING_OFFLINE]	= "going-offline",
		[ZL_BLOCK_OFFLINE]		= "offline",
	};
	struct zl_block *block;
	unsigned long id;

	rcu_read_lock();
	for (id = 0; (block = zl_block_find(&id)); id++)
		seq_printf(m, "block %lu node %d zone %s pages %lu state %s\n",
			   id, block->zone->nid, block->zone->name,
			   1UL << zl_block_order, names[READ_ONCE(block->state)]);
	rcu_read_unlock();
}

int zl_hotplug_init(void)
{
	return register_memory_notifier(&zl_memory_nb);
}

/*
 * Context: debugfs is gone.  After the notifier, the take work is the
 * last thing that could add blocks; it is flushed and its list emptied.
 */
void zl_hotplug_exit(void)
{
	struct zl_take *t, *tmp;

	unregister_memory_notifier(&zl_memory_nb);
	cancel_work_sync(&zl_take_work);
	list_for_each_entry_safe(t, tmp, &zl_take_list, node) {
		list_del(&t->node);
		kfree(t);
	}
}
