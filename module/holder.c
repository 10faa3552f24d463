// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab holder: the pages one open `alloc` file holds, allocated for the
 * writing task (its cpuset, or the context the file is bound to) and freed
 * all at once at close.
 *
 * A holder is an OOM owner of its own until a write binds it to a context;
 * from then on its pages are the context's, and it is a member of the
 * context's owner, which is how the reaper reaches it (oom.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "zonelab.h"

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

/*
 * The OOM reaper on a holder whose owner, or whose context, is a victim:
 * every page goes; its next write fails with -ENOMEM, its reads say how
 * much was reaped.  @trylock: give up if the holder is busy (the reaper
 * holds a lock the holder's allocations may wait for) and come again.
 */
static void zl_holder_reap(struct zl_owner *o, bool trylock)
{
	struct zl_holder *h = container_of(o, struct zl_holder, owner);
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
	    zl_owner_init(&h->owner, "file", name, zl_holder_reap)) {
		kfree(h->node_pages);
		kfree(h);
		return NULL;
	}
	mutex_init(&h->lock);
	INIT_LIST_HEAD(&h->pages);
	zl_owner_register(&h->owner);
	return h;
}

/*
 * Whether the request may bind the holder to its context: a holder
 * belongs to one context for good, as a task to one cpuset.  -EBUSY if it
 * is bound to another one, or holds pages charged to itself.
 */
static int zl_holder_may_bind(struct zl_holder *h,
			      const struct zl_holder_req *req)
{
	lockdep_assert_held(&h->lock);

	/* A context's policy says where: no node of one's own. */
	if ((req->ctx || h->ctx) &&
	    (req->nid != NUMA_NO_NODE || req->flags & ZL_ALLOC_THISNODE))
		return -EINVAL;
	if (!req->ctx || h->ctx == req->ctx)
		return 0;
	return h->ctx || h->nr_pages ? -EBUSY : 0;
}

/* Bind on first use; the request's context reference moves to @h. */
static void zl_holder_bind(struct zl_holder *h, struct zl_holder_req *req)
{
	lockdep_assert_held(&h->lock);

	if (!req->ctx || h->ctx)
		return;
	h->ctx = req->ctx;
	req->ctx = NULL;
	zl_owner_add_member(&h->ctx->owner, &h->owner);
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

/*
 * A request's checks, before anything changes: a request that fails one
 * neither binds the holder nor allocates.  The last is the reaper's mark,
 * which fails the holder's first write after a reap, as a killed task
 * sees no more of its allocations.
 */
static int zl_holder_check(struct zl_holder *h, struct zl_holder_req *req)
{
	int ret = zl_holder_may_bind(h, req);

	if (!ret && req->region[0])
		ret = zl_region_check(req->region, req->offset, req->count);
	if (!ret && h->reap_pending) {
		h->reap_pending = false;
		return -ENOMEM;
	}
	if (!ret)
		zl_holder_bind(h, req);
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
		zl_owner_del_member(&h->ctx->owner, &h->owner);
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
