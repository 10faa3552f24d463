// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab and the kernel agree after the kernel rebuilds its zonelists.
 *
 * At boot the kernel orders nodes before the CPU-to-node map is known, so
 * its boot-time order may differ.  Onlining an offline memory block (a QEMU
 * pc-dimm, left offline by memhp_default_state=offline) with
 * online_movable populates an empty Movable zone: the kernel rebuilds its
 * zonelists and logs "Fallback order for Node N: ..." for every node.
 * zonelab never takes pages from hotplugged memory, so it gains no zone;
 * its memory notifier rebuilds only when an input of its lists changed,
 * here N_MEMORY (the block's node had no memory before), and counts a
 * skipped rebuild otherwise.  Either way, from then on zonelab's orders
 * equal the kernel's and its lists equal the kernel's with the zones
 * zonelab holds no pages of left out.  Offlining the block again empties
 * the zone and the same holds.  Every block is put back offline afterwards.
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

#define OFFLINE_TRIES	10

static const char no_block_msg[] =
	"no offline memory block (a pc-dimm with memhp_default_state=offline)";

/* Everything compared before and after one hotplug operation. */
struct snap {
	struct zl_topo *sys;
	struct zl_zonelists *zl;
	struct zl_zonelists *kzl;
	struct zl_zoneinfo *zi;
	struct zl_stats stats;
};

static void snap_take(struct __test_metadata *_metadata, struct snap *s)
{
	char err[512] = "";

	/* A fresh topology: unknown distances must read -1. */
	free(s->sys);
	s->sys = zl_topo_alloc();
	if (!s->zl)
		s->zl = zl_zonelists_alloc();
	if (!s->kzl)
		s->kzl = zl_zonelists_alloc();
	if (!s->zi)
		s->zi = zl_zoneinfo_alloc();
	ASSERT_NE(NULL, s->sys);
	ASSERT_NE(NULL, s->zl);
	ASSERT_NE(NULL, s->kzl);
	ASSERT_NE(NULL, s->zi);
	ASSERT_EQ(0, zl_read_views(s->sys, s->zl, s->kzl, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, zl_zoneinfo_read(s->zi));
	ASSERT_EQ(0, zl_stats_read(&s->stats));
}

static void snap_free(struct snap *s)
{
	free(s->sys);
	free(s->zl);
	free(s->kzl);
	free(s->zi);
	memset(s, 0, sizeof(*s));
}

static bool movable_populated(const struct zl_topo *t, int nid)
{
	const struct zl_zone *z = zl_topo_zone(t, nid, "Movable");

	return z && z->present;
}

static bool has_zone(const struct zl_zref *z, int nr, const char *zone)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(z[i].zone, zone))
			return true;
	return false;
}

/* The same zonelab zones with the same pages: "nid/Zone managed ..." agree. */
static char *format_zi_zones(const struct zl_zoneinfo *zi, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < zi->nr && len < size; i++)
		len += snprintf(buf + len, size - len, " %d/%s:%ld", zi->zone[i].nid,
				zi->zone[i].name, zi->zone[i].managed);
	return buf;
}

/* What check_agreement() compares after one hotplug operation on @block. */
struct agree {
	const struct zl_block *block;
	bool online;		/* onlined (true) or offlined the block */
	const char *what;	/* "online" or "offline", for messages */
	const struct snap *before;
	struct snap after;
	int kver;
	bool kernel_rebuilt;
	/* The kernel ordered with the node the offline emptied in N_MEMORY. */
	bool stale;
	/* The kernel log: the last order of every node ... */
	int (*korder)[ZL_MAX_NODES];
	int knr[ZL_MAX_NODES];
	bool kfound[ZL_MAX_NODES];
	/* ... and which nodes got a new line since the operation. */
	int new_nr[ZL_MAX_NODES];
	bool new_found[ZL_MAX_NODES];
	/* The model's orders: N_MEMORY as it is, and as the kernel saw it. */
	int (*model)[ZL_MAX_NODES];
	int model_nr[ZL_MAX_NODES];
	int (*kmodel)[ZL_MAX_NODES];
	int kmodel_nr[ZL_MAX_NODES];
	int model_ret;		/* -ENODATA: no model comparison */
};

