// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's memory blocks and injected hotplug (issue 4): `blocks` lists
 * every block, `hotplug` takes one offline (isolate, pcplists disabled and
 * drained, wait for holders) and online again.  A busy block times out
 * with EBUSY and stays usable; a zone whose last block leaves drops out of
 * every zonelist and comes back in the kernel's order; no page of an
 * offline block is ever found in a pcplist.
 *
 * Every test leaves every block online, stress stopped and nothing held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_pool.h"

#define MAX_ZL_BLOCKS	512

struct zl_blk {
	unsigned long id;
	int nid;
	char zone[ZL_ZONE_NAME];
	long pages;
	char state[16];
};

/* Parse `blocks` strictly; the number of blocks or -1 on a bad line. */
static int read_blocks(struct zl_blk *b, int max)
{
	char *text = zl_read_file(ZL_BLOCKS, NULL), line[256];
	const char *pos = text;
	bool no_nl;
	int n = 0;

	if (!text)
		return -1;
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		char tail;

		if (n == max || no_nl ||
		    sscanf(line, "block %lu node %d zone %15s pages %ld state %15s%c",
			   &b[n].id, &b[n].nid, b[n].zone, &b[n].pages,
			   b[n].state, &tail) != 5) {
			n = -1;
			break;
		}
		n++;
	}
	free(text);
	return n;
}

/* How many blocks zone @nid/@zone has. */
static int zone_blocks(const struct zl_blk *b, int n, int nid, const char *zone)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		c += b[i].nid == nid && !strcmp(b[i].zone, zone);
	return c;
}

static const struct zl_blk *find_block(const struct zl_blk *b, int n,
				       unsigned long id)
{
	int i;

	for (i = 0; i < n; i++)
		if (b[i].id == id)
			return &b[i];
	return NULL;
}

