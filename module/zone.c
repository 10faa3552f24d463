// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab zones: real pages reserved from every node with memory, kept in
 * buddy free lists per zonelab zone, with the kernel's watermarks and
 * lowmem protection computed over zonelab's own pool.
 *
 * Pages are reserved in naturally aligned blocks of 2^zl_block_order pages
 * and each block joins the zonelab zone that mirrors the real zone it came
 * from.  Buddies are merged only inside a block, so a buddy is always a
 * zonelab page and the block can be handed back whole at unload.  The
 * buddy state lives in the pages themselves, as the kernel keeps it: a free
 * block's head page has page->private == ZL_PAGE_FREE | order and is linked
 * through page->lru.  zonelab owns these pages, so both fields are its own.
 *
 * Blocks are also the unit of zonelab's memory hotplug (hotplug.c).  A block
 * going offline is isolated: its free chunks leave the buddy lists and
 * pages freed into it later stay out of them too (ZL_PAGE_ISOLATED), as
 * the kernel's MIGRATE_ISOLATE free list keeps them, until every page of
 * the block is free and it can go offline whole.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmstat.h>
#include <linux/xarray.h>

#include "zonelab.h"

/* page->private of the head page of a free chunk: this flag | order. */
#define ZL_PAGE_FREE		0x5a10000UL
/* The same for a free chunk held out of the buddy lists by isolation. */
#define ZL_PAGE_ISOLATED	0x5a20000UL
#define ZL_PAGE_ORDER_MASK	0xffUL

/* Order of a reserved block; a module parameter, fixed after init. */
unsigned int zl_block_order = ZL_NR_ORDERS - 1;

/*
 * The zones, nr_node_ids * MAX_NR_ZONES of them, indexed by node and zone
 * index.  Allocated and filled at init, freed at exit; between the two the
 * array and every zone's identity are read-only, while its blocks,
 * watermarks and pcp limits change under zl_hotplug_lock.
 */
static struct zl_zone *zl_zones;

/*
 * Serialises block state changes, the adding and removing of blocks and
 * the recomputing of watermarks that follows them.  Taken inside
 * cpu_hotplug_lock, which memory hotplug holds around its notifiers and
 * which draining pcplists needs (hotplug.c takes both in that order).
 */
DEFINE_MUTEX(zl_hotplug_lock);

/*
 * Every block by id (pfn >> zl_block_order).  Blocks are added and removed
 * under zl_hotplug_lock (and at exit, when nothing else runs); xa_load()
 * finds a page's block without a lock (the block of a page in use cannot
 * go away).
 */
static DEFINE_XARRAY(zl_blocks);

/* Woken when a free completes the isolation of a block. */
DECLARE_WAIT_QUEUE_HEAD(zl_block_wq);

/* Blocks offline now; lets the pcp fast path skip its offline check. */
atomic_t zl_nr_blocks_offline = ATOMIC_INIT(0);

/* zl_zones_init()'s min_free_kbytes, for recomputing after hotplug. */
static unsigned long zl_min_free_kbytes;

/* The kernel's sysctl_lowmem_reserve_ratio defaults (mm/page_alloc.c). */
static const int zl_lowmem_reserve_ratio[MAX_NR_ZONES] = {
#ifdef CONFIG_ZONE_DMA
	[ZONE_DMA] = 256,
#endif
#ifdef CONFIG_ZONE_DMA32
	[ZONE_DMA32] = 256,
#endif
	[ZONE_NORMAL] = 32,
};

struct zl_zone *zl_zone_slot(int slot)
{
	return &zl_zones[slot];
}

struct zl_zone *zl_zone_get(int nid, int zone_idx)
{
	return zl_zone_slot(nid * MAX_NR_ZONES + zone_idx);
}

/* The slot of a zone: its index in zl_zones, as zl_zone_slot() takes. */
int zl_zone_slot_of(const struct zl_zone *zone)
{
	return zone->nid * MAX_NR_ZONES + zone->zone_idx;
}

struct zl_block *zl_block_get(unsigned long id)
{
	return xa_load(&zl_blocks, id);
}

