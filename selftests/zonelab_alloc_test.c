// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's allocation path through the `alloc` file (issue 3): local node
 * first, then the zonelist's order once zones reach their low watermark,
 * down to min in the same order, thisnode never leaving its node, higher
 * orders in whole aligned blocks, the file's read and close semantics and
 * what a failing command keeps.
 *
 * Every test pins itself to one CPU and starts from a quiescent pool
 * (nothing held, every pcplist drained), so that where a page lands
 * follows from zoneinfo alone; pcp batch is 1 for zonelab's default pool,
 * which makes it exact.  Pages are released by closing the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_pool.h"

/* Every zone's pcp batch is 1 (set by main()): landing spots are exact. */
static bool batch_one;

#define NOT_EXACT	"a pcp batch above 1: landing spots are not exact"

FIXTURE(alloc)
{
	struct zl_zoneinfo *zi;
	struct zl_zonelists *zl;
	struct zl_mask memory, online;
	struct zl_mask pool;		/* nodes zonelab holds pages of */
	struct zl_klog_mark mark;
	int fd;
};

FIXTURE_SETUP(alloc)
{
	char err[512] = "";
	struct zl_stress st;
	int i;

	self->fd = -1;
	zl_klog_mark(&self->mark);
	self->zi = malloc(sizeof(*self->zi));
	self->zl = zl_zonelists_alloc();
	ASSERT_NE(NULL, self->zi);
	ASSERT_NE(NULL, self->zl);
	ASSERT_EQ(0, zl_node_state("has_memory", &self->memory));
	ASSERT_EQ(0, zl_node_state("online", &self->online));
	ASSERT_EQ(0, zl_pin_cpu(sched_getcpu()));
	ASSERT_EQ(0, zl_stress_read(&st));
	ASSERT_EQ(0, st.running) TH_LOG("stress is running: the pool is not quiescent");
	ASSERT_EQ(0, zl_zonelists_read(self->zl, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, zl_zoneinfo_drained(self->zi));
	for (i = 0; i < self->zi->nr; i++) {
		ASSERT_EQ(self->zi->zone[i].managed, self->zi->zone[i].free)
			TH_LOG("zone %d/%s: pages held by someone else",
			       self->zi->zone[i].nid, self->zi->zone[i].name);
	}
	ASSERT_LT(0, zl_zi_pool_nodes(self->zi, &self->pool));
	self->fd = zl_alloc_open();
	ASSERT_LE(0, self->fd);
	/* These tests run the pool dry on purpose: no OOM kill (issue 6). */
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "oom_score_adj -1000"));
}

