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
 * Nothing else helped: a victim takes from the OOM reserve; anyone else
 * declares OOM, which picks a victim and waits a little for its pages,
 * then tries once more (with the reserve if it picked the caller).
 */
static struct page *zl_alloc_oom(unsigned int order,
				 const struct zl_alloc_req *req, int nid)
{
	struct page *page;

	if (!zl_oom_reserve_allowed(req->owner)) {
		if (!zl_oom_kill(req))
			return NULL;
		if (!zl_oom_reserve_allowed(req->owner))
			return zl_try_alloc(order, req, nid, ZL_WMARK_MIN, false);
	}
	page = zl_try_alloc(order, req, nid, ZL_WMARK_OOM, false);
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

	page = zl_try_alloc(order, req, nid, ZL_WMARK_LOW, false);
	if (page)
		goto out;
	page = zl_try_alloc(order, req, nid, ZL_WMARK_MIN, false);
	if (page || (req->flags & ZL_ALLOC_NOSLOW))
		goto out;
	/* Pages parked in other CPUs' lists are free memory too. */
	zl_pcp_drain_all();
	last = zl_alloc_last(req);
	page = zl_try_alloc(order, req, nid, ZL_WMARK_MIN, last);
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

/* The OOM reaper on an alloc file that is a victim itself. */
static void zl_holder_reap_owner(struct zl_owner *o)
{
	zl_holder_reap(container_of(o, struct zl_holder, owner), false);
}

/**
 * zl_holder_create() - a new, empty owner of zonelab pages.
 * @name:	its name as an OOM candidate.
 *
 * Return: the holder, or NULL when out of memory.
 */
struct zl_holder *zl_holder_create(const char *name)
{
	struct zl_holder *h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return NULL;
	h->node_pages = kcalloc(nr_node_ids, sizeof(*h->node_pages),
				GFP_KERNEL);
	if (!h->node_pages ||
	    zl_owner_init(&h->owner, "file", name, zl_holder_reap_owner)) {
		kfree(h->node_pages);
		kfree(h);
		return NULL;
	}
	mutex_init(&h->lock);
	INIT_LIST_HEAD(&h->pages);
	INIT_LIST_HEAD(&h->ctx_node);
	zl_owner_register(&h->owner);
	return h;
}

/* Who the holder's pages are charged to: its context, or itself. */
static struct zl_owner *zl_holder_owner(struct zl_holder *h)
{
	return h->ctx ? &h->ctx->owner : &h->owner;
}

static void __zl_holder_put(struct zl_holder *h, struct page *page)
{
	unsigned int order = page_private(page);

	lockdep_assert_held(&h->lock);

	list_del(&page->lru);
	h->nr_pages -= 1UL << order;
	h->node_pages[page_to_nid(page)] -= 1UL << order;
	zl_free_pages(page, order);
	zl_owner_charge(zl_holder_owner(h), page, order, false);
}

/**
 * zl_holder_reap() - the OOM reaper frees every page of a holder whose
 * owner is a victim; its next write fails with -ENOMEM, its reads say
 * how much was reaped.
 * @h:		the holder.
 * @trylock:	give up if the holder is busy (the caller holds a lock the
 *		holder's allocations may wait for); the reaper comes again.
 */
void zl_holder_reap(struct zl_holder *h, bool trylock)
{
	unsigned long pages;

	if (trylock) {
		if (!mutex_trylock(&h->lock))
			return;
	} else {
		mutex_lock(&h->lock);
	}
	pages = h->nr_pages;
	if (pages) {
		/* Counted first: the victim is gone with its last page. */
		h->reaped += pages;
		h->reap_pending = true;
		zl_owner_reaped(zl_holder_owner(h), pages);
	}
	while (!list_empty(&h->pages))
		__zl_holder_put(h, list_last_entry(&h->pages, struct page, lru));
	mutex_unlock(&h->lock);
}

/*
 * Bind the holder to the request's context on first use, as a task
 * belongs to one cpuset; the request's reference moves to the holder.
 * -EBUSY if it is bound to another one already.
 */
static int zl_holder_bind(struct zl_holder *h, struct zl_holder_req *req)
{
	lockdep_assert_held(&h->lock);

	/* A context's policy says where: no node of one's own. */
	if ((req->ctx || h->ctx) &&
	    (req->nid != NUMA_NO_NODE || req->flags & ZL_ALLOC_THISNODE))
		return -EINVAL;
	if (!req->ctx)
		return 0;
	if (h->ctx && h->ctx != req->ctx)
		return -EBUSY;
	if (!h->ctx) {
		if (h->nr_pages)
			return -EBUSY;	/* its pages are charged to itself */
		h->ctx = req->ctx;
		req->ctx = NULL;
		zl_ctx_add_holder(h->ctx, h);
	}
	return 0;
}

/* One allocation of a request, the i-th, into @page. */
static int zl_holder_alloc_one(struct zl_holder *h,
			       const struct zl_holder_req *req,
			       unsigned long i, struct page **page)
{
	struct zl_mempolicy *pol = NULL;
	long ilx = req->region[0] ? req->offset + i : -1;
	int ret;

	/* The region may have gone since the request was checked. */
	if (req->region[0]) {
		ret = zl_region_lookup(req->region, ilx, &pol);
		if (ret)
			return ret;
	}
	if (h->ctx)
		*page = zl_ctx_alloc(h->ctx, pol, ilx, req->order, req->flags);
	else
		*page = zl_task_alloc(pol, ilx, req->order, req->nid,
				      req->flags, &h->owner);
	/* The lookup's reference, if the region gave a policy. */
	if (pol)
		zl_mpol_cond_put(pol);
	return *page ? 0 : -ENOMEM;
}

/* A request's checks: nothing is allocated unless they all pass. */
static int zl_holder_check(struct zl_holder *h, struct zl_holder_req *req)
{
	int ret = zl_holder_bind(h, req);

	if (!ret && req->region[0])
		ret = zl_region_check(req->region, req->offset, req->count);
	return ret;
}

/**
 * zl_holder_alloc() - allocate @req->count blocks into @h.
 * @h:		the holder.
 * @req:	the request; a context reference in it is taken over or
 *		left for the caller to drop.
 *
 * Return: @req->count; -EBUSY (bound to another context, or holding
 * pages of its own), -EINVAL (a node asked for under a context), -ENOENT
 * or -ERANGE (no such region, pages past its end), all before anything is
 * allocated; -ENOMEM when an allocation failed, the blocks allocated
 * before staying held.
 */
long zl_holder_alloc(struct zl_holder *h, struct zl_holder_req *req)
{
	long ret = req->count;
	unsigned long i;

	mutex_lock(&h->lock);
	ret = zl_holder_check(h, req) ?: ret;
	/* The reaper took its pages: say so once, as a killed task would. */
	if (ret > 0 && h->reap_pending) {
		h->reap_pending = false;
		ret = -ENOMEM;
	}
	for (i = 0; i < req->count && ret > 0; i++) {
		struct page *page;
		int err = zl_holder_alloc_one(h, req, i, &page);

		if (err) {
			ret = err;
			break;
		}
		/* A held block's head keeps its order in page->private. */
		set_page_private(page, req->order);
		list_add_tail(&page->lru, &h->pages);
		h->nr_pages += 1UL << req->order;
		h->node_pages[page_to_nid(page)] += 1UL << req->order;
		zl_owner_charge(zl_holder_owner(h), page, req->order, true);
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
	if (h->ctx) {
		zl_ctx_del_holder(h->ctx, h);
		zl_ctx_put(h->ctx);
	}
	zl_owner_unregister(&h->owner);
	zl_owner_destroy(&h->owner);
	mutex_destroy(&h->lock);
	kfree(h->node_pages);
	kfree(h);
}

/* The holder's own oom_score_adj; -EINVAL once bound (the context's). */
int zl_holder_set_oom_score_adj(struct zl_holder *h, int adj)
{
	int ret = 0;

	if (adj < ZL_OOM_ADJ_MIN || adj > ZL_OOM_ADJ_MAX)
		return -ERANGE;
	mutex_lock(&h->lock);
	if (h->ctx)
		ret = -EINVAL;
	else
		WRITE_ONCE(h->owner.oom_score_adj, adj);
	mutex_unlock(&h->lock);
	return ret;
}

/* Enough for zl_holder_format(): "pages", a line per node, "reaped". */
size_t zl_holder_text_size(void)
{
	return 64 + nr_node_ids * 32;
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
	if (h->reaped)
		len += scnprintf(buf + len, size - len, "reaped %lu\n",
				 h->reaped);
	mutex_unlock(&h->lock);
	return len;
}