FIXTURE(hotplug)
{
	struct zl_blk blk[MAX_ZL_BLOCKS];
	int nr;
	struct zl_zoneinfo *zi;
	unsigned long offlined[MAX_ZL_BLOCKS];	/* to online at teardown */
	int nr_offlined;
	int fd;
	bool stress;
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(hotplug)
{
	int i;

	self->fd = -1;
	zl_klog_mark(&self->mark);
	self->zi = zl_zoneinfo_alloc();
	ASSERT_NE(NULL, self->zi);
	self->nr = read_blocks(self->blk, MAX_ZL_BLOCKS);
	ASSERT_LT(0, self->nr) TH_LOG("`blocks` is empty or malformed");
	for (i = 0; i < self->nr; i++)
		ASSERT_STREQ("online", self->blk[i].state)
			TH_LOG("block %lu is %s before the test", self->blk[i].id,
			       self->blk[i].state);
	ASSERT_EQ(0, zl_zoneinfo_drained(self->zi));
}

FIXTURE_TEARDOWN(hotplug)
{
	char cmd[64];
	int i;

	if (self->stress)
		EXPECT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	if (self->fd >= 0)
		close(self->fd);
	for (i = 0; i < self->nr_offlined; i++) {
		snprintf(cmd, sizeof(cmd), "online %lu", self->offlined[i]);
		EXPECT_EQ(0, zl_cmd(ZL_HOTPLUG, cmd)) TH_LOG("%s", cmd);
	}
	free(self->zi);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* `hotplug offline`, remembered for teardown when it succeeds. */
static int offline(FIXTURE_DATA(hotplug) *self, unsigned long id, int timeout_ms)
{
	char cmd[64];
	int err;

	snprintf(cmd, sizeof(cmd), "offline %lu timeout_ms=%d", id, timeout_ms);
	err = zl_cmd(ZL_HOTPLUG, cmd);
	if (!err)
		self->offlined[self->nr_offlined++] = id;
	return err;
}

static int online(FIXTURE_DATA(hotplug) *self, unsigned long id)
{
	char cmd[64];
	int err;

	snprintf(cmd, sizeof(cmd), "online %lu", id);
	err = zl_cmd(ZL_HOTPLUG, cmd);
	if (!err && self->nr_offlined)
		self->nr_offlined--;
	return err;
}

/* A block of a zone that has at least @min blocks, or NULL. */
static const struct zl_blk *pick_block(FIXTURE_DATA(hotplug) *self, int min)
{
	int i;

	for (i = 0; i < self->nr; i++)
		if (zone_blocks(self->blk, self->nr, self->blk[i].nid,
				self->blk[i].zone) >= min)
			return &self->blk[i];
	return NULL;
}

/* The blocks of a zone add up to its present pages in `zoneinfo`. */
TEST_F(hotplug, blocks_match_zoneinfo)
{
	int i;

	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	for (i = 0; i < self->zi->nr; i++) {
		const struct zl_zi_zone *z = &self->zi->zone[i];
		long pages = 0;
		int j;

		for (j = 0; j < self->nr; j++)
			if (self->blk[j].nid == z->nid && !strcmp(self->blk[j].zone, z->name))
				pages += self->blk[j].pages;
		EXPECT_EQ(z->present, pages) TH_LOG("zone %d/%s", z->nid, z->name);
		EXPECT_EQ(z->managed, pages) TH_LOG("zone %d/%s", z->nid, z->name);
	}
}

/* Offline then online: managed and free drop by the block, then all is as before. */
TEST_F(hotplug, round_trip_keeps_zoneinfo)
{
	const struct zl_blk *b = pick_block(self, 2);
	struct zl_zoneinfo *after = zl_zoneinfo_alloc();
	const struct zl_zi_zone *z0, *z1;
	struct zl_blk now[MAX_ZL_BLOCKS];
	int n;

	ASSERT_NE(NULL, after);
	if (!b)
		SKIP(free(after); return, "no zone with two blocks");
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	z0 = zl_zoneinfo_find(self->zi, b->nid, b->zone);
	ASSERT_NE(NULL, z0);

	ASSERT_EQ(0, offline(self, b->id, 5000));
	n = read_blocks(now, MAX_ZL_BLOCKS);
	ASSERT_EQ(self->nr, n);
	EXPECT_STREQ("offline", find_block(now, n, b->id)->state);
	ASSERT_EQ(0, zl_zoneinfo_drained(after));
	z1 = zl_zoneinfo_find(after, b->nid, b->zone);
	ASSERT_NE(NULL, z1);
	EXPECT_EQ(z0->present, z1->present);
	EXPECT_EQ(z0->managed - b->pages, z1->managed);
	EXPECT_EQ(z0->free - b->pages, z1->free);

	ASSERT_EQ(0, online(self, b->id));
	ASSERT_EQ(0, zl_zoneinfo_drained(after));
	z1 = zl_zoneinfo_find(after, b->nid, b->zone);
	ASSERT_NE(NULL, z1);
	EXPECT_EQ(z0->managed, z1->managed);
	EXPECT_EQ(z0->free, z1->free);
	EXPECT_EQ(z0->min, z1->min);
	EXPECT_EQ(z0->low, z1->low);
	EXPECT_EQ(z0->high, z1->high);
	EXPECT_EQ(0, memcmp(z0->protection, z1->protection, sizeof(z0->protection)));
	free(after);
}

/* A block whose pages stay held fails with EBUSY and stays online and usable. */
TEST_F(hotplug, busy_block_times_out)
{
	const struct zl_blk *b = &self->blk[0];
	long busy = zl_stat_get("offline_busy");
	struct zl_blk now[MAX_ZL_BLOCKS];
	long long start;
	int n, err;

	self->fd = zl_alloc_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "oom_score_adj -1000"));
	/* Everything the node lets go of: every block keeps held pages. */
	err = zl_alloc_cmd(self->fd, "alloc %ld node=%d thisnode",
			   zl_zi_node_free(self->zi, b->nid), b->nid);
	ASSERT_EQ(-ENOMEM, err) TH_LOG("allocating all of node %d: %d", b->nid, err);

	start = zl_now_ms();
	EXPECT_EQ(-EBUSY, offline(self, b->id, 300));
	EXPECT_LE(300, zl_now_ms() - start) TH_LOG("gave up before the timeout");
	n = read_blocks(now, MAX_ZL_BLOCKS);
	ASSERT_EQ(self->nr, n);
	EXPECT_STREQ("online", find_block(now, n, b->id)->state);
	EXPECT_EQ(busy + 1, zl_stat_get("offline_busy"));

	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
	/* Still usable: every page can be taken and given back. */
	EXPECT_EQ(0, zl_alloc_cmd(self->fd, "alloc 1 node=%d thisnode", b->nid));
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
	ASSERT_EQ(0, zl_zoneinfo_drained(self->zi));
	for (n = 0; n < self->zi->nr; n++)
		EXPECT_EQ(self->zi->zone[n].managed, self->zi->zone[n].free)
			TH_LOG("zone %d/%s", self->zi->zone[n].nid, self->zi->zone[n].name);
}

/* Whether any list of @zl names zone @nid/@zone. */
static bool lists_name(const struct zl_zonelists *zl, int nid, const char *zone)
{
	int n, i;

	for (n = 0; n < ZL_MAX_NODES; n++) {
		const struct zl_node_zl *nz = &zl->node[n];

		for (i = 0; i < nz->nr_fallback; i++)
			if (nz->fallback[i].nid == nid && !strcmp(nz->fallback[i].zone, zone))
				return true;
		for (i = 0; i < nz->nr_thisnode; i++)
			if (nz->thisnode[i].nid == nid && !strcmp(nz->thisnode[i].zone, zone))
				return true;
	}
	return false;
}

