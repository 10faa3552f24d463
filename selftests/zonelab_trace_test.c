// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's tracepoints: each event, once provoked, is in the trace
 * buffer with the right fields.  Every event of events/zonelab/ is on for
 * the whole program (main()); each test empties the buffer first.
 *
 * Every test leaves nothing behind: alloc files closed, blocks online,
 * its context and region destroyed (policies_live as before), storm and
 * stress stopped, rebuild_mode rcu, inplace_delay_us 0, no event filter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_ctx.h"

#define TRACEFS		"/sys/kernel/tracing"
#define ZL_EVENTS	TRACEFS "/events/zonelab"
#define CTX		"zlt_trace"
#define REGION		"zlt_trace"
/* How long an event provoked from another thread may take to show. */
#define WAIT_MS		5000
/* How long the storm may run before a walk anomaly must have shown. */
#define ANOMALY_MS	15000

/* Empty the trace buffer (a truncating open does it). */
static int trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * Whether the trace buffer has a line with both @event and @field in it;
 * the first such line into @line (when not NULL).
 */
static bool trace_find(const char *event, const char *field, char *line, size_t size)
{
	char *text = zl_read_file(TRACEFS "/trace", NULL), *l, *save;
	bool found = false;

	if (!text)
		return false;
	for (l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		found = strstr(l, event) && strstr(l, field);
		if (found) {
			if (line)
				zl_copy_str(line, size, l);
			break;
		}
	}
	free(text);
	return found;
}

static bool trace_has(const char *event, const char *field)
{
	return trace_find(event, field, NULL, 0);
}

/* trace_find() until it finds the line or @ms have passed. */
static bool trace_wait(const char *event, const char *field, char *line, size_t size,
		       int ms)
{
	long long end = zl_now_ms() + ms;

	while (!trace_find(event, field, line, size)) {
		if (zl_now_ms() >= end)
			return false;
		zl_sleep_ms(100);
	}
	return true;
}

FIXTURE(trace)
{
	struct zl_klog_mark mark;
	int alloc_fd;
	int exempt_fd;		/* a second, OOM-exempt alloc file, or -1 */
	long long live0;	/* policies_live before the test */
	bool ctx, region;	/* CTX, REGION created */
	bool offline;		/* block @block is offline */
	unsigned long block;
};

FIXTURE_SETUP(trace)
{
	self->exempt_fd = -1;
	zl_klog_mark(&self->mark);
	self->live0 = zl_policies_live();
	ASSERT_LE(0, self->live0);
	ASSERT_EQ(0, trace_clear());
	self->alloc_fd = zl_alloc_open();
	ASSERT_LE(0, self->alloc_fd);
}

FIXTURE_TEARDOWN(trace)
{
	long long last = -1;
	char cmd[64];

	/* No ASSERT here: a failed ASSERT in teardown would re-run teardown. */
	if (self->exempt_fd >= 0)
		close(self->exempt_fd);
	close(self->alloc_fd);
	if (self->offline) {
		snprintf(cmd, sizeof(cmd), "online %lu", self->block);
		EXPECT_EQ(0, zl_cmd(ZL_HOTPLUG, cmd)) TH_LOG("%s", cmd);
	}
	if (self->region)
		EXPECT_EQ(0, zl_region_cmd("destroy %s", REGION));
	if (self->ctx)
		EXPECT_EQ(0, zl_ctx_destroy(CTX));
	EXPECT_EQ(0, zl_policies_settle(self->live0, 2000, &last))
		TH_LOG("policies_live %lld, %lld before the test", last, self->live0);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* An order-0 allocation on a node zonelab holds pages of traces zonelab_alloc from the pcplist. */
TEST_F(trace, alloc_from_pcp)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	char field[32];
	int nid;

	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	nid = zl_zi_first_node(zi);
	free(zi);
	ASSERT_LE(0, nid);
	ASSERT_EQ(0, zl_alloc_cmd(self->alloc_fd, "alloc 1 node=%d", nid));
	snprintf(field, sizeof(field), "node=%d ", nid);
	EXPECT_TRUE(trace_has("zonelab_alloc:", field)) TH_LOG("no '%s'", field);
	EXPECT_TRUE(trace_has("zonelab_alloc:", "order=0 from=pcp"));
}