FIXTURE_TEARDOWN(alloc)
{
	/* Closing frees everything the file holds. */
	if (self->fd >= 0)
		close(self->fd);
	EXPECT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	free(self->zi);
	free(self->zl);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* The alloc file's state, or a failed assertion. */
static void held(struct __test_metadata *_metadata, int fd, struct zl_held *h)
{
	char err[256] = "";

	ASSERT_EQ(0, zl_alloc_state(fd, 4096, h, err, sizeof(err))) TH_LOG("%s", err);
}

/* Zone @z of the last zoneinfo read. */
static const struct zl_zi_zone *zone_of(struct __test_metadata *_metadata,
					const struct zl_zoneinfo *zi,
					const struct zl_zref *z)
{
	const struct zl_zi_zone *zz = zl_zoneinfo_find(zi, z->nid, z->zone);

	EXPECT_NE(NULL, zz) TH_LOG("zonelists list %d/%s, zoneinfo has no such zone",
				   z->nid, z->zone);
	return zz;
}

/* Free everything @fd holds and drain, back to a quiescent pool. */
static void release(struct __test_metadata *_metadata, int fd)
{
	ASSERT_EQ(0, zl_alloc_cmd(fd, "free all"));
	ASSERT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
}

/* From a node (node=<nid>), pages land in its list's first zone while it is above low. */
TEST_F(alloc, local_first_while_above_low)
{
	struct zl_held h;
	int nid, tested = 0;

	if (!batch_one)
		SKIP(return, NOT_EXACT);

	zl_for_each_node(nid, &self->online) {
		const struct zl_node_zl *nl = &self->zl->node[nid];
		const struct zl_zi_zone *first;
		long cap;

		if (!nl->nr_fallback)
			continue;
		ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
		first = zone_of(_metadata, self->zi, &nl->fallback[0]);
		ASSERT_NE(NULL, first);
		if (zl_mask_test(&self->pool, nid))
			EXPECT_EQ(nid, first->nid)
				TH_LOG("node %d's list does not start at home", nid);
		cap = first->free - first->low;
		ASSERT_LT(0, cap);
		ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc %ld node=%d", cap, nid));
		held(_metadata, self->fd, &h);
		EXPECT_EQ(cap, h.pages);
		EXPECT_EQ(cap, h.node[first->nid])
			TH_LOG("node=%d: %ld of %ld pages on node %d, the list's first zone %d/%s",
			       nid, h.node[first->nid], cap, first->nid, first->nid, first->name);
		ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
		first = zone_of(_metadata, self->zi, &nl->fallback[0]);
		ASSERT_NE(NULL, first);
		EXPECT_EQ(first->low, first->free) TH_LOG("zone %d/%s", first->nid, first->name);
		release(_metadata, self->fd);
		tested++;
	}
	EXPECT_LT(0, tested);
}

/*
 * Walk node @nid's fallback list: for each zone in turn, allocate exactly
 * what it has above @mark ("low" or "min") and expect every page there.
 */
static void walk_list(struct __test_metadata *_metadata, FIXTURE_DATA(alloc) *self,
		      int nid, bool to_min)
{
	const struct zl_node_zl *nl = &self->zl->node[nid];
	struct zl_held before, after;
	int k;

	for (k = 0; k < nl->nr_fallback; k++) {
		const struct zl_zi_zone *z;
		long cap;

		ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
		z = zone_of(_metadata, self->zi, &nl->fallback[k]);
		ASSERT_NE(NULL, z);
		cap = z->free - (to_min ? z->min : z->low);
		ASSERT_LT(0, cap) TH_LOG("zone %d/%s already at its mark", z->nid, z->name);
		held(_metadata, self->fd, &before);
		ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc %ld node=%d", cap, nid));
		held(_metadata, self->fd, &after);
		EXPECT_EQ(cap, after.node[z->nid] - before.node[z->nid])
			TH_LOG("node=%d, entry %d (%d/%s) of its list: %ld of %ld pages there",
			       nid, k, z->nid, z->name, after.node[z->nid] - before.node[z->nid],
			       cap);
		EXPECT_EQ(cap, after.pages - before.pages);
	}
	/* Every zone of the list is now at the mark. */
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	for (k = 0; k < nl->nr_fallback; k++) {
		const struct zl_zi_zone *z = zone_of(_metadata, self->zi, &nl->fallback[k]);

		ASSERT_NE(NULL, z);
		EXPECT_EQ(to_min ? z->min : z->low, z->free)
			TH_LOG("zone %d/%s", z->nid, z->name);
	}
}

/*
 * The nodes of @nid's fallback list, in list order, are its `order:` line
 * without the nodes zonelab holds no pages of: walking the list is walking
 * the order line.
 */
static void expect_list_follows_order(struct __test_metadata *_metadata,
				      FIXTURE_DATA(alloc) *self, int nid)
{
	const struct zl_node_zl *nl = &self->zl->node[nid];
	int want[ZL_MAX_NODES], got[ZL_MAX_NODES], nw = 0, ng = 0, k;

	for (k = 0; k < nl->nr_order; k++)
		if (zl_zi_managed(self->zi, nl->order[k]) > 0)
			want[nw++] = nl->order[k];
	for (k = 0; k < nl->nr_fallback; k++)
		if (!ng || got[ng - 1] != nl->fallback[k].nid)
			got[ng++] = nl->fallback[k].nid;
	ASSERT_EQ(nw, ng) TH_LOG("node %d", nid);
	for (k = 0; k < nw; k++) {
		EXPECT_EQ(want[k], got[k]) TH_LOG("node %d, entry %d", nid, k);
	}
}

/* Once a zone is at low the next pages come from the next zone of the list, in order. */
TEST_F(alloc, fallback_in_zonelist_order_at_low)
{
	int nid, tested = 0;

	if (!batch_one)
		SKIP(return, NOT_EXACT);

	zl_for_each_node(nid, &self->online) {
		if (!self->zl->node[nid].nr_fallback)
			continue;
		expect_list_follows_order(_metadata, self, nid);
		walk_list(_metadata, self, nid, false);
		release(_metadata, self->fd);
		tested++;
	}
	EXPECT_LT(0, tested);
}

/* With every zone at low, the slow path digs down to min in the same order. */
TEST_F(alloc, slow_path_to_min_in_zonelist_order)
{
	int nid, tested = 0;

	if (!batch_one)
		SKIP(return, NOT_EXACT);

	zl_for_each_node(nid, &self->pool) {
		walk_list(_metadata, self, nid, false);
		walk_list(_metadata, self, nid, true);
		release(_metadata, self->fd);
		tested++;
		/* Two nodes show the order; the rest adds only time. */
		if (tested == 2)
			break;
	}
	EXPECT_LT(0, tested);
}

/* thisnode: down to min on the node only, then ENOMEM; not one page elsewhere. */
TEST_F(alloc, thisnode_never_falls_back)
{
	struct zl_held h;
	int nid, other, i;

	if (!batch_one)
		SKIP(return, NOT_EXACT);

	zl_for_each_node(nid, &self->pool) {
		long avail = 0, managed = zl_zi_managed(self->zi, nid);

		ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
		for (i = 0; i < self->zi->nr; i++)
			if (self->zi->zone[i].nid == nid)
				avail += self->zi->zone[i].free - self->zi->zone[i].min;
		EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->fd, "alloc %ld node=%d thisnode",
						managed, nid));
		held(_metadata, self->fd, &h);
		EXPECT_EQ(avail, h.pages) TH_LOG("node %d", nid);
		EXPECT_EQ(avail, h.node[nid]) TH_LOG("node %d", nid);
		zl_for_each_node(other, &h.nodes) {
			if (other != nid)
				EXPECT_EQ(0, h.node[other])
					TH_LOG("thisnode on %d put pages on %d", nid, other);
		}
		release(_metadata, self->fd);
	}
}

