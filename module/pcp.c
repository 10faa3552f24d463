// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab pcp: per-CPU lists of order-0 pages in front of every zone.
 *
 * An order-0 allocation or free touches only the running CPU's list under
 * its local_lock; the zone lock is taken once per batch, to refill an empty
 * list or to drain a list that reached the zone's high mark.  high and
 * batch come from the zone, computed per zone rather than per CPU and
 * again whenever the zone's size changes (zone.c).
 *
 * Why local_lock is enough: every zonelab allocation and free runs in
 * process context, so the only other users of a CPU's list are tasks on
 * the same CPU, which local_lock excludes (preemption off; on PREEMPT_RT a
 * per-CPU sleeping lock that also pins the task).  Remote CPUs reach a list
 * only through work queued on its own CPU (drain all) or once the CPU is
 * dead (the CPU hotplug callback).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/mutex.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>

#include "zonelab.h"
#include "trace.h"

/* The dynamic CPU hotplug state of the dead-CPU drain; set at init. */
static enum cpuhp_state zl_pcp_hp_state;

/*
 * Serialises drain-all callers, which share the per-CPU work items below
 * (the kernel's pcpu_drain_mutex).  Taken inside cpu_hotplug_lock.
 */
static DEFINE_MUTEX(zl_pcp_drain_lock);
/* One drain work per CPU; (re)initialised and queued under the mutex. */
static DEFINE_PER_CPU(struct work_struct, zl_pcp_drain_works);

/* Move up to @count pages from a pcp list back to the zone. */
static void zl_pcp_drain_pages(struct zl_zone *zone, struct zl_pcp *pcp,
			       int count)
{
	struct page *page, *tmp;

	if (!pcp->count)
		return;
	spin_lock(&zone->lock);
	zl_count(ZL_STAT_ZONE_LOCK);
	list_for_each_entry_safe_reverse(page, tmp, &pcp->list, lru) {
		if (count-- <= 0)
			break;
		list_del(&page->lru);
		/* Pairs with READ_ONCE() in zl_pcp_show(). */
		WRITE_ONCE(pcp->count, pcp->count - 1);
		__zl_buddy_free(zone, page, 0);
	}
	spin_unlock(&zone->lock);
}

/* Fill an empty pcp list with a batch of order-0 pages. */
static void zl_pcp_refill(struct zl_zone *zone, struct zl_pcp *pcp)
{
	int i;

	spin_lock(&zone->lock);
	zl_count(ZL_STAT_ZONE_LOCK);
	for (i = 0; i < READ_ONCE(zone->pcp_batch); i++) {
		struct page *page = __zl_buddy_alloc(zone, 0);

		if (!page)
			break;
		list_add_tail(&page->lru, &pcp->list);
		WRITE_ONCE(pcp->count, pcp->count + 1);
	}
	spin_unlock(&zone->lock);
}

/*
 * The 2020 offline fix, checked: a page of an offline block must never be
 * found in a pcplist, because pcplists are disabled and drained before a
 * block is isolated.  The lookup runs only while some block is offline.
 */
static void zl_pcp_check_offline(struct page *page)
{
	if (likely(!atomic_read(&zl_nr_blocks_offline)))
		return;
	if (READ_ONCE(zl_page_block(page)->state) != ZL_BLOCK_ONLINE)
		zl_count(ZL_STAT_OFFLINE_PCP_PAGE);
}

/**
 * zl_pcp_alloc() - an order-0 page from this CPU's list of @zone.
 * @zone:	the zone; its watermark was checked by the caller.
 *
 * Return: a page, or NULL when the zone's buddy lists are empty too or the
 * zone's pcplists are disabled (the caller then uses the buddy lists).
 */
struct page *zl_pcp_alloc(struct zl_zone *zone)
{
	struct page *page = NULL;
	struct zl_pcp *pcp;

	local_lock(&zone->pcp->lock);
	if (atomic_read(&zone->pcp_disabled))
		goto out_unlock;
	pcp = this_cpu_ptr(zone->pcp);
	if (list_empty(&pcp->list)) {
		zl_count(ZL_STAT_PCP_MISS);
		zl_pcp_refill(zone, pcp);
	} else {
		zl_count(ZL_STAT_PCP_HIT);
	}
	page = list_first_entry_or_null(&pcp->list, struct page, lru);
	if (page) {
		list_del(&page->lru);
		WRITE_ONCE(pcp->count, pcp->count - 1);
		zl_pcp_check_offline(page);
	}
out_unlock:
	local_unlock(&zone->pcp->lock);
	return page;
}