/* The first block whose id is @*id or above, which it then names. */
struct zl_block *zl_block_find(unsigned long *id)
{
	return xa_find(&zl_blocks, id, ULONG_MAX, XA_PRESENT);
}

/* The block of a page zonelab reserved. */
struct zl_block *zl_page_block(struct page *page)
{
	return zl_block_get(page_to_pfn(page) >> zl_block_order);
}

/* Pages of zonelab's pool on the nodes of @nodes, or on all when NULL. */
unsigned long zl_pool_pages(const nodemask_t *nodes)
{
	unsigned long pages = 0;
	int i;

	for (i = 0; i < ZL_NR_ZONE_SLOTS; i++) {
		struct zl_zone *zone = zl_zone_slot(i);

		if (!nodes || node_isset(zone->nid, *nodes))
			pages += READ_ONCE(zone->managed);
	}
	return pages;
}

/* The zonelab zone of a page zonelab reserved: the page's real zone. */
struct zl_zone *zl_page_zone(struct page *page)
{
	return zl_zone_get(page_to_nid(page), page_zonenum(page));
}

/*
 * Pages of a zonelab zone's online blocks; 0 before init.  Topology
 * snapshots take it: a zone with none is not in zonelab's zonelists.
 */
unsigned long zl_zone_pages(int nid, int zone_idx)
{
	/* Pairs with WRITE_ONCE() where blocks go online or offline. */
	return zl_zones ? READ_ONCE(zl_zone_get(nid, zone_idx)->managed) : 0;
}

static bool zl_page_is_free(struct page *page, unsigned int order)
{
	return page_private(page) == (ZL_PAGE_FREE | order);
}

/* The order of a free chunk's head marked @flag, or -1 if it is not one. */
static int zl_page_order_if(struct page *page, unsigned long flag)
{
	unsigned long priv = page_private(page);

	return (priv & ~ZL_PAGE_ORDER_MASK) == flag ?
	       (int)(priv & ZL_PAGE_ORDER_MASK) : -1;
}

/*
 * A free into a block that is going offline stays out of the buddy lists.
 * Return: true if @page was kept aside so.
 */
static bool zl_free_isolated(struct zl_zone *zone, struct page *page,
			     unsigned int order)
{
	struct zl_block *block;

	lockdep_assert_held(&zone->lock);

	if (likely(!zone->nr_isolating))
		return false;
	block = zl_page_block(page);
	if (block->state == ZL_BLOCK_ONLINE)
		return false;
	set_page_private(page, ZL_PAGE_ISOLATED | order);
	block->isolated += 1UL << order;
	if (block->isolated == 1UL << zl_block_order)
		wake_up_all(&zl_block_wq);
	return true;
}

static void zl_add_free(struct zl_zone *zone, struct page *page,
			unsigned int order)
{
	set_page_private(page, ZL_PAGE_FREE | order);
	list_add(&page->lru, &zone->free_area[order].list);
	/* Pairs with READ_ONCE() in zl_zone_watermark_ok(). */
	WRITE_ONCE(zone->free_area[order].nr_free,
		   zone->free_area[order].nr_free + 1);
}

static void zl_del_free(struct zl_zone *zone, struct page *page,
			unsigned int order)
{
	list_del(&page->lru);
	set_page_private(page, 0);
	WRITE_ONCE(zone->free_area[order].nr_free,
		   zone->free_area[order].nr_free - 1);
}

/**
 * __zl_buddy_free() - put a 2^order block back, merging with free buddies.
 * @zone:	the block's zone.
 * @page:	the block's first page.
 * @order:	its order.
 *
 * Context: @zone->lock held.
 */
void __zl_buddy_free(struct zl_zone *zone, struct page *page,
		     unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);

	lockdep_assert_held(&zone->lock);

	if (zl_free_isolated(zone, page, order))
		return;
	atomic_long_add(1L << order, &zone->free_pages);
	while (order < zl_block_order) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy = pfn_to_page(buddy_pfn);

		if (!zl_page_is_free(buddy, order))
			break;
		zl_del_free(zone, buddy, order);
		pfn &= buddy_pfn;
		order++;
	}
	zl_add_free(zone, pfn_to_page(pfn), order);
}

