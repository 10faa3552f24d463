// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab follows the kernel's memory hotplug with its own blocks.
 *
 * The guests have pc-dimms whose memory blocks stay offline at boot
 * (memhp_default_state=offline).  A test onlines one of them and:
 *
 *  loop_2017  onlines it movable and offlines it again, round after round,
 *             while stress allocates from the dimm's node on every CPU with
 *             the pool held near exhaustion: the 2017 experiment (zonelists
 *             rebuilt under allocators).  No premature OOM, every page back
 *             in its zone, zonelab's lists the kernel's.
 *  give_back  onlines it into a kernel zone with online_reserve_pages set:
 *             zonelab takes blocks from it; offlining the memory block gives
 *             them back (MEM_GOING_OFFLINE) and succeeds.
 *  veto_busy  the same with a zonelab block held: zonelab vetoes the offline
 *             (EBUSY) after offline_timeout_ms, and its blocks stay usable.
 *  cancel     anonymous pages of the memory block are pinned (vmsplice), so
 *             the kernel's offline loops after zonelab gave its blocks back
 *             until a signal stops it: MEM_CANCEL_OFFLINE, and zonelab takes
 *             the blocks again.
 *
 * For the last three the dimm's node's CPUs go offline while its memory is
 * in a kernel zone: the kernel's own allocations there (slab of the CPU's
 * kworkers) would be unmovable and keep the memory block online, whatever
 * zonelab does.
 *
 * A zonelab block is 2^block_order pages with id pfn >> block_order; the
 * ones inside the memory block [N * pages per memory block, (N + 1) * ...)
 * are that memory block's.  Everything is put back at teardown: stress
 * stopped, pages freed, online_reserve_pages 0, offline_timeout_ms as
 * found, the memory block offline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_pool.h"
#include "zonelab_memhotplug_blocks.h"

#define OFFLINE_TRIES		10
#define LOOP_ROUNDS		50
/* Stress holds this share of the pool, in percent. */
#define LOOP_HOLD_PERCENT	95
#define LOOP_ORDER_MAX		3
#define VETO_TIMEOUT_MS		300
/* How long zonelab's take work may need after an online. */
#define TAKE_WAIT_MS		10000
/* How long the cancel test waits for zonelab to give its blocks back. */
#define GIVE_WAIT_MS		20000
/* Anonymous pages mapped to find one in the memory block (cancel). */
#define CANCEL_MAP_PAGES	1024
/* Of them, pinned in the memory block (see pin_pages_in()). */
#define CANCEL_PIN_PAGES	64
/* uapi/linux/mempolicy.h */
#define ZL_MPOL_BIND		2

#define PARAM_RESERVE		ZL_SYSMOD "/parameters/online_reserve_pages"
#define PARAM_TIMEOUT		ZL_SYSMOD "/parameters/offline_timeout_ms"

static const char no_block_msg[] =
	"no offline memory block (a pc-dimm with memhp_default_state=offline)";

FIXTURE(memhotplug)
{
	struct zl_klog_mark mark;
	struct zl_block blocks[ZL_MAX_BLOCKS];
	int nr_blocks;
	struct zl_mblock mb;	/* the memory block the test works on */
	bool onlined;		/* mb is online because of us */
	long timeout_ms;	/* offline_timeout_ms as found */
	int alloc_fd;		/* an open `alloc` file, or -1 */
	int pipe_fd[2];		/* cancel: the pipe pinning pages, or -1 */
	void *map;		/* cancel: the pinned pages' mapping */
	struct zl_mask cpus_off;	/* CPUs we took offline */
};

/* ---- keeping the kernel off the memory block ---- */

/* Keep this task's own allocations (page tables, slab) off node @nid. */
static void pin_away_from_node(int nid)
{
	struct zl_mask cpus;
	int cpu;

	if (zl_online_cpus(&cpus) <= 0)
		return;
	zl_for_each_bit(cpu, &cpus, ZL_MASK_BITS) {
		if (zl_cpu_node(cpu) != nid) {
			zl_pin_cpu(cpu);
			return;
		}
	}
}

/*
 * Keep the kernel's allocations off node @nid's new kernel memory, where
 * they would be unmovable and keep the memory block online whatever
 * zonelab does: the node's CPUs go offline (those that can: their
 * kworkers' slab would come from their own node first; noted in
 * self->cpus_off for the teardown), and this task runs on another node.
 */
static void quiet_node(struct __test_metadata *_metadata,
		       FIXTURE_DATA(memhotplug) *self, int nid)
{
	struct zl_mask cpus;
	int cpu, err;

	ASSERT_LT(0, zl_online_cpus(&cpus));
	zl_for_each_bit(cpu, &cpus, ZL_MASK_BITS) {
		if (zl_cpu_node(cpu) != nid || !zl_cpu_hotpluggable(cpu))
			continue;
		err = zl_cpu_set_online(cpu, false);
		if (err) {
			TH_LOG("cpu%d of node %d stays online: %s", cpu, nid, strerror(-err));
			continue;
		}
		zl_mask_set(&self->cpus_off, cpu);
	}
	pin_away_from_node(nid);
}

/* ---- parameters, stats and stress ---- */

static int set_param(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return zl_write_str(path, buf);
}

static long long stat_of(struct __test_metadata *_metadata, const struct zl_stats *s,
			 const char *key)
{
	long long v = zl_stat(s, key);

	EXPECT_LE(0, v) TH_LOG("stats has no '%s'", key);
	return v;
}

