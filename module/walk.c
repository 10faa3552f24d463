// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab walk: one walk of a zonelist, from its first zone to the zone it
 * allocates from, and the race detectors that check every walk.
 *
 * A walk reads the published lists the way rebuild.c says for the mode in
 * force (zl_lists_read_begin()) and records the zones it visits.  At its
 * end it counts a zone visited twice, a zone it skipped that was in the
 * list both before and after it, and, when the allocation gives up, a zone
 * it skipped that was above its watermark all along: the double visits,
 * missed zones and premature OOMs the 2017 thread feared.  The premature
 * OOM of the other 2017 thread, a failure while a cpuset's mems changed,
 * is detected here too (zl_mems_premature_check()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "zonelab.h"
#include "trace.h"

/* Zones a walk records; a longer walk is not checked (nr_visited says). */
#define ZL_WALK_MAX	64

/* Longest delay on one zone of a walk: 10 ms. */
#define ZL_WALK_DELAY_MAX	10000

/*
 * Microseconds a walk spends on each zone it visits.  Widens the reader's
 * side of a race as inplace_delay_us widens the writer's: a walk longer
 * than a rewrite is overtaken by it, in every mode.
 */
static unsigned int zl_walk_delay_us;

static int zl_walk_delay_set(const char *val, const struct kernel_param *kp)
{
	/* Read with READ_ONCE() in zl_walk_alloc(). */
	return zl_param_set_uint_max(val, kp, ZL_WALK_DELAY_MAX);
}

static const struct kernel_param_ops zl_walk_delay_ops = {
	.set	= zl_walk_delay_set,
	.get	= param_get_uint,
};

module_param_cb(walk_delay_us, &zl_walk_delay_ops, &zl_walk_delay_us, 0644);
MODULE_PARM_DESC(walk_delay_us,
		 "Delay in microseconds on each zone a walk visits (0-10000, default 0)");

/**
 * struct zl_walk - one walk of a zonelist, with what the race detectors
 * need: the lists before and after it and the zones it visited.
 * @lists:	what the walk read of the published lists.
 * @nid:	the node whose list is walked.
 * @thisnode:	the thisnode list rather than the fallback list.
 * @mask:	the nodes the allocation may use, or NULL for all; zones of
 *		other nodes are skipped, not visited, and never owed a visit.
 * @stop:	the zone the walk allocated from, or NULL.
 * @nr_visited:	visits so far; past ZL_WALK_MAX only counted.
 * @visited:	zl_zone_slot_of() of the zones visited, in order.
 * @nr_ok:	entries in @ok.
 * @ok:		slots of the zones of @lists.before that were above their
 *		min watermark when the walk began (zl_walk_sample(), for the
 *		premature OOM detector; only the last walk samples).
 *
 * Lives on the allocating task's stack, inside the RCU read-side section
 * that zl_lists_read_begin() enters and zl_lists_read_unlock() leaves.
 */
struct zl_walk {
	struct zl_lists_read lists;
	int nid;
	bool thisnode;
	const nodemask_t *mask;
	const struct zl_zone *stop;
	unsigned int nr_visited;
	u16 visited[ZL_WALK_MAX];
	unsigned int nr_ok;
	u16 ok[ZL_WALK_MAX];
};

static void zl_walk_begin(struct zl_walk *w, int nid, bool thisnode,
			  const nodemask_t *mask)
	__acquires(RCU)
{
	zl_lists_read_begin(&w->lists);
	w->nid = nid;
	w->thisnode = thisnode;
	w->mask = mask;
	w->stop = NULL;
	w->nr_visited = 0;
	w->nr_ok = 0;
}

static const struct zl_zonelist *zl_walk_list_of(const struct zl_walk *w,
						 const struct zl_generation *gen)
{
	const struct zl_node_lists *nl;

	if (!gen || w->nid < 0 || w->nid >= gen->nr_nodes)
		return NULL;
	nl = &gen->node[w->nid];
	return w->thisnode ? &nl->thisnode : &nl->fallback;
}

/* May the walk's allocation use @zone at all? */
static bool zl_walk_allowed(const struct zl_walk *w, const struct zl_zone *zone)
{
	return !w->mask || node_isset(zone->nid, *w->mask);
}

static void zl_walk_visit(struct zl_walk *w, const struct zl_zone *zone)
{
	if (w->nr_visited < ZL_WALK_MAX)
		w->visited[w->nr_visited] = zl_zone_slot_of(zone);
	w->nr_visited++;
}

/* Position of @slot in @zl, or @zl's length when it is not there. */
static unsigned int zl_list_pos(const struct zl_zonelist *zl, int slot)
{
	unsigned int i;

	for (i = 0; i < zl->nr; i++)
		if (zl_zone_slot_of(zl->refs[i].zone) == slot)
			break;
	return i;
}

static bool zl_slot_in(const u16 *slots, unsigned int nr, int slot)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (slots[i] == slot)
			return true;
	return false;
}

