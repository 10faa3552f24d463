// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's zones (issue 3): the reserved pool, zoneinfo's accounting when
 * nothing moves, watermarks, protection and pcp limits by zone.c's
 * formulas recomputed here from the `managed` values, and buddy merging.
 * Every test starts and ends with nothing held and every pcplist drained.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_pool.h"

FIXTURE(zone)
{
	struct zl_zoneinfo *zi;
	struct zl_zone_limits *lim;
	struct zl_mask memory;
	struct zl_klog_mark mark;
	int fd;
};

FIXTURE_SETUP(zone)
{
	struct zl_stress st;

	self->fd = -1;
	zl_klog_mark(&self->mark);
	self->zi = malloc(sizeof(*self->zi));
	self->lim = calloc(ZL_ZI_MAX_ZONES, sizeof(*self->lim));
	ASSERT_NE(NULL, self->zi);
	ASSERT_NE(NULL, self->lim);
	ASSERT_EQ(0, zl_node_state("has_memory", &self->memory));
	ASSERT_EQ(0, zl_stress_read(&st));
	ASSERT_EQ(0, st.running)
		TH_LOG("stress is running: zoneinfo cannot be quiescent");
	ASSERT_EQ(0, zl_zoneinfo_drained(self->zi));
	ASSERT_LT(0, self->zi->nr);
}

FIXTURE_TEARDOWN(zone)
{
	if (self->fd >= 0)
		close(self->fd);
	/* Leave every pcplist empty for the next test. */
	EXPECT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	free(self->zi);
	free(self->lim);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/*
 * Every node with memory has zonelab pages, in whole blocks, unless
 * reserve_percent of its free memory was under a block at load (node 0 of
 * a KASAN kernel, which holds the shadow); no other node has any.
 */
TEST_F(zone, pool_covers_memory_nodes)
{
	long block = 1L << zl_param("block_order"), per_node = zl_param("pages_per_node");
	struct zl_mask pool;
	int nid, i;

	ASSERT_LT(0, block);
	ASSERT_LT(0, zl_zi_pool_nodes(self->zi, &pool));
	zl_for_each_node(nid, &self->memory) {
		long managed = zl_zi_managed(self->zi, nid), cap;

		if (!managed) {
			EXPECT_TRUE(zl_node_capped_out(nid, &cap))
				TH_LOG("node %d: no zonelab pages, yet a cap of %ld pages now",
				       nid, cap);
			TH_LOG("node %d: no zonelab pages: reserve cap %ld pages, a block %ld",
			       nid, cap, block);
			continue;
		}
		EXPECT_GE(per_node, managed) TH_LOG("node %d", nid);
		EXPECT_EQ(0, managed % block) TH_LOG("node %d: %ld pages", nid, managed);
	}
	for (i = 0; i < self->zi->nr; i++) {
		const struct zl_zi_zone *z = &self->zi->zone[i];

		EXPECT_TRUE(zl_mask_test(&self->memory, z->nid))
			TH_LOG("zone %d/%s on a node without memory", z->nid, z->name);
		EXPECT_LT(0, z->managed);
		EXPECT_EQ(z->managed, z->present) TH_LOG("zone %d/%s", z->nid, z->name);
		EXPECT_LE(z->managed, z->spanned) TH_LOG("zone %d/%s", z->nid, z->name);
	}
}

/* Quiescent (drained, nothing held): pages free == managed and no pcp page, every zone. */
TEST_F(zone, quiescent_free_equals_managed)
{
	int i;

	for (i = 0; i < self->zi->nr; i++) {
		const struct zl_zi_zone *z = &self->zi->zone[i];

		EXPECT_EQ(z->managed, z->free) TH_LOG("zone %d/%s", z->nid, z->name);
		EXPECT_EQ(0, zl_zi_pcp_total(z)) TH_LOG("zone %d/%s", z->nid, z->name);
	}
}

/* With pages held: free + pcp counts + held on the node == managed, per node. */
TEST_F(zone, held_pages_accounted)
{
	static const int orders[] = { 0, 0, 2, 0, 5, 1, 0 };
	struct zl_held h;
	char err[256] = "";
	int nid;
	size_t i;

	self->fd = zl_alloc_open();
	ASSERT_LE(0, self->fd);
	zl_for_each_node(nid, &self->memory) {
		for (i = 0; i < ARRAY_SIZE(orders); i++) {
			ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc %d order=%d node=%d",
						  37 + nid, orders[i], nid));
		}
	}
	ASSERT_EQ(0, zl_alloc_state(self->fd, 4096, &h, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_LT(0, h.pages);
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));

	zl_for_each_node(nid, &self->memory) {
		EXPECT_EQ(zl_zi_managed(self->zi, nid),
			  zl_zi_node_unheld(self->zi, nid) + h.node[nid])
			TH_LOG("node %d: free+pcp %ld, held %ld, managed %ld", nid,
			       zl_zi_node_unheld(self->zi, nid), h.node[nid],
			       zl_zi_managed(self->zi, nid));
	}
	/* Order-0 frees park pages in this CPU's lists, the rest is free. */
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	zl_for_each_node(nid, &self->memory) {
		EXPECT_EQ(zl_zi_managed(self->zi, nid), zl_zi_node_unheld(self->zi, nid))
			TH_LOG("node %d after free all", nid);
	}
}