/* ---- offlining, explained ---- */

/*
 * Offline @mb, retrying on EBUSY/EAGAIN while the page the kernel found
 * unmovable is its own; stop at once, saying so, when it is a zonelab
 * page: then the kernel refused the range before it sent
 * MEM_GOING_OFFLINE, and zonelab never had a chance to give it back.
 */
static int offline_explained(struct __test_metadata *_metadata, const struct zl_mblock *mb,
			     int tries)
{
	struct zl_klog_mark m;
	unsigned long pfn;
	char reason[128];
	int i, err = 0;
	long id;

	for (i = 0; i < tries; i++) {
		zl_klog_mark(&m);
		err = zl_block_set_state(mb->id, "offline");
		if (!err || (err != -EBUSY && err != -EAGAIN))
			return err;
		if (!zl_reported_page(&m, &pfn, reason, sizeof(reason))) {
			TH_LOG("offline memory%d: %s, no page reported", mb->id, strerror(-err));
		} else if ((id = zl_zblock_of_pfn(pfn)) >= 0) {
			TH_LOG("offline memory%d: %s: the kernel found pfn %#lx '%s', a page of "
			       "zonelab block %ld: it refused the range before MEM_GOING_OFFLINE "
			       "(zonelab's pages must look offlineable, e.g. PageOffline, for the "
			       "notifier to be asked)", mb->id, strerror(-err), pfn, reason, id);
			return err;
		} else {
			TH_LOG("offline memory%d: %s: the kernel's own pfn %#lx '%s' "
			       "(not zonelab's); retrying", mb->id, strerror(-err), pfn, reason);
		}
		zl_sleep_ms(500);
	}
	return err;
}

/* ---- agreement with the kernel ---- */

/*
 * zonelab's zonelists equal the kernel's: every node's order is the
 * kernel's last "Fallback order for Node N" line and its lists are
 * kernel_zonelists without the zones zonelab holds no pages of.  @stale:
 * an offline has just emptied a node, which the kernel's last rebuild
 * still counted (see zl_zonelists_agree()); orders are not compared then.
 */
static void check_agree(struct __test_metadata *_metadata, bool stale, const char *when)
{
	int (*korder)[ZL_MAX_NODES] = calloc(ZL_MAX_NODES, sizeof(*korder));
	struct zl_zonelists *zl = zl_zonelists_alloc(), *kzl = zl_zonelists_alloc();
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	struct zl_topo *sys = zl_topo_alloc();
	bool kfound[ZL_MAX_NODES];
	int knr[ZL_MAX_NODES], n;
	char err[1024] = "", a[512], b[512];
	char *log;

	ASSERT_NE(NULL, korder);
	ASSERT_NE(NULL, zl);
	ASSERT_NE(NULL, kzl);
	ASSERT_NE(NULL, zi);
	ASSERT_NE(NULL, sys);
	ASSERT_EQ(0, zl_read_views(sys, zl, kzl, err, sizeof(err)))
		TH_LOG("%s: %s", when, err);
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	log = zl_klog_read();
	ASSERT_NE(NULL, log);
	zl_klog_fallback_orders(log, kfound, korder, knr);
	free(log);

	zl_for_each_node(n, &sys->possible) {
		if (stale)
			break;
		ASSERT_TRUE(kfound[n])
			TH_LOG("%s: no 'Fallback order for Node %d' line in the kernel log",
			       when, n);
		zl_format_order(zl->node[n].order, zl->node[n].nr_order, a, sizeof(a));
		zl_format_order(korder[n], knr[n], b, sizeof(b));
		EXPECT_STREQ(b, a)
			TH_LOG("%s: node %d order: zonelab '%s', kernel '%s'", when, n, a, b);
	}
	EXPECT_EQ(0, zl_zonelists_agree(zl, kzl, zi, &sys->possible, stale, err, sizeof(err)))
		TH_LOG("%s: %s", when, err);
	free(korder);
	free(zl);
	free(kzl);
	free(zi);
	free(sys);
}

static bool node_has_memory(int nid)
{
	struct zl_mask m;

	return !zl_node_state("has_memory", &m) && zl_mask_test(&m, nid);
}

/* ---- onlining into a kernel zone ---- */

/*
 * Online the test's memory block with online_kernel while
 * online_reserve_pages is @reserve, and wait until zonelab has taken
 * pages of it (its "reserved" log line); @r: zonelab's blocks there.
 * false when the test was skipped (the kernel refused online_kernel).
 */
static bool online_kernel_reserved(struct __test_metadata *_metadata,
				   FIXTURE_DATA(memhotplug) *self, long reserve,
				   struct zl_range *r)
{
	const struct zl_mblock *mb = &self->mb;
	struct zl_klog_mark m;
	char err[256] = "", path[128], *zones;
	long taken = 0;
	int ret;