/* The last block of a zone leaving removes it everywhere; its return restores the lists. */
TEST_F(hotplug, last_block_leaves_zonelists)
{
	struct zl_zonelists *before = zl_zonelists_alloc(), *mid = zl_zonelists_alloc();
	struct zl_zonelists *after = zl_zonelists_alloc();
	const struct zl_blk *b = &self->blk[0];
	char err[256];
	int i, n;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, mid);
	ASSERT_NE(NULL, after);
	ASSERT_EQ(0, zl_zonelists_read(before, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_TRUE(lists_name(before, b->nid, b->zone));

	for (i = 0; i < self->nr; i++)
		if (self->blk[i].nid == b->nid && !strcmp(self->blk[i].zone, b->zone))
			ASSERT_EQ(0, offline(self, self->blk[i].id, 5000));
	ASSERT_EQ(0, zl_zonelists_read(mid, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_FALSE(lists_name(mid, b->nid, b->zone))
		TH_LOG("zone %d/%s has no online block but is still listed", b->nid, b->zone);
	EXPECT_LT(before->generation, mid->generation);

	for (n = self->nr_offlined; n > 0; n--)
		ASSERT_EQ(0, online(self, self->offlined[n - 1]));
	ASSERT_EQ(0, zl_zonelists_read(after, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_LT(mid->generation, after->generation);
	for (n = 0; n < ZL_MAX_NODES; n++) {
		EXPECT_STREQ(before->node[n].order_line, after->node[n].order_line);
		EXPECT_STREQ(before->node[n].fallback_line, after->node[n].fallback_line);
		EXPECT_STREQ(before->node[n].thisnode_line, after->node[n].thisnode_line);
	}
	free(before);
	free(mid);
	free(after);
}

/*
 * Offline under stress on every CPU: it completes (the pcplists were
 * drained into the isolation), and no page of the offline block is ever
 * handed out from a pcplist afterwards.
 */
TEST_F(hotplug, no_offline_page_in_pcplists)
{
	const struct zl_blk *b = &self->blk[0];
	long pcp_pages = zl_stat_get("offline_pcp_pages");
	long ops;
	struct zl_stress st;

	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "start order_max=0 hold=64"));
	self->stress = true;
	zl_sleep_ms(300);
	ASSERT_EQ(0, offline(self, b->id, 10000))
		TH_LOG("block %lu did not go offline under stress", b->id);
	ASSERT_EQ(0, zl_stress_read(&st));
	ops = st.ops;
	zl_sleep_ms(1000);
	ASSERT_EQ(0, zl_stress_read(&st));
	EXPECT_LT(ops, st.ops) TH_LOG("stress made no progress");
	EXPECT_EQ(pcp_pages, zl_stat_get("offline_pcp_pages"));
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	self->stress = false;
	ASSERT_EQ(0, online(self, b->id));
	ASSERT_EQ(0, zl_zoneinfo_drained(self->zi));
	for (ops = 0; ops < self->zi->nr; ops++)
		EXPECT_EQ(self->zi->zone[ops].managed, self->zi->zone[ops].free);
}

/* Offline and online race allocations, frees and each other without losing a page. */
TEST_F(hotplug, churn_under_stress_loses_nothing)
{
	/* 2 s: dozens of round trips on every topology (the log counts them). */
	long long end = zl_now_ms() + 2000;
	int i = 0, done = 0;

	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "start order_max=3 hold=256"));
	self->stress = true;
	while (zl_now_ms() < end) {
		const struct zl_blk *b = &self->blk[i++ % self->nr];

		if (!offline(self, b->id, 200)) {
			ASSERT_EQ(0, online(self, b->id));
			done++;
		}
	}
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	self->stress = false;
	TH_LOG("%d offline/online round trips under stress", done);
	EXPECT_LT(0, done);
	ASSERT_EQ(0, zl_zoneinfo_drained(self->zi));
	for (i = 0; i < self->zi->nr; i++) {
		EXPECT_EQ(self->zi->zone[i].managed, self->zi->zone[i].free)
			TH_LOG("zone %d/%s", self->zi->zone[i].nid, self->zi->zone[i].name);
		EXPECT_EQ(self->zi->zone[i].present, self->zi->zone[i].managed);
	}
}

int main(int argc, char **argv)
{
	zl_prereq(argv[0], ZL_NEED_LOADED);
	return test_harness_run(argc, argv);
}
