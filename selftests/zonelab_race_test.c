// SPDX-License-Identifier: GPL-2.0
/*
 * The rebuild storm (issue 4): the zonelists are rebuilt in a loop on one
 * CPU, each rebuild taking a zone out or putting it back, while stress
 * workers on the other CPUs allocate and free at the edge of exhaustion.
 * For rcu, seqlock and stop_machine each walk detector must stay at zero;
 * for inplace, the deliberately unsafe mode, double visits and missed
 * zones must fire (with inplace_delay_us widening the window between
 * entry writes and walk_delay_us the walks, honestly).  Then a premature OOM that does not
 * rely on luck: only one zone has pages, and the storm moves it under a
 * walk.
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

#define DELAY_PARAM	ZL_SYSMOD "/parameters/inplace_delay_us"
#define WALK_DELAY_PARAM	ZL_SYSMOD "/parameters/walk_delay_us"

static const char * const detectors[] = {
	"zonelist_double_visit", "zonelist_missed_zone", "premature_oom",
};

#define NR_DET	(sizeof(detectors) / sizeof(detectors[0]))
/*
 * The first two must fire in an inplace storm.  Stress at exhaustion
 * makes a premature OOM likely, not certain (a KCSAN kernel once went
 * 15 s without one): premature.inplace.only_m_has_pages makes it near
 * certain.
 */
#define NR_STORM_DET	2

FIXTURE(storm)
{
	long before[NR_DET];
	long retry;
	bool stress, storm;
	struct zl_klog_mark mark;
};

FIXTURE_VARIANT(storm)
{
	const char *mode;
	bool unsafe;		/* the detectors must fire, not stay quiet */
	int run_ms;		/* how long a safe mode runs; unsafe: the limit */
	const char *walk_delay;	/* walk_delay_us, or NULL */
};

FIXTURE_VARIANT_ADD(storm, rcu) { .mode = "rcu", .run_ms = 1000 };
FIXTURE_VARIANT_ADD(storm, seqlock) { .mode = "seqlock", .run_ms = 1000 };
FIXTURE_VARIANT_ADD(storm, stop_machine) { .mode = "stop_machine", .run_ms = 1000 };
/*
 * Walks long enough (50 us a zone) for rewrites to overtake them, as a
 * double visit needs: on 8node-mixed they rose from a handful to 198 in 1 s.
 */
FIXTURE_VARIANT_ADD(storm, inplace) {
	.mode = "inplace", .unsafe = true, .run_ms = 15000, .walk_delay = "50",
};

FIXTURE_SETUP(storm)
{
	zl_klog_mark(&self->mark);
	ASSERT_EQ(0, zl_wait_quiescent(5000));
}

FIXTURE_TEARDOWN(storm)
{
	if (self->storm)
		EXPECT_EQ(0, zl_cmd(ZL_STORM, "stop"));
	if (self->stress)
		EXPECT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	EXPECT_EQ(0, zl_cmd(ZL_REBUILD_MODE, "rcu"));
	EXPECT_EQ(0, zl_write_str(DELAY_PARAM, "0"));
	EXPECT_EQ(0, zl_write_str(WALK_DELAY_PARAM, "0"));
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* How many of the storm's detectors have counted since the test began. */
static size_t detected(FIXTURE_DATA(storm) *self)
{
	size_t i, n = 0;

	for (i = 0; i < NR_STORM_DET; i++)
		n += zl_stat_get(detectors[i]) > self->before[i];
	return n;
}

/* Stress on every CPU but 0, at exhaustion, and the storm on CPU 0. */
static void storm_start(struct __test_metadata *_metadata, FIXTURE_DATA(storm) *self,
			const struct zl_mask *cpus, long pool)
{
	struct zl_mask others;
	char cmd[96], list[64];
	long hold;
	int cpu;

	/* Each worker tries to hold the whole pool: it lives at exhaustion. */
	hold = pool < 65536 ? pool : 65536;
	zl_mask_clear(&others);
	zl_for_each_bit(cpu, cpus, ZL_MASK_BITS)
		if (cpu)
			zl_mask_set(&others, cpu);
	snprintf(cmd, sizeof(cmd), "start order_max=0 hold=%ld oom_score_adj=-1000 cpus=%s", hold,
		 zl_format_list(&others, list, sizeof(list)));
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, cmd)) TH_LOG("%s", cmd);
	self->stress = true;
	ASSERT_EQ(0, zl_cmd(ZL_STORM, "start cpu=0"));
	self->storm = true;
}

