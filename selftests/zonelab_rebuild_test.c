// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's `rebuild` file: a good write publishes exactly one new
 * generation with identical lists, counted in `stats`, leaves the zones
 * (`zoneinfo`, `buddyinfo`) alone, and old generations are freed after a
 * grace period.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_util.h"

FIXTURE(rebuild)
{
	struct zl_zonelists *before;
	struct zl_zonelists *after;
	struct zl_stats s0, s1;
	struct zl_klog_mark mark;
};

FIXTURE_VARIANT(rebuild)
{
	const char *cmd;	/* a good command */
};

FIXTURE_VARIANT_ADD(rebuild, one)
{
	.cmd = "1",
};

FIXTURE_VARIANT_ADD(rebuild, one_newline)
{
	.cmd = "1\n",
};

FIXTURE_SETUP(rebuild)
{
	char err[512] = "";

	zl_klog_mark(&self->mark);
	self->before = zl_zonelists_alloc();
	self->after = zl_zonelists_alloc();
	ASSERT_NE(NULL, self->before);
	ASSERT_NE(NULL, self->after);
	ASSERT_EQ(0, zl_zonelists_read(self->before, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, zl_stats_read(&self->s0));
}

FIXTURE_TEARDOWN(rebuild)
{
	free(self->before);
	free(self->after);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* Every order, fallback and thisnode line of @a equals @b's. */
static void expect_same_lists(struct __test_metadata *_metadata,
			      const struct zl_zonelists *a,
			      const struct zl_zonelists *b)
{
	int nid;

	EXPECT_TRUE(zl_mask_equal(&a->nodes, &b->nodes));
	zl_for_each_node(nid, &a->nodes) {
		EXPECT_STREQ(a->node[nid].order_line, b->node[nid].order_line);
		EXPECT_STREQ(a->node[nid].fallback_line, b->node[nid].fallback_line);
		EXPECT_STREQ(a->node[nid].thisnode_line, b->node[nid].thisnode_line);
	}
}

/*
 * One good write: generation +1, rebuilds +1, identical lists, zones
 * untouched, returns the count.
 */
TEST_F(rebuild, write_bumps_generation_by_one)
{
	char *zi0 = zl_read_file(ZL_ZONEINFO, NULL), *bi0 = zl_read_file(ZL_BUDDYINFO, NULL);
	char *zi1, *bi1;
	char err[512] = "";
	ssize_t ret;

	ASSERT_NE(NULL, zi0);
	ASSERT_NE(NULL, bi0);
	ASSERT_EQ(0, zl_write_once(ZL_REBUILD, variant->cmd, strlen(variant->cmd), &ret));
	EXPECT_EQ((ssize_t)strlen(variant->cmd), ret);
	ASSERT_EQ(0, zl_zonelists_read(self->after, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, zl_stats_read(&self->s1));

	EXPECT_EQ(self->before->generation + 1, self->after->generation);
	EXPECT_EQ(zl_stat(&self->s0, "rebuilds") + 1, zl_stat(&self->s1, "rebuilds"));
	EXPECT_EQ(zl_stat(&self->s0, "rebuild_failed"), zl_stat(&self->s1, "rebuild_failed"));
	EXPECT_EQ(zl_stat(&self->s0, "rebuild_skipped"), zl_stat(&self->s1, "rebuild_skipped"));
	EXPECT_EQ(zl_stat(&self->s0, "memory_events"), zl_stat(&self->s1, "memory_events"));
	EXPECT_EQ(zl_stat(&self->s0, "pages_reserved"), zl_stat(&self->s1, "pages_reserved"));
	EXPECT_EQ(zl_stat(&self->s0, "alloc_success"), zl_stat(&self->s1, "alloc_success"));
	expect_same_lists(_metadata, self->before, self->after);

	zi1 = zl_read_file(ZL_ZONEINFO, NULL);
	bi1 = zl_read_file(ZL_BUDDYINFO, NULL);
	ASSERT_NE(NULL, zi1);
	ASSERT_NE(NULL, bi1);
	EXPECT_STREQ(zi0, zi1)
		TH_LOG("a rebuild changed zoneinfo");
	EXPECT_STREQ(bi0, bi1)
		TH_LOG("a rebuild changed buddyinfo");
	free(zi0);
	free(bi0);
	free(zi1);
	free(bi1);
}

/* The rebuild timings are set and consistent after a rebuild. */
TEST_F(rebuild, timings_are_consistent)
{
	ASSERT_EQ(0, zl_write_str(ZL_REBUILD, variant->cmd));
	ASSERT_EQ(0, zl_stats_read(&self->s1));
	EXPECT_LT(0, zl_stat(&self->s1, "rebuild_ns_last"));
	EXPECT_LE(zl_stat(&self->s1, "rebuild_ns_last"), zl_stat(&self->s1, "rebuild_ns_max"));
	EXPECT_LE(zl_stat(&self->s0, "rebuild_ns_max"), zl_stat(&self->s1, "rebuild_ns_max"));
}

/* 200 rebuilds: generation +200, lists unchanged, old generations freed within ~5 s. */
TEST_F_TIMEOUT(rebuild, burst_frees_old_generations, 120)
{
	long long live = -1, deadline;
	char err[512] = "";
	int i;

	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, zl_write_str(ZL_REBUILD, variant->cmd))
			TH_LOG("write %d failed", i);
	}
	ASSERT_EQ(0, zl_zonelists_read(self->after, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(self->before->generation + 200, self->after->generation);
	expect_same_lists(_metadata, self->before, self->after);

	ASSERT_EQ(0, zl_stats_read(&self->s1));
	EXPECT_EQ(zl_stat(&self->s0, "rebuilds") + 200, zl_stat(&self->s1, "rebuilds"));

	/* RCU frees the old ones after a grace period: poll up to ~5 s. */
	deadline = zl_now_ms() + 5000;
	do {
		ASSERT_EQ(0, zl_stats_read(&self->s1));
		live = zl_stat(&self->s1, "generations_live");
		if (live >= 1 && live <= 2)
			break;
		zl_sleep_ms(100);
	} while (zl_now_ms() < deadline);
	EXPECT_LE(1, live);
	EXPECT_GE(2, live)
		TH_LOG("%lld generations still live 5 s after the burst", live);
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
