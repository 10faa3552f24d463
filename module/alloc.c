// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab alloc: the allocator over zonelab's zonelists, from the fast
 * path to the OOM killer.
 *
 * zl_alloc_req() walks the preferred node's zonelist (walk.c) and takes
 * the first zone whose watermark allows, order 0 from the pcplist and
 * higher orders from the buddy lists.  The fast path keeps the low
 * watermark; the slow path tries again down to min, then drains every
 * pcplist and tries once more, as __alloc_pages_slowpath() does before it
 * considers OOM.  If that last try fails too, an allocation made for an
 * owner declares OOM (oom.c): a victim may use the OOM reserve, anyone
 * else waits for a victim's pages and tries once more.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/seqlock.h>
#include <linux/topology.h>

#include "zonelab.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/*
 * 1: retry an allocation whose mems changed under it (the kernel since
 * 2017).  0: fail at once, as before; for showing the premature_oom count.
 * Read with READ_ONCE() by every allocation made under a cpuset's mems.
 */
unsigned int zl_mems_retry = 1;
module_param_named(mems_retry, zl_mems_retry, uint, 0644);
MODULE_PARM_DESC(mems_retry,
		 "Retry an allocation whose mems_allowed changed under it instead of failing (default 1)");

/*
 * Nothing else helped: a victim takes from the OOM reserve; anyone else
 * declares OOM, which picks a victim and waits a little for its pages,
 * then tries once more (with the reserve if it picked the caller).
 */
static struct page *zl_alloc_oom(unsigned int order,
				 const struct zl_alloc_req *req, int nid)
{
	struct page *page;

	if (!zl_oom_reserve_allowed(req->owner)) {
		/*
		 * __alloc_pages_may_oom()'s try at the high mark: it takes
		 * what a parallel OOM freed and fails while memory is tight.
		 * The kernel makes it under oom_lock; here a victim on its
		 * way out is what stops a second kill (zl_oom_select()).
		 */
		page = zl_walk_try(order, req, nid, ZL_WMARK_HIGH, false);
		if (page)
			return page;
		if (!zl_oom_kill(req))
			return NULL;
		if (!zl_oom_reserve_allowed(req->owner))
			return zl_walk_try(order, req, nid, ZL_WMARK_MIN, false);
	}
	page = zl_walk_try(order, req, nid, ZL_WMARK_OOM, false);
	if (page)
		zl_count(ZL_STAT_OOM_RESERVE_ALLOCS);
	return page;
}

/*
 * Is this the allocation's last chance?  Not while the mems_allowed its
 * nodemask came from is changing: the caller retries with the new one.
 */
static bool zl_alloc_last(const struct zl_alloc_req *req)
{
	if (req->flags & ZL_ALLOC_NOSLOW)
		return false;
	return !req->mems_seq || !READ_ONCE(zl_mems_retry) ||
	       !read_seqcount_retry(req->mems_seq, req->mems_cookie);
}

/**
 * zl_alloc_req() - allocate 2^@order zonelab pages.
 * @order:	the order, below ZL_NR_ORDERS.
 * @req:	where from.
 *
 * Context: process context; the slow path sleeps (it drains pcplists).
 * Return: the first page of the block, or NULL.
 */
struct page *zl_alloc_req(unsigned int order, const struct zl_alloc_req *req)
{
	int nid = req->nid == NUMA_NO_NODE ? numa_node_id() : req->nid;
	struct page *page = NULL;
	bool last;

	if (order >= ZL_NR_ORDERS)
		goto out;

	page = zl_walk_try(order, req, nid, ZL_WMARK_LOW, false);
	if (page)
		goto out;
	page = zl_walk_try(order, req, nid, ZL_WMARK_MIN, false);
	if (page || (req->flags & ZL_ALLOC_NOSLOW))
		goto out;
	/* Pages parked in other CPUs' lists are free memory too. */
	zl_pcp_drain_all();
	last = zl_alloc_last(req);
	page = zl_walk_try(order, req, nid, ZL_WMARK_MIN, last);
	if (!page && last && req->owner)
		page = zl_alloc_oom(order, req, nid);
out:
	if (page) {
		zl_count(ZL_STAT_ALLOC_SUCCESS);
	} else if (!(req->flags & ZL_ALLOC_NOSLOW)) {
		zl_count(ZL_STAT_ALLOC_FAIL);
		trace_zonelab_alloc_fail(nid, order, req->flags);
	}
	return page;
}

/* zl_alloc_req() from @nid's zonelist, any node allowed. */
struct page *zl_alloc_pages(unsigned int order, int nid, unsigned int flags)
{
	struct zl_alloc_req req = { .nid = nid, .flags = flags };

	return zl_alloc_req(order, &req);
}

/**
 * zl_free_pages() - free a block zl_alloc_pages() returned.
 * @page:	its first page.
 * @order:	its order.
 */
void zl_free_pages(struct page *page, unsigned int order)
{
	struct zl_zone *zone = zl_page_zone(page);

	set_page_private(page, 0);
	if (order)
		zl_buddy_free(zone, page, order);
	else
		zl_pcp_free(zone, page);
}