void zl_buddy_free(struct zl_zone *zone, struct page *page,
		   unsigned int order)
{
	spin_lock(&zone->lock);
	zl_count(ZL_STAT_ZONE_LOCK);
	__zl_buddy_free(zone, page, order);
	spin_unlock(&zone->lock);
}

/*
 * __zl_buddy_alloc() - the smallest free block of at least @order, split
 * down to @order.  Context: @zone->lock held.
 */
struct page *__zl_buddy_alloc(struct zl_zone *zone, unsigned int order)
{
	unsigned int o;

	lockdep_assert_held(&zone->lock);

	for (o = order; o < ZL_NR_ORDERS; o++) {
		struct page *page;

		page = list_first_entry_or_null(&zone->free_area[o].list,
						struct page, lru);
		if (!page)
			continue;
		zl_del_free(zone, page, o);
		/* Keep the low half, free the high halves, as expand() does. */
		while (o > order) {
			o--;
			zl_add_free(zone, page + (1UL << o), o);
		}
		atomic_long_sub(1L << order, &zone->free_pages);
		return page;
	}
	return NULL;
}

/**
 * zl_buddy_alloc() - take a 2^order block from a zone's buddy lists.
 * @zone:	the zone.
 * @order:	the order.
 *
 * Return: the block's first page, or NULL when no block is large enough.
 */
struct page *zl_buddy_alloc(struct zl_zone *zone, unsigned int order)
{
	struct page *page;

	spin_lock(&zone->lock);
	zl_count(ZL_STAT_ZONE_LOCK);
	page = __zl_buddy_alloc(zone, order);
	spin_unlock(&zone->lock);
	return page;
}

/**
 * zl_zone_watermark_ok() - may an allocation of @order take from @zone?
 * @zone:		the zone.
 * @order:		the order.
 * @mark:		the watermark to keep, in pages.
 * @highest_zoneidx:	the highest zone the request may use; lower zones
 *			keep lowmem_reserve[@highest_zoneidx] free for it.
 *
 * __zone_watermark_ok() without reserves: the free pages minus what this
 * request makes unusable must stay above the mark plus the protection, and
 * a high-order request needs a free block of at least its order.
 */
bool zl_zone_watermark_ok(struct zl_zone *zone, unsigned int order,
			  unsigned long mark, int highest_zoneidx)
{
	long free = atomic_long_read(&zone->free_pages) - ((1L << order) - 1);
	unsigned int o;

	/* Pairs with WRITE_ONCE() in zl_node_set_lowmem_reserve(). */
	if (free <= (long)mark + READ_ONCE(zone->lowmem_reserve[highest_zoneidx]))
		return false;
	if (!order)
		return true;
	for (o = order; o < ZL_NR_ORDERS; o++)
		if (READ_ONCE(zone->free_area[o].nr_free))
			return true;
	return false;
}

/*
 * Pages taken from memory the kernel may offline again are PageOffline,
 * as virtio-mem's are: the kernel's offline then lets zonelab hand them
 * over in MEM_GOING_OFFLINE instead of refusing the range as unmovable.
 */
static void zl_block_set_page_offline(struct zl_block *block, bool set)
{
	unsigned long i;

	if (!block->contig)
		return;
	for (i = 0; i < 1UL << zl_block_order; i++) {
		if (set)
			__SetPageOffline(block->page + i);
		else
			__ClearPageOffline(block->page + i);
	}
}

static void zl_block_clear_private(struct zl_block *block)
{
	unsigned long i;

	for (i = 0; i < 1UL << zl_block_order; i++)
		set_page_private(block->page + i, 0);
}

/**
 * zl_block_add() - add 2^zl_block_order reserved pages to their zone's
 * pool as a new online block, free in the buddy lists.
 * @page:	the first page, naturally aligned.
 * @contig:	it came from alloc_contig_range(), not alloc_pages_node().
 *
 * Context: zl_hotplug_lock held.
 * Return: 0 or -ENOMEM; on error the pages are still the caller's.
 */