/* Is @zone above its min watermark for an allocation of @order? */
static bool zl_zone_above_min(struct zl_zone *zone, unsigned int order)
{
	return zl_zone_watermark_ok(zone, order, zl_wmark(zone, ZL_WMARK_MIN),
				    MAX_NR_ZONES - 1);
}

/*
 * Note which zones of the list are above their min watermark now, for the
 * premature OOM check of a last walk; @w has just begun.
 */
static void zl_walk_sample(struct zl_walk *w, unsigned int order)
{
	const struct zl_zonelist *zl = zl_walk_list_of(w, w->lists.before);
	unsigned int i;

	for (i = 0; zl && i < zl->nr && w->nr_ok < ZL_WALK_MAX; i++) {
		struct zl_zone *zone = zl->refs[i].zone;

		if (zl_walk_allowed(w, zone) && zl_zone_above_min(zone, order))
			w->ok[w->nr_ok++] = zl_zone_slot_of(zone);
	}
}

/*
 * Should the walk have visited entry @i of @zl?  Every entry before the
 * zone it allocated from, or every entry when it allocated nothing.
 */
static bool zl_walk_owed(const struct zl_walk *w, const struct zl_zonelist *zl,
			 unsigned int i)
{
	return !w->stop || i < zl_list_pos(zl, zl_zone_slot_of(w->stop));
}

/*
 * A zone the walk owed a visit in the lists both before and after it, but
 * never visited; the first one found, or -1.  With @ok, only a zone that
 * was above its watermark at the start and still is (premature OOM).
 */
static int zl_walk_missed(const struct zl_walk *w, unsigned int order, bool ok)
{
	const struct zl_zonelist *b = zl_walk_list_of(w, w->lists.before);
	const struct zl_zonelist *a = zl_walk_list_of(w, w->lists.after);
	unsigned int i;

	if (!a || !b)
		return -1;
	for (i = 0; i < b->nr && zl_walk_owed(w, b, i); i++) {
		struct zl_zone *zone = b->refs[i].zone;
		int slot = zl_zone_slot_of(zone);
		unsigned int pos = zl_list_pos(a, slot);

		if (pos == a->nr || !zl_walk_owed(w, a, pos) ||
		    !zl_walk_allowed(w, zone) ||
		    zl_slot_in(w->visited, w->nr_visited, slot))
			continue;
		if (ok && (!zl_slot_in(w->ok, w->nr_ok, slot) ||
			   !zl_zone_above_min(zone, order)))
			continue;
		return slot;
	}
	return -1;
}

static int zl_walk_double(const struct zl_walk *w)
{
	unsigned int i;

	for (i = 1; i < w->nr_visited; i++)
		if (zl_slot_in(w->visited, i, w->visited[i]))
			return w->visited[i];
	return -1;
}

/* Count what went wrong in a walk; one count per kind and walk. */
static void zl_walk_check(const struct zl_walk *w, unsigned int order,
			  bool gave_up)
{
	const struct zl_lists_read *r = &w->lists;
	int slot;

	/* Nothing was rewritten or published: the walk saw one list. */
	if (r->live == r->before && r->before == r->after)
		return;
	slot = zl_walk_double(w);
	if (slot >= 0) {
		zl_count(ZL_STAT_DOUBLE_VISIT);
		trace_zonelab_walk_anomaly(w->nid, slot, ZL_ANOMALY_DOUBLE_VISIT);
	}
	slot = zl_walk_missed(w, 0, false);
	if (slot >= 0) {
		zl_count(ZL_STAT_MISSED_ZONE);
		trace_zonelab_walk_anomaly(w->nid, slot, ZL_ANOMALY_MISSED_ZONE);
	}
	slot = gave_up && !w->stop ? zl_walk_missed(w, order, true) : -1;
	if (slot >= 0) {
		zl_count(ZL_STAT_PREMATURE_OOM);
		trace_zonelab_walk_anomaly(w->nid, slot, ZL_ANOMALY_PREMATURE_OOM);
	}
}

/*
 * Finish a walk and run the detectors over it; @gave_up: the walk failed
 * and was the allocation's last try, so it was sampled and is checked for
 * a premature OOM.  Return: true if the walk failed while a seqlock-mode
 * rewrite ran, so the caller must walk again before it may fail.
 */