/* A higher-order allocation traces zonelab_alloc from the buddy lists. */
TEST_F(trace, alloc_from_buddy)
{
	ASSERT_EQ(0, zl_alloc_cmd(self->alloc_fd, "alloc 1 order=2"));
	EXPECT_TRUE(trace_has("zonelab_alloc:", "order=2 from=buddy"));
}

/*
 * A thisnode request for all of a node's pages cannot pass its min
 * watermark: it fails and traces zonelab_alloc_fail.
 */
TEST_F(trace, alloc_fail)
{
	struct zl_zoneinfo *zi = calloc(1, sizeof(*zi));
	const struct zl_zi_zone *z = NULL;
	long managed = 0;
	char cmd[64];
	int i;

	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	for (i = 0; i < zi->nr; i++)
		if (zi->zone[i].nid == zi->zone[0].nid) {
			z = &zi->zone[i];
			managed += z->managed;
		}
	ASSERT_NE(NULL, z);
	EXPECT_EQ(-ENOMEM, zl_alloc_cmd(self->alloc_fd, "alloc %ld node=%d thisnode",
					managed, z->nid));
	snprintf(cmd, sizeof(cmd), "preferred_node=%d ", z->nid);
	EXPECT_TRUE(trace_has("zonelab_alloc_fail:", cmd));
	free(zi);
}

/* A forced rebuild traces zonelab_rebuild with the new generation. */
TEST_F(trace, rebuild)
{
	long long rebuilds = zl_stat_get("rebuilds");
	char want[64];

	ASSERT_EQ(0, zl_write_str(ZL_DIR "/rebuild", "1"));
	/* Generations are numbered from 1 and every rebuild publishes one. */
	snprintf(want, sizeof(want), "generation=%lld ", rebuilds + 1);
	EXPECT_TRUE(trace_has("zonelab_rebuild:", want));
	EXPECT_TRUE(trace_has("zonelab_rebuild:", "mode=rcu"));
}

#define MAX_BLOCKS	512

/* A zonelab block of a zone that has another one, from `blocks`; false if none. */
static bool pick_block(unsigned long *id, int *nid, int *zone_idx)
{
	struct {
		unsigned long id;
		int nid;
		char zone[ZL_ZONE_NAME];
	} b[MAX_BLOCKS];
	char *text = zl_read_file(ZL_BLOCKS, NULL), *line, *save;
	int n = 0, i, j, same;

	if (!text)
		return false;
	for (line = strtok_r(text, "\n", &save); line && n < MAX_BLOCKS;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "block %lu node %d zone %15s", &b[n].id, &b[n].nid,
			   b[n].zone) == 3 && strstr(line, " state online"))
			n++;
	free(text);
	for (i = 0; i < n; i++) {
		for (j = 0, same = 0; j < n; j++)
			same += b[j].nid == b[i].nid && !strcmp(b[j].zone, b[i].zone);
		if (same >= 2) {
			*id = b[i].id;
			*nid = b[i].nid;
			*zone_idx = zl_zone_index(b[i].zone);
			return true;
		}
	}
	return false;
}

/* A block taken offline and online again traces each state it passes. */
TEST_F(trace, block)
{
	static const char * const states[] = { "going-offline", "offline", "online" };
	char cmd[64], want[96];
	int nid, zone_idx;
	size_t i;

	if (!pick_block(&self->block, &nid, &zone_idx))
		SKIP(return, "no zone with two online blocks to take one offline");
	snprintf(cmd, sizeof(cmd), "offline %lu timeout_ms=5000", self->block);
	ASSERT_EQ(0, zl_cmd(ZL_HOTPLUG, cmd));
	self->offline = true;
	snprintf(cmd, sizeof(cmd), "online %lu", self->block);
	ASSERT_EQ(0, zl_cmd(ZL_HOTPLUG, cmd));
	self->offline = false;
	for (i = 0; i < ARRAY_SIZE(states); i++) {
		snprintf(want, sizeof(want), "block=%lu node=%d zone_idx=%d state=%s",
			 self->block, nid, zone_idx, states[i]);
		EXPECT_TRUE(trace_has("zonelab_block:", want)) TH_LOG("no '%s'", want);
	}
}

