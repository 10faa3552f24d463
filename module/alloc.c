// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab alloc: the allocation path over zonelab's zonelists, and the
 * holders that own allocated pages.
 *
 * zl_alloc_pages() walks the preferred node's zonelist (rebuild.c says
 * how a walk and a rebuild stay out of each other's way), takes the first
 * zone whose watermark allows, order 0 from the pcplist and higher orders
 * from the buddy lists.  The fast path keeps the low watermark; the slow path
 * tries again down to min, then drains every pcplist and tries once more
 * before failing, as the kernel does before it considers OOM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "zonelab.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static struct page *zl_rmqueue(struct zl_zone *zone, unsigned int order)
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

/* Retries of one seqlock-mode walk before the allocation may fail. */
#define ZL_WALK_RETRIES	16

/* One walk of a zonelist: the first zone above @wmark that has a page. */
static struct page *zl_walk_alloc(struct zl_walk *w, unsigned int order,
				  enum zl_wmark wmark)
{
	const struct zl_zonelist *zl = zl_walk_list(w);
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
		if (!zl_zone_watermark_ok(zone, order, zl_wmark(zone, wmark),
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

/*
 * Walk until a walk allocates, or fails without a seqlock-mode rewrite
 * under it.  @last: the allocation fails if this does, so the walk is
 * checked for a premature OOM.
 */
static struct page *zl_try_alloc(unsigned int order,
				 const struct zl_alloc_req *req, int nid,
				 enum zl_wmark wmark, bool last)
{
	unsigned int tries = 0;
	struct page *page;
	struct zl_walk w;
	bool retry;

	do {
		zl_walk_begin(&w, nid, req->flags & ZL_ALLOC_THISNODE,
			      req->mask);
		if (last)
			zl_walk_sample(&w, order);
		page = zl_walk_alloc(&w, order, wmark);
		retry = zl_walk_end(&w, order, last);
	} while (retry && ++tries < ZL_WALK_RETRIES);
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

	if (order >= ZL_NR_ORDERS)
		goto out;

	page = zl_try_alloc(order, req, nid, ZL_WMARK_LOW, false);
	if (page)
		goto out;
	page = zl_try_alloc(order, req, nid, ZL_WMARK_MIN, false);
	if (page || (req->flags & ZL_ALLOC_NOSLOW))
		goto out;
	/* Pages parked in other CPUs' lists are free memory too. */
	zl_pcp_drain_all();
	page = zl_try_alloc(order, req, nid, ZL_WMARK_MIN, zl_alloc_last(req));
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

/**
 * zl_holder_create() - a new, empty owner of zonelab pages.
 *
 * Return: the holder, or NULL when out of memory.
 */
struct zl_holder *zl_holder_create(void)
{
	struct zl_holder *h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return NULL;
	h->node_pages = kcalloc(nr_node_ids, sizeof(*h->node_pages),
				GFP_KERNEL);
	if (!h->node_pages) {
		kfree(h);
		return NULL;
	}
	mutex_init(&h->lock);
	INIT_LIST_HEAD(&h->pages);
	return h;
}

static void __zl_holder_put(struct zl_holder *h, struct page *page)
{
	unsigned int order = page_private(page);

	lockdep_assert_held(&h->lock);

	list_del(&page->lru);
	h->nr_pages -= 1UL << order;
	h->node_pages[page_to_nid(page)] -= 1UL << order;
	if (h->ctx)
		zl_ctx_account(h->ctx, page, order, false);
	zl_free_pages(page, order);
}

/*
 * Bind the holder to the request's context on first use, as a task
 * belongs to one cpuset; the request's reference moves to the holder.
 * -EBUSY if it is bound to another one already.
 */
static int zl_holder_bind(struct zl_holder *h, struct zl_holder_req *req)
{
	lockdep_assert_held(&h->lock);

	if (!req->ctx)
		return 0;
	if (h->ctx && h->ctx != req->ctx)
		return -EBUSY;
	if (!h->ctx) {
		h->ctx = req->ctx;
		req->ctx = NULL;
	}
	return 0;
}

/* One allocation of a request: the i-th. */
static struct page *zl_holder_alloc_one(struct zl_holder *h,
					const struct zl_holder_req *req,
					unsigned long i)
{
	struct zl_mempolicy *pol = NULL;
	long ilx = req->region[0] ? req->offset + i : -1;
	struct page *page;

	if (req->region[0] && zl_region_lookup(req->region, ilx, &pol))
		return NULL;
	if (h->ctx)
		page = zl_ctx_alloc(h->ctx, pol, ilx, req->order, req->flags);
	else
		page = zl_task_alloc(pol, ilx, req->order, req->nid,
				     req->flags);
	/* The lookup's reference, if the region gave a policy. */
	if (pol)
		zl_mpol_cond_put(pol);
	return page;
}

/**
 * zl_holder_alloc() - allocate @req->count blocks into @h.
 * @h:		the holder.
 * @req:	the request; a context reference in it is taken over or
 *		left for the caller to drop.
 *
 * Return: @req->count, -EBUSY (bound to another context), or -ENOMEM
 * when an allocation failed; the blocks allocated before stay held.
 */
long zl_holder_alloc(struct zl_holder *h, struct zl_holder_req *req)
{
	long ret = req->count;
	unsigned long i;

	mutex_lock(&h->lock);
	ret = zl_holder_bind(h, req) ?: ret;
	for (i = 0; i < req->count && ret > 0; i++) {
		struct page *page = zl_holder_alloc_one(h, req, i);

		if (!page) {
			ret = -ENOMEM;
			break;
		}
		/* A held block's head keeps its order in page->private. */
		set_page_private(page, req->order);
		list_add_tail(&page->lru, &h->pages);
		h->nr_pages += 1UL << req->order;
		h->node_pages[page_to_nid(page)] += 1UL << req->order;
		if (h->ctx)
			zl_ctx_account(h->ctx, page, req->order, true);
		cond_resched();
	}
	mutex_unlock(&h->lock);
	return ret;
}

/**
 * zl_holder_free() - free the @count most recent allocations of @h.
 * @h:		the holder.
 * @count:	how many; ULONG_MAX frees them all.
 *
 * Return: the number of allocations freed.
 */
unsigned long zl_holder_free(struct zl_holder *h, unsigned long count)
{
	unsigned long freed = 0;

	mutex_lock(&h->lock);
	while (freed < count && !list_empty(&h->pages)) {
		__zl_holder_put(h, list_last_entry(&h->pages, struct page, lru));
		freed++;
		cond_resched();
	}
	mutex_unlock(&h->lock);
	return freed;
}

void zl_holder_destroy(struct zl_holder *h)
{
	zl_holder_free(h, ULONG_MAX);
	if (h->ctx)
		zl_ctx_put(h->ctx);
	mutex_destroy(&h->lock);
	kfree(h->node_pages);
	kfree(h);
}

/* Enough for zl_holder_format(): a "pages" line and a line per node. */
size_t zl_holder_text_size(void)
{
	return 32 + nr_node_ids * 32;
}

/**
 * zl_holder_format() - "pages <n>" and one "node <nid> <pages>" per node
 * with memory, as the `alloc` file shows them.
 * @h:		the holder.
 * @buf:	where to write.
 * @size:	zl_holder_text_size() bytes.
 *
 * Return: the length written.
 */
size_t zl_holder_format(struct zl_holder *h, char *buf, size_t size)
{
	size_t len;
	int nid;

	mutex_lock(&h->lock);
	len = scnprintf(buf, size, "pages %lu\n", h->nr_pages);
	for_each_node_state(nid, N_MEMORY)
		len += scnprintf(buf + len, size - len, "node %d %lu\n", nid,
				 h->node_pages[nid]);
	mutex_unlock(&h->lock);
	return len;
}
