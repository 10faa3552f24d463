/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory blocks and the zonelab blocks inside them, for
 * zonelab_memhotplug_test: which offline memory block a test works on and
 * its pfn range, the zonelab blocks inside it (from zonelab's `blocks`
 * file, read strictly), the zonelab block that holds a pfn, and what the
 * kernel log says of them: that zonelab has taken pages of a memory block,
 * or which page kept one from going offline.  zonelab_memhotplug_blocks.c.
 *
 * Nothing in here includes kselftest_harness.h: functions report errors
 * through return values, and the test asserts on them.
 */
#ifndef ZONELAB_MEMHOTPLUG_BLOCKS_H
#define ZONELAB_MEMHOTPLUG_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>

#include "zonelab_util.h"

/* The guests' page size: memory blocks and zonelab blocks count in it. */
#define PAGE			4096UL

/* A memory block of /sys/devices/system/memory and its pfn range. */
struct zl_mblock {
	int id;			/* memory<id> */
	int nid;
	unsigned long start_pfn;
	unsigned long nr_pages;
};

/* zonelab's blocks inside a memory block. */
struct zl_range {
	int nr;			/* blocks in the range */
	int online;		/* of them, state online */
	long pages;		/* their pages */
	unsigned long block_pages;	/* pages of a zonelab block */
	int nid;		/* node of the first block, -1 if none */
	char zone[ZL_ZONE_NAME];	/* zone of the first block */
	int outside;		/* blocks of that node and zone outside the range */
};

/* The memory block of @blocks (offline, @pages pages each) a test works on. */
void zl_mblock_pick(const struct zl_block *blocks, int nr, long pages,
		    struct zl_mblock *mb);
/* Pages per memory block, from block_size_bytes (hex); -errno on error. */
long zl_mem_block_pages(void);
/* zonelab's blocks inside @mb: 0 or -errno with @err set. */
int zl_range_read(const struct zl_mblock *mb, struct zl_range *r, char *err, size_t errlen);
/* The zonelab block holding @pfn, or -1 (none, or `blocks` unreadable). */
long zl_zblock_of_pfn(unsigned long pfn);
/* The first zonelab block inside @mb (@block_pages a block), or -1. */
long zl_zblock_first_in(const struct zl_mblock *mb, unsigned long block_pages);
/* The pfn of the page at @addr, from /proc/self/pagemap's fd; 0 if none. */
unsigned long zl_pfn_of(int pagemap, const void *addr);
/* Wait for zonelab's "reserved ... pages from pfn" line of @mb after @m. */
int zl_wait_reserved(const struct zl_mblock *mb, const struct zl_klog_mark *m,
		     long *pages, int timeout_ms);
/* The smallest order of at least @pages pages: a zonelab block's. */
int zl_order_of(unsigned long pages);
/* The last page the kernel reported (dumped) after @m, and why. */
bool zl_reported_page(const struct zl_klog_mark *m, unsigned long *pfn,
		      char *reason, size_t size);

#endif /* ZONELAB_MEMHOTPLUG_BLOCKS_H */