/* The newest owner in `oom` that is an alloc file of this process, or 0. */
static unsigned int newest_file_owner(void)
{
	char *text = zl_read_file(ZL_OOM, NULL), *line, *save, name[40], mine[40];
	unsigned int id, newest = 0;

	if (!text)
		return 0;
	snprintf(mine, sizeof(mine), "pid%d", getpid());
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "owner %u file %39s", &id, name) == 2 &&
		    !strcmp(name, mine) && id > newest)
			newest = id;
	free(text);
	return newest;
}

/*
 * A holder of half the pool is the only eligible victim when an exempt
 * holder wants the other half: zonelab_oom names it with what it holds,
 * zonelab_oom_gone once the reaper took all of it.
 */
TEST_F(trace, oom_victim_and_gone)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_get();
	unsigned int victim = newest_file_owner();
	char want[64];
	long half;
	int err;

	ASSERT_NE(NULL, zi);
	half = zl_zi_managed(zi, -1) / 2;
	free(zi);
	ASSERT_NE(0U, victim) TH_LOG("no `oom` owner for the alloc file");
	ASSERT_EQ(0, zl_alloc_cmd(self->alloc_fd, "alloc %ld", half));
	self->exempt_fd = zl_alloc_open_exempt();
	ASSERT_LE(0, self->exempt_fd);
	/* Succeeds once the victim's pages are back, unless that took too long. */
	err = zl_alloc_cmd(self->exempt_fd, "alloc %ld", half);
	EXPECT_TRUE(err == 0 || err == -ENOMEM) TH_LOG("the exempt allocation: %d", err);
	snprintf(want, sizeof(want), "victim=%u pages=%ld", victim, half);
	EXPECT_TRUE(trace_has("zonelab_oom:", want)) TH_LOG("no '%s'", want);
	snprintf(want, sizeof(want), "victim=%u reaped=%ld", victim, half);
	EXPECT_TRUE(trace_wait("zonelab_oom_gone:", want, NULL, 0, WAIT_MS))
		TH_LOG("no '%s'", want);
}

/* The first two nodes with memory (one if there is only one) into @m. */
static void memory_nodes(struct __test_metadata *_metadata, struct zl_mask *m)
{
	struct zl_mask memory;

	ASSERT_EQ(0, zl_node_state("has_memory", &memory));
	if (!zl_mask_first_n(&memory, 2, m))
		ASSERT_TRUE(zl_mask_first_n(&memory, 1, m));
}

/* A context's new mems are traced in the kernel's list format. */
TEST_F(trace, ctx_mems)
{
	char list[64], want[128];
	struct zl_mask mems;

	memory_nodes(_metadata, &mems);
	ASSERT_EQ(0, zl_ctx_create(CTX));
	self->ctx = true;
	ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%s", zl_list(&mems, list)));
	snprintf(want, sizeof(want), "ctx=%s mems=%s", CTX, list);
	EXPECT_TRUE(trace_has("zonelab_ctx_mems:", want)) TH_LOG("no '%s'", want);
}

/* A write to a context's policy file swaps its policy: cause=write. */
TEST_F(trace, policy_swap_write)
{
	char want[128];
	struct zl_mask mems;
	int n0;

	memory_nodes(_metadata, &mems);
	n0 = zl_mask_nth(&mems, 0);
	ASSERT_EQ(0, zl_ctx_create(CTX));
	self->ctx = true;
	ASSERT_EQ(0, zl_ctx_write(CTX, "policy", "bind:%d", n0));
	snprintf(want, sizeof(want), "ctx=%s policy=bind:%d cause=write", CTX, n0);
	EXPECT_TRUE(trace_has("zonelab_policy_swap:", want)) TH_LOG("no '%s'", want);
}