/* The zones: the kernel's Movable zone changes, zonelab's stay. */
static void agree_zones(struct __test_metadata *_metadata, struct agree *ag)
{
	const struct snap *before = ag->before;
	int nid = ag->block->nid;
	char a[2048], b[2048];

	/* The kernel rebuilds when the Movable zone changes populated state. */
	ag->kernel_rebuilt = movable_populated(before->sys, nid) !=
			     movable_populated(ag->after.sys, nid);
	if (ag->online) {
		EXPECT_TRUE(movable_populated(ag->after.sys, nid))
			TH_LOG("memory%d onlined movable but node %d's Movable zone is empty",
			       ag->block->id, nid);
	}

	/* zonelab takes nothing from hotplugged memory: its zones stay as they were. */
	EXPECT_STREQ(format_zi_zones(before->zi, a, sizeof(a)),
		     format_zi_zones(ag->after.zi, b, sizeof(b)))
		TH_LOG("%s of memory%d changed zonelab's zones", ag->what, ag->block->id);
}

/*
 * zonelab rebuilds exactly when an input of its lists changed; a
 * hotplugged block changes no CPU, distance or zonelab zone, so that
 * is N_MEMORY (/sys/devices/system/node/has_memory).
 */
static void agree_rebuild(struct __test_metadata *_metadata, struct agree *ag)
{
	const struct snap *before = ag->before, *after = &ag->after;
	const char *what = ag->what;
	int id = ag->block->id;
	char a[2048], b[2048];

	EXPECT_EQ(zl_stat(&before->stats, "memory_events") + 1,
		  zl_stat(&after->stats, "memory_events"))
		TH_LOG("%s of memory%d: memory_events", what, id);
	EXPECT_EQ(zl_stat(&before->stats, "rebuild_failed"),
		  zl_stat(&after->stats, "rebuild_failed"));
	if (!zl_mask_equal(&before->sys->has_memory, &after->sys->has_memory)) {
		TH_LOG("%s of memory%d: has_memory '%s' -> '%s': a rebuild expected", what,
		       id, zl_format_list(&before->sys->has_memory, a, sizeof(a)),
		       zl_format_list(&after->sys->has_memory, b, sizeof(b)));
		EXPECT_EQ(before->zl->generation + 1, after->zl->generation)
			TH_LOG("%s of memory%d: generation %ld -> %ld", what, id,
			       before->zl->generation, after->zl->generation);
		EXPECT_EQ(zl_stat(&before->stats, "rebuilds") + 1,
			  zl_stat(&after->stats, "rebuilds"));
		EXPECT_EQ(zl_stat(&before->stats, "rebuild_skipped"),
			  zl_stat(&after->stats, "rebuild_skipped"));
	} else {
		TH_LOG("%s of memory%d: has_memory unchanged: a skipped rebuild expected",
		       what, id);
		EXPECT_EQ(before->zl->generation, after->zl->generation)
			TH_LOG("%s of memory%d: generation %ld -> %ld", what, id,
			       before->zl->generation, after->zl->generation);
		EXPECT_EQ(zl_stat(&before->stats, "rebuilds"),
			  zl_stat(&after->stats, "rebuilds"));
		EXPECT_EQ(zl_stat(&before->stats, "rebuild_skipped") + 1,
			  zl_stat(&after->stats, "rebuild_skipped"));
	}
}

/* The kernel's log: new lines for every node when it rebuilt. */
static void agree_read_klog(struct __test_metadata *_metadata, struct agree *ag,
			    const struct zl_klog_mark *mark)
{
	char *log, *since;

	since = zl_klog_since(mark, NULL);
	ASSERT_NE(NULL, since);
	/* Only which nodes have new lines counts: kmodel is scratch till then. */
	zl_klog_fallback_orders(since, ag->new_found, ag->kmodel, ag->new_nr);
	free(since);
	log = zl_klog_read();
	ASSERT_NE(NULL, log);
	zl_klog_fallback_orders(log, ag->kfound, ag->korder, ag->knr);
	free(log);
}

/*
 * Before 6.7, offline_pages() rebuilds the zonelists before it clears
 * the node from N_MEMORY: when offlining empties the node, the
 * kernel's (last) order still holds the node, while zonelab, called
 * at MEM_OFFLINE, sees N_MEMORY without it.  From 6.7 on the kernel
 * clears the node first and both order without it: exact agreement.
 */
