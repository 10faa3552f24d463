// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's tracepoints: each event, once provoked, is in the trace
 * buffer with the right fields.
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
#include "zonelab_util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define ZL_EVENTS	TRACEFS "/events/zonelab"
#define ZL_ALLOC	ZL_DIR "/alloc"

/* Empty the trace buffer (a truncating open does it). */
static int trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The trace buffer holds a line with every one of the given strings. */
static bool trace_has(const char *event, const char *field)
{
	char *text = zl_read_file(TRACEFS "/trace", NULL), *line, *save;
	bool found = false;

	if (!text)
		return false;
	for (line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save))
		found = strstr(line, event) && strstr(line, field);
	free(text);
	return found;
}

FIXTURE(trace)
{
	struct zl_klog_mark mark;
	int alloc_fd;
};

FIXTURE_SETUP(trace)
{
	zl_klog_mark(&self->mark);
	ASSERT_EQ(0, trace_clear());
	self->alloc_fd = open(ZL_ALLOC, O_RDWR);
	ASSERT_LE(0, self->alloc_fd);
}

FIXTURE_TEARDOWN(trace)
{
	close(self->alloc_fd);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

static int alloc_cmd(int fd, const char *cmd)
{
	ssize_t len = strlen(cmd);

	return write(fd, cmd, len) == len ? 0 : -errno;
}

/* An order-0 allocation on a node zonelab holds pages of traces zonelab_alloc from the pcplist. */
TEST_F(trace, alloc_from_pcp)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	char cmd[64], field[32];
	int nid;

	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	nid = zl_zi_first_node(zi);
	free(zi);
	ASSERT_LE(0, nid);
	snprintf(cmd, sizeof(cmd), "alloc 1 node=%d", nid);
	ASSERT_EQ(0, alloc_cmd(self->alloc_fd, cmd));
	snprintf(field, sizeof(field), "node=%d ", nid);
	EXPECT_TRUE(trace_has("zonelab_alloc:", field)) TH_LOG("no '%s'", field);
	EXPECT_TRUE(trace_has("zonelab_alloc:", "order=0 from=pcp"));
}

/* A higher-order allocation traces zonelab_alloc from the buddy lists. */
TEST_F(trace, alloc_from_buddy)
{
	ASSERT_EQ(0, alloc_cmd(self->alloc_fd, "alloc 1 order=2"));
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
	snprintf(cmd, sizeof(cmd), "alloc %ld node=%d thisnode", managed, z->nid);
	EXPECT_EQ(-ENOMEM, alloc_cmd(self->alloc_fd, cmd));
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

/* Every CPU but cpu0 offline or back online. */
static void set_other_cpus(bool online)
{
	char path[64];
	int cpu;

	for (cpu = 1; cpu < 1024; cpu++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/online", cpu);
		if (zl_path_exists(path))
			zl_write_str(path, online ? "1" : "0");
	}
}

/*
 * Switch the events with the other CPUs offline.  Enabling the first
 * event also makes ftrace hook sched_wakeup, which live-patches the
 * scheduler with int3; under QEMU TCG a CPU running that code while it is
 * patched can take the int3 as an Oops (seen once on 6.12-rt, in
 * ttwu_do_activate).  With one CPU online nothing runs patched code.
 */
static void set_events(bool on)
{
	set_other_cpus(false);
	zl_write_str(ZL_EVENTS "/enable", on ? "1" : "0");
	set_other_cpus(true);
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
