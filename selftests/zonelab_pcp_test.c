// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's per-CPU page lists (issue 3): stress leaves pages in them,
 * `drain all` and `drain` empty them (all CPUs, the writer's CPU only),
 * an offlined CPU's pages go back to the zones, and `disable`/`enable`
 * switch a zone's lists off and on (nesting).
 *
 * Pages are put into a CPU's lists deterministically: pinned to the CPU,
 * allocate order-0 pages and free them again; frees go to the running
 * CPU's list (up to the zone's high mark).  Every test restores what it
 * changed: stress stopped, zones enabled, CPUs online, lists drained.
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

FIXTURE(pcp)
{
	struct zl_zoneinfo *zi, *zi2;
	struct zl_mask pool, cpus;	/* nodes zonelab holds pages of; online CPUs */
	int nr_cpus;
	struct zl_klog_mark mark;
	int fd;
	bool stress_started;
	int offlined;		/* CPU to bring back online, or -1 */
	int nr_disabled;	/* `disable` commands to undo with @dis_cmd */
	char dis_cmd[64];	/* "enable <nid> <Zone>" */
};

FIXTURE_SETUP(pcp)
{
	struct zl_stress st;
	int i;

	self->fd = -1;
	self->offlined = -1;
	zl_klog_mark(&self->mark);
	self->zi = malloc(sizeof(*self->zi));
	self->zi2 = malloc(sizeof(*self->zi2));
	ASSERT_NE(NULL, self->zi);
	ASSERT_NE(NULL, self->zi2);
	self->nr_cpus = zl_online_cpus(&self->cpus);
	ASSERT_LT(0, self->nr_cpus);
	ASSERT_EQ(0, zl_stress_read(&st));
	ASSERT_EQ(0, st.running) TH_LOG("stress is running: the pool is not quiescent");
	ASSERT_EQ(0, zl_zoneinfo_drained(self->zi));
	for (i = 0; i < self->zi->nr; i++) {
		ASSERT_EQ(self->zi->zone[i].managed, self->zi->zone[i].free)
			TH_LOG("zone %d/%s: pages held by someone else",
			       self->zi->zone[i].nid, self->zi->zone[i].name);
	}
	ASSERT_LT(0, zl_zi_pool_nodes(self->zi, &self->pool));
	self->fd = zl_alloc_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(pcp)
{
	/* No ASSERT here: a failed ASSERT in teardown would re-run teardown. */
	if (self->stress_started)
		EXPECT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	for (; self->nr_disabled > 0; self->nr_disabled--) {
		EXPECT_EQ(0, zl_cmd(ZL_PCP, self->dis_cmd));
	}
	if (self->offlined >= 0)
		EXPECT_EQ(0, zl_cpu_set_online(self->offlined, true))
			TH_LOG("CPU %d stays offline", self->offlined);
	if (self->fd >= 0)
		close(self->fd);
	EXPECT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	free(self->zi);
	free(self->zi2);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/*
 * Put pages into @cpu's list of every zone: pinned there, allocate @n
 * order-0 pages on each node zonelab holds pages of and free them.  Stays
 * pinned.
 */
static void fill_cpu(struct __test_metadata *_metadata, FIXTURE_DATA(pcp) *self,
		     int cpu, int n)
{
	int nid;

	ASSERT_EQ(0, zl_pin_cpu(cpu)) TH_LOG("cannot run on CPU %d", cpu);
	zl_for_each_node(nid, &self->pool) {
		ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc %d node=%d thisnode", n, nid))
			TH_LOG("CPU %d, node %d", cpu, nid);
	}
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
}

/* Nothing held: free + every listed count == managed, for every zone of @zi. */
static void expect_all_accounted(struct __test_metadata *_metadata,
				 const struct zl_zoneinfo *zi, const char *when)
{
	int i;

	for (i = 0; i < zi->nr; i++) {
		EXPECT_EQ(zi->zone[i].managed, zi->zone[i].free + zl_zi_pcp_total(&zi->zone[i]))
			TH_LOG("zone %d/%s %s: free %ld + pcp %ld", zi->zone[i].nid,
			       zi->zone[i].name, when, zi->zone[i].free,
			       zl_zi_pcp_total(&zi->zone[i]));
	}
}

/* Whether zone @i of @zi is the highest zonelab zone of its node. */
static bool top_zone(const struct zl_zoneinfo *zi, int i)
{
	return i + 1 == zi->nr || zi->zone[i + 1].nid != zi->zone[i].nid;
}

/* `disable` the highest zone of the first node with memory; teardown undoes it. */
static const struct zl_zi_zone *disable_zone(struct __test_metadata *_metadata,
					     FIXTURE_DATA(pcp) *self)
{
	const struct zl_zi_zone *z = &self->zi->zone[0];
	char cmd[64];
	int i;

	for (i = 0; !top_zone(self->zi, i); i++)
		z = &self->zi->zone[i + 1];
	snprintf(cmd, sizeof(cmd), "disable %d %s", z->nid, z->name);
	snprintf(self->dis_cmd, sizeof(self->dis_cmd), "enable %d %s", z->nid, z->name);
	EXPECT_EQ(0, zl_cmd(ZL_PCP, cmd));
	self->nr_disabled++;
	return z;
}

static void enable_zone(struct __test_metadata *_metadata, FIXTURE_DATA(pcp) *self)
{
	ASSERT_LT(0, self->nr_disabled);
	ASSERT_EQ(0, zl_cmd(ZL_PCP, self->dis_cmd));
	self->nr_disabled--;
}

/* Pinned to @cpu: allocate and free @n order-0 pages of zone @z's node; its counts after. */
static void churn(struct __test_metadata *_metadata, FIXTURE_DATA(pcp) *self,
		  const struct zl_zi_zone *z, int cpu, int n, struct zl_zoneinfo *out)
{
	ASSERT_EQ(0, zl_pin_cpu(cpu));
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "alloc %d node=%d thisnode", n, z->nid));
	ASSERT_EQ(0, zl_alloc_cmd(self->fd, "free all"));
	ASSERT_EQ(0, zl_zoneinfo_read(out));
}