static void agree_models(struct __test_metadata *_metadata, struct agree *ag)
{
	const struct zl_topo *sys = ag->after.sys;
	int nid = ag->block->nid;
	struct zl_mask kmem;

	if (!ag->online && zl_mask_test(&ag->before->sys->has_memory, nid) &&
	    !zl_mask_test(&sys->has_memory, nid)) {
		if (zl_model_offline_clears_first(ag->kver)) {
			TH_LOG("offline emptied node %d: the kernel rebuilt without it", nid);
		} else {
			ag->stale = true;
			TH_LOG("offline emptied node %d: the kernel ordered with it in N_MEMORY",
			       nid);
		}
	}

	ag->model_ret = zl_model_orders(sys, &sys->has_memory, ag->kver,
					ag->model, ag->model_nr);
	kmem = sys->has_memory;
	if (ag->stale)
		zl_mask_set(&kmem, nid);
	if (zl_model_orders(sys, &kmem, ag->kver, ag->kmodel, ag->kmodel_nr))
		ag->model_ret = -ENODATA;
	if (ag->model_ret == -ENODATA)
		TH_LOG("a possible node is offline: no user-space model comparison");
}

/* Node @n's order: the kernel's last line, and the kernel's algorithm. */
static void agree_node_order(struct __test_metadata *_metadata,
			     const struct agree *ag, int n)
{
	const struct zl_node_zl *z = &ag->after.zl->node[n];
	int nid = ag->block->nid, id = ag->block->id;
	const char *what = ag->what;
	char a[2048], b[2048];

	zl_format_order(z->order, z->nr_order, a, sizeof(a));
	zl_format_order(ag->korder[n], ag->knr[n], b, sizeof(b));
	if (!ag->stale) {
		EXPECT_STREQ(b, a)
			TH_LOG("%s of memory%d: node %d order: zonelab '%s', kernel '%s'",
			       what, id, n, a, b);
	} else if (!ag->model_ret) {
		zl_format_order(ag->kmodel[n], ag->kmodel_nr[n], a, sizeof(a));
		EXPECT_STREQ(a, b)
			TH_LOG("node %d: kernel '%s', model with %d in N_MEMORY '%s'",
			       n, b, nid, a);
	}
	if (!ag->model_ret) {
		zl_format_order(z->order, z->nr_order, a, sizeof(a));
		zl_format_order(ag->model[n], ag->model_nr[n], b, sizeof(b));
		EXPECT_STREQ(b, a)
			TH_LOG("%s of memory%d: node %d order: zonelab '%s', model '%s'",
			       what, id, n, a, b);
	}
}

/*
 * Node @n's lists: exactly the kernel's without the zones zonelab
 * has no pages of (zone sets per node only when stale).
 */
static void agree_node_lists(struct __test_metadata *_metadata,
			     const struct agree *ag, int n)
{
	const struct zl_node_zl *z = &ag->after.zl->node[n];
	const struct zl_node_zl *k = &ag->after.kzl->node[n];
	const char *what = ag->what;
	int id = ag->block->id, nk, owner;
	struct zl_zref kf[ZL_MAX_ZREFS];
	char a[2048], b[2048];

	nk = zl_zrefs_filter_zi(k->fallback, k->nr_fallback, ag->after.zi,
				kf, ZL_MAX_ZREFS);
	if (!ag->stale) {
		EXPECT_TRUE(zl_zrefs_equal(kf, nk, z->fallback, z->nr_fallback))
			TH_LOG("%s of memory%d: node %d fallback: zonelab '%s', "
			       "kernel's filtered '%s'", what, id, n,
			       zl_format_zrefs(z->fallback, z->nr_fallback, a, sizeof(a)),
			       zl_format_zrefs(kf, nk, b, sizeof(b)));
	} else {
		EXPECT_EQ(nk, z->nr_fallback);
		for (owner = 0; owner < ZL_MAX_NODES; owner++) {
			zl_format_node_zones(z->fallback, z->nr_fallback, owner,
					     a, sizeof(a));
			zl_format_node_zones(kf, nk, owner, b, sizeof(b));
			EXPECT_STREQ(b, a)
				TH_LOG("node %d: zones of node %d", n, owner);
		}
	}
	nk = zl_zrefs_filter_zi(k->thisnode, k->nr_thisnode, ag->after.zi,
				kf, ZL_MAX_ZREFS);
	EXPECT_TRUE(zl_zrefs_equal(kf, nk, z->thisnode, z->nr_thisnode))
		TH_LOG("%s of memory%d: node %d thisnode: zonelab '%s', kernel's "
		       "filtered '%s'", what, id, n,
		       zl_format_zrefs(z->thisnode, z->nr_thisnode, a, sizeof(a)),
		       zl_format_zrefs(kf, nk, b, sizeof(b)));

	/* No zonelab list gains the hotplugged Movable zone. */
	EXPECT_FALSE(has_zone(z->fallback, z->nr_fallback, "Movable"))
		TH_LOG("node %d fallback '%s'", n, z->fallback_line);
	EXPECT_FALSE(has_zone(z->thisnode, z->nr_thisnode, "Movable"))
		TH_LOG("node %d thisnode '%s'", n, z->thisnode_line);
}

