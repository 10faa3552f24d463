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
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "zonelab.h"

/* page->private of the head page of a free block: this flag | order. */
#define ZL_PAGE_FREE	0x5a10000UL

/* Order of a reserved block; a module parameter, fixed after init. */
unsigned int zl_block_order = ZL_NR_ORDERS - 1;

/*
 * The zones, nr_node_ids * MAX_NR_ZONES of them, indexed by node and zone
 * index.  Allocated and filled at init, freed at exit; between the two the
 * array and every zone's identity, pool and watermarks are read-only.
 */
static struct zl_zone *zl_zones;

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

/* Pages in zonelab's whole pool. */
unsigned long zl_pool_pages(void)
{
	unsigned long pages = 0;
	int i;

	for (i = 0; i < ZL_NR_ZONE_SLOTS; i++)
		pages += zl_zone_slot(i)->managed;
	return pages;
}

/* The zonelab zone of a page zonelab reserved: the page's real zone. */
struct zl_zone *zl_page_zone(struct page *page)
{
	return zl_zone_get(page_to_nid(page), page_zonenum(page));
}

/* Pages in a zonelab zone's pool; 0 before init, for topology snapshots. */
unsigned long zl_zone_pages(int nid, int zone_idx)
{
	return zl_zones ? zl_zone_get(nid, zone_idx)->managed : 0;
}

static bool zl_page_is_free(struct page *page, unsigned int order)
{
	return page_private(page) == (ZL_PAGE_FREE | order);
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

	if (free <= (long)mark + zone->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	for (o = order; o < ZL_NR_ORDERS; o++)
		if (READ_ONCE(zone->free_area[o].nr_free))
			return true;
	return false;
}

/* Add a reserved block to its zone's pool, free in the buddy lists. */
static void zl_zone_add_block(struct zl_zone *zone, struct zl_block *block)
{
	unsigned long nr = 1UL << zl_block_order, pfn, i;

	for (i = 0; i < nr; i++)
		set_page_private(block->page + i, 0);

	pfn = page_to_pfn(block->page);
	if (!zone->managed || pfn < zone->start_pfn)
		zone->start_pfn = pfn;
	zone->end_pfn = max(zone->end_pfn, pfn + nr);

	spin_lock(&zone->lock);
	list_add_tail(&block->node, &zone->blocks);
	zone->managed += nr;
	__zl_buddy_free(zone, block->page, zl_block_order);
	spin_unlock(&zone->lock);
	zl_count_add(ZL_STAT_PAGES_RESERVED, nr);
}

/* Reserve up to @target pages from node @nid, a block at a time. */
static int zl_reserve_node(int nid, unsigned long target)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN |
			  __GFP_NORETRY;
	unsigned long nr = 1UL << zl_block_order, got;

	for (got = 0; got + nr <= target; got += nr) {
		struct zl_block *block;
		struct page *page;

		page = alloc_pages_node(nid, gfp, zl_block_order);
		if (!page)
			break;
		block = kmalloc(sizeof(*block), GFP_KERNEL);
		if (!block) {
			__free_pages(page, zl_block_order);
			return -ENOMEM;
		}
		block->page = page;
		zl_zone_add_block(zl_page_zone(page), block);
	}
	if (got < target)
		pr_info("node %d: reserved %lu of %lu pages\n", nid, got, target);
	return 0;
}

/* Free pages of a node, from the real zones' counters. */
static unsigned long zl_node_free_pages(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	unsigned long free = 0;
	int idx;

	for (idx = 0; idx < MAX_NR_ZONES; idx++)
		free += zone_page_state(&pgdat->node_zones[idx], NR_FREE_PAGES);
	return free;
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

	zone->watermark[ZL_WMARK_MIN] = min;
	zone->watermark[ZL_WMARK_LOW] = min + step;
	zone->watermark[ZL_WMARK_HIGH] = min + 2 * step;
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
			zone->lowmem_reserve[j] = clear ? 0 : upper / ratio;
		}
	}
}

/*
 * zone_batchsize() and zone_highsize() of 6.1, computed once per zone and
 * cached there: the 2020 change that stopped recomputing them per CPU.
 */
static void zl_zone_set_pcp_limits(struct zl_zone *zone)
{
	int batch, nr_split_cpus;

	batch = min(zone->managed >> 10, SZ_1M / PAGE_SIZE) / 4;
	batch = max(batch, 1);
	batch = rounddown_pow_of_two(batch + batch / 2) - 1;
	zone->pcp_batch = max(batch, 1);

	nr_split_cpus = cpumask_weight(cpumask_of_node(zone->nid));
	if (!nr_split_cpus)
		nr_split_cpus = num_online_cpus();
	zone->pcp_high = max_t(int, zone->watermark[ZL_WMARK_LOW] / nr_split_cpus,
			       zone->pcp_batch << 2);
}

static void zl_zones_setup(unsigned long min_free_kbytes)
{
	unsigned long pool = zl_pool_pages(), pages_min;
	int nid, idx;

	if (!pool)
		return;
	if (!min_free_kbytes)
		min_free_kbytes = zl_default_min_free_kbytes(pool);
	pages_min = min_free_kbytes >> (PAGE_SHIFT - 10);

	for_each_node_state(nid, N_MEMORY) {
		for (idx = 0; idx < MAX_NR_ZONES; idx++) {
			struct zl_zone *zone = zl_zone_get(nid, idx);

			if (!zone->managed)
				continue;
			zl_zone_set_wmarks(zone, pages_min, pool);
			zl_zone_set_pcp_limits(zone);
		}
		zl_node_set_lowmem_reserve(nid);
	}
}