/* After stress runs and stops, pcplists hold pages (never above high) and nothing leaks. */
TEST_F_TIMEOUT(pcp, stress_leaves_pages_in_lists, ZL_STRESS_TEST_TIMEOUT_S)
{
	struct zl_stress st;
	long total = 0, want;
	int i, j;

	ASSERT_EQ(0, zl_stress_read(&st));
	want = st.ops;
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "start"));
	self->stress_started = true;
	/* Every worker's window of blocks allocated and freed about once over. */
	ASSERT_EQ(0, zl_stress_read(&st));
	want += 2 * st.threads * st.hold;
	EXPECT_EQ(0, zl_stress_wait_above(&st, offsetof(struct zl_stress, ops), want,
					  ZL_STRESS_DEADLINE_MS))
		TH_LOG("ops %ld, not above %ld after %d ms", st.ops, want, ZL_STRESS_DEADLINE_MS);
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	self->stress_started = false;
	ASSERT_EQ(0, zl_stress_read(&st));
	EXPECT_EQ(0, st.running);
	EXPECT_LT(0, st.ops);

	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	for (i = 0; i < self->zi->nr; i++) {
		const struct zl_zi_zone *z = &self->zi->zone[i];

		for (j = 0; j < z->nr_pcp; j++) {
			EXPECT_LE(0, z->pcp[j].count);
			EXPECT_GE(z->pcp[j].high, z->pcp[j].count)
				TH_LOG("zone %d/%s cpu %d above high", z->nid, z->name,
				       z->pcp[j].cpu);
			total += z->pcp[j].count;
		}
	}
	EXPECT_LT(0, total) TH_LOG("no page in any pcplist after stress");
	expect_all_accounted(_metadata, self->zi, "after stress");
}

/* `drain all` empties every list of every zone and CPU; the pages are free again. */
TEST_F(pcp, drain_all_empties_every_list)
{
	int cpu, i;

	zl_for_each_bit(cpu, &self->cpus, CPU_SETSIZE)
		fill_cpu(_metadata, self, cpu, 20);
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	for (i = 0; i < self->zi->nr; i++) {
		if (top_zone(self->zi, i))
			EXPECT_LT(0, zl_zi_pcp_total(&self->zi->zone[i]))
				TH_LOG("zone %d/%s: the fill left no page",
				       self->zi->zone[i].nid, self->zi->zone[i].name);
	}

	ASSERT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));
	for (i = 0; i < self->zi->nr; i++) {
		EXPECT_EQ(0, zl_zi_pcp_total(&self->zi->zone[i]))
			TH_LOG("zone %d/%s", self->zi->zone[i].nid, self->zi->zone[i].name);
		EXPECT_EQ(self->zi->zone[i].managed, self->zi->zone[i].free);
	}
}