/*
 * A mems write rebinds the policy into a new one: cause=rebind, with the
 * policy as the context's policy file then reads (bind:<n0> remapped onto
 * the last of the first two memory nodes).
 */
TEST_F(trace, policy_swap_rebind)
{
	char policy[ZL_POLICY_MAX], want[ZL_POLICY_MAX + 64];
	struct zl_mask mems;
	int n0, n1;

	memory_nodes(_metadata, &mems);
	n0 = zl_mask_nth(&mems, 0);
	n1 = zl_mask_nth(&mems, zl_mask_weight(&mems) - 1);
	ASSERT_EQ(0, zl_ctx_create(CTX));
	self->ctx = true;
	ASSERT_EQ(0, zl_ctx_write(CTX, "policy", "bind:%d", n0));
	ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%d", n1));
	ASSERT_EQ(0, zl_ctx_policy(CTX, policy, sizeof(policy)));
	TH_LOG("bind:%d after mems %d: %s", n0, n1, policy);
	snprintf(want, sizeof(want), "ctx=%s policy=%s cause=rebind", CTX, policy);
	EXPECT_TRUE(trace_has("zonelab_policy_swap:", want)) TH_LOG("no '%s'", want);
}

/* A range of a region given a policy is traced with its first and last page. */
TEST_F(trace, region_set)
{
	char want[128];
	struct zl_mask mems;
	int n0;

	memory_nodes(_metadata, &mems);
	n0 = zl_mask_nth(&mems, 0);
	ASSERT_EQ(0, zl_region_cmd("create %s 16", REGION));
	self->region = true;
	ASSERT_EQ(0, zl_region_cmd("set %s 2-5 bind:%d", REGION, n0));
	snprintf(want, sizeof(want), "region=%s pages=2-5 policy=bind:%d", REGION, n0);
	EXPECT_TRUE(trace_has("zonelab_region_set:", want)) TH_LOG("no '%s'", want);
}

/* Events that would flood the buffer while the storm and stress run. */
static const char * const noisy[] = {
	"zonelab_alloc", "zonelab_alloc_fail", "zonelab_rebuild",
};

/* Filter @event's records out (an always-false filter), or stop that. */
static int mute(const char *event, bool on)
{
	char path[128];

	snprintf(path, sizeof(path), ZL_EVENTS "/%s/filter", event);
	return zl_write_str(path, on ? "common_pid < 0" : "0");
}

FIXTURE(walk)
{
	struct zl_klog_mark mark;
	bool stress, storm;
};

/* A rebuild mode and the kind of walk anomaly the storm shows under it. */
FIXTURE_VARIANT(walk)
{
	const char *mode;
	int delay_us;		/* inplace_delay_us */
	bool retry;		/* expect retry; else any detector's kind */
};

FIXTURE_VARIANT_ADD(walk, inplace) { .mode = "inplace", .delay_us = 20 };
FIXTURE_VARIANT_ADD(walk, seqlock) { .mode = "seqlock", .retry = true };

FIXTURE_SETUP(walk)
{
	size_t i;

	zl_klog_mark(&self->mark);
	ASSERT_EQ(0, zl_wait_quiescent(5000));
	ASSERT_EQ(0, trace_clear());
	for (i = 0; i < ARRAY_SIZE(noisy); i++) {
		ASSERT_EQ(0, mute(noisy[i], true)) TH_LOG("filtering %s", noisy[i]);
	}
}