/* min/low/high equal zone.c's formulas over the pool's managed pages. */
TEST_F(zone, watermarks_match_formula)
{
	int nr_split[ZL_MAX_NODES] = { 0 }, i;
	long mfk = zl_param("min_free_kbytes");

	ASSERT_LE(0, mfk);
	zl_model_limits(self->zi, mfk, nr_split, 1, self->lim);
	for (i = 0; i < self->zi->nr; i++) {
		const struct zl_zi_zone *z = &self->zi->zone[i];

		EXPECT_EQ(self->lim[i].min, z->min) TH_LOG("zone %d/%s", z->nid, z->name);
		EXPECT_EQ(self->lim[i].low, z->low) TH_LOG("zone %d/%s", z->nid, z->name);
		EXPECT_EQ(self->lim[i].high, z->high) TH_LOG("zone %d/%s", z->nid, z->name);
		EXPECT_LT(z->min, z->low);
		EXPECT_LT(z->low, z->high);
	}
}

/* protection: equals setup_per_zone_lowmem_reserve() over the node's zonelab zones. */
TEST_F(zone, protection_matches_formula)
{
	int nr_split[ZL_MAX_NODES] = { 0 }, i, j, nr_zones = zl_kernel_zones(NULL);

	/* As many entries as the kernel has zone types (its MAX_NR_ZONES). */
	ASSERT_LT(0, nr_zones) TH_LOG("no zone names in /proc/zoneinfo");
	zl_model_limits(self->zi, zl_param("min_free_kbytes"), nr_split, 1, self->lim);
	for (i = 0; i < self->zi->nr; i++) {
		const struct zl_zi_zone *z = &self->zi->zone[i];

		ASSERT_LE(0, zl_zone_index(z->name)) TH_LOG("unknown zone %s", z->name);
		EXPECT_EQ(nr_zones, z->nr_prot) TH_LOG("zone %d/%s", z->nid, z->name);
		for (j = 0; j < z->nr_prot && j < ZL_ZI_MAX_PROT; j++) {
			EXPECT_EQ(self->lim[i].protection[j], z->protection[j])
				TH_LOG("zone %d/%s protection[%d]", z->nid, z->name, j);
		}
	}
}

/* pcp batch and high equal 6.1's zone_batchsize()/zone_highsize() per zone, on every CPU. */
TEST_F(zone, pcp_limits_match_formula)
{
	int nr_split[ZL_MAX_NODES] = { 0 }, nid, i, j, online;
	struct zl_mask cpus;

	online = zl_online_cpus(&cpus);
	ASSERT_LT(0, online);
	for (nid = 0; nid < ZL_MAX_NODES; nid++) {
		int n = zl_node_nr_cpus(nid);

		nr_split[nid] = n > 0 ? n : 0;
	}
	zl_model_limits(self->zi, zl_param("min_free_kbytes"), nr_split, online, self->lim);
	for (i = 0; i < self->zi->nr; i++) {
		const struct zl_zi_zone *z = &self->zi->zone[i];

		EXPECT_EQ(online, z->nr_pcp) TH_LOG("zone %d/%s: one pageset per online CPU",
						    z->nid, z->name);
		for (j = 0; j < z->nr_pcp; j++) {
			EXPECT_TRUE(zl_mask_test(&cpus, z->pcp[j].cpu));
			EXPECT_EQ(self->lim[i].pcp_batch, z->pcp[j].batch)
				TH_LOG("zone %d/%s cpu %d", z->nid, z->name, z->pcp[j].cpu);
			EXPECT_EQ(self->lim[i].pcp_high, z->pcp[j].high)
				TH_LOG("zone %d/%s cpu %d (node CPUs %d)", z->nid, z->name,
				       z->pcp[j].cpu, nr_split[z->nid]);
		}
	}
}