	quiet_node(_metadata, self, mb->nid);
	ASSERT_EQ(0, set_param(PARAM_RESERVE, reserve))
		TH_LOG("online_reserve_pages is not writable");
	zl_klog_mark(&m);
	ret = zl_block_set_state(mb->id, "online_kernel");
	if (ret == -EINVAL || ret == -EPERM)
		SKIP(return false, "the kernel refused online_kernel of memory%d (node %d): %s",
		     mb->id, mb->nid, strerror(-ret));
	ASSERT_EQ(0, ret)
		TH_LOG("online_kernel memory%d: %s", mb->id, strerror(-ret));
	self->onlined = true;
	snprintf(path, sizeof(path), ZL_MEMORY_SYSFS "/memory%d/valid_zones", mb->id);
	zones = zl_read_file(path, NULL);
	TH_LOG("memory%d (node %d, pfn %#lx-%#lx) online in zone %s", mb->id, mb->nid,
	       mb->start_pfn, mb->start_pfn + mb->nr_pages,
	       zones ? strtok(zones, "\n") : "?");
	free(zones);

	ASSERT_EQ(0, zl_wait_reserved(mb, &m, &taken, TAKE_WAIT_MS))
		TH_LOG("zonelab reserved nothing of memory%d within %d ms "
		       "(online_reserve_pages %ld)", mb->id, TAKE_WAIT_MS, reserve);
	ASSERT_EQ(0, zl_range_read(mb, r, err, sizeof(err))) TH_LOG("%s", err);
	TH_LOG("zonelab took %d blocks, %ld pages, of memory%d into %d/%s", r->nr, r->pages,
	       mb->id, r->nid, r->zone);
	ASSERT_LT(0, r->nr);
	EXPECT_EQ(taken, r->pages);
	EXPECT_EQ(r->nr, r->online);
	EXPECT_GE(reserve, r->pages);
	EXPECT_EQ(mb->nid, r->nid);
	EXPECT_STRNE("Movable", r->zone);
	return true;
}

/* zonelab's zone (@nid, @zone) from `zoneinfo`: managed and unheld pages. */
static void zone_pages(struct __test_metadata *_metadata, int nid, const char *zone,
		       long *managed, long *unheld)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_get();
	const struct zl_zi_zone *z;

	ASSERT_NE(NULL, zi);
	z = zl_zoneinfo_find(zi, nid, zone);
	*managed = z ? z->managed : 0;
	*unheld = z ? z->free + zl_zi_pcp_total(z) : 0;
	free(zi);
}

/*
 * The zone the memory block's zonelab blocks went to holds nothing else,
 * and comes first in the node's thisnode list, so that a thisnode
 * allocation of a whole block from that node is a block of the memory
 * block.  On a memoryless node that is trivially so; on a node with boot
 * memory (DMA32 only in these guests) the new zone is its highest, which
 * zonelists put first.  false (skipped) otherwise.
 */