FIXTURE_TEARDOWN(walk)
{
	size_t i;

	if (self->storm)
		EXPECT_EQ(0, zl_cmd(ZL_STORM, "stop"));
	if (self->stress)
		EXPECT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	EXPECT_EQ(0, zl_cmd(ZL_REBUILD_MODE, "rcu"));
	EXPECT_EQ(0, zl_param_set("inplace_delay_us", 0));
	for (i = 0; i < ARRAY_SIZE(noisy); i++) {
		EXPECT_EQ(0, mute(noisy[i], false)) TH_LOG("unfiltering %s", noisy[i]);
	}
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/*
 * The storm rebuilds on CPU 0 while stress allocates at exhaustion on the
 * others (as zonelab_race_test's storm): a walk anomaly is traced, a
 * retry under seqlock, a detector's kind with the zone under inplace.
 */
TEST_F_TIMEOUT(walk, anomaly, 60)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_get();
	char cmd[128], list[64], line[512], kind[32], tail;
	int list_node, zone_node, zone_idx, cpu;
	struct zl_mask cpus, others;
	long pool;
	const char *p;

	ASSERT_NE(NULL, zi);
	pool = zl_zi_managed(zi, -1);
	free(zi);
	if (zl_online_cpus(&cpus) < 2)
		SKIP(return, "the storm needs a second CPU to allocate on");
	ASSERT_EQ(0, zl_cmd(ZL_REBUILD_MODE, variant->mode));
	ASSERT_EQ(0, zl_param_set("inplace_delay_us", variant->delay_us));
	zl_mask_clear(&others);
	zl_for_each_bit(cpu, &cpus, ZL_MASK_BITS)
		if (cpu)
			zl_mask_set(&others, cpu);
	/* Each worker tries to hold the whole pool: it lives at exhaustion. */
	snprintf(cmd, sizeof(cmd), "start order_max=0 hold=%ld oom_score_adj=-1000 cpus=%s",
		 pool < 65536 ? pool : 65536, zl_list(&others, list));
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, cmd)) TH_LOG("%s", cmd);
	self->stress = true;
	ASSERT_EQ(0, zl_cmd(ZL_STORM, "start cpu=0"));
	self->storm = true;

	ASSERT_TRUE(trace_wait("zonelab_walk_anomaly: ",
			       variant->retry ? " retry list_node=" : " list_node=",
			       line, sizeof(line), ANOMALY_MS))
		TH_LOG("no anomaly traced in %d ms of %s rebuilds", ANOMALY_MS, variant->mode);
	TH_LOG("%s", line);
	p = strstr(line, "zonelab_walk_anomaly: ") + strlen("zonelab_walk_anomaly: ");
	ASSERT_EQ(4, sscanf(p, "%31s list_node=%d zone_node=%d zone_idx=%d%c", kind,
			    &list_node, &zone_node, &zone_idx, &tail));
	EXPECT_LE(0, list_node);
	if (variant->retry) {
		/* A retry is of the whole walk, not of one zone. */
		EXPECT_EQ(-1, zone_node);
		EXPECT_EQ(-1, zone_idx);
	} else {
		EXPECT_TRUE(!strcmp(kind, "double_visit") || !strcmp(kind, "missed_zone") ||
			    !strcmp(kind, "premature_oom")) TH_LOG("kind %s", kind);
		EXPECT_LE(0, zone_node);
		EXPECT_LE(0, zone_idx);
	}
}

/*
 * Switch the events with the other CPUs offline: enabling the first
 * event also makes ftrace hook sched_wakeup, which live-patches the
 * scheduler (zl_other_cpus_set_online()).
 */
static void set_events(bool on)
{
	zl_other_cpus_set_online(false);
	zl_write_str(ZL_EVENTS "/enable", on ? "1" : "0");
	zl_other_cpus_set_online(true);
}

static pid_t main_pid;

/* At exit of the main process only (test children _exit()). */
static void events_off(void)
{
	if (getpid() == main_pid)
		set_events(false);
}

int main(int argc, char **argv)
{
	zl_prereq(argv[0], ZL_NEED_LOADED);
	if (!zl_path_exists(ZL_EVENTS))
		ksft_exit_skip("no zonelab events in tracefs (%s)\n", ZL_EVENTS);
	main_pid = getpid();
	set_events(true);
	atexit(events_off);
	return test_harness_run(argc, argv);
}