static bool zl_walk_end(struct zl_walk *w, unsigned int order, bool gave_up)
	__releases(RCU)
{
	bool raced = zl_lists_read_end(&w->lists);
	bool retry = raced && w->lists.mode == ZL_REBUILD_SEQLOCK;

	if (w->nr_visited > ZL_WALK_MAX) {
		/* Too long to check; cannot happen with real lists. */
	} else if (retry) {
		/* The seqcount caught the race; that is what it is for. */
		zl_count(ZL_STAT_ZONELIST_RETRY);
		trace_zonelab_walk_anomaly(w->nid, -1, ZL_ANOMALY_RETRY);
	} else {
		zl_walk_check(w, order, gave_up);
	}
	zl_lists_read_unlock(&w->lists);
	return retry && !w->stop;
}

/*
 * The mark a walk keeps.  ZL_WMARK_OOM is the victims' reserve: half the
 * min mark may go, as ALLOC_OOM lets __zone_watermark_ok() do.
 */
static unsigned long zl_walk_mark(const struct zl_zone *zone,
				  enum zl_wmark wmark)
{
	unsigned long min;

	if (wmark != ZL_WMARK_OOM)
		return zl_wmark(zone, wmark);
	min = zl_wmark(zone, ZL_WMARK_MIN);
	return min - min / 2;
}

/* One walk of a zonelist: the first zone above @wmark that has a page. */
static struct page *zl_walk_alloc(struct zl_walk *w, unsigned int order,
				  enum zl_wmark wmark)
{
	const struct zl_zonelist *zl = zl_walk_list_of(w, w->lists.live);
	unsigned int delay = READ_ONCE(zl_walk_delay_us);
	const struct zl_zoneref *z;
	struct zl_zone *zone;

	if (!zl)
		return NULL;
	/* Entry by entry, as the kernel's iterator: the list may change. */
	for (z = zl->refs; (zone = READ_ONCE(z->zone)); z++) {
		struct page *page;

		if (!zl_walk_allowed(w, zone))
			continue;
		zl_walk_visit(w, zone);
		if (delay)
			zl_spin_us(delay);
		if (!zl_zone_watermark_ok(zone, order, zl_walk_mark(zone, wmark),
					  MAX_NR_ZONES - 1))
			continue;
		page = zl_rmqueue(zone, order);
		if (page) {
			w->stop = zone;
			return page;
		}
	}
	return NULL;
}

/**
 * zl_walk_try() - walk a zonelist until a walk allocates, or fails without
 * a seqlock-mode rewrite under it.
 * @order:	the order.
 * @req:	where from (its mask and flags).
 * @nid:	the node whose list is walked.
 * @wmark:	the mark to keep in every zone.
 * @last:	the allocation fails if this does, so the walk is checked for
 *		a premature OOM.
 *
 * Context: may sleep between two walks.
 * Return: the first page of the block, or NULL.
 */
struct page *zl_walk_try(unsigned int order, const struct zl_alloc_req *req,
			 int nid, enum zl_wmark wmark, bool last)
{
	struct page *page;
	struct zl_walk w;
	bool retry;

	/*
	 * As long as a rewrite ran under it, as the kernel restarts its slow
	 * path while zonelist_update_seq moves: a walk is short, and only a
	 * rebuild storm keeps the count moving.
	 */
	do {
		zl_walk_begin(&w, nid, req->flags & ZL_ALLOC_THISNODE,
			      req->mask);
		if (last)
			zl_walk_sample(&w, order);
		page = zl_walk_alloc(&w, order, wmark);
		retry = zl_walk_end(&w, order, last);
		/* A storm may keep us here; the kernel's retries reschedule too. */
		if (retry)
			cond_resched();
	} while (retry);
	return page;
}

/**
 * zl_mems_premature_check() - count a failure that a retry would have
 * turned into a success: the mems changed under it (the retry is off) and
 * a newly allowed zone has memory.
 * @used:	the mems the failed allocation used.
 * @now:	the mems in force after it.
 * @order:	its order.
 */
void zl_mems_premature_check(const nodemask_t *used, const nodemask_t *now,
			     unsigned int order)
{
	int nid, idx;

	if (nodes_equal(*used, *now))
		return;
	for_each_node_mask(nid, *now) {
		if (node_isset(nid, *used))
			continue;
		for (idx = 0; idx < MAX_NR_ZONES; idx++) {
			struct zl_zone *zone = zl_zone_get(nid, idx);

			if (READ_ONCE(zone->managed) &&
			    zl_zone_above_min(zone, order)) {
				zl_count(ZL_STAT_PREMATURE_OOM);
				return;
			}
		}
	}
}