/*
 * After one hotplug operation on @block: zonelab followed the kernel.
 * @before: the snapshot before the operation; @mark: the kernel log then.
 * @online: the operation onlined (true) or offlined (false) the block.
 */
static void check_agreement(struct __test_metadata *_metadata,
			    const struct zl_block *block, bool online,
			    const struct snap *before, const struct zl_klog_mark *mark)
{
	struct agree ag = {
		.block = block, .online = online, .before = before,
		.what = online ? "online" : "offline",
		.korder = calloc(ZL_MAX_NODES, sizeof(*ag.korder)),
		.model = calloc(ZL_MAX_NODES, sizeof(*ag.model)),
		.kmodel = calloc(ZL_MAX_NODES, sizeof(*ag.kmodel)),
		.kver = zl_kernel_version(),
	};
	int nid = block->nid, n;

	ASSERT_NE(NULL, ag.korder);
	ASSERT_NE(NULL, ag.model);
	ASSERT_NE(NULL, ag.kmodel);
	ASSERT_LT(0, ag.kver);
	snap_take(_metadata, &ag.after);

	agree_zones(_metadata, &ag);
	agree_rebuild(_metadata, &ag);
	agree_read_klog(_metadata, &ag, mark);
	agree_models(_metadata, &ag);
	zl_for_each_node(n, &ag.after.sys->possible) {
		if (ag.kernel_rebuilt)
			EXPECT_TRUE(ag.new_found[n] && ag.new_nr[n] > 0)
				TH_LOG("%s of memory%d: no new 'Fallback order for Node %d' line",
				       ag.what, block->id, n);
		ASSERT_TRUE(ag.kfound[n])
			TH_LOG("no 'Fallback order for Node %d' line in the kernel log", n);
		agree_node_order(_metadata, &ag, n);
		agree_node_lists(_metadata, &ag, n);
	}
	/* The kernel's list does show it (kernel_zonelists reads the kernel). */
	if (online)
		EXPECT_TRUE(has_zone(ag.after.kzl->node[nid].thisnode,
				     ag.after.kzl->node[nid].nr_thisnode, "Movable"))
			TH_LOG("kernel_zonelists node %d thisnode '%s'", nid,
			       ag.after.kzl->node[nid].thisnode_line);

	snap_free(&ag.after);
	free(ag.korder);
	free(ag.model);
	free(ag.kmodel);
}

FIXTURE(kernel_agree)
{
	struct zl_block blocks[ZL_MAX_BLOCKS];
	int nr_blocks;
	bool onlined[ZL_MAX_BLOCKS];	/* we onlined it; offline it at teardown */
	struct zl_klog_mark mark;
};

FIXTURE_VARIANT(kernel_agree)
{
	bool every_block;
};

FIXTURE_VARIANT_ADD(kernel_agree, first_block)
{
	.every_block = false,
};

FIXTURE_VARIANT_ADD(kernel_agree, every_block)
{
	.every_block = true,
};

FIXTURE_SETUP(kernel_agree)
{
	zl_klog_mark(&self->mark);
	self->nr_blocks = zl_offline_blocks(self->blocks, ZL_MAX_BLOCKS);
	/* Old generations freed by RCU change `stats`; let them go first. */
	ASSERT_EQ(0, zl_wait_quiescent(5000));
}