/* `drain` empties the writer's CPU's lists only; other CPUs keep theirs. */
TEST_F(pcp, drain_empties_writers_cpu_only)
{
	int a, b, i;

	if (self->nr_cpus < 2)
		SKIP(return, "one online CPU");
	a = zl_mask_next(&self->cpus, -1, CPU_SETSIZE);
	b = zl_mask_next(&self->cpus, a, CPU_SETSIZE);
	fill_cpu(_metadata, self, b, 20);
	fill_cpu(_metadata, self, a, 20);
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));

	/* Still pinned to a. */
	ASSERT_EQ(0, zl_cmd(ZL_PCP, "drain"));
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi2));
	for (i = 0; i < self->zi2->nr; i++) {
		const struct zl_zi_zone *z0 = &self->zi->zone[i], *z1 = &self->zi2->zone[i];

		if (top_zone(self->zi, i)) {
			EXPECT_LT(0, zl_zi_pcp_count(z0, a));
			EXPECT_LT(0, zl_zi_pcp_count(z0, b));
		}
		EXPECT_EQ(0, zl_zi_pcp_count(z1, a))
			TH_LOG("zone %d/%s: CPU %d drained itself", z1->nid, z1->name, a);
		EXPECT_EQ(zl_zi_pcp_count(z0, b), zl_zi_pcp_count(z1, b))
			TH_LOG("zone %d/%s: CPU %d's list changed", z1->nid, z1->name, b);
		EXPECT_EQ(z0->free + zl_zi_pcp_count(z0, a), z1->free);
	}
}

/* Offlining a CPU returns its pcp pages to the zones; online again, its lists are empty. */
TEST_F(pcp, cpu_offline_returns_pages)
{
	int cpu, c = -1, i;

	zl_for_each_bit(cpu, &self->cpus, CPU_SETSIZE) {
		if (zl_cpu_hotpluggable(cpu)) {
			c = cpu;
			break;
		}
	}
	if (self->nr_cpus < 2 || c < 0)
		SKIP(return, "no CPU that can go offline");
	fill_cpu(_metadata, self, c, 20);
	ASSERT_EQ(0, zl_pin_away_from(c));
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi));

	ASSERT_EQ(0, zl_cpu_set_online(c, false));
	self->offlined = c;
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi2));
	for (i = 0; i < self->zi2->nr; i++) {
		const struct zl_zi_zone *z0 = &self->zi->zone[i], *z1 = &self->zi2->zone[i];

		if (top_zone(self->zi, i))
			EXPECT_LT(0, zl_zi_pcp_count(z0, c));
		EXPECT_EQ(-1, zl_zi_pcp_count(z1, c)) TH_LOG("offline CPU %d still listed", c);
		EXPECT_EQ(z0->free + zl_zi_pcp_count(z0, c), z1->free)
			TH_LOG("zone %d/%s: CPU %d's pages did not come back", z1->nid,
			       z1->name, c);
	}
	expect_all_accounted(_metadata, self->zi2, "with the CPU offline");

	ASSERT_EQ(0, zl_cpu_set_online(c, true));
	self->offlined = -1;
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi2));
	for (i = 0; i < self->zi2->nr; i++) {
		EXPECT_EQ(0, zl_zi_pcp_count(&self->zi2->zone[i], c))
			TH_LOG("zone %d/%s: CPU %d back online", self->zi2->zone[i].nid,
			       self->zi2->zone[i].name, c);
	}
	expect_all_accounted(_metadata, self->zi2, "with the CPU back");
}

/* `disable` empties the zone's lists; afterwards its order-0 pages bypass them. */
TEST_F(pcp, disable_bypasses_lists)
{
	const struct zl_zi_zone *z, *zz;
	struct zl_stats s0, s1;
	int cpu;

	zl_for_each_bit(cpu, &self->cpus, CPU_SETSIZE)
		fill_cpu(_metadata, self, cpu, 20);
	z = disable_zone(_metadata, self);
	ASSERT_EQ(1, self->nr_disabled);
	ASSERT_EQ(0, zl_zoneinfo_read(self->zi2));
	zz = zl_zoneinfo_find(self->zi2, z->nid, z->name);
	ASSERT_NE(NULL, zz);
	EXPECT_EQ(0, zl_zi_pcp_total(zz)) TH_LOG("disable left pages in the lists");
	EXPECT_EQ(zz->managed, zz->free);

	ASSERT_EQ(0, zl_stats_read(&s0));
	zl_for_each_bit(cpu, &self->cpus, CPU_SETSIZE) {
		churn(_metadata, self, z, cpu, 30, self->zi2);
		zz = zl_zoneinfo_find(self->zi2, z->nid, z->name);
		ASSERT_NE(NULL, zz);
		EXPECT_EQ(0, zl_zi_pcp_total(zz)) TH_LOG("CPU %d used a disabled list", cpu);
		EXPECT_EQ(zz->managed, zz->free) TH_LOG("CPU %d", cpu);
	}
	/* A bypass is neither a pcp hit nor a miss. */
	ASSERT_EQ(0, zl_stats_read(&s1));
	EXPECT_EQ(zl_stat(&s0, "pcp_hit"), zl_stat(&s1, "pcp_hit"));
	EXPECT_EQ(zl_stat(&s0, "pcp_miss"), zl_stat(&s1, "pcp_miss"));
}

