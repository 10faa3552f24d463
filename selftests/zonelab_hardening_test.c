// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab under churn: CPUs going offline and online while stress runs,
 * and every command file written by several threads at once.  Afterwards
 * every page must be back in its zone and the kernel log must be clean.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

#define ZL_STRESS	ZL_DIR "/stress"
#define ZL_PCP		ZL_DIR "/pcp"
#define ZL_ALLOC	ZL_DIR "/alloc"
#define ZL_BENCH	ZL_DIR "/bench"
#define ZL_REBUILD	ZL_DIR "/rebuild"

/* Offline/online cycles in all, round-robin over the CPUs (TCG is slow). */
#define CHURN_CYCLES	12
#define MAX_HOT_CPUS	16
#define WRITERS		4
#define WRITES_EACH	150

/* CPUs that can go offline: those with an `online` file (not cpu0). */
static int hot_cpus(int *cpus, int max)
{
	char path[64];
	int cpu, nr = 0;

	for (cpu = 1; cpu < 1024 && nr < max; cpu++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/online", cpu);
		if (zl_path_exists(path))
			cpus[nr++] = cpu;
	}
	return nr;
}

static int set_cpu_online(int cpu, bool online)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	return zl_write_str(path, online ? "1" : "0");
}

/* With nothing held and pcplists drained, every zone is wholly free. */
static void expect_all_free(struct __test_metadata *_metadata)
{
	struct zl_zoneinfo *zi = calloc(1, sizeof(*zi));
	int i;

	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	ASSERT_LT(0, zi->nr);
	for (i = 0; i < zi->nr; i++) {
		EXPECT_EQ(zi->zone[i].managed, zi->zone[i].free)
			TH_LOG("node %d zone %s: free %ld of %ld",
			       zi->zone[i].nid, zi->zone[i].name,
			       zi->zone[i].free, zi->zone[i].managed);
		EXPECT_EQ(0, zl_zi_pcp_total(&zi->zone[i]));
	}
	free(zi);
}

FIXTURE(churn)
{
	struct zl_klog_mark mark;
	int cpus[MAX_HOT_CPUS];
	int nr_cpus;
};

FIXTURE_SETUP(churn)
{
	zl_klog_mark(&self->mark);
	self->nr_cpus = hot_cpus(self->cpus, MAX_HOT_CPUS);
	zl_cmd(ZL_STRESS, "stop");
}

FIXTURE_TEARDOWN(churn)
{
	int i;

	zl_cmd(ZL_STRESS, "stop");
	zl_cmd(ZL_STORM, "stop");
	zl_cmd(ZL_REBUILD_MODE, "rcu");
	for (i = 0; i < self->nr_cpus; i++)
		set_cpu_online(self->cpus[i], true);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/*
 * CPUs going offline and online under stress lose no page.  The last CPU
 * stays offline while the pages are counted: a dead CPU's pcplists must
 * have gone back to the zones when it died, since `drain all` no longer
 * reaches it.
 */
TEST_F_TIMEOUT(churn, cpu_hotplug_under_stress, 120)
{
	int last, i, cpu;
	long long ops0;

	if (!self->nr_cpus)
		SKIP(return, "no CPU can go offline");
	last = self->cpus[self->nr_cpus - 1];

	ops0 = zl_stat_get("alloc_success");
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "start"));
	for (i = 0; i < CHURN_CYCLES; i++) {
		cpu = self->cpus[i % self->nr_cpus];
		ASSERT_EQ(0, set_cpu_online(cpu, false));
		zl_sleep_ms(20);
		ASSERT_EQ(0, set_cpu_online(cpu, true));
	}
	zl_sleep_ms(200);
	ASSERT_EQ(0, set_cpu_online(last, false));
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	EXPECT_LT(ops0, zl_stat_get("alloc_success"));
	expect_all_free(_metadata);
	ASSERT_EQ(0, set_cpu_online(last, true));
}

/* One writer thread: good and bad commands to every file, in random order. */
struct writer {
	unsigned int seed;
	int alloc_fd;
	int bad_accepted;	/* a malformed command that succeeded */
};

struct command {
	const char *file;
	const char *cmd;
	bool good;
};

static const struct command commands[] = {
	{ ZL_REBUILD, "1", true },
	{ ZL_REBUILD, "x", false },
	{ ZL_PCP, "drain all", true },
	{ ZL_PCP, "drain", true },
	{ ZL_PCP, "drain none", false },
	{ ZL_STRESS, "start threads=1 hold=8", true },	/* EBUSY when running */
	{ ZL_STRESS, "stop", true },
	{ ZL_STRESS, "start threads=999", false },
	{ ZL_BENCH, "run 100", true },
	{ ZL_BENCH, "run 1x", false },
	{ ZL_ALLOC, "alloc 16", true },			/* ENOMEM near the end */
	{ ZL_ALLOC, "free all", true },
	{ ZL_ALLOC, "alloc 2 order=99", false },
	{ ZL_ALLOC, "bogus", false },
	{ ZL_REBUILD_MODE, "seqlock", true },
	{ ZL_REBUILD_MODE, "inplace", true },
	{ ZL_REBUILD_MODE, "rcu", true },
	{ ZL_REBUILD_MODE, "bogus", false },
	{ ZL_STORM, "start", true },			/* EBUSY when running */
	{ ZL_STORM, "stop", true },
	{ ZL_STORM, "start cpu=x", false },
};

static int writer_cmd(struct writer *w, const struct command *c)
{
	size_t len = strlen(c->cmd);

	if (strcmp(c->file, ZL_ALLOC))
		return zl_cmd(c->file, c->cmd);
	return write(w->alloc_fd, c->cmd, len) == (ssize_t)len ? 0 : -errno;
}

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	int i;

	for (i = 0; i < WRITES_EACH; i++) {
		const struct command *c;
		int ret;

		c = &commands[rand_r(&w->seed) % ARRAY_SIZE(commands)];
		ret = writer_cmd(w, c);
		if (!c->good && ret == 0)
			w->bad_accepted++;
	}
	return NULL;
}

/* Several threads writing every command file at once leave nothing behind. */
TEST_F(churn, concurrent_writers)
{
	struct writer w[WRITERS];
	pthread_t t[WRITERS];
	int i;

	for (i = 0; i < WRITERS; i++) {
		w[i].seed = 1000 + i;
		w[i].bad_accepted = 0;
		w[i].alloc_fd = open(ZL_ALLOC, O_RDWR);
		ASSERT_LE(0, w[i].alloc_fd);
	}
	for (i = 0; i < WRITERS; i++) {
		ASSERT_EQ(0, pthread_create(&t[i], NULL, writer_fn, &w[i]));
	}
	for (i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);

	ASSERT_EQ(0, zl_cmd(ZL_STORM, "stop"));
	ASSERT_EQ(0, zl_cmd(ZL_REBUILD_MODE, "rcu"));
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	for (i = 0; i < WRITERS; i++) {
		EXPECT_EQ(0, w[i].bad_accepted);
		close(w[i].alloc_fd);
	}
	expect_all_free(_metadata);
	EXPECT_EQ(0, zl_wait_quiescent(5000));
}

int main(int argc, char **argv)
{
	zl_prereq(argv[0], ZL_NEED_LOADED);
	return test_harness_run(argc, argv);
}