/* The value of the `<key> <n>` line of the storm file, or -1. */
static long storm_value(const char *key)
{
	char *text = zl_read_file(ZL_STORM, NULL), *p = text;
	size_t len = strlen(key);
	long v = -1;

	while (p && *p) {
		if (!strncmp(p, key, len) && p[len] == ' ') {
			v = atol(p + len + 1);
			break;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	free(text);
	return v;
}

/* The storm's rebuilds, then the storm and stress stopped. */
static long storm_stop(struct __test_metadata *_metadata, FIXTURE_DATA(storm) *self)
{
	long rebuilds = storm_value("rebuilds");

	ASSERT_LE(0, rebuilds) TH_LOG("no rebuilds line in %s", ZL_STORM);
	ASSERT_EQ(0, zl_cmd(ZL_STORM, "stop"));
	self->storm = false;
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	self->stress = false;
	return rebuilds;
}

/* Rebuilds on CPU 0, allocations at exhaustion on every other CPU. */
TEST_F(storm, detectors)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_get();
	long pool, rebuilds;
	struct zl_mask cpus;
	long long start;
	size_t i;
	int err;

	ASSERT_NE(NULL, zi);
	if (zl_online_cpus(&cpus) < 2)
		SKIP(free(zi); return, "the storm needs a second CPU to allocate on");
	pool = zl_zi_managed(zi, -1);
	free(zi);
	err = zl_cmd(ZL_REBUILD_MODE, variant->mode);
	if (err == -EOPNOTSUPP)
		SKIP(return, "%s cannot keep walks unpreempted on this kernel",
		     variant->mode);
	ASSERT_EQ(0, err);
	if (variant->unsafe)
		ASSERT_EQ(0, zl_write_str(DELAY_PARAM, "20"));
	if (variant->walk_delay)
		ASSERT_EQ(0, zl_write_str(WALK_DELAY_PARAM, variant->walk_delay));

	for (i = 0; i < NR_DET; i++)
		self->before[i] = zl_stat_get(detectors[i]);
	self->retry = zl_stat_get("zonelist_retry");
	storm_start(_metadata, self, &cpus, pool);

	start = zl_now_ms();
	while (zl_now_ms() - start < variant->run_ms) {
		zl_sleep_ms(250);
		if (variant->unsafe && detected(self) == NR_STORM_DET)
			break;
	}
	rebuilds = storm_stop(_metadata, self);

	TH_LOG("%s: %ld rebuilds in %lld ms, double_visit %lld missed_zone %lld premature_oom %lld retry %lld",
		       variant->mode, rebuilds, zl_now_ms() - start,
		       zl_stat_get(detectors[0]) - self->before[0],
		       zl_stat_get(detectors[1]) - self->before[1],
		       zl_stat_get(detectors[2]) - self->before[2],
		       zl_stat_get("zonelist_retry") - self->retry);
	EXPECT_LT(0, rebuilds) TH_LOG("the storm never rebuilt");
	/* Each detector on its own: one dead detector must not hide behind the others. */
	if (variant->unsafe) {
		for (i = 0; i < NR_STORM_DET; i++) {
			const char *name = detectors[i];

			EXPECT_LT(self->before[i], zl_stat_get(name))
				TH_LOG("inplace rebuilds raced walks for %d ms: no %s",
				       variant->run_ms, name ? name : "?");
		}
		return;
	}
	for (i = 0; i < NR_DET; i++) {
		const char *name = detectors[i];

		EXPECT_EQ(self->before[i], zl_stat_get(name))
			TH_LOG("%s counted in this mode", name ? name : "?");
	}
}

FIXTURE(modes)
{
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(modes)
{
	zl_klog_mark(&self->mark);
}

FIXTURE_TEARDOWN(modes)
{
	EXPECT_EQ(0, zl_cmd(ZL_REBUILD_MODE, "rcu"));
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* Every mode reads back as written and builds the same lists. */
TEST_F(modes, switch_keeps_lists)
{
	static const char * const modes[] = { "seqlock", "stop_machine", "inplace", "rcu" };
	struct zl_zonelists *ref = zl_zonelists_alloc(), *now = zl_zonelists_alloc();
	char err[256], *text;
	size_t i;
	int n, ret;

	ASSERT_NE(NULL, ref);
	ASSERT_NE(NULL, now);
	text = zl_read_file(ZL_REBUILD_MODE, NULL);
	ASSERT_NE(NULL, text);
	EXPECT_STREQ("rcu\n", text);
	free(text);
	ASSERT_EQ(0, zl_zonelists_read(ref, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ret = zl_cmd(ZL_REBUILD_MODE, modes[i]);
		if (ret == -EOPNOTSUPP)
			continue;
		ASSERT_EQ(0, ret) TH_LOG("mode %s", modes[i]);
		text = zl_read_file(ZL_REBUILD_MODE, NULL);
		ASSERT_NE(NULL, text);
		EXPECT_EQ(0, strncmp(text, modes[i], strlen(modes[i])));
		free(text);
		ASSERT_EQ(0, zl_cmd(ZL_REBUILD, "1"));
		ASSERT_EQ(0, zl_zonelists_read(now, ZL_ZONELISTS, true, err, sizeof(err)))
			TH_LOG("%s", err);
		EXPECT_LT(ref->generation, now->generation);
		for (n = 0; n < ZL_MAX_NODES; n++)
			EXPECT_STREQ(ref->node[n].fallback_line, now->node[n].fallback_line)
				TH_LOG("mode %s, node %d", modes[i], n);
	}
	free(ref);
	free(now);
}

/* bench_rebuild prints one line per mode it ran, with figures that add up. */
TEST_F(modes, bench_rebuild_reports)
{
	char *text, *line;
	int lines = 0, err;

	err = zl_cmd(ZL_BENCH_REBUILD, "run 100");
	if (err == -EOPNOTSUPP)
		SKIP(return, "one CPU: no CPU left to allocate on during the storm");
	ASSERT_EQ(0, err);
	text = zl_read_file(ZL_BENCH_REBUILD, NULL);
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, strncmp(text, "phase_ms 100\n", 13)) TH_LOG("'%s'", text);
	for (line = strtok(text + 13, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long long per_sec, base, max_ns, avg, base_max, rebuilds;
		char mode[32];

		ASSERT_EQ(7, sscanf(line, "mode %31s allocs_per_sec %llu baseline_allocs_per_sec %llu max_alloc_ns %llu rebuild_ns_avg %llu baseline_max_alloc_ns %llu rebuilds %llu",
				    mode, &per_sec, &base, &max_ns, &avg, &base_max,
				    &rebuilds)) TH_LOG("line '%s'", line);
		TH_LOG("%s", line);
		EXPECT_LT(0ULL, per_sec) TH_LOG("%s", mode);
		EXPECT_LT(0ULL, base) TH_LOG("%s", mode);
		EXPECT_LT(0ULL, rebuilds) TH_LOG("%s", mode);
		EXPECT_LT(0ULL, avg) TH_LOG("%s", mode);
		lines++;
	}
	free(text);
	EXPECT_LE(3, lines);
}

/*
 * The premature OOM detector on its own.  Node A (CPU 1's) falls back
 * from its first zone Z to its last zone M; every zone but M's node's is
 * held whole by an exempt file, so only M has pages and no victim can be
 * chosen.  The storm hides Z every other rebuild, which moves M up from
 * the last entry to the one before: a walk that reads that entry before a
 * hide and the next one after it finds the end of the list.  Each zone
 * costs a walk one rebuild's time (walk_delay_us, from the storm's own
 * mean), so about one walk in two does that, and an allocation fails when
 * its three walks (low, min, and min after a drain) all do.  In inplace
 * such an allocation fails with M untouched, a premature OOM; the test
 * allows 60 s for one, where runs took 13 ms to 14 s with a fixed 1 ms
 * walk.  In the safe modes every allocation from A must succeed and the
 * detector stay at zero.  The kernel cannot be asked: its own zonelists
 * are rebuilt only by memory hotplug, and under zonelist_update_seq.
 */
FIXTURE(premature)
{
	struct zl_klog_mark mark;
	struct zl_zoneinfo *zi;
	int a, hold, fd;
	bool storm, delays, pcp_off, ready;
	char hide[64];
};

FIXTURE_VARIANT(premature)
{
	const char *mode;
	bool unsafe;
	int run_ms;
};

FIXTURE_VARIANT_ADD(premature, rcu) { .mode = "rcu", .run_ms = 1000 };
FIXTURE_VARIANT_ADD(premature, seqlock) { .mode = "seqlock", .run_ms = 1000 };
FIXTURE_VARIANT_ADD(premature, stop_machine) { .mode = "stop_machine", .run_ms = 1000 };
FIXTURE_VARIANT_ADD(premature, inplace) { .mode = "inplace", .unsafe = true, .run_ms = 60000 };

/* Hold every node's pages but @keep's on @fd, each node until ENOMEM. */
static int hold_all_but(const struct zl_zoneinfo *zi, int fd, int keep)
{
	long node_free[ZL_MAX_NODES] = { 0 };
	int i, nid, ret;

	for (i = 0; i < zi->nr; i++)
		node_free[zi->zone[i].nid] += zi->zone[i].free;
	for (nid = 0; nid < ZL_MAX_NODES; nid++) {
		if (nid == keep || !node_free[nid])
			continue;
		ret = zl_alloc_cmd(fd, "alloc %ld node=%d thisnode", node_free[nid] + 1, nid);
		if (ret != -ENOMEM)
			return ret ?: -EAGAIN;
	}
	return 0;
}

FIXTURE_SETUP(premature)
{
	struct zl_zonelists *zl = zl_zonelists_alloc();
	const struct zl_node_zl *n;
	struct zl_zref z, m;
	char err[256];
	int i, ret;

	zl_klog_mark(&self->mark);
	self->hold = self->fd = -1;
	ASSERT_NE(NULL, zl);
	self->a = zl_cpu_node(1);
	if (self->a < 0)
		SKIP(free(zl); return, "needs CPU 1 to allocate on, CPU 0 for the storm");
	ASSERT_EQ(0, zl_zonelists_read(zl, ZL_ZONELISTS, true, err, sizeof(err))) TH_LOG("%s", err);
	n = &zl->node[self->a];
	z = n->fallback[0];
	m = n->fallback[n->nr_fallback - 1];
	for (i = 1; i < n->nr_fallback - 1; i++)
		if (n->fallback[i].nid == m.nid)
			break;
	ret = n->nr_fallback >= 2 && z.nid != m.nid && i == n->nr_fallback - 1;
	free(zl);
	if (!ret)
		SKIP(return, "node %d's list does not end in a node of one zone", self->a);
	snprintf(self->hide, sizeof(self->hide), "start cpu=0 hide=%d/%s", z.nid, z.zone);

	ASSERT_EQ(0, zl_wait_quiescent(5000));
	self->zi = zl_zoneinfo_alloc();
	ASSERT_NE(NULL, self->zi);
	ASSERT_EQ(0, zl_zoneinfo_drained(self->zi));
	self->pcp_off = true;
	ASSERT_EQ(0, zl_pcp_switch(self->zi, -1, false));
	self->hold = zl_alloc_open_exempt();
	ASSERT_LE(0, self->hold);
	self->fd = zl_alloc_open_exempt();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, hold_all_but(self->zi, self->hold, m.nid));
	ASSERT_EQ(0, zl_pin_cpu(1));
	ret = zl_cmd(ZL_REBUILD_MODE, variant->mode);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "%s cannot keep walks unpreempted on this kernel", variant->mode);
	ASSERT_EQ(0, ret);
	self->ready = true;
}

FIXTURE_TEARDOWN(premature)
{
	if (self->storm)
		EXPECT_EQ(0, zl_cmd(ZL_STORM, "stop"));
	if (self->delays) {
		EXPECT_EQ(0, zl_write_str(WALK_DELAY_PARAM, "0"));
		EXPECT_EQ(0, zl_write_str(DELAY_PARAM, "0"));
	}
	if (self->fd >= 0)
		close(self->fd);
	if (self->hold >= 0)
		close(self->hold);
	if (self->pcp_off)
		EXPECT_EQ(0, zl_pcp_switch(self->zi, -1, true));
	free(self->zi);
	EXPECT_EQ(0, zl_cmd(ZL_REBUILD_MODE, "rcu"));
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/*
 * A walk's time per zone: one rebuild, so that the list a walk reads at
 * one zone and at the next are likely the two sides of a hide (about one
 * walk in two, where a fixed 1 ms gave one in ten or fewer on lists that
 * take 4 ms to rewrite).  At most 2 ms: a stop_machine rebuild takes 9 ms
 * on 8node-mixed, which would leave that mode a handful of allocations.
 */
static long premature_walk_us(long rebuild_us)
{
	return rebuild_us < 200 ? 200 : rebuild_us > 2000 ? 2000 : rebuild_us;
}

TEST_F_TIMEOUT(premature, only_m_has_pages, 120)
{
	long long before = zl_stat_get("premature_oom"), start;
	long allocs = 0, fails = 0, found, rebuild_us, walk_us;
	char walk[32];
	int ret;

	/* 6.1's harness runs the test after a SKIP in its setup. */
	if (!self->ready)
		return;

	self->delays = true;
	if (variant->unsafe)
		ASSERT_EQ(0, zl_write_str(DELAY_PARAM, "20"));
	ASSERT_EQ(0, zl_cmd(ZL_STORM, self->hide)) TH_LOG("%s", self->hide);
	self->storm = true;
	zl_sleep_ms(300);
	rebuild_us = storm_value("rebuild_ns_avg") / 1000;
	ASSERT_LT(0, rebuild_us) TH_LOG("no rebuild time in %s", ZL_STORM);
	walk_us = premature_walk_us(rebuild_us);
	snprintf(walk, sizeof(walk), "%ld", walk_us);
	ASSERT_EQ(0, zl_write_str(WALK_DELAY_PARAM, walk));
	start = zl_now_ms();
	while (zl_now_ms() - start < variant->run_ms) {
		ret = zl_alloc_cmd(self->fd, "alloc 1 node=%d", self->a);
		allocs++;
		if (ret == -ENOMEM)
			fails++;
		else
			ASSERT_EQ(0, ret ?: zl_alloc_cmd(self->fd, "free 1"));
		if (variant->unsafe && zl_stat_get("premature_oom") > before)
			break;
	}
	found = zl_stat_get("premature_oom") - before;
	TH_LOG("%s (%s): rebuilds of %ld us, walks of %ld us a zone: %ld allocations from node %d in %lld ms, %ld failed, premature_oom %ld",
	       variant->mode, self->hide, rebuild_us, walk_us, allocs, self->a,
	       zl_now_ms() - start, fails, found);
	if (variant->unsafe) {
		EXPECT_LT(0, found);
		return;
	}
	EXPECT_EQ(0, fails);
	EXPECT_EQ(0, found);
}

int main(int argc, char **argv)
{
	zl_prereq(argv[0], ZL_NEED_LOADED);
	return test_harness_run(argc, argv);
}