static bool range_zone_first(struct __test_metadata *_metadata, const struct zl_range *r)
{
	struct zl_zonelists *zl = zl_zonelists_alloc();
	char err[256] = "";
	bool first;

	ASSERT_NE(NULL, zl);
	if (r->outside) {
		free(zl);
		SKIP(return false, "zone %d/%s has %d zonelab blocks outside the memory block",
		     r->nid, r->zone, r->outside);
	}
	ASSERT_EQ(0, zl_zonelists_read(zl, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	first = zl->node[r->nid].nr_thisnode > 0 &&
		!strcmp(zl->node[r->nid].thisnode[0].zone, r->zone);
	if (!first) {
		TH_LOG("node %d thisnode: '%s'", r->nid, zl->node[r->nid].thisnode_line);
		free(zl);
		SKIP(return false, "zone %d/%s is not first in node %d's thisnode list",
		     r->nid, r->zone, r->nid);
	}
	free(zl);
	return true;
}

/* ---- the fixture ---- */

FIXTURE_SETUP(memhotplug)
{
	long pages;

	self->alloc_fd = -1;
	self->pipe_fd[0] = self->pipe_fd[1] = -1;
	self->timeout_ms = -1;
	zl_klog_mark(&self->mark);
	self->nr_blocks = zl_offline_blocks(self->blocks, ZL_MAX_BLOCKS);
	pages = zl_mem_block_pages();
	ASSERT_LT(0, pages) TH_LOG("block_size_bytes: %s", strerror(-pages));
	if (self->nr_blocks > 0)
		zl_mblock_pick(self->blocks, self->nr_blocks, pages, &self->mb);
	self->timeout_ms = zl_param("offline_timeout_ms");
	ASSERT_LE(0, self->timeout_ms) TH_LOG("no offline_timeout_ms parameter");
	ASSERT_EQ(0, zl_param("online_reserve_pages"))
		TH_LOG("online_reserve_pages is not 0 (left over?)");
}

FIXTURE_TEARDOWN(memhotplug)
{
	char state[32], err[256] = "";
	struct zl_range r;
	int cpu;

	EXPECT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	if (self->alloc_fd >= 0)
		close(self->alloc_fd);		/* frees what it holds */
	if (self->pipe_fd[0] >= 0)
		close(self->pipe_fd[0]);
	if (self->pipe_fd[1] >= 0)
		close(self->pipe_fd[1]);	/* unpins the page */
	if (self->map)
		munmap(self->map, CANCEL_MAP_PAGES * PAGE);
	EXPECT_EQ(0, set_param(PARAM_RESERVE, 0));
	if (self->timeout_ms >= 0)
		EXPECT_EQ(0, set_param(PARAM_TIMEOUT, self->timeout_ms));
	if (self->onlined &&
	    !(zl_block_state(self->mb.id, state, sizeof(state)) == 0 &&
	      !strcmp(state, "offline"))) {
		EXPECT_EQ(0, offline_explained(_metadata, &self->mb, OFFLINE_TRIES))
			TH_LOG("could not put memory%d back offline", self->mb.id);
	}
	if (self->onlined) {
		EXPECT_EQ(0, zl_range_read(&self->mb, &r, err, sizeof(err))) TH_LOG("%s", err);
		EXPECT_EQ(0, r.nr) TH_LOG("zonelab blocks left in memory%d", self->mb.id);
	}
	zl_for_each_bit(cpu, &self->cpus_off, ZL_MASK_BITS)
		EXPECT_EQ(0, zl_cpu_set_online(cpu, true)) TH_LOG("cpu%d stays offline", cpu);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* ---- loop_2017 ---- */

/*
 * loop_2017's stress into @cmd: a thread on every online CPU, allocating
 * from the memory block's node, together holding LOOP_HOLD_PERCENT of the
 * pool.  The number of CPUs, with *@pool the pool's pages.
 */
static int loop_stress_cmd(struct __test_metadata *_metadata, const struct zl_mblock *mb,
			   char *cmd, size_t size, long *pool)
{
	struct zl_zoneinfo *zi;
	struct zl_mask cpus;
	char list[256];
	int nr_cpus;
	long hold;

	nr_cpus = zl_online_cpus(&cpus);
	ASSERT_LT(0, nr_cpus);
	zi = zl_zoneinfo_get();
	ASSERT_NE(NULL, zi);
	*pool = zl_zi_managed(zi, -1);
	free(zi);
	ASSERT_LT(0, *pool);

	/* An allocation of order 0..3 averages 15/4 pages. */
	hold = *pool * LOOP_HOLD_PERCENT * 4 / (100 * 15 * nr_cpus);
	if (hold < 1)
		hold = 1;
	snprintf(cmd, size, "start threads=%d order_max=%d hold=%ld node=%d cpus=%s",
		 nr_cpus, LOOP_ORDER_MAX, hold, mb->nid,
		 zl_format_list(&cpus, list, sizeof(list)));
	TH_LOG("memory%d (node %d%s), pool %ld pages: stress '%s'", mb->id, mb->nid,
	       node_has_memory(mb->nid) ? "" : ", memoryless", *pool, cmd);
	return nr_cpus;
}

/*
 * LOOP_ROUNDS rounds of online_movable and offline of the memory block,
 * timed, while the stress runs on @nr_cpus CPUs.  false when the kernel
 * refused the first online: the test is skipped.
 */
static bool loop_rounds(struct __test_metadata *_metadata, FIXTURE_DATA(memhotplug) *self,
			int nr_cpus)
{
	const struct zl_mblock *mb = &self->mb;
	long long t0, t1, t2, ms, rate100, online_ms = 0, offline_max = 0;
	int round, err, offline_slow = 0;

	t0 = zl_now_ms();
	for (round = 0; round < LOOP_ROUNDS; round++) {
		t1 = zl_now_ms();
		err = zl_block_set_state(mb->id, "online_movable");
		if (!round && (err == -EINVAL || err == -EPERM))
			SKIP(return false, "the kernel refused online_movable of memory%d: %s",
			     mb->id, strerror(-err));
		ASSERT_EQ(0, err)
			TH_LOG("round %d: online_movable memory%d: %s", round, mb->id,
			       strerror(-err));
		self->onlined = true;
		t2 = zl_now_ms();
		online_ms += t2 - t1;
		err = zl_block_offline_retry(mb->id, OFFLINE_TRIES);
		ASSERT_EQ(0, err)
			TH_LOG("round %d: offline memory%d: %s", round, mb->id, strerror(-err));
		self->onlined = false;
		t1 = zl_now_ms() - t2;
		offline_max = t1 > offline_max ? t1 : offline_max;
		offline_slow += t1 >= 500;	/* zl_block_offline_retry() slept */
	}
	ms = zl_now_ms() - t0;
	rate100 = ms ? LOOP_ROUNDS * 100000LL / ms : 0;
	ksft_print_msg("loop_2017: memory%d node %d: %d online/offline rounds in %lld ms, "
		       "%lld.%02lld rounds/s, under stress on %d CPUs (online %lld ms in all, "
		       "slowest offline %lld ms, %d offlines >= 500 ms)\n", mb->id, mb->nid,
		       LOOP_ROUNDS, ms, rate100 / 100, rate100 % 100, nr_cpus, online_ms,
		       offline_max, offline_slow);
	fflush(stdout);		/* the harness's child ends in _exit() */
	return true;
}

/*
 * What the stress did (@ops, @fails) and zonelab counted between @before
 * and @after: no premature OOM, and the memory events of every round.
 */
static void loop_expect_stats(struct __test_metadata *_metadata, const struct zl_mblock *mb,
			      const struct zl_stats *before, const struct zl_stats *after,
			      long ops, long fails)
{
	TH_LOG("stress: %ld ops, %ld fails; alloc_fail +%lld, rebuilds +%lld, "
	       "rebuild_skipped +%lld, zonelist_missed_zone +%lld, zonelist_double_visit +%lld",
	       ops, fails,
	       stat_of(_metadata, after, "alloc_fail") - stat_of(_metadata, before, "alloc_fail"),
	       zl_stat(after, "rebuilds") - zl_stat(before, "rebuilds"),
	       zl_stat(after, "rebuild_skipped") - zl_stat(before, "rebuild_skipped"),
	       zl_stat(after, "zonelist_missed_zone") - zl_stat(before, "zonelist_missed_zone"),
	       zl_stat(after, "zonelist_double_visit") -
	       zl_stat(before, "zonelist_double_visit"));
	EXPECT_EQ(stat_of(_metadata, before, "premature_oom"),
		  stat_of(_metadata, after, "premature_oom"))
		TH_LOG("premature OOMs while memory%d went on- and offline", mb->id);
	EXPECT_LE(2 * (LOOP_ROUNDS + 1), zl_stat(after, "memory_events") -
					 zl_stat(before, "memory_events"));
}

/* Every page is back: drained, each zone wholly free, @pool as reserved. */
static void loop_expect_whole(struct __test_metadata *_metadata, long pool,
			      const struct zl_stats *after)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	long sum = 0;
	int i;

	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_zoneinfo_drained(zi));
	for (i = 0; i < zi->nr; i++) {
		EXPECT_EQ(zi->zone[i].managed, zi->zone[i].free)
			TH_LOG("zone %d/%s: %ld of %ld pages not free after stop", zi->zone[i].nid,
			       zi->zone[i].name, zi->zone[i].managed - zi->zone[i].free,
			       zi->zone[i].managed);
		sum += zi->zone[i].managed;
	}
	free(zi);
	EXPECT_EQ(pool, sum);
	EXPECT_EQ(stat_of(_metadata, after, "pages_reserved") -
		  stat_of(_metadata, after, "pages_returned"), sum);
}

/*
 * The 2017 experiment: a movable memory block onlined and offlined in a
 * loop while stress allocates from its node on every CPU with the pool
 * near exhaustion; no premature OOM, no page lost, lists the kernel's.
 */
TEST_F_TIMEOUT(memhotplug, loop_2017, 600)
{
	const struct zl_mblock *mb = &self->mb;
	struct zl_stats before, after;
	long pool, ops, fails;
	char cmd[512];
	bool had_memory;
	int nr_cpus;

	if (self->nr_blocks <= 0)
		SKIP(return, "%s", no_block_msg);
	nr_cpus = loop_stress_cmd(_metadata, mb, cmd, sizeof(cmd), &pool);

	ASSERT_EQ(0, zl_stats_read(&before));
	ops = zl_stress_value("ops");
	fails = zl_stress_value("fails");
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, cmd));
	zl_sleep_ms(200);
	if (!loop_rounds(_metadata, self, nr_cpus))
		return;

	/* One more round, checked: the lists after an online and an offline. */
	ASSERT_EQ(0, zl_block_set_state(mb->id, "online_movable"));
	self->onlined = true;
	check_agree(_metadata, false, "online_movable under stress");
	had_memory = node_has_memory(mb->nid);
	ASSERT_EQ(0, zl_block_offline_retry(mb->id, OFFLINE_TRIES));
	self->onlined = false;
	check_agree(_metadata, had_memory && !node_has_memory(mb->nid), "offline under stress");

	ops = zl_stress_value("ops") - ops;
	fails = zl_stress_value("fails") - fails;
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	ASSERT_EQ(0, zl_stats_read(&after));
	loop_expect_stats(_metadata, mb, &before, &after, ops, fails);
	loop_expect_whole(_metadata, pool, &after);
}