/**
 * zl_rmqueue() - take a 2^@order block from a zone whose watermark the
 * caller checked: order 0 from this CPU's pcplist, the rest (and order 0
 * while the zone's pcplists are disabled) from the buddy lists, as the
 * kernel's rmqueue() does.
 * @zone:	the zone.
 * @order:	the order.
 *
 * Return: the block's first page, or NULL.
 */
struct page *zl_rmqueue(struct zl_zone *zone, unsigned int order)
{
	struct page *page = NULL;

	if (!order) {
		page = zl_pcp_alloc(zone);
		if (page) {
			trace_zonelab_alloc(zone->nid, zone->zone_idx, 0, true);
			return page;
		}
	}
	/* Order 0 lands here only while the zone's pcplists are disabled. */
	if (order || atomic_read(&zone->pcp_disabled))
		page = zl_buddy_alloc(zone, order);
	if (page)
		trace_zonelab_alloc(zone->nid, zone->zone_idx, order, false);
	return page;
}

/**
 * zl_pcp_free() - free an order-0 page through this CPU's list.
 * @zone:	the page's zone.
 * @page:	the page.
 *
 * A list that reaches the high mark gives a batch back to the zone.  With
 * pcplists disabled the page goes straight to the buddy lists; the check
 * is made under the local lock, so a free that raced zl_pcp_disable() has
 * left the list before zl_pcp_disable()'s drain runs on this CPU.
 */
void zl_pcp_free(struct zl_zone *zone, struct page *page)
{
	struct zl_pcp *pcp;

	local_lock(&zone->pcp->lock);
	if (atomic_read(&zone->pcp_disabled)) {
		local_unlock(&zone->pcp->lock);
		zl_buddy_free(zone, page, 0);
		return;
	}
	pcp = this_cpu_ptr(zone->pcp);
	list_add(&page->lru, &pcp->list);
	WRITE_ONCE(pcp->count, pcp->count + 1);
	if (pcp->count >= READ_ONCE(zone->pcp_high))
		zl_pcp_drain_pages(zone, pcp, READ_ONCE(zone->pcp_batch));
	local_unlock(&zone->pcp->lock);
}

/* Zone slot @i if it has pcplists (between init and exit, all have). */
static struct zl_zone *zl_pcp_zone(int i)
{
	struct zl_zone *zone = zl_zone_slot(i);

	return zone->pcp ? zone : NULL;
}

/**
 * zl_pcp_drain_local() - give this CPU's pcp pages of every zone back.
 *
 * Migration is off for the whole walk, so "this CPU" is one CPU even for
 * a caller that is not pinned (the `pcp` file's writer).
 */
void zl_pcp_drain_local(void)
{
	int i;

	migrate_disable();
	for (i = 0; i < ZL_NR_ZONE_SLOTS; i++) {
		struct zl_zone *zone = zl_pcp_zone(i);

		if (!zone)
			continue;
		local_lock(&zone->pcp->lock);
		zl_pcp_drain_pages(zone, this_cpu_ptr(zone->pcp), INT_MAX);
		local_unlock(&zone->pcp->lock);
	}
	migrate_enable();
}

static void zl_pcp_drain_work(struct work_struct *work)
{
	zl_pcp_drain_local();
}

/**
 * zl_pcp_drain_all_cpuslocked() - drain the lists of every online CPU and
 * wait, with cpu_hotplug_lock held (memory hotplug's notifiers hold it).
 *
 * Each CPU drains its own lists in a work item, under its local lock.
 * Offline CPUs were drained when they died.
 *
 * Context: process context, may sleep.
 */
void zl_pcp_drain_all_cpuslocked(void)
{
	int cpu;

	mutex_lock(&zl_pcp_drain_lock);
	for_each_online_cpu(cpu) {
		struct work_struct *work = per_cpu_ptr(&zl_pcp_drain_works, cpu);

		INIT_WORK(work, zl_pcp_drain_work);
		queue_work_on(cpu, system_highpri_wq, work);
	}
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&zl_pcp_drain_works, cpu));
	mutex_unlock(&zl_pcp_drain_lock);
}

/* zl_pcp_drain_all_cpuslocked(), holding CPU hotplug off itself. */
void zl_pcp_drain_all(void)
{
	cpus_read_lock();
	zl_pcp_drain_all_cpuslocked();
	cpus_read_unlock();
}

/**
 * zl_pcp_disable_cpuslocked() - send frees of @zone straight to its buddy
 * lists (zone_pcp_disable()).
 * @zone:	the zone.
 *
 * Nests; on return no CPU holds a page of @zone in its list.
 * Context: cpu_hotplug_lock held.
 */