/*
 * thisnode on an online node zonelab holds no pages of (memoryless, or
 * with too little free memory for a block at load) fails at once and
 * takes nothing.
 */
TEST_F(alloc, thisnode_memoryless_fails)
{
	struct zl_held h;
	int nid, tested = 0;

	zl_for_each_node(nid, &self->online) {
		if (zl_mask_test(&self->pool, nid))
			continue;
		EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->fd, "alloc 1 node=%d thisnode", nid));
		held(_metadata, self->fd, &h);
		EXPECT_EQ(0, h.pages) TH_LOG("node %d", nid);
		tested++;
	}
	if (!tested)
		SKIP(return, "zonelab holds pages of every online node");
}

/* Without node=, pages come from the list of the writer's CPU's node. */
TEST_F(alloc, default_node_is_the_cpus)
{
	struct zl_mask cpus;
	struct zl_held h;
	int cpu, nid, tested = 0;

	ASSERT_LT(0, zl_online_cpus(&cpus));
	zl_for_each_bit(cpu, &cpus, CPU_SETSIZE) {
		const struct zl_node_zl *nl;

		nid = zl_cpu_node(cpu);
		ASSERT_LE(0, nid);
		nl = &self->zl->node[nid];
		ASSERT_LT(0, nl->nr_fallback);
		/* A CPU this task may not use (cpuset, isolation) is not tested. */
		if (zl_pin_cpu(cpu))
			continue;
		ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc 16"));
		held(_metadata, self->fd, &h);
		EXPECT_EQ(16, h.node[nl->fallback[0].nid])
			TH_LOG("CPU %d of node %d: expected node %d", cpu, nid,
			       nl->fallback[0].nid);
		ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
		tested++;
	}
	EXPECT_LT(0, tested);
}

/* Higher orders are whole blocks: pages += count << order, zone free -= the same. */
TEST_F(alloc, higher_order_counts_whole_blocks)
{
	static const int orders[] = { 1, 2, 3, 5, 8 };
	struct zl_held h;
	long expect = 0;
	int nid = zl_zi_first_node(self->zi);
	size_t i;

	ASSERT_LE(0, nid);
	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		const struct zl_zi_zone *z;
		long free0;

		ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
		z = zone_of(_metadata, self->zi, &self->zl->node[nid].fallback[0]);
		ASSERT_NE(NULL, z);
		free0 = z->free;
		ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc 3 order=%d node=%d", orders[i], nid));
		expect += 3L << orders[i];
		held(_metadata, self->fd, &h);
		EXPECT_EQ(expect, h.pages) TH_LOG("order %d", orders[i]);
		EXPECT_EQ(expect, h.node[nid]) TH_LOG("order %d", orders[i]);
		ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
		z = zone_of(_metadata, self->zi, &self->zl->node[nid].fallback[0]);
		ASSERT_NE(NULL, z);
		EXPECT_EQ(free0 - (3L << orders[i]), z->free) TH_LOG("order %d", orders[i]);
	}
}