/* ---- give_back ---- */

/*
 * Memory onlined into a kernel zone with online_reserve_pages set: zonelab
 * takes blocks of it, and offlining the memory block gives them back.
 */
TEST_F_TIMEOUT(memhotplug, give_back, 300)
{
	const struct zl_mblock *mb = &self->mb;
	struct zl_stats before, after;
	struct zl_range r, left;
	char err[256] = "";
	bool had_memory;

	if (self->nr_blocks <= 0)
		SKIP(return, "%s", no_block_msg);
	if (!online_kernel_reserved(_metadata, self, mb->nr_pages, &r))
		return;
	check_agree(_metadata, false, "online_kernel with zonelab blocks");

	ASSERT_EQ(0, zl_stats_read(&before));
	had_memory = node_has_memory(mb->nid);
	ASSERT_EQ(0, offline_explained(_metadata, mb, OFFLINE_TRIES))
		TH_LOG("offline memory%d holding %d zonelab blocks failed", mb->id, r.nr);
	self->onlined = false;
	ASSERT_EQ(0, zl_stats_read(&after));

	ASSERT_EQ(0, zl_range_read(mb, &left, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, left.nr) TH_LOG("zonelab blocks left in offline memory%d", mb->id);
	EXPECT_EQ(stat_of(_metadata, &before, "pages_returned") + r.pages,
		  stat_of(_metadata, &after, "pages_returned"));
	EXPECT_EQ(stat_of(_metadata, &before, "blocks_offlined") + r.nr,
		  stat_of(_metadata, &after, "blocks_offlined"));
	EXPECT_EQ(stat_of(_metadata, &before, "hotplug_vetoes"),
		  stat_of(_metadata, &after, "hotplug_vetoes"));
	check_agree(_metadata, had_memory && !node_has_memory(mb->nid),
		    "offline gave zonelab's blocks back");
}

/* ---- veto_busy ---- */

/*
 * Hold one whole zonelab block (@order) of the memory block: of zone
 * @r->nid/@r->zone, which range_zone_first() found first in its node's
 * thisnode list and holding nothing else.
 */
static void hold_block(struct __test_metadata *_metadata, FIXTURE_DATA(memhotplug) *self,
		       const struct zl_range *r, int order)
{
	long managed, unheld;

	self->alloc_fd = zl_alloc_open();
	ASSERT_LE(0, self->alloc_fd);
	ASSERT_EQ(0, zl_alloc_cmd(self->alloc_fd, "alloc 1 order=%d node=%d thisnode",
				  order, self->mb.nid));
	zone_pages(_metadata, r->nid, r->zone, &managed, &unheld);
	ASSERT_EQ(r->pages, managed);
	ASSERT_EQ(r->pages - (long)r->block_pages, unheld)
		TH_LOG("the held block is not one of zone %d/%s", r->nid, r->zone);
}

/*
 * Offline the memory block with a block held: zonelab vetoes it (EBUSY)
 * after offline_timeout_ms, counts the veto and returns no page.
 */
static void offline_vetoed(struct __test_metadata *_metadata, FIXTURE_DATA(memhotplug) *self)
{
	const struct zl_mblock *mb = &self->mb;
	struct zl_stats before, after;
	struct zl_klog_mark m;
	char reason[128];
	unsigned long pfn;
	long long t0;
	long ms;
	int ret;

	ASSERT_EQ(0, zl_stats_read(&before));
	zl_klog_mark(&m);
	t0 = zl_now_ms();
	ret = zl_block_set_state(mb->id, "offline");
	ms = zl_now_ms() - t0;
	if (!ret)
		self->onlined = false;
	ASSERT_EQ(0, zl_stats_read(&after));
	if (zl_reported_page(&m, &pfn, reason, sizeof(reason)))
		TH_LOG("the kernel reported pfn %#lx '%s' (zonelab block %ld)", pfn, reason,
		       zl_zblock_of_pfn(pfn));
	ASSERT_EQ(-EBUSY, ret)
		TH_LOG("offline of memory%d with a held zonelab block: %s", mb->id,
		       ret ? strerror(-ret) : "succeeded");
	EXPECT_EQ(stat_of(_metadata, &before, "hotplug_vetoes") + 1,
		  stat_of(_metadata, &after, "hotplug_vetoes"))
		TH_LOG("EBUSY, but not zonelab's veto");
	EXPECT_EQ(stat_of(_metadata, &before, "pages_returned"),
		  stat_of(_metadata, &after, "pages_returned"));
	EXPECT_LE(VETO_TIMEOUT_MS - 20, ms)
		TH_LOG("vetoed after %ld ms, before offline_timeout_ms %d", ms, VETO_TIMEOUT_MS);
	TH_LOG("vetoed after %ld ms (offline_timeout_ms %d)", ms, VETO_TIMEOUT_MS);
}

/*
 * A held zonelab block makes zonelab veto the offline after
 * offline_timeout_ms (EBUSY); its blocks stay online and allocatable, and
 * once freed the offline succeeds.
 */
TEST_F_TIMEOUT(memhotplug, veto_busy, 300)
{
	const struct zl_mblock *mb = &self->mb;
	struct zl_stats before, after;
	long managed, unheld;
	struct zl_range r, again;
	char state[32], err[256] = "";
	int order;

	if (self->nr_blocks <= 0)
		SKIP(return, "%s", no_block_msg);
	if (!online_kernel_reserved(_metadata, self, mb->nr_pages, &r))
		return;
	if (!range_zone_first(_metadata, &r))
		return;
	order = zl_order_of(r.block_pages);
	ASSERT_EQ(0, set_param(PARAM_TIMEOUT, VETO_TIMEOUT_MS));
	hold_block(_metadata, self, &r, order);
	offline_vetoed(_metadata, self);

	/* Back online, whole, and allocatable. */
	ASSERT_EQ(0, zl_block_state(mb->id, state, sizeof(state)));
	EXPECT_STREQ("online", state);
	ASSERT_EQ(0, zl_range_read(mb, &again, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(r.nr, again.nr);
	EXPECT_EQ(again.nr, again.online) TH_LOG("blocks of memory%d not online after the veto",
						 mb->id);
	ASSERT_EQ(0, zl_alloc_cmd(self->alloc_fd, "alloc 1 order=%d node=%d thisnode",
				  order, mb->nid));
	zone_pages(_metadata, r.nid, r.zone, &managed, &unheld);
	EXPECT_EQ(r.pages, managed);
	EXPECT_EQ(r.pages - 2 * (long)r.block_pages, unheld)
		TH_LOG("the second block did not come from zone %d/%s", r.nid, r.zone);

	/* Freed, the offline goes through. */
	ASSERT_EQ(0, zl_alloc_cmd(self->alloc_fd, "free all"));
	ASSERT_EQ(0, zl_stats_read(&before));
	ASSERT_EQ(0, offline_explained(_metadata, mb, OFFLINE_TRIES));
	self->onlined = false;
	ASSERT_EQ(0, zl_stats_read(&after));
	ASSERT_EQ(0, zl_range_read(mb, &again, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, again.nr);
	EXPECT_EQ(stat_of(_metadata, &before, "pages_returned") + r.pages,
		  stat_of(_metadata, &after, "pages_returned"));
}

/* ---- cancel ---- */

static void on_signal(int sig)
{
	(void)sig;
}

/* The thread that offlines the memory block (cancel). */
struct offliner {
	int id;
	int err;
	volatile bool done;
	long probe;		/* a zonelab block to inject at while given */
	int online_err, offline_err;	/* what `hotplug` said of it then */
};

static void *offliner_fn(void *arg)
{
	struct offliner *o = arg;

	o->err = zl_block_set_state(o->id, "offline");
	o->done = true;
	return NULL;
}

/*
 * Pin anonymous pages of the memory block: map pages bound to its node
 * (the new kernel zone is the node's highest, where they go first), take
 * CANCEL_PIN_PAGES of them inside the range and vmsplice them into a
 * pipe, which keeps references the kernel's offline cannot migrate away.
 * More than one: when the memory block is all its node has, the pinned
 * pages are the node's whole LRU once the offline has migrated the rest;
 * with a single page there, one page counted isolated is "too many
 * isolated" for that node, and zonelab's take work was seen to wait for
 * ever in alloc_contig_range() (too_many_isolated()), hanging the next
 * offline.  The first pinned pfn, or 0.
 */
static unsigned long pin_pages_in(struct __test_metadata *_metadata,
				  FIXTURE_DATA(memhotplug) *self)
{
	const struct zl_mblock *mb = &self->mb;
	unsigned long mask[2] = { 0 }, pfn, first = 0;
	struct iovec iov[CANCEL_PIN_PAGES];
	int pagemap, i, nr = 0;
	char *p;

	self->map = mmap(NULL, CANCEL_MAP_PAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	p = self->map;
	madvise(p, CANCEL_MAP_PAGES * PAGE, MADV_NOHUGEPAGE);
	mask[0] = 1UL << mb->nid;
	/* syscall() takes longs: an int's upper half would be left undefined. */
	ASSERT_EQ(0, syscall(SYS_mbind, p, (unsigned long)CANCEL_MAP_PAGES * PAGE,
			     (unsigned long)ZL_MPOL_BIND, mask, 8 * sizeof(mask[0]) + 1, 0UL))
		TH_LOG("mbind to node %d: %s", mb->nid, strerror(errno));
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_LE(0, pagemap);
	for (i = 0; i < CANCEL_MAP_PAGES && nr < CANCEL_PIN_PAGES; i++) {
		p[i * PAGE] = 1;
		pfn = zl_pfn_of(pagemap, p + i * PAGE);
		if (pfn < mb->start_pfn || pfn >= mb->start_pfn + mb->nr_pages)
			continue;
		first = first ?: pfn;
		iov[nr].iov_base = p + i * PAGE;
		iov[nr].iov_len = PAGE;
		nr++;
	}
	close(pagemap);
	if (nr < CANCEL_PIN_PAGES)
		return 0;

	ASSERT_EQ(0, pipe(self->pipe_fd));
	ASSERT_LE(CANCEL_PIN_PAGES * (long)PAGE,
		  fcntl(self->pipe_fd[1], F_SETPIPE_SZ, CANCEL_PIN_PAGES * PAGE))
		TH_LOG("F_SETPIPE_SZ: %s", strerror(errno));
	ASSERT_EQ(CANCEL_PIN_PAGES * (ssize_t)PAGE,
		  vmsplice(self->pipe_fd[1], iov, CANCEL_PIN_PAGES, 0))
		TH_LOG("vmsplice: %s", strerror(errno));
	TH_LOG("pinned %d pages of memory%d from pfn %#lx", CANCEL_PIN_PAGES, mb->id, first);
	return first;
}

/*
 * Offline the memory block in a thread, @o, and once zonelab has given its
 * blocks back (or GIVE_WAIT_MS passed) stop it with SIGUSR1, repeated
 * until the offline returns.  @m: the kernel log before it started.
 */
static void offline_interrupted(struct __test_metadata *_metadata,
				const struct zl_mblock *mb, struct offliner *o,
				struct zl_klog_mark *m)
{
	struct sigaction sa = { .sa_handler = on_signal }, old;
	long long deadline;
	struct zl_range again;
	char err[256] = "", cmd[64];
	pthread_t thread;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));	/* no SA_RESTART */
	zl_klog_mark(m);
	ASSERT_EQ(0, pthread_create(&thread, NULL, offliner_fn, o));

	/*
	 * zonelab has given its blocks back (they read offline: their page
	 * references dropped, not returned): now the kernel loops on the pin.
	 */
	deadline = zl_now_ms() + GIVE_WAIT_MS;
	while (!o->done && zl_now_ms() < deadline) {
		if (!zl_range_read(mb, &again, err, sizeof(err)) && !again.online)
			break;
		zl_sleep_ms(50);
	}
	zl_sleep_ms(300);
	snprintf(cmd, sizeof(cmd), "online %ld", o->probe);
	o->online_err = zl_cmd("hotplug", cmd);
	snprintf(cmd, sizeof(cmd), "offline %ld timeout_ms=0", o->probe);
	o->offline_err = zl_cmd("hotplug", cmd);
	/* A signal between the thread's syscalls is lost: repeat it. */
	deadline = zl_now_ms() + GIVE_WAIT_MS;
	while (!o->done && zl_now_ms() < deadline) {
		pthread_kill(thread, SIGUSR1);
		zl_sleep_ms(100);
	}
	ASSERT_TRUE(o->done) TH_LOG("the offline of memory%d ignored signals", mb->id);
	pthread_join(thread, NULL);
	sigaction(SIGUSR1, &old, NULL);
}

/*
 * MEM_CANCEL_OFFLINE: zonelab takes every block of @r back, online, with
 * no page reserved anew (@before: the stats before the offline); the
 * memory block is online and zonelab's lists agree with the kernel's.
 */
static void expect_taken_back(struct __test_metadata *_metadata, const struct zl_mblock *mb,
			      const struct zl_range *r, const struct zl_stats *before)
{
	struct zl_stats after;
	long long deadline;
	struct zl_range again;
	char err[256] = "", state[32];
	long managed, unheld;

	deadline = zl_now_ms() + TAKE_WAIT_MS;
	do {
		ASSERT_EQ(0, zl_range_read(mb, &again, err, sizeof(err))) TH_LOG("%s", err);
		if (again.nr == r->nr && again.online == r->nr)
			break;
		zl_sleep_ms(100);
	} while (zl_now_ms() < deadline);
	EXPECT_EQ(r->nr, again.nr) TH_LOG("zonelab did not take its blocks back after the cancel");
	EXPECT_EQ(again.nr, again.online);
	ASSERT_EQ(0, zl_stats_read(&after));
	EXPECT_EQ(stat_of(_metadata, before, "pages_reserved"),
		  stat_of(_metadata, &after, "pages_reserved"));
	EXPECT_EQ(stat_of(_metadata, before, "blocks_onlined") + r->nr,
		  stat_of(_metadata, &after, "blocks_onlined"));
	ASSERT_EQ(0, zl_block_state(mb->id, state, sizeof(state)));
	EXPECT_STREQ("online", state);
	zone_pages(_metadata, r->nid, r->zone, &managed, &unheld);
	if (!r->outside)
		EXPECT_EQ(r->pages, managed);
	check_agree(_metadata, false, "after MEM_CANCEL_OFFLINE");
}

/*
 * The kernel's offline fails after zonelab gave its blocks back in
 * MEM_GOING_OFFLINE (pinned pages the offline cannot migrate, then a
 * signal): MEM_CANCEL_OFFLINE, and zonelab takes the blocks back.  In
 * between, injected online/offline of a given block is EBUSY (one pinned
 * offline serves both: each is minutes on the debug kernel).
 */
TEST_F_TIMEOUT(memhotplug, cancel, 600)
{
	const struct zl_mblock *mb = &self->mb;
	struct offliner o = { .id = mb->id };
	struct zl_stats before, after;
	struct zl_range r, again;
	char err[256] = "", reason[128];
	struct zl_klog_mark m;
	unsigned long pfn, bad;

	if (self->nr_blocks <= 0)
		SKIP(return, "%s", no_block_msg);
	/* Half the memory block: room left for the pages to pin. */
	if (!online_kernel_reserved(_metadata, self, mb->nr_pages / 2, &r))
		return;
	o.probe = zl_zblock_first_in(mb, r.block_pages);
	ASSERT_LE(0, o.probe);
	pfn = pin_pages_in(_metadata, self);
	if (!pfn)
		SKIP(return, "fewer than %d of %d pages bound to node %d landed in memory%d",
		     CANCEL_PIN_PAGES, CANCEL_MAP_PAGES, mb->nid, mb->id);

	ASSERT_EQ(0, zl_stats_read(&before));
	offline_interrupted(_metadata, mb, &o, &m);
	if (!o.err) {
		self->onlined = false;
		SKIP(return, "could not provoke MEM_CANCEL_OFFLINE: memory%d went offline with "
		     "pages from pfn %#lx pinned", mb->id, pfn);
	}
	ASSERT_EQ(0, zl_stats_read(&after));
	TH_LOG("offline of memory%d: %s; zonelab had handed over %lld of its %d blocks first",
	       mb->id, strerror(-o.err), zl_stat(&after, "blocks_offlined") -
	       zl_stat(&before, "blocks_offlined"), r.nr);
	if (o.err != -EINTR && zl_reported_page(&m, &bad, reason, sizeof(reason)))
		TH_LOG("the kernel reported pfn %#lx '%s' (zonelab block %ld)", bad, reason,
		       zl_zblock_of_pfn(bad));
	ASSERT_EQ(-EINTR, o.err)
		TH_LOG("expected the signal to stop the offline after MEM_GOING_OFFLINE");
	/*
	 * While the kernel held the given blocks, `hotplug` could neither
	 * bring one back into zonelab's lists nor touch it.
	 */
	EXPECT_EQ(-EBUSY, o.online_err) TH_LOG("online of given block %ld", o.probe);
	EXPECT_EQ(-EBUSY, o.offline_err) TH_LOG("offline of given block %ld", o.probe);
	/*
	 * The blocks went offline and their pages were handed over by
	 * reference (PageOffline), not returned: the cancel gives them back.
	 */
	EXPECT_EQ(stat_of(_metadata, &before, "pages_returned"),
		  stat_of(_metadata, &after, "pages_returned"));
	EXPECT_EQ(stat_of(_metadata, &before, "blocks_offlined") + r.nr,
		  stat_of(_metadata, &after, "blocks_offlined"));
	expect_taken_back(_metadata, mb, &r, &before);

	/* Unpinned, the offline goes through and gives the blocks back again. */
	close(self->pipe_fd[1]);
	close(self->pipe_fd[0]);
	self->pipe_fd[0] = self->pipe_fd[1] = -1;
	ASSERT_EQ(0, offline_explained(_metadata, mb, OFFLINE_TRIES));
	self->onlined = false;
	ASSERT_EQ(0, zl_range_read(mb, &again, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, again.nr);
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