static void zl_zone_init_one(struct zl_zone *zone, int nid, int idx)
{
	unsigned int o;

	zone->nid = nid;
	zone->zone_idx = idx;
	zone->name = NODE_DATA(nid) ? NODE_DATA(nid)->node_zones[idx].name : "";
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
static unsigned long zl_zone_release(struct zl_zone *zone)
{
	unsigned long nr = 1UL << zl_block_order, returned = 0, i;
	struct zl_block *block, *tmp;

	if (WARN_ON_ONCE(atomic_long_read(&zone->free_pages) != zone->managed))
		return 0;

	list_for_each_entry_safe(block, tmp, &zone->blocks, node) {
		for (i = 0; i < nr; i++)
			set_page_private(block->page + i, 0);
		list_del(&block->node);
		__free_pages(block->page, zl_block_order);
		kfree(block);
		returned += nr;
	}
	return returned;
}

static void zl_zones_release_all(void)
{
	unsigned long returned = 0;
	int i;

	for (i = 0; i < ZL_NR_ZONE_SLOTS; i++)
		returned += zl_zone_release(zl_zone_slot(i));
	zl_count_add(ZL_STAT_PAGES_RETURNED, returned);
}

/**
 * zl_zones_init() - reserve the pool and set up every zonelab zone.
 * @pages_per_node:	pages to reserve from each node with memory.
 * @reserve_percent:	cap: at most this share of a node's free pages.
 * @min_free_kbytes:	the pool's min_free_kbytes; 0 computes it from the
 *			pool's size as the kernel does for the machine.
 *
 * Return: 0, or a negative errno with everything given back.
 */
int zl_zones_init(unsigned long pages_per_node, unsigned int reserve_percent,
		  unsigned long min_free_kbytes)
{
	int nid, idx, ret;

	if (zl_block_order >= ZL_NR_ORDERS)
		return -EINVAL;

	zl_zones = kvcalloc(array_size(nr_node_ids, MAX_NR_ZONES),
			    sizeof(*zl_zones), GFP_KERNEL);
	if (!zl_zones)
		return -ENOMEM;
	for (nid = 0; nid < nr_node_ids; nid++)
		for (idx = 0; idx < MAX_NR_ZONES; idx++)
			zl_zone_init_one(zl_zone_get(nid, idx), nid, idx);

	for_each_node_state(nid, N_MEMORY) {
		unsigned long cap = zl_node_free_pages(nid) / 100 * reserve_percent;

		ret = zl_reserve_node(nid, min(pages_per_node, cap));
		if (ret)
			goto out_release;
	}
	zl_zones_setup(min_free_kbytes);
	return 0;

out_release:
	zl_zones_release_all();
	kvfree(zl_zones);
	zl_zones = NULL;
	return ret;
}

/**
 * zl_zones_exit() - give every reserved page back to the kernel.
 *
 * Context: nothing holds zonelab pages any more and pcplists are drained.
 */
void zl_zones_exit(void)
{
	zl_zones_release_all();
	kvfree(zl_zones);
	zl_zones = NULL;
}

static void zl_zoneinfo_show_pcp(struct seq_file *m, struct zl_zone *zone)
{
	int cpu;

	seq_puts(m, "\n  pagesets");
	for_each_online_cpu(cpu)
		seq_printf(m, "\n    cpu: %i\n              count: %i\n              high:  %i\n              batch: %i",
			   cpu, zl_pcp_count(zone, cpu), zone->pcp_high,
			   zone->pcp_batch);
}

static void zl_zoneinfo_show_zone(struct seq_file *m, struct zl_zone *zone)
{
	int i;

	seq_printf(m, "Node %d, zone %8s", zone->nid, zone->name);
	seq_printf(m, "\n  pages free     %lu",
		   atomic_long_read(&zone->free_pages));
	seq_printf(m, "\n        %-12s %lu", "min", zone->watermark[ZL_WMARK_MIN]);
	seq_printf(m, "\n        %-12s %lu", "low", zone->watermark[ZL_WMARK_LOW]);
	seq_printf(m, "\n        %-12s %lu", "high", zone->watermark[ZL_WMARK_HIGH]);
	seq_printf(m, "\n        %-12s %lu", "spanned",
		   zone->end_pfn - zone->start_pfn);
	seq_printf(m, "\n        %-12s %lu", "present", zone->managed);
	seq_printf(m, "\n        %-12s %lu", "managed", zone->managed);
	seq_printf(m, "\n        protection: (%ld", zone->lowmem_reserve[0]);
	for (i = 1; i < MAX_NR_ZONES; i++)
		seq_printf(m, ", %ld", zone->lowmem_reserve[i]);
	seq_putc(m, ')');
	zl_zoneinfo_show_pcp(m, zone);
	seq_putc(m, '\n');
}

/**
 * zl_zoneinfo_show() - zonelab's zones in /proc/zoneinfo's layout.
 * @m:	the seq_file of the `zoneinfo` file.
 *
 * Only zones that hold zonelab pages exist for zonelab, so only they are
 * shown.  Free counts are read without the zone locks: a snapshot.
 */
void zl_zoneinfo_show(struct seq_file *m)
{
	int nid, idx;

	for_each_online_node(nid)
		for (idx = 0; idx < MAX_NR_ZONES; idx++)
			if (zl_zone_get(nid, idx)->managed)
				zl_zoneinfo_show_zone(m, zl_zone_get(nid, idx));
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

			if (!zone->managed)
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