/* One block of order o from whole blocks leaves one free buddy at each order o..block-1. */
TEST_F(alloc, higher_order_splits_aligned)
{
	static const int orders[] = { 1, 4, 7 };
	long bo = zl_param("block_order");
	struct zl_buddy *b = malloc(sizeof(*b));
	int nid = zl_zi_first_node(self->zi), i, o;
	char err[256] = "", *text;
	const struct zl_zi_zone *z;
	size_t k;

	ASSERT_NE(NULL, b);
	ASSERT_LE(0, nid);
	z = zone_of(_metadata, self->zi, &self->zl->node[nid].fallback[0]);
	ASSERT_NE(NULL, z);
	for (k = 0; k < ARRAY_SIZE(orders); k++) {
		if (orders[k] >= bo)
			continue;
		ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc 1 order=%d node=%d", orders[k], nid));
		text = zl_read_file(ZL_BUDDYINFO, NULL);
		ASSERT_NE(NULL, text);
		ASSERT_EQ(0, zl_buddy_parse(b, text, err, sizeof(err))) TH_LOG("%s", err);
		free(text);
		for (i = 0; i < b->nr; i++) {
			if (b->zone[i].nid != z->nid || strcmp(b->zone[i].name, z->name))
				continue;
			for (o = 0; o < b->zone[i].nr_orders; o++) {
				long want = o < orders[k] ? 0 : o < bo ? 1 :
					    o == bo ? (z->managed >> bo) - 1 : 0;

				EXPECT_EQ(want, b->zone[i].nr_free[o])
					TH_LOG("zone %d/%s order %d after an order-%d block",
					       z->nid, z->name, o, orders[k]);
			}
		}
		/* Order > 0 frees go straight to the buddy lists and merge back. */
		ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
	}
	free(b);
}

/* Closing an alloc file frees its pages: after drain all, free == managed again. */
TEST_F(alloc, close_frees_pages)
{
	int fd2 = zl_alloc_open(), nid, i;
	struct zl_held h;

	ASSERT_LE(0, fd2);
	zl_for_each_node(nid, &self->pool) {
		ASSERT_EQ(0, zl_alloc_cmd(fd2, "alloc 100 order=1 node=%d", nid));
	}
	ASSERT_EQ(0, zl_alloc_cmd(fd2, "alloc 300"));
	held(_metadata, fd2, &h);
	ASSERT_LT(300, h.pages);
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	zl_for_each_node(nid, &self->pool) {
		EXPECT_GT(zl_zi_managed(self->zi, nid), zl_zi_node_free(self->zi, nid))
			TH_LOG("node %d", nid);
	}

	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0, zl_zoneinfo_drained(self->zi));
	for (i = 0; i < self->zi->nr; i++) {
		EXPECT_EQ(self->zi->zone[i].managed, self->zi->zone[i].free)
			TH_LOG("zone %d/%s after close", self->zi->zone[i].nid,
			       self->zi->zone[i].name);
	}
}