FIXTURE_TEARDOWN(kernel_agree)
{
	char state[32];
	int i;

	/* Restore: every block we onlined goes back offline. */
	for (i = 0; i < self->nr_blocks; i++) {
		if (!self->onlined[i])
			continue;
		if (zl_block_state(self->blocks[i].id, state, sizeof(state)) == 0 &&
		    !strcmp(state, "offline"))
			continue;
		EXPECT_EQ(0, zl_block_offline_retry(self->blocks[i].id, OFFLINE_TRIES))
			TH_LOG("could not put memory%d back offline", self->blocks[i].id);
	}
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/*
 * Online one block: zonelab rebuilds or skips as N_MEMORY says, and matches
 * the kernel's zonelists (filtered) and log; offline: again.
 */
TEST_F_TIMEOUT(kernel_agree, online_then_offline_agree, 600)
{
	struct zl_klog_mark mark;
	struct snap before = { 0 };
	char state[32];
	int i, last, err;

	if (self->nr_blocks <= 0)
		SKIP(return, "%s", no_block_msg);
	last = variant->every_block ? self->nr_blocks : 1;

	for (i = 0; i < last; i++) {
		const struct zl_block *blk = &self->blocks[i];

		ASSERT_LE(0, blk->nid)
			TH_LOG("memory%d has no node link", blk->id);
		TH_LOG("memory%d (node %d): online_movable", blk->id, blk->nid);

		/* Online. */
		snap_take(_metadata, &before);
		zl_klog_mark(&mark);
		err = zl_block_set_state(blk->id, "online_movable");
		ASSERT_EQ(0, err)
			TH_LOG("online_movable memory%d: %s", blk->id, strerror(-err));
		self->onlined[i] = true;
		ASSERT_EQ(0, zl_block_state(blk->id, state, sizeof(state)));
		ASSERT_STREQ("online", state);
		check_agreement(_metadata, blk, true, &before, &mark);

		/* Offline again, restoring the state we found. */
		ASSERT_EQ(0, zl_wait_quiescent(5000));
		snap_take(_metadata, &before);
		zl_klog_mark(&mark);
		err = zl_block_offline_retry(blk->id, OFFLINE_TRIES);
		ASSERT_EQ(0, err)
			TH_LOG("offline memory%d: %s", blk->id, strerror(-err));
		self->onlined[i] = false;
		ASSERT_EQ(0, zl_block_state(blk->id, state, sizeof(state)));
		ASSERT_STREQ("offline", state);
		check_agreement(_metadata, blk, false, &before, &mark);
		ASSERT_EQ(0, zl_wait_quiescent(5000));
	}
	snap_free(&before);
}

/* After the hotplug round trip, `topology` and zonelab's lists reflect the restored state. */
TEST_F_TIMEOUT(kernel_agree, round_trip_restores_lists, 600)
{
	struct snap before = { 0 }, after = { 0 };
	int nid, err;

	if (self->nr_blocks <= 0)
		SKIP(return, "%s", no_block_msg);

	snap_take(_metadata, &before);
	err = zl_block_set_state(self->blocks[0].id, "online_movable");
	ASSERT_EQ(0, err)
		TH_LOG("online_movable memory%d: %s", self->blocks[0].id, strerror(-err));
	self->onlined[0] = true;
	err = zl_block_offline_retry(self->blocks[0].id, OFFLINE_TRIES);
	ASSERT_EQ(0, err)
		TH_LOG("offline memory%d: %s", self->blocks[0].id, strerror(-err));
	self->onlined[0] = false;
	snap_take(_metadata, &after);

	/*
	 * Same lists as before the round trip: two generations later when
	 * the block's node had no memory (N_MEMORY changed twice), the same
	 * generation otherwise (both events skipped).
	 */
	if (!zl_mask_test(&before.sys->has_memory, self->blocks[0].nid)) {
		EXPECT_EQ(before.zl->generation + 2, after.zl->generation);
	} else {
		EXPECT_EQ(before.zl->generation, after.zl->generation);
	}
	EXPECT_EQ(zl_stat(&before.stats, "memory_events") + 2,
		  zl_stat(&after.stats, "memory_events"));
	zl_for_each_node(nid, &before.sys->possible) {
		EXPECT_STREQ(before.zl->node[nid].order_line, after.zl->node[nid].order_line);
		EXPECT_STREQ(before.zl->node[nid].fallback_line, after.zl->node[nid].fallback_line);
		EXPECT_STREQ(before.zl->node[nid].thisnode_line, after.zl->node[nid].thisnode_line);
	}
	snap_free(&before);
	snap_free(&after);
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
