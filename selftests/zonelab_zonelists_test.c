// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's `zonelists`: format, node order, fallback and thisnode lists,
 * against zonelab's `zoneinfo` (its zones are the real zones it holds pages
 * of), sysfs, a user-space copy of the running kernel's ordering algorithm
 * and the kernel's own zonelists (`kernel_zonelists`), which equal
 * zonelab's once the zones zonelab holds no pages of are left out.
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
#include "zonelab_pool.h"

FIXTURE(zonelists)
{
	struct zl_zonelists *zl;	/* `zonelists` */
	struct zl_zonelists *kzl;	/* `kernel_zonelists` */
	struct zl_topo *sys;		/* sysfs + /proc/zoneinfo */
	struct zl_zoneinfo *zi;		/* zonelab's `zoneinfo` */
	int kver;			/* the running kernel's ZL_KVER() */
	int (*model)[ZL_MAX_NODES];	/* its node orders, in user space */
	int model_nr[ZL_MAX_NODES];
	int model_ret;
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(zonelists)
{
	char err[512] = "";

	zl_klog_mark(&self->mark);
	self->zl = zl_zonelists_alloc();
	self->kzl = zl_zonelists_alloc();
	self->sys = zl_topo_alloc();
	self->model = calloc(ZL_MAX_NODES, sizeof(*self->model));
	self->zi = zl_zoneinfo_alloc();
	ASSERT_NE(NULL, self->zi);
	ASSERT_NE(NULL, self->zl);
	ASSERT_NE(NULL, self->kzl);
	ASSERT_NE(NULL, self->sys);
	ASSERT_NE(NULL, self->model);

	ASSERT_EQ(0, zl_read_views(self->sys, self->zl, self->kzl, err, sizeof(err)))
		TH_LOG("%s", err);
	/* Which zones zonelab has is fixed at load: no race with the reads above. */
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	self->kver = zl_kernel_version();
	ASSERT_LT(0, self->kver);
	self->model_ret = zl_model_orders(self->sys, &self->sys->has_memory, self->kver,
					  self->model, self->model_nr);
}

FIXTURE_TEARDOWN(zonelists)
{
	free(self->zl);
	free(self->kzl);
	free(self->sys);
	free(self->model);
	free(self->zi);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* A generation line, then order/fallback/thisnode for exactly the possible nodes. */
TEST_F(zonelists, format_covers_possible_nodes)
{
	char la[256], lb[256];
	int nid;

	EXPECT_TRUE(self->zl->has_generation);
	EXPECT_LE(1, self->zl->generation);
	EXPECT_TRUE(zl_mask_equal(&self->zl->nodes, &self->sys->possible))
		TH_LOG("zonelists has nodes '%s', possible is '%s'",
		       zl_format_list(&self->zl->nodes, la, sizeof(la)),
		       zl_format_list(&self->sys->possible, lb, sizeof(lb)));
	zl_for_each_node(nid, &self->sys->possible) {
		EXPECT_TRUE(self->zl->node[nid].has_order);
		EXPECT_TRUE(self->zl->node[nid].has_fallback);
		EXPECT_TRUE(self->zl->node[nid].has_thisnode);
	}
}

/*
 * Order starts with the local node where the kernel puts it first (always
 * before 6.7; from 6.7 on only when it has memory, else the order starts
 * at its nearest memory node) and holds every memory node exactly once.
 */
TEST_F(zonelists, order_is_local_first_permutation)
{
	const struct zl_mask *mem = &self->sys->has_memory;
	const struct zl_node_zl *n;
	int nid, i, m, min, seen[ZL_MAX_NODES];
	char buf[512];
	bool local;

	zl_for_each_node(nid, &self->sys->possible) {
		n = &self->zl->node[nid];
		local = zl_model_local_first(self->kver, mem, nid);
		zl_format_order(n->order, n->nr_order, buf, sizeof(buf));
		ASSERT_LE(1, n->nr_order)
			TH_LOG("node %d: empty order", nid);
		if (local) {
			EXPECT_EQ(nid, n->order[0])
				TH_LOG("node %d: order '%s' does not start locally", nid, buf);
		} else {
			/* Memoryless on >= 6.7: the nearest memory node comes first. */
			min = -1;
			zl_for_each_node(m, mem) {
				if (min < 0 || self->sys->dist[nid][m] < min)
					min = self->sys->dist[nid][m];
			}
			EXPECT_TRUE(zl_mask_test(mem, n->order[0]) &&
				    self->sys->dist[nid][n->order[0]] == min)
				TH_LOG("memoryless node %d: order '%s' should start at distance %d",
				       nid, buf, min);
		}
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < n->nr_order; i++)
			seen[n->order[i]]++;
		for (i = 0; i < ZL_MAX_NODES; i++) {
			bool has_mem = zl_mask_test(mem, i);

			EXPECT_EQ(has_mem || (i == nid && local) ? 1 : 0, seen[i])
				TH_LOG("node %d: order '%s' has node %d %d times (memory: %d)",
				       nid, buf, i, seen[i], has_mem);
		}
	}
}

/*
 * zonelab's zones (`zoneinfo`) are populated real zones of nodes with
 * memory, and every node with memory has one unless reserve_percent of
 * its free memory was under a block at load (node 0 of a KASAN kernel).
 */
TEST_F(zonelists, zonelab_zones_are_real_populated_zones)
{
	const struct zl_zone *real;
	int i, nid;

	ASSERT_LT(0, self->zi->nr);
	for (i = 0; i < self->zi->nr; i++) {
		const struct zl_zi_zone *z = &self->zi->zone[i];

		real = zl_topo_zone(self->sys, z->nid, z->name);
		EXPECT_LT(0, z->managed)
			TH_LOG("zoneinfo shows zone %d/%s without pages", z->nid, z->name);
		EXPECT_TRUE(real && real->present > 0)
			TH_LOG("zone %d/%s is not a populated zone in /proc/zoneinfo",
			       z->nid, z->name);
	}
	zl_for_each_node(nid, &self->sys->has_memory) {
		long cap;

		if (zl_zi_node_has_pages(self->zi, nid))
			continue;
		EXPECT_TRUE(zl_node_capped_out(nid, &cap))
			TH_LOG("node %d has memory, no zonelab zone, yet a cap of %ld pages now",
			       nid, cap);
		TH_LOG("node %d: no zonelab zone: reserve_percent cap %ld pages", nid, cap);
	}
}

/* Fallback: each ordered node's zonelab zones (`zoneinfo`), highest first. */
TEST_F(zonelists, fallback_follows_order_and_zoneinfo)
{
	struct zl_zref want[ZL_MAX_ZREFS];
	const struct zl_node_zl *n;
	char a[2048], b[2048];
	int nid, nr;

	zl_for_each_node(nid, &self->sys->possible) {
		n = &self->zl->node[nid];
		nr = zl_zi_expected_zrefs(self->zi, n->order, n->nr_order, want, ZL_MAX_ZREFS);
		EXPECT_TRUE(zl_zrefs_equal(want, nr, n->fallback, n->nr_fallback))
			TH_LOG("node %d: fallback '%s', expected '%s'", nid,
			       zl_format_zrefs(n->fallback, n->nr_fallback, a, sizeof(a)),
			       zl_format_zrefs(want, nr, b, sizeof(b)));
	}
}

/* Thisnode: the node's own zonelab zones, highest first; empty when memoryless. */
TEST_F(zonelists, thisnode_is_own_zonelab_zones)
{
	struct zl_zref want[ZL_MAX_ZONES];
	const struct zl_node_zl *n;
	char a[512], b[512];
	int nid, nr;

	zl_for_each_node(nid, &self->sys->possible) {
		n = &self->zl->node[nid];
		nr = zl_zi_expected_zrefs(self->zi, &nid, 1, want, ZL_MAX_ZONES);
		EXPECT_TRUE(zl_zrefs_equal(want, nr, n->thisnode, n->nr_thisnode))
			TH_LOG("node %d: thisnode '%s', expected '%s'", nid,
			       zl_format_zrefs(n->thisnode, n->nr_thisnode, a, sizeof(a)),
			       zl_format_zrefs(want, nr, b, sizeof(b)));
		if (!zl_mask_test(&self->sys->has_memory, nid))
			EXPECT_EQ(0, n->nr_thisnode);
	}
}

/* A memoryless node's fallback starts at its nearest node with zonelab pages. */
TEST_F(zonelists, memoryless_node_starts_at_nearest)
{
	const struct zl_node_zl *n;
	int nid, m, min, checked = 0;

	zl_for_each_node(nid, &self->sys->online) {
		if (zl_mask_test(&self->sys->has_memory, nid))
			continue;
		min = -1;
		zl_for_each_node(m, &self->sys->has_memory) {
			if (!zl_zi_node_has_pages(self->zi, m))
				continue;
			if (min < 0 || self->sys->dist[nid][m] < min)
				min = self->sys->dist[nid][m];
		}
		if (min < 0)
			continue;
		n = &self->zl->node[nid];
		ASSERT_LE(1, n->nr_fallback)
			TH_LOG("memoryless node %d: empty fallback", nid);
		EXPECT_EQ(min, self->sys->dist[nid][n->fallback[0].nid])
			TH_LOG("memoryless %d: fallback starts at %d (distance %d), nearest is %d",
			       nid, n->fallback[0].nid,
			       self->sys->dist[nid][n->fallback[0].nid], min);
		checked++;
	}
	if (!checked)
		SKIP(return, "no online memoryless node in this topology");
}

/* Node order equals a user-space run of the running kernel's find_next_best_node() over sysfs. */
TEST_F(zonelists, order_matches_kernel_algorithm)
{
	const struct zl_node_zl *n;
	char a[512], b[512];
	int nid;

	if (self->model_ret == -ENODATA)
		SKIP(return, "a possible node is offline: its distances are not in sysfs");
	ASSERT_EQ(0, self->model_ret);
	zl_for_each_node(nid, &self->sys->possible) {
		n = &self->zl->node[nid];
		EXPECT_TRUE(n->nr_order == self->model_nr[nid] &&
			    !memcmp(n->order, self->model[nid],
				    n->nr_order * sizeof(int)))
			TH_LOG("node %d: zonelab order '%s', kernel algorithm gives '%s'", nid,
			       zl_format_order(n->order, n->nr_order, a, sizeof(a)),
			       zl_format_order(self->model[nid], self->model_nr[nid],
					       b, sizeof(b)));
	}
}

/* kernel_zonelists has fallback and thisnode lines for exactly the possible nodes. */
TEST_F(zonelists, kernel_zonelists_cover_possible_nodes)
{
	char la[256], lb[256];
	int nid;

	EXPECT_TRUE(zl_mask_equal(&self->kzl->nodes, &self->sys->possible))
		TH_LOG("kernel_zonelists has nodes '%s', possible is '%s'",
		       zl_format_list(&self->kzl->nodes, la, sizeof(la)),
		       zl_format_list(&self->sys->possible, lb, sizeof(lb)));
	zl_for_each_node(nid, &self->sys->possible) {
		EXPECT_TRUE(self->kzl->node[nid].has_fallback);
		EXPECT_TRUE(self->kzl->node[nid].has_thisnode);
	}
}

/*
 * Fallback lists hold the kernel's zones, less those zonelab holds no
 * pages of, per node in the kernel's zone order (the kernel's boot-time
 * node order may differ: see kernel_agree).
 */
TEST_F(zonelists, fallback_zone_sets_match_filtered_kernel)
{
	struct zl_zref kf[ZL_MAX_ZREFS];
	const struct zl_node_zl *a, *b;
	char za[256], zb[256];
	int nid, owner, nk;

	zl_for_each_node(nid, &self->sys->possible) {
		a = &self->zl->node[nid];
		b = &self->kzl->node[nid];
		nk = zl_zrefs_filter_zi(b->fallback, b->nr_fallback, self->zi, kf, ZL_MAX_ZREFS);
		EXPECT_EQ(nk, a->nr_fallback)
			TH_LOG("node %d: %d fallback zones, kernel has %d with zonelab pages",
			       nid, a->nr_fallback, nk);
		for (owner = 0; owner < ZL_MAX_NODES; owner++) {
			zl_format_node_zones(a->fallback, a->nr_fallback, owner, za, sizeof(za));
			zl_format_node_zones(kf, nk, owner, zb, sizeof(zb));
			EXPECT_STREQ(zb, za)
				TH_LOG("node %d: zones of node %d: zonelab '%s', kernel's filtered '%s'",
				       nid, owner, za, zb);
		}
	}
}

/*
 * Where the kernel's node order is zonelab's (always once the kernel
 * rebuilt after boot), the fallback list is the kernel's, filtered, exactly.
 */
TEST_F(zonelists, fallback_equals_filtered_kernel_when_orders_agree)
{
	int (*order)[ZL_MAX_NODES] = calloc(ZL_MAX_NODES, sizeof(*order));
	struct zl_zref kf[ZL_MAX_ZREFS];
	int nr[ZL_MAX_NODES], nid, nk, checked = 0;
	bool found[ZL_MAX_NODES];
	char a[2048], b[2048];
	char *log;

	ASSERT_NE(NULL, order);
	log = zl_klog_read();
	ASSERT_NE(NULL, log);
	zl_klog_fallback_orders(log, found, order, nr);
	free(log);
	zl_for_each_node(nid, &self->sys->possible) {
		const struct zl_node_zl *z = &self->zl->node[nid], *k = &self->kzl->node[nid];

		if (!found[nid] || nr[nid] != z->nr_order ||
		    memcmp(order[nid], z->order, nr[nid] * sizeof(int)))
			continue;
		nk = zl_zrefs_filter_zi(k->fallback, k->nr_fallback, self->zi, kf, ZL_MAX_ZREFS);
		EXPECT_TRUE(zl_zrefs_equal(kf, nk, z->fallback, z->nr_fallback))
			TH_LOG("node %d: zonelab '%s', kernel's filtered '%s'", nid,
			       zl_format_zrefs(z->fallback, z->nr_fallback, a, sizeof(a)),
			       zl_format_zrefs(kf, nk, b, sizeof(b)));
		checked++;
	}
	free(order);
	if (!checked)
		SKIP(return, "the kernel's logged order differs from zonelab's on every node");
}

/* Thisnode lists equal the kernel's with the zones zonelab has no pages of left out. */
TEST_F(zonelists, thisnode_matches_filtered_kernel)
{
	struct zl_zref kt[ZL_MAX_ZONES];
	char a[512], b[512];
	int nid, nk;

	zl_for_each_node(nid, &self->sys->possible) {
		const struct zl_node_zl *z = &self->zl->node[nid], *k = &self->kzl->node[nid];

		nk = zl_zrefs_filter_zi(k->thisnode, k->nr_thisnode, self->zi, kt, ZL_MAX_ZONES);
		EXPECT_TRUE(zl_zrefs_equal(kt, nk, z->thisnode, z->nr_thisnode))
			TH_LOG("node %d: zonelab thisnode '%s', kernel's filtered '%s'", nid,
			       zl_format_zrefs(z->thisnode, z->nr_thisnode, a, sizeof(a)),
			       zl_format_zrefs(kt, nk, b, sizeof(b)));
	}
}

/* The kernel's fallback lists follow its last "Fallback order" lines (checks kernel_zonelists). */
TEST_F(zonelists, kernel_zonelists_follow_kernel_log)
{
	int (*order)[ZL_MAX_NODES] = calloc(ZL_MAX_NODES, sizeof(*order));
	struct zl_zref want[ZL_MAX_ZREFS];
	int nr[ZL_MAX_NODES], nid, n;
	bool found[ZL_MAX_NODES];
	char a[2048], b[2048];
	char *log;

	ASSERT_NE(NULL, order);
	log = zl_klog_read();
	ASSERT_NE(NULL, log);
	zl_klog_fallback_orders(log, found, order, nr);
	free(log);
	zl_for_each_node(nid, &self->sys->possible) {
		const struct zl_node_zl *k = &self->kzl->node[nid];

		if (!found[nid])
			SKIP(goto out, "no 'Fallback order for Node %d' in the kernel log", nid);
		n = zl_expected_zrefs(self->sys, order[nid], nr[nid], want, ZL_MAX_ZREFS);
		EXPECT_TRUE(zl_zrefs_equal(want, n, k->fallback, k->nr_fallback))
			TH_LOG("node %d: kernel_zonelists '%s', kernel log order gives '%s'",
			       nid, zl_format_zrefs(k->fallback, k->nr_fallback, a, sizeof(a)),
			       zl_format_zrefs(want, n, b, sizeof(b)));
	}
out:
	free(order);
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