int zl_block_add(struct page *page, bool contig)
{
	unsigned long nr = 1UL << zl_block_order, pfn = page_to_pfn(page);
	struct zl_zone *zone = zl_page_zone(page);
	struct zl_block *block;

	lockdep_assert_held(&zl_hotplug_lock);

	block = kzalloc(sizeof(*block), GFP_KERNEL);
	if (!block)
		return -ENOMEM;
	block->zone = zone;
	block->page = page;
	block->id = pfn >> zl_block_order;
	block->contig = contig;
	if (xa_err(xa_store(&zl_blocks, block->id, block, GFP_KERNEL))) {
		kfree(block);
		return -ENOMEM;
	}
	zl_block_clear_private(block);
	zl_block_set_page_offline(block, contig);

	spin_lock(&zone->lock);
	if (!zone->present || pfn < zone->start_pfn)
		zone->start_pfn = pfn;
	zone->end_pfn = max(zone->end_pfn, pfn + nr);
	list_add_tail(&block->node, &zone->blocks);
	WRITE_ONCE(zone->present, zone->present + nr);
	WRITE_ONCE(zone->managed, zone->managed + nr);
	__zl_buddy_free(zone, page, zl_block_order);
	spin_unlock(&zone->lock);
	zl_count_add(ZL_STAT_PAGES_RESERVED, nr);
	return 0;
}

/*
 * Drop a block that is offline (or, at exit, free): off its zone and the
 * xarray, freed after a grace period.  With @hand_back its pages go back
 * to the kernel; without, the kernel has them already (a real offline took
 * a given block) and their memmap may be gone: they are not touched.
 */
static void zl_block_remove(struct zl_block *block, bool hand_back)
{
	unsigned long nr = 1UL << zl_block_order;
	struct zl_zone *zone = block->zone;

	spin_lock(&zone->lock);
	list_del(&block->node);
	WRITE_ONCE(zone->present, zone->present - nr);
	spin_unlock(&zone->lock);
	if (block->state == ZL_BLOCK_OFFLINE)
		atomic_dec(&zl_nr_blocks_offline);
	xa_erase(&zl_blocks, block->id);
	if (hand_back) {
		zl_block_clear_private(block);
		zl_block_set_page_offline(block, false);
		if (block->contig)
			free_contig_range(page_to_pfn(block->page), nr);
		else
			__free_pages(block->page, zl_block_order);
	}
	kfree_rcu(block, rcu);
	zl_count_add(ZL_STAT_PAGES_RETURNED, nr);
}

/**
 * zl_block_release() - hand an offline block's pages back to the kernel.
 * @block:	the block, offline: every page free and out of the lists.
 *
 * Context: zl_hotplug_lock held.
 */
void zl_block_release(struct zl_block *block)
{
	lockdep_assert_held(&zl_hotplug_lock);

	zl_block_remove(block, true);
}

/**
 * zl_block_forget() - the kernel offlined a given block's memory: the
 * pages are its now; zonelab drops the block without touching them.
 * @block:	a given block.
 *
 * Context: zl_hotplug_lock held.
 */
void zl_block_forget(struct zl_block *block)
{
	lockdep_assert_held(&zl_hotplug_lock);

	zl_block_remove(block, false);
}

/*
 * Every free chunk of @block whose head is marked @flag: call @fn on it.
 * Context: the zone's lock held.
 */
static void zl_block_chunks(struct zl_block *block, unsigned long flag,
			    void (*fn)(struct zl_block *block,
				       struct page *page, unsigned int order))
{
	unsigned long i = 0;
	int order;

	lockdep_assert_held(&block->zone->lock);

	while (i < 1UL << zl_block_order) {
		struct page *page = block->page + i;

		order = zl_page_order_if(page, flag);
		if (order < 0) {
			i++;
			continue;
		}
		fn(block, page, order);
		i += 1UL << order;
	}
}