/* Every read sequence shows the state from the start, whatever the read size. */
TEST_F(alloc, read_restarts_from_start)
{
	char *a, *b, *c;
	struct zl_held h;
	char err[256] = "";
	int nid;

	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc 10"));
	a = zl_read_fd_chunks(self->fd, 4096, NULL);
	b = zl_read_fd_chunks(self->fd, 4096, NULL);
	c = zl_read_fd_chunks(self->fd, 1, NULL);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	EXPECT_STREQ(a, b);
	EXPECT_STREQ(a, c);
	ASSERT_EQ(0, zl_held_parse(&h, a, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(10, h.pages);
	/* One line per node with memory, and only those. */
	EXPECT_TRUE(zl_mask_equal(&self->memory, &h.nodes));
	zl_for_each_node(nid, &h.nodes) {
		EXPECT_TRUE(zl_mask_test(&self->memory, nid));
	}
	free(a);
	free(b);
	free(c);
}

/* One fd held open: write, read, write, read, each read shows the latest state. */
TEST_F(alloc, held_open_write_read)
{
	struct zl_held h;

	held(_metadata, self->fd, &h);
	EXPECT_EQ(0, h.pages);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc 7"));
	held(_metadata, self->fd, &h);
	EXPECT_EQ(7, h.pages);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc 5 order=1\n"));
	held(_metadata, self->fd, &h);
	EXPECT_EQ(17, h.pages);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free 1"));
	held(_metadata, self->fd, &h);
	EXPECT_EQ(15, h.pages);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free 5"));
	held(_metadata, self->fd, &h);
	EXPECT_EQ(6, h.pages);
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
	held(_metadata, self->fd, &h);
	EXPECT_EQ(0, h.pages);
}

/* A command that runs out fails with ENOMEM and keeps what it got; zones end at min. */
TEST_F(alloc, failing_alloc_keeps_pages)
{
	long pool = zl_zi_managed(self->zi, -1), expect = 0;
	struct zl_stats s0, s1;
	struct zl_held h;
	int i, nid;

	if (!batch_one)
		SKIP(return, NOT_EXACT);

	ASSERT_EQ(0, zl_stats_read(&s0));
	for (i = 0; i < self->zi->nr; i++)
		expect += self->zi->zone[i].free - self->zi->zone[i].min;
	EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->fd, "alloc %ld", pool));
	held(_metadata, self->fd, &h);
	EXPECT_LT(0, h.pages);
	EXPECT_EQ(expect, h.pages);
	ASSERT_EQ(0, zl_stats_read(&s1));
	EXPECT_EQ(zl_stat(&s0, "alloc_fail") + 1, zl_stat(&s1, "alloc_fail"));
	EXPECT_EQ(zl_stat(&s0, "alloc_success") + h.pages, zl_stat(&s1, "alloc_success"));

	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	for (i = 0; i < self->zi->nr; i++) {
		EXPECT_EQ(self->zi->zone[i].min, self->zi->zone[i].free)
			TH_LOG("zone %d/%s", self->zi->zone[i].nid, self->zi->zone[i].name);
	}
	zl_for_each_node(nid, &self->memory) {
		EXPECT_EQ(zl_zi_managed(self->zi, nid),
			  zl_zi_node_unheld(self->zi, nid) + h.node[nid]) TH_LOG("node %d", nid);
	}
	/* Still usable: what was kept can be given back and taken again. */
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free 10"));
	EXPECT_EQ(0, zl_alloc_cmd(self->fd, "alloc 10"));
}

/* Rejected commands (E2BIG, ERANGE, ENOENT, EINVAL) allocate nothing. */
TEST_F(alloc, rejected_commands_take_nothing)
{
	long pool = zl_zi_managed(self->zi, -1);
	struct zl_held h;
	struct zl_stats s0, s1;

	ASSERT_EQ(0, zl_stats_read(&s0));
	EXPECT_EQ(-E2BIG, zl_alloc_cmd(self->fd, "alloc %ld", pool + 1));
	EXPECT_EQ(-E2BIG, zl_alloc_cmd(self->fd, "alloc %ld order=1", pool / 2 + 1));
	EXPECT_EQ(-ERANGE, zl_alloc_cmd(self->fd, "alloc 1 order=11"));
	EXPECT_EQ(-ENOENT, zl_alloc_cmd(self->fd, "alloc 1 node=%d", ZL_MAX_NODES - 1));
	EXPECT_EQ(-EINVAL, zl_alloc_cmd(self->fd, "alloc 0"));
	EXPECT_EQ(-EINVAL, zl_alloc_cmd(self->fd, "alloc 1 nodes=0"));
	held(_metadata, self->fd, &h);
	EXPECT_EQ(0, h.pages);
	ASSERT_EQ(0, zl_stats_read(&s1));
	EXPECT_EQ(zl_stat(&s0, "alloc_success"), zl_stat(&s1, "alloc_success"));
	EXPECT_EQ(zl_stat(&s0, "alloc_fail"), zl_stat(&s1, "alloc_fail"));
}

static bool all_batch_one(void)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_get();
	bool one = zi && zi->nr;
	int i, j;

	for (i = 0; zi && i < zi->nr; i++)
		for (j = 0; j < zi->zone[i].nr_pcp; j++)
			one &= zi->zone[i].pcp[j].batch == 1;
	free(zi);
	return one;
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	if (!zl_path_exists(ZL_ZONEINFO) || !zl_path_exists(ZL_ALLOC))
		ksft_exit_skip("this zonelab has no zoneinfo/alloc files\n");
	batch_one = all_batch_one();
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
