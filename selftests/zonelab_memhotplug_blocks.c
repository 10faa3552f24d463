// SPDX-License-Identifier: GPL-2.0
/*
 * Memory blocks and zonelab's blocks in them, for zonelab_memhotplug_test;
 * see zonelab_memhotplug_blocks.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zonelab_memhotplug_blocks.h"
#include "zonelab_pool.h"

/* Most zonelab blocks a `blocks` file is read into. */
#define MAX_ZBLOCKS		4096

/* One line of zonelab's `blocks` file. */
struct zblock {
	unsigned long id;
	int nid;
	char zone[ZL_ZONE_NAME];
	unsigned long pages;
	char state[16];
};

/*
 * The first offline memory block of a node without zonelab memory when
 * there is one (a memoryless node): zonelab's lists change with it, and a
 * thisnode allocation there can only come from the new memory.  Else of a
 * node where zonelab holds no Normal memory (hot-plugged memory onlined
 * into a kernel zone goes there, and a test that could not offline its
 * memory block leaves zonelab blocks in it), else the first.
 */
void zl_mblock_pick(const struct zl_block *blocks, int nr, long pages,
		    struct zl_mblock *mb)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_get();
	int i, rank, pick = 0, best = 3;

	for (i = 0; zi && i < nr; i++) {
		const struct zl_zi_zone *z = zl_zoneinfo_find(zi, blocks[i].nid, "Normal");

		if (blocks[i].nid < 0)
			continue;
		rank = !zl_zi_node_has_pages(zi, blocks[i].nid) ? 0 :
		       !z || !z->managed ? 1 : 2;
		if (rank < best) {
			best = rank;
			pick = i;
		}
	}
	free(zi);
	mb->id = blocks[pick].id;
	mb->nid = blocks[pick].nid;
	mb->nr_pages = pages;
	mb->start_pfn = (unsigned long)mb->id * pages;
}

/* Pages per memory block, from block_size_bytes (hex); -errno on error. */
long zl_mem_block_pages(void)
{
	char *s = zl_read_file(ZL_MEMORY_SYSFS "/block_size_bytes", NULL), *end;
	unsigned long bytes;

	if (!s)
		return -errno;
	errno = 0;
	bytes = strtoul(s, &end, 16);
	if (errno || end == s || (*end && *end != '\n') || !bytes || bytes % PAGE) {
		free(s);
		return -EINVAL;
	}
	free(s);
	return bytes / PAGE;
}

/* Parse `blocks` strictly into @out; the number of blocks or -errno. */
static int zblocks_read(struct zblock *out, int max, char *err, size_t errlen)
{
	char *text = zl_read_file(ZL_BLOCKS, NULL), line[256], again[256];
	const char *pos = text;
	struct zblock b;
	bool no_nl;
	int nr = 0;

	if (!text) {
		zl_set_err(err, errlen, "read %s: %s", ZL_BLOCKS, strerror(errno));
		return -errno;
	}
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		if (no_nl || sscanf(line, "block %lu node %d zone %15s pages %lu state %15s",
				    &b.id, &b.nid, b.zone, &b.pages, b.state) != 5)
			goto bad;
		snprintf(again, sizeof(again), "block %lu node %d zone %s pages %lu state %s",
			 b.id, b.nid, b.zone, b.pages, b.state);
		if (strcmp(again, line) || !b.pages ||
		    (strcmp(b.state, "online") && strcmp(b.state, "offline") &&
		     strcmp(b.state, "going-offline")))
			goto bad;
		if (nr >= max) {
			zl_set_err(err, errlen, "more than %d blocks", max);
			free(text);
			return -E2BIG;
		}
		out[nr++] = b;
	}
	free(text);
	return nr;
bad:
	zl_set_err(err, errlen, "blocks: bad line '%s'", line);
	free(text);
	return -EINVAL;
}

static bool zblock_in(const struct zblock *b, const struct zl_mblock *mb)
{
	return b->id * b->pages >= mb->start_pfn &&
	       b->id * b->pages < mb->start_pfn + mb->nr_pages;
}