/* A free chunk leaves the buddy lists for the block's isolation. */
static void zl_chunk_isolate(struct zl_block *block, struct page *page,
			     unsigned int order)
{
	struct zl_zone *zone = block->zone;

	zl_del_free(zone, page, order);
	atomic_long_sub(1L << order, &zone->free_pages);
	set_page_private(page, ZL_PAGE_ISOLATED | order);
	block->isolated += 1UL << order;
}

/* An isolated free chunk goes back to the buddy lists. */
static void zl_chunk_unisolate(struct zl_block *block, struct page *page,
			       unsigned int order)
{
	set_page_private(page, 0);
	__zl_buddy_free(block->zone, page, order);
}

/**
 * zl_block_give() - drop (or take back) the references of an offline
 * block's PageOffline pages, so that a real memory offline in progress may
 * take them (MEM_GOING_OFFLINE) or give them back (MEM_CANCEL_OFFLINE).
 * @block:	an offline block taken from hotplugged memory.
 * @give:	drop (true) or take back (false).
 *
 * Context: zl_hotplug_lock held.
 */
void zl_block_give(struct zl_block *block, bool give)
{
	unsigned long i;

	lockdep_assert_held(&zl_hotplug_lock);

	for (i = 0; i < 1UL << zl_block_order; i++) {
		if (give)
			page_ref_dec(block->page + i);
		else
			page_ref_inc(block->page + i);
	}
	block->given = give;
}

/**
 * zl_block_isolate() - start taking a block offline: its free chunks
 * leave the buddy lists, and so will every page freed into it.
 * @block:	an online block whose zone's pcplists are disabled and
 *		drained, so no free page of it hides in a pcplist.
 *
 * Context: zl_hotplug_lock held.
 */
void zl_block_isolate(struct zl_block *block)
{
	struct zl_zone *zone = block->zone;

	lockdep_assert_held(&zl_hotplug_lock);

	spin_lock(&zone->lock);
	WRITE_ONCE(block->state, ZL_BLOCK_GOING_OFFLINE);
	zone->nr_isolating++;
	zl_block_chunks(block, ZL_PAGE_FREE, zl_chunk_isolate);
	spin_unlock(&zone->lock);
}

/* Every page of an isolated block is free: it may go offline. */
bool zl_block_isolated_all(struct zl_block *block)
{
	bool all;

	spin_lock(&block->zone->lock);
	all = block->isolated == 1UL << zl_block_order;
	spin_unlock(&block->zone->lock);
	return all;
}

/**
 * zl_block_unisolate() - give up taking a block offline: its isolated
 * free chunks go back to the buddy lists, and later frees with them.
 * @block:	a block going offline.
 *
 * Context: zl_hotplug_lock held.
 */
void zl_block_unisolate(struct zl_block *block)
{
	struct zl_zone *zone = block->zone;

	lockdep_assert_held(&zl_hotplug_lock);

	spin_lock(&zone->lock);
	WRITE_ONCE(block->state, ZL_BLOCK_ONLINE);
	zone->nr_isolating--;
	block->isolated = 0;
	zl_block_chunks(block, ZL_PAGE_ISOLATED, zl_chunk_unisolate);
	spin_unlock(&zone->lock);
}

/**
 * zl_block_set_offline() - finish taking a fully isolated block offline.
 * @block:	a block going offline with every page isolated.
 *
 * Context: zl_hotplug_lock held; watermarks are recomputed by the caller.
 */
void zl_block_set_offline(struct zl_block *block)
{
	struct zl_zone *zone = block->zone;

	lockdep_assert_held(&zl_hotplug_lock);

	spin_lock(&zone->lock);
	WRITE_ONCE(block->state, ZL_BLOCK_OFFLINE);
	zone->nr_isolating--;
	WRITE_ONCE(zone->managed, zone->managed - (1UL << zl_block_order));
	spin_unlock(&zone->lock);
	zl_block_clear_private(block);
	atomic_inc(&zl_nr_blocks_offline);
}

/**
 * zl_block_set_online() - bring an offline block back, free.
 * @block:	an offline block.
 *
 * Context: zl_hotplug_lock held; watermarks are recomputed by the caller.
 */