/* `enable` after `disable`: order-0 frees use the lists again. */
TEST_F(pcp, enable_restores_lists)
{
	const struct zl_zi_zone *z, *zz;
	int cpu = zl_mask_next(&self->cpus, -1, CPU_SETSIZE);
	struct zl_stats s0, s1;

	z = disable_zone(_metadata, self);
	enable_zone(_metadata, self);
	ASSERT_EQ(0, zl_stats_read(&s0));
	churn(_metadata, self, z, cpu, 30, self->zi2);
	ASSERT_EQ(0, zl_stats_read(&s1));
	zz = zl_zoneinfo_find(self->zi2, z->nid, z->name);
	ASSERT_NE(NULL, zz);
	EXPECT_LT(0, zl_zi_pcp_count(zz, cpu)) TH_LOG("frees bypass an enabled list");
	EXPECT_EQ(zz->managed, zz->free + zl_zi_pcp_total(zz));
	EXPECT_LT(zl_stat(&s0, "pcp_miss"), zl_stat(&s1, "pcp_miss"));
}

/* `disable` nests: two need two `enable`s, and a third `enable` is EINVAL. */
TEST_F(pcp, disable_nests)
{
	const struct zl_zi_zone *z, *zz;
	int cpu = zl_mask_next(&self->cpus, -1, CPU_SETSIZE);

	z = disable_zone(_metadata, self);
	disable_zone(_metadata, self);
	ASSERT_EQ(2, self->nr_disabled);
	enable_zone(_metadata, self);
	churn(_metadata, self, z, cpu, 30, self->zi2);
	zz = zl_zoneinfo_find(self->zi2, z->nid, z->name);
	ASSERT_NE(NULL, zz);
	EXPECT_EQ(0, zl_zi_pcp_total(zz)) TH_LOG("one enable undid two disables");

	enable_zone(_metadata, self);
	churn(_metadata, self, z, cpu, 30, self->zi2);
	zz = zl_zoneinfo_find(self->zi2, z->nid, z->name);
	ASSERT_NE(NULL, zz);
	EXPECT_LT(0, zl_zi_pcp_count(zz, cpu)) TH_LOG("still disabled after two enables");
	EXPECT_EQ(-EINVAL, zl_cmd(ZL_PCP, self->dis_cmd));
}

/* `disable`/`enable` of a zone zonelab has no pages in: ENOENT, nothing changes. */
TEST_F(pcp, disable_unknown_zone_enoent)
{
	const struct zl_zi_zone *z = &self->zi->zone[0];
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "disable %d Movable", z->nid);
	EXPECT_EQ(-ENOENT, zl_cmd(ZL_PCP, cmd));
	snprintf(cmd, sizeof(cmd), "disable %d %s", ZL_MAX_NODES - 1, z->name);
	EXPECT_EQ(-ENOENT, zl_cmd(ZL_PCP, cmd));
	snprintf(cmd, sizeof(cmd), "enable %d Movable", z->nid);
	EXPECT_EQ(-ENOENT, zl_cmd(ZL_PCP, cmd));
	/* Not disabled: enable is EINVAL. */
	snprintf(cmd, sizeof(cmd), "enable %d %s", z->nid, z->name);
	EXPECT_EQ(-EINVAL, zl_cmd(ZL_PCP, cmd));
	/* And the zone's lists still work. */
	churn(_metadata, self, z, zl_mask_next(&self->cpus, -1, CPU_SETSIZE), 30, self->zi2);
	EXPECT_LT(0, zl_zi_pcp_total(zl_zoneinfo_find(self->zi2, z->nid, z->name)));
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	if (!zl_path_exists(ZL_PCP) || !zl_path_exists(ZL_ALLOC))
		ksft_exit_skip("this zonelab has no pcp/alloc files\n");
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