void zl_pcp_disable_cpuslocked(struct zl_zone *zone)
{
	atomic_inc(&zone->pcp_disabled);
	zl_pcp_drain_all_cpuslocked();
}

static void zl_pcp_disable(struct zl_zone *zone)
{
	cpus_read_lock();
	zl_pcp_disable_cpuslocked(zone);
	cpus_read_unlock();
}

/* Undo one zl_pcp_disable(). */
void zl_pcp_enable(struct zl_zone *zone)
{
	atomic_dec(&zone->pcp_disabled);
}

/*
 * The `pcp` file's disable: counted apart, so that a user's enable can
 * undo only a user's disable, never the one an offline in flight holds.
 * The total goes up first and down last: it never drops below what
 * hotplug holds.
 */
void zl_pcp_user_disable(struct zl_zone *zone)
{
	zl_pcp_disable(zone);
	atomic_inc(&zone->pcp_user_disabled);
}

/* Undo one zl_pcp_user_disable(); -EINVAL if there is none. */
int zl_pcp_user_enable(struct zl_zone *zone)
{
	if (!atomic_add_unless(&zone->pcp_user_disabled, -1, 0))
		return -EINVAL;
	zl_pcp_enable(zone);
	return 0;
}

/**
 * zl_pcp_show() - a zone's pagesets, as /proc/zoneinfo prints them after
 * the zone's own lines (zl_zone_show()).
 * @m:		the seq_file.
 * @zone:	the zone.
 *
 * Counts are lockless snapshots.
 */
void zl_pcp_show(struct seq_file *m, struct zl_zone *zone)
{
	int cpu;

	seq_puts(m, "\n  pagesets");
	for_each_online_cpu(cpu)
		/* Pairs with WRITE_ONCE() where pcp->count changes. */
		seq_printf(m, "\n    cpu: %i\n              count: %i\n              high:  %i\n              batch: %i",
			   cpu, READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->count),
			   READ_ONCE(zone->pcp_high), READ_ONCE(zone->pcp_batch));
}

/*
 * A dead CPU's lists: nothing runs there any more, so they are drained
 * without its local lock, as the kernel's page_alloc_cpu_dead() does.
 */
static int zl_pcp_cpu_dead(unsigned int cpu)
{
	int i;

	for (i = 0; i < ZL_NR_ZONE_SLOTS; i++) {
		struct zl_zone *zone = zl_pcp_zone(i);

		if (zone)
			zl_pcp_drain_pages(zone, per_cpu_ptr(zone->pcp, cpu),
					   INT_MAX);
	}
	return 0;
}

static void zl_pcp_free_lists(void)
{
	int i, cpu;

	for (i = 0; i < ZL_NR_ZONE_SLOTS; i++) {
		struct zl_zone *zone = zl_pcp_zone(i);

		if (!zone)
			continue;
		for_each_possible_cpu(cpu)
			zl_pcp_drain_pages(zone, per_cpu_ptr(zone->pcp, cpu),
					   INT_MAX);
		free_percpu(zone->pcp);
		zone->pcp = NULL;
	}
}

static int zl_pcp_alloc_lists(void)
{
	int i, cpu;

	for (i = 0; i < ZL_NR_ZONE_SLOTS; i++) {
		struct zl_zone *zone = zl_zone_slot(i);

		/* Every zone: hotplug may give an empty one pages later. */
		zone->pcp = alloc_percpu(struct zl_pcp);
		if (!zone->pcp)
			return -ENOMEM;
		for_each_possible_cpu(cpu) {
			struct zl_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);

			local_lock_init(&pcp->lock);
			INIT_LIST_HEAD(&pcp->list);
		}
	}
	return 0;
}

/**
 * zl_pcp_init() - per-CPU lists for every zone, and the dead-CPU drain.
 *
 * Return: 0 or a negative errno, with nothing left allocated.
 */
int zl_pcp_init(void)
{
	int ret;

	ret = zl_pcp_alloc_lists();
	if (ret)
		goto out_free_lists;

	/* A prepare-stage state's teardown runs once the CPU is dead. */
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "zonelab:pcp:dead",
					NULL, zl_pcp_cpu_dead);
	if (ret < 0)
		goto out_free_lists;
	zl_pcp_hp_state = ret;
	return 0;

out_free_lists:
	zl_pcp_free_lists();
	return ret;
}

/**
 * zl_pcp_exit() - give every pcp page back to the zones.
 *
 * Context: nothing allocates or frees any more.
 */
void zl_pcp_exit(void)
{
	cpuhp_remove_state_nocalls(zl_pcp_hp_state);
	zl_pcp_free_lists();
}