void zl_block_set_online(struct zl_block *block)
{
	struct zl_zone *zone = block->zone;

	lockdep_assert_held(&zl_hotplug_lock);

	atomic_dec(&zl_nr_blocks_offline);
	spin_lock(&zone->lock);
	WRITE_ONCE(block->state, ZL_BLOCK_ONLINE);
	block->isolated = 0;
	WRITE_ONCE(zone->managed, zone->managed + (1UL << zl_block_order));
	__zl_buddy_free(zone, block->page, zl_block_order);
	spin_unlock(&zone->lock);
}

/* Reserve up to @target pages from node @nid, a block at a time. */
static int zl_reserve_node(int nid, unsigned long target)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN |
			  __GFP_NORETRY;
	unsigned long nr = 1UL << zl_block_order, got;

	for (got = 0; got + nr <= target; got += nr) {
		struct page *page = alloc_pages_node(nid, gfp, zl_block_order);

		if (!page)
			break;
		if (zl_block_add(page, false)) {
			__free_pages(page, zl_block_order);
			return -ENOMEM;
		}
	}
	if (got < target)
		pr_info("node %d: reserved %lu of %lu pages\n", nid, got, target);
	return 0;
}

/* The kernel's calculate_min_free_kbytes(), over zonelab's pool. */
static unsigned long zl_default_min_free_kbytes(unsigned long pool_pages)
{
	unsigned long kbytes = pool_pages * (PAGE_SIZE >> 10);

	return clamp(int_sqrt(kbytes * 16), 128UL, 262144UL);
}

/* __setup_per_zone_wmarks() for one zone (no highmem on x86_64). */
static void zl_zone_set_wmarks(struct zl_zone *zone, unsigned long pages_min,
			       unsigned long pool_pages)
{
	unsigned long min = mult_frac(pages_min, zone->managed, pool_pages);
	unsigned long step = max(min >> 2, mult_frac(zone->managed, 10, 10000));

	/* Walks read them as this runs: pairs with zl_wmark(). */
	WRITE_ONCE(zone->watermark[ZL_WMARK_MIN], min);
	WRITE_ONCE(zone->watermark[ZL_WMARK_LOW], min + step);
	WRITE_ONCE(zone->watermark[ZL_WMARK_HIGH], min + 2 * step);
}

/* setup_per_zone_lowmem_reserve() for one node's zones. */
static void zl_node_set_lowmem_reserve(int nid)
{
	int i, j;

	for (i = 0; i < MAX_NR_ZONES - 1; i++) {
		struct zl_zone *zone = zl_zone_get(nid, i);
		int ratio = zl_lowmem_reserve_ratio[i];
		bool clear = !ratio || !zone->managed;
		unsigned long upper = 0;

		for (j = i + 1; j < MAX_NR_ZONES; j++) {
			upper += zl_zone_get(nid, j)->managed;
			WRITE_ONCE(zone->lowmem_reserve[j],
				   clear ? 0 : upper / ratio);
		}
	}
}

/*
 * zone_batchsize() and zone_highsize() of 6.1, computed per zone and cached
 * there (the 2020 change that stopped computing them per CPU), and again
 * when the zone's size changes, as zone_pcp_update() does.
 */
static void zl_zone_set_pcp_limits(struct zl_zone *zone)
{
	int batch, nr_split_cpus;

	batch = min(zone->managed >> 10, SZ_1M / PAGE_SIZE) / 4;
	batch = max(batch, 1);
	batch = max(rounddown_pow_of_two(batch + batch / 2) - 1, 1);

	nr_split_cpus = cpumask_weight(cpumask_of_node(zone->nid));
	if (!nr_split_cpus)
		nr_split_cpus = num_online_cpus();
	/* Pairs with READ_ONCE() in pcp.c. */
	WRITE_ONCE(zone->pcp_batch, batch);
	WRITE_ONCE(zone->pcp_high,
		   max_t(int, zone->watermark[ZL_WMARK_LOW] / nr_split_cpus,
			 batch << 2));
}

/**
 * zl_zones_recompute() - watermarks, lowmem protection and pcp limits of
 * every zone from the pool's current size, as the kernel recomputes its
 * own after memory goes online or offline.
 *
 * Context: zl_hotplug_lock held.
 */