/* zonelab's blocks inside @mb: 0 or -errno with @err set. */
int zl_range_read(const struct zl_mblock *mb, struct zl_range *r, char *err, size_t errlen)
{
	struct zblock *all = calloc(MAX_ZBLOCKS, sizeof(*all));
	int nr, i;

	memset(r, 0, sizeof(*r));
	r->nid = -1;
	if (!all)
		return -ENOMEM;
	nr = zblocks_read(all, MAX_ZBLOCKS, err, errlen);
	for (i = 0; i < nr; i++) {
		if (!zblock_in(&all[i], mb))
			continue;
		if (r->nid < 0) {
			r->nid = all[i].nid;
			zl_copy_str(r->zone, sizeof(r->zone), all[i].zone);
		}
		r->nr++;
		r->online += !strcmp(all[i].state, "online");
		r->pages += all[i].pages;
		r->block_pages = all[i].pages;
	}
	for (i = 0; i < nr && r->nid >= 0; i++)
		if (!zblock_in(&all[i], mb) && all[i].nid == r->nid &&
		    !strcmp(all[i].zone, r->zone))
			r->outside++;
	free(all);
	return nr < 0 ? nr : 0;
}

/* The zonelab block holding @pfn, or -1 (none, or `blocks` unreadable). */
long zl_zblock_of_pfn(unsigned long pfn)
{
	struct zblock *all = calloc(MAX_ZBLOCKS, sizeof(*all));
	long id = -1;
	int nr, i;

	if (!all)
		return -1;
	nr = zblocks_read(all, MAX_ZBLOCKS, NULL, 0);
	for (i = 0; i < nr; i++)
		if (pfn >= all[i].id * all[i].pages && pfn < (all[i].id + 1) * all[i].pages)
			id = all[i].id;
	free(all);
	return id;
}

/*
 * "zonelab: reserved <n> pages from pfn <start>-<end>" for @mb after @m:
 * the take work is done.  0 with *@pages set, or -ETIMEDOUT.
 */
int zl_wait_reserved(const struct zl_mblock *mb, const struct zl_klog_mark *m,
		     long *pages, int timeout_ms)
{
	long long deadline = zl_now_ms() + timeout_ms;
	char key[64];

	snprintf(key, sizeof(key), " pages from pfn %#lx-", mb->start_pfn);
	do {
		char *since = zl_klog_since(m, NULL), *p;

		p = since ? strstr(since, "zonelab: reserved ") : NULL;
		for (; p; p = strstr(p + 1, "zonelab: reserved ")) {
			char *end;
			long n = strtol(p + strlen("zonelab: reserved "), &end, 10);

			if (!strncmp(end, key, strlen(key))) {
				*pages = n;
				free(since);
				return 0;
			}
		}
		free(since);
		zl_sleep_ms(100);
	} while (zl_now_ms() < deadline);
	return -ETIMEDOUT;
}

/* The smallest order of at least @pages pages: a zonelab block's. */
int zl_order_of(unsigned long pages)
{
	int order = 0;

	while ((1UL << order) < pages)
		order++;
	return order;
}

/*
 * The last page the kernel reported after @m ("page:... pfn:0x..." then
 * "page dumped because: <reason>", as set_migratetype_isolate() does when
 * a pageblock holds an unmovable page).  true with *@pfn and @reason set.
 */
bool zl_reported_page(const struct zl_klog_mark *m, unsigned long *pfn,
		      char *reason, size_t size)
{
	char *since = zl_klog_since(m, NULL), line[1024];
	const char *pos = since, *p;
	unsigned long last = 0;
	bool have = false, found = false;

	while (since && zl_next_line(&pos, line, sizeof(line), NULL)) {
		p = strstr(line, " pfn:0x");
		if (strstr(line, "page:") && p) {
			last = strtoul(p + strlen(" pfn:"), NULL, 16);
			have = true;
		}
		p = strstr(line, "page dumped because: ");
		if (p && have) {
			*pfn = last;
			zl_copy_str(reason, size, p + strlen("page dumped because: "));
			found = true;
		}
	}
	free(since);
	return found;
}

/* The pfn of the page at @addr (root sees pfns in pagemap), 0 if none. */
unsigned long zl_pfn_of(int pagemap, const void *addr)
{
	uint64_t e;

	if (pread(pagemap, &e, sizeof(e), (uintptr_t)addr / PAGE * sizeof(e)) != sizeof(e) ||
	    !(e & (1ULL << 63)))
		return 0;
	return e & ((1ULL << 55) - 1);
}

long zl_zblock_first_in(const struct zl_mblock *mb, unsigned long block_pages)
{
	unsigned long pfn;
	long id;

	for (pfn = mb->start_pfn; pfn < mb->start_pfn + mb->nr_pages; pfn += block_pages) {
		id = zl_zblock_of_pfn(pfn);
		if (id >= 0)
			return id;
	}
	return -1;
}