/* stats pages_reserved == sum of managed == the count in the "loaded:" line. */
TEST_F(zone, pages_reserved_matches_pool)
{
	long pool = zl_zi_managed(self->zi, -1), logged = -1, nodes, gen;
	struct zl_stats s;
	char *log;

	ASSERT_EQ(0, zl_stats_read(&s));
	EXPECT_EQ(pool, zl_stat(&s, "pages_reserved"));
	EXPECT_EQ(0, zl_stat(&s, "pages_returned"));

	log = zl_klog_read();
	ASSERT_NE(NULL, log);
	if (zl_klog_last_loaded_pages(log, &nodes, &gen, &logged)) {
		free(log);
		SKIP(return, "no 'zonelab: loaded: ... pages reserved' line in the kernel log");
	}
	free(log);
	EXPECT_EQ(pool, logged);
}

/* A quiescent pool is whole blocks only: managed >> block_order free blocks of that order. */
TEST_F(zone, buddyinfo_whole_blocks_when_quiescent)
{
	long block_order = zl_param("block_order");
	char err[256] = "", *text;
	struct zl_buddy *b = malloc(sizeof(*b));
	const struct zl_zi_zone *z;
	int i, o;

	ASSERT_NE(NULL, b);
	ASSERT_LE(0, block_order);
	text = zl_read_file(ZL_BUDDYINFO, NULL);
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, zl_buddy_parse(b, text, err, sizeof(err))) TH_LOG("%s", err);
	free(text);
	EXPECT_EQ(self->zi->nr, b->nr);
	for (i = 0; i < b->nr; i++) {
		z = zl_zoneinfo_find(self->zi, b->zone[i].nid, b->zone[i].name);
		EXPECT_NE(NULL, z) TH_LOG("buddyinfo zone %d/%s not in zoneinfo",
					  b->zone[i].nid, b->zone[i].name);
		if (!z)
			continue;
		ASSERT_LT(block_order, b->zone[i].nr_orders);
		for (o = 0; o < b->zone[i].nr_orders; o++) {
			EXPECT_EQ(o == block_order ? z->managed >> block_order : 0,
				  b->zone[i].nr_free[o])
				TH_LOG("zone %d/%s order %d", z->nid, z->name, o);
		}
		EXPECT_EQ(z->free, zl_buddy_pages(&b->zone[i]));
	}
	free(b);
}

/* Alloc a mix of orders, free all, drain all: buddyinfo is byte-identical to before. */
TEST_F(zone, buddy_merge_restores_buddyinfo)
{
	static const int orders[] = { 0, 2, 0, 5, 1, 0, 3, 9, 0, 1, 4 };
	char *fresh, *busy, *after;
	int nid, cmds = 0;
	size_t i;

	fresh = zl_read_file(ZL_BUDDYINFO, NULL);
	ASSERT_NE(NULL, fresh);
	self->fd = zl_alloc_open();
	ASSERT_LE(0, self->fd);
	zl_for_each_node(nid, &self->memory) {
		for (i = 0; i < ARRAY_SIZE(orders); i++) {
			ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc %zu order=%d node=%d",
						  1 + i % 3, orders[i], nid));
			/* Free some in the middle, so that holes open up. */
			if (++cmds % 4 == 0)
				ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free 2"));
		}
	}
	busy = zl_read_file(ZL_BUDDYINFO, NULL);
	ASSERT_NE(NULL, busy);
	EXPECT_STRNE(fresh, busy) TH_LOG("allocations did not split any block");

	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
	ASSERT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	after = zl_read_file(ZL_BUDDYINFO, NULL);
	ASSERT_NE(NULL, after);
	EXPECT_STREQ(fresh, after);
	free(fresh);
	free(busy);
	free(after);
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	if (!zl_path_exists(ZL_ZONEINFO) || !zl_path_exists(ZL_ALLOC))
		ksft_exit_skip("this zonelab has no zoneinfo/alloc files\n");
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