void zl_zones_recompute(void)
{
	unsigned long pool = zl_pool_pages(NULL), kbytes = zl_min_free_kbytes;
	unsigned long pages_min;
	int nid, idx;

	lockdep_assert_held(&zl_hotplug_lock);

	if (!pool)
		return;
	if (!kbytes)
		kbytes = zl_default_min_free_kbytes(pool);
	pages_min = kbytes >> (PAGE_SHIFT - 10);

	for (nid = 0; nid < nr_node_ids; nid++) {
		for (idx = 0; idx < MAX_NR_ZONES; idx++) {
			struct zl_zone *zone = zl_zone_get(nid, idx);

			zl_zone_set_wmarks(zone, pages_min, pool);
			if (zone->managed)
				zl_zone_set_pcp_limits(zone);
		}
		zl_node_set_lowmem_reserve(nid);
	}
}

/*
 * The kernel's zone names (page_alloc.c's zone_names[], not exported),
 * for every node: a node hot-added after load had no pgdat to name its
 * zones from when zonelab set them up.
 */
static const char * const zl_zone_names[MAX_NR_ZONES] = {
#ifdef CONFIG_ZONE_DMA
	[ZONE_DMA]	= "DMA",
#endif
#ifdef CONFIG_ZONE_DMA32
	[ZONE_DMA32]	= "DMA32",
#endif
	[ZONE_NORMAL]	= "Normal",
#ifdef CONFIG_HIGHMEM
	[ZONE_HIGHMEM]	= "HighMem",
#endif
	[ZONE_MOVABLE]	= "Movable",
#ifdef CONFIG_ZONE_DEVICE
	[ZONE_DEVICE]	= "Device",
#endif
};

static void zl_zone_init_one(struct zl_zone *zone, int nid, int idx)
{
	unsigned int o;

	zone->nid = nid;
	zone->zone_idx = idx;
	zone->name = zl_zone_names[idx];
	spin_lock_init(&zone->lock);
	for (o = 0; o < ZL_NR_ORDERS; o++)
		INIT_LIST_HEAD(&zone->free_area[o].list);
	atomic_long_set(&zone->free_pages, 0);
	INIT_LIST_HEAD(&zone->blocks);
}

/*
 * Hand every block of a zone back to the kernel.  Every page must be free
 * by now; if one is not, someone still uses it, and leaking the zone is
 * better than handing the kernel a page in use.
 */
static void zl_zone_release(struct zl_zone *zone)
{
	struct zl_block *block, *tmp;

	if (WARN_ON_ONCE(atomic_long_read(&zone->free_pages) != zone->managed))
		return;

	list_for_each_entry_safe(block, tmp, &zone->blocks, node)
		zl_block_remove(block, true);
}

static void zl_zones_release_all(void)
{
	int i;

	for (i = 0; i < ZL_NR_ZONE_SLOTS; i++)
		zl_zone_release(zl_zone_slot(i));
}

/**
 * zl_zones_exit() - give every reserved page back to the kernel.
 *
 * Context: nothing holds zonelab pages any more and pcplists are drained.
 */
void zl_zones_exit(void)
{
	zl_zones_release_all();
	xa_destroy(&zl_blocks);
	kvfree(zl_zones);
	zl_zones = NULL;
}

/**
 * zl_zones_init() - reserve the pool and set up every zonelab zone.
 * @pages_per_node:	pages to reserve from each node with memory.
 * @reserve_percent:	cap: at most this share of a node's free pages.
 * @min_free_kbytes:	the pool's min_free_kbytes; 0 computes it from the
 *			pool's size as the kernel does for the machine.
 *
 * Return: 0, or a negative errno with everything given back: -EINVAL
 * for a block order past the kernel's or min_free_kbytes over the pool.
 */
int zl_zones_init(unsigned long pages_per_node, unsigned int reserve_percent,
		  unsigned long min_free_kbytes)
{
	int nid, idx, ret = 0;

	if (zl_block_order >= ZL_NR_ORDERS)
		return -EINVAL;

	zl_zones = kvcalloc(array_size(nr_node_ids, MAX_NR_ZONES),
			    sizeof(*zl_zones), GFP_KERNEL);
	if (!zl_zones)
		return -ENOMEM;
	for (nid = 0; nid < nr_node_ids; nid++)
		for (idx = 0; idx < MAX_NR_ZONES; idx++)
			zl_zone_init_one(zl_zone_get(nid, idx), nid, idx);

	/* Nothing else runs yet; the lock is what block changes assert. */
	mutex_lock(&zl_hotplug_lock);
	for_each_node_state(nid, N_MEMORY) {
		unsigned long cap = zl_node_free_pages(nid) / 100 * reserve_percent;

		ret = zl_reserve_node(nid, min(pages_per_node, cap));
		if (ret)
			break;
	}
	/* Watermarks past the pool would fail every allocation. */
	if (!ret && min_free_kbytes > zl_pool_pages(NULL) * (PAGE_SIZE >> 10)) {
		pr_err("min_free_kbytes %lu is over the pool's %lu kB\n",
		       min_free_kbytes, zl_pool_pages(NULL) * (PAGE_SIZE >> 10));
		ret = -EINVAL;
	}
	zl_min_free_kbytes = min_free_kbytes;
	if (!ret)
		zl_zones_recompute();
	mutex_unlock(&zl_hotplug_lock);
	if (ret)
		zl_zones_exit();
	return ret;
}

/**
 * zl_zone_show() - a zone's lines of the `zoneinfo` file, in the layout of
 * /proc/zoneinfo up to its pagesets (pcp.c prints those).
 * @m:		the seq_file.
 * @zone:	a zone that holds blocks (present, if not managed).
 *
 * Free counts are read without the zone lock: a snapshot.
 */
void zl_zone_show(struct seq_file *m, struct zl_zone *zone)
{
	unsigned long spanned;
	int i;

	seq_printf(m, "Node %d, zone %8s", zone->nid, zone->name);
	seq_printf(m, "\n  pages free     %lu",
		   atomic_long_read(&zone->free_pages));
	seq_printf(m, "\n        %-12s %lu", "min", zl_wmark(zone, ZL_WMARK_MIN));
	seq_printf(m, "\n        %-12s %lu", "low", zl_wmark(zone, ZL_WMARK_LOW));
	seq_printf(m, "\n        %-12s %lu", "high", zl_wmark(zone, ZL_WMARK_HIGH));
	spin_lock(&zone->lock);
	spanned = zone->end_pfn - zone->start_pfn;
	spin_unlock(&zone->lock);
	seq_printf(m, "\n        %-12s %lu", "spanned", spanned);
	seq_printf(m, "\n        %-12s %lu", "present", READ_ONCE(zone->present));
	seq_printf(m, "\n        %-12s %lu", "managed", READ_ONCE(zone->managed));
	seq_printf(m, "\n        protection: (%ld",
		   READ_ONCE(zone->lowmem_reserve[0]));
	for (i = 1; i < MAX_NR_ZONES; i++)
		seq_printf(m, ", %ld", READ_ONCE(zone->lowmem_reserve[i]));
	seq_putc(m, ')');
}

/**
 * zl_buddy_show() - free blocks per order, in /proc/buddyinfo's layout.
 * @m:	the seq_file of the `buddyinfo` file.
 */
void zl_buddy_show(struct seq_file *m)
{
	int nid, idx;
	unsigned int o;

	for_each_online_node(nid) {
		for (idx = 0; idx < MAX_NR_ZONES; idx++) {
			struct zl_zone *zone = zl_zone_get(nid, idx);

			if (!READ_ONCE(zone->present))
				continue;
			seq_printf(m, "Node %d, zone %8s ", nid, zone->name);
			spin_lock(&zone->lock);
			for (o = 0; o < ZL_NR_ORDERS; o++)
				seq_printf(m, "%6lu ", zone->free_area[o].nr_free);
			spin_unlock(&zone->lock);
			seq_putc(m, '\n');
		}
	}
}
