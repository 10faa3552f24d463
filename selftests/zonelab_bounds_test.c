// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's limits and error paths, one defect of a review each: every
 * bound a user can push against (alloc files, region ranges, module
 * parameters, stress CPUs), failed writes that must change nothing, the
 * capability a write needs, a user's pcp enable against the disable an
 * offline in flight holds, and a reaper that must not wait for a victim
 * busy allocating.  The expected errors are the README's: the
 * kernel has no counterpart to ask.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_util.h"
#include "zonelab_pool.h"
#include "zonelab_ctx.h"

/* The module's bounds, as the README documents them. */
#define MAX_ALLOC_FILES		1024
#define MAX_REGION_RANGES	256
#define OFFLINE_TIMEOUT_MAX	60000
#define ONLINE_RESERVE_MAX	1048576
#define WALK_DELAY_MAX		10000

FIXTURE(bounds) {
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(bounds)
{
	zl_klog_mark(&self->mark);
}

FIXTURE_TEARDOWN(bounds)
{
	zl_cmd("stress", "stop");
	zl_cmd("regions", "destroy zl_bounds");
	zl_ctx_destroy("zl_b1");
	zl_ctx_destroy("zl_b2");
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* threads= with an empty cpus= list has no CPU to bind to. */
TEST_F(bounds, stress_empty_cpus_is_erange)
{
	struct zl_stress st;

	EXPECT_EQ(-ERANGE, zl_cmd("stress", "start threads=2 cpus="));
	ASSERT_EQ(0, zl_stress_read(&st));
	EXPECT_EQ(0, st.running);
	EXPECT_EQ(0, st.threads);
}

/* Nor with a list of CPUs that are all offline. */
TEST_F(bounds, stress_offline_cpus_is_erange)
{
	struct zl_stress st;
	char cmd[64];
	int cpu, ret;

	for (cpu = 1; cpu < 64 && !zl_cpu_hotpluggable(cpu); cpu++)
		;
	if (cpu == 64)
		SKIP(return, "no CPU can go offline");
	ASSERT_EQ(0, zl_cpu_set_online(cpu, false));
	snprintf(cmd, sizeof(cmd), "start threads=2 cpus=%d", cpu);
	ret = zl_cmd("stress", cmd);
	ASSERT_EQ(0, zl_cpu_set_online(cpu, true));
	EXPECT_EQ(-ERANGE, ret);
	ASSERT_EQ(0, zl_stress_read(&st));
	EXPECT_EQ(0, st.running);
}

/* A write that fails its checks (no such region) binds nothing. */
TEST_F(bounds, failed_alloc_binds_no_context)
{
	int fd;

	ASSERT_EQ(0, zl_ctx_create("zl_b1"));
	ASSERT_EQ(0, zl_ctx_create("zl_b2"));
	fd = zl_alloc_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOENT, zl_alloc_cmd(fd, "alloc 1 ctx=zl_b1 region=nosuch"));
	/* Unbound still: a first binding to another context is allowed. */
	EXPECT_EQ(0, zl_alloc_cmd(fd, "alloc 1 ctx=zl_b2"));
	EXPECT_EQ(-EBUSY, zl_alloc_cmd(fd, "alloc 1 ctx=zl_b1"));
	close(fd);
}

/* A module parameter past its bound is refused and keeps its value. */
static void check_param_bound(struct __test_metadata *_metadata,
			      const char *name, long max)
{
	long before = zl_param(name);

	ASSERT_LE(0, before);
	EXPECT_EQ(-ERANGE, zl_param_set(name, max + 1));
	EXPECT_EQ(before, zl_param(name));
	EXPECT_EQ(0, zl_param_set(name, max));
	EXPECT_EQ(max, zl_param(name));
	EXPECT_EQ(0, zl_param_set(name, before));
}

TEST_F(bounds, offline_timeout_capped)
{
	check_param_bound(_metadata, "offline_timeout_ms", OFFLINE_TIMEOUT_MAX);
}

TEST_F(bounds, online_reserve_capped)
{
	check_param_bound(_metadata, "online_reserve_pages", ONLINE_RESERVE_MAX);
}

TEST_F(bounds, walk_delay_capped)
{
	check_param_bound(_metadata, "walk_delay_us", WALK_DELAY_MAX);
}

/* Ranges in one region: past the bound a set is ENOSPC, the map as it was. */
TEST_F(bounds, region_ranges_bounded)
{
	char cmd[128], *before, *after;
	int i;

	ASSERT_EQ(0, zl_cmd("regions", "create zl_bounds 4096"));
	for (i = 0; i < MAX_REGION_RANGES - 1; i++) {
		snprintf(cmd, sizeof(cmd), "set zl_bounds %d-%d local", 2 * i, 2 * i);
		ASSERT_EQ(0, zl_cmd("regions", cmd)) TH_LOG("range %d", i);
	}
	ASSERT_EQ(0, zl_cmd("regions", "set zl_bounds 1000-2000 local"));
	before = zl_read_file(ZL_DIR "/regions", NULL);
	ASSERT_NE(NULL, before);
	EXPECT_EQ(-ENOSPC, zl_cmd("regions", "set zl_bounds 600-600 local"));
	/* Splitting a range in two makes one more as well. */
	EXPECT_EQ(-ENOSPC, zl_cmd("regions", "set zl_bounds 1500-1500 default"));
	after = zl_read_file(ZL_DIR "/regions", NULL);
	ASSERT_NE(NULL, after);
	EXPECT_STREQ(before, after);
	/* Replacing a range one for one still works at the bound. */
	EXPECT_EQ(0, zl_cmd("regions", "set zl_bounds 0-0 default"));
	free(before);
	free(after);
}

/* Open alloc files: the first past the bound is EMFILE, and a close frees a slot. */
TEST_F(bounds, alloc_files_bounded)
{
	struct rlimit rl = { MAX_ALLOC_FILES + 64, MAX_ALLOC_FILES + 64 };
	int *fds = calloc(MAX_ALLOC_FILES, sizeof(*fds)), n, fd;

	ASSERT_NE(NULL, fds);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		SKIP(free(fds); return, "RLIMIT_NOFILE: %s", strerror(errno));
	for (n = 0; n < MAX_ALLOC_FILES; n++) {
		fds[n] = zl_alloc_open();
		if (fds[n] < 0)
			break;
	}
	EXPECT_EQ(MAX_ALLOC_FILES, n) TH_LOG("open %d: %s", n, strerror(-fds[n]));
	fd = zl_alloc_open();
	EXPECT_EQ(-EMFILE, fd);
	if (fd >= 0)
		close(fd);
	if (n) {
		close(fds[--n]);
		fds[n] = zl_alloc_open();
		EXPECT_LE(0, fds[n]);
		n += fds[n] >= 0;
	}
	while (n--)
		close(fds[n]);
	free(fds);
}

/* capset(2) to CAP_DAC_OVERRIDE alone, without libcap. */
static int keep_only_dac_override(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { 0 };

	data[0].effective = data[0].permitted = 1U << CAP_DAC_OVERRIDE;
	return syscall(SYS_capset, &hdr, data);
}

/* The child's writes: each must be EPERM; exits with how many were not. */
static int write_without_cap(void)
{
	static const char * const cmds[][2] = {
		{ "pcp", "drain" }, { "contexts", "create zl_cap" },
		{ "stress", "stop" }, { "regions", "create zl_cap 1" },
	};
	unsigned int i, wrong = 0;

	if (keep_only_dac_override())
		return 100;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int ret = zl_cmd(cmds[i][0], cmds[i][1]);

		if (ret != -EPERM) {
			fprintf(stderr, "# %s '%s': %d, not -EPERM\n", cmds[i][0], cmds[i][1], ret);
			wrong++;
		}
	}
	/* Reading needs no more than the file mode. */
	if (!zl_read_file(ZL_DIR "/stats", NULL))
		wrong++;
	return wrong;
}

/* Root with CAP_DAC_OVERRIDE but not CAP_SYS_ADMIN: reads, but writes nothing. */
TEST_F(bounds, writes_need_cap_sys_admin)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(write_without_cap());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_NE(100, WEXITSTATUS(status)) TH_LOG("capset failed");
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_FALSE(zl_ctx_exists("zl_cap"));
	zl_cmd("regions", "destroy zl_cap");
}

/* min_free_kbytes over the whole pool fails the load with EINVAL. */
TEST_F(bounds, min_free_kbytes_over_pool_fails_load)
{
	if (!zl_ko_path())
		SKIP(return, "no zonelab.ko path: modprobe hides the load's errno");
	int ret;

	ASSERT_EQ(0, zl_module_unload());
	ret = zl_module_load_args("min_free_kbytes=1000000000");
	EXPECT_EQ(-EINVAL, ret);
	/* Loaded anyway: unloaded again, so that later tests get a usable pool. */
	if (!ret)
		ASSERT_EQ(0, zl_module_unload());
	ASSERT_EQ(0, zl_module_load());
}

/* The first online block of the `blocks` file: 0, or -ENOENT. */
static int first_block(long *id, int *nid, char *zone, size_t size)
{
	char *text = zl_read_file(ZL_DIR "/blocks", NULL), *line, *save = NULL;
	char z[32], state[32];
	int ret = -ENOENT;

	if (!text)
		return -errno;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "block %ld node %d zone %31s pages %*d state %31s",
			   id, nid, z, state) == 4 && !strcmp(state, "online")) {
			snprintf(zone, size, "%s", z);
			ret = 0;
			break;
		}
	}
	free(text);
	return ret;
}

/* Whether block @id reads as going offline, within @ms. */
static bool block_going_offline(long id, long ms)
{
	long long end = zl_now_ms() + ms;
	char want[64];

	snprintf(want, sizeof(want), "block %ld ", id);
	do {
		char *text = zl_read_file(ZL_DIR "/blocks", NULL), *at;
		bool going = false;

		if (text && (at = strstr(text, want)))
			going = !strncmp(strchrnul(at, '\n') - 13, "going-offline", 13);
		free(text);
		if (going)
			return true;
		zl_sleep_ms(10);
	} while (zl_now_ms() < end);
	return false;
}

struct offline_arg {
	long id;
	int ret;
};

static void *offline_fn(void *p)
{
	struct offline_arg *a = p;
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "offline %ld timeout_ms=3000", a->id);
	a->ret = zl_cmd("hotplug", cmd);
	return NULL;
}

/*
 * While an offline waits for a busy block, the zone's pcplists are
 * disabled for it: a user's enable cannot undo that disable, only its own.
 */
TEST_F_TIMEOUT(bounds, pcp_enable_keeps_offline_disable, 60)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_get();
	struct offline_arg a;
	char zone[32], cmd[64];
	pthread_t t;
	int nid, fd;

	ASSERT_NE(NULL, zi);
	if (first_block(&a.id, &nid, zone, sizeof(zone)))
		SKIP(return, "no online block");
	fd = zl_alloc_open_exempt();
	ASSERT_LE(0, fd);
	/* Everything the node lets go of: the block keeps held pages. */
	ASSERT_EQ(-ENOMEM, zl_alloc_cmd(fd, "alloc %ld node=%d thisnode",
					zl_zi_node_free(zi, nid), nid));
	ASSERT_EQ(0, pthread_create(&t, NULL, offline_fn, &a));
	EXPECT_TRUE(block_going_offline(a.id, 2000));

	snprintf(cmd, sizeof(cmd), "enable %d %s", nid, zone);
	EXPECT_EQ(-EINVAL, zl_cmd("pcp", cmd)) TH_LOG("the offline's disable was undone");
	snprintf(cmd, sizeof(cmd), "disable %d %s", nid, zone);
	EXPECT_EQ(0, zl_cmd("pcp", cmd));
	snprintf(cmd, sizeof(cmd), "enable %d %s", nid, zone);
	EXPECT_EQ(0, zl_cmd("pcp", cmd));
	EXPECT_EQ(-EINVAL, zl_cmd("pcp", cmd));

	pthread_join(t, NULL);
	EXPECT_EQ(-EBUSY, a.ret);
	ASSERT_EQ(0, zl_alloc_cmd(fd, "free all"));
	close(fd);
	EXPECT_EQ(0, zl_zoneinfo_drained(zi));
	free(zi);
}

#define MAX_BUSY	8	/* the reaper once took 8 victims a pass */
/* How long the exempt file tries: the reaper gives up on a victim in 1 s. */
#define EXEMPT_MS	(2000 * (MAX_BUSY + 2))

struct busy_arg {
	int fd, nid, ret;
	long count;
	long long ms;
	atomic_int done;
};

/*
 * @count pages of busy_arg's node, one slow walk each, under one lock, on
 * CPU 1 with the other busy threads: at least @count x 10 ms, until the
 * test sets walk_delay_us back to 0.
 */
static void *busy_fn(void *p)
{
	struct busy_arg *b = p;
	long long start = zl_now_ms();

	b->ret = zl_pin_cpu(1);
	if (!b->ret)
		b->ret = zl_alloc_cmd(b->fd, "alloc %ld node=%d thisnode", b->count, b->nid);
	b->ms = zl_now_ms() - start;
	atomic_store(&b->done, 1);
	return NULL;
}

/* The two nodes with pages that zoneinfo lists first, or -1s. */
static void two_nodes(const struct zl_zoneinfo *zi, int *x, int *y)
{
	int i;

	*x = *y = -1;
	for (i = 0; i < zi->nr; i++) {
		if (!zi->zone[i].managed)
			continue;
		if (*x < 0)
			*x = zi->zone[i].nid;
		else if (zi->zone[i].nid != *x && *y < 0)
			*y = zi->zone[i].nid;
	}
}

/*
 * @nr_busy files, then one more, hold node X's pages, the earlier ones
 * more; an exempt file holds the rest of X.  While each of the @nr_busy
 * allocates on node Y (3/4 of Y between them, a walk of 10 ms a page with
 * walk_delay_us, under its file's lock), the exempt file asks X for one
 * page until it gets it, declaring an OOM each time: the busy files are
 * chosen first, one at a time, and cannot be reaped; the reaper gives up
 * on each after a second, and the last file's pages must come back while
 * the busy ones are all still busy.
 */
static void reaper_past_busy(struct __test_metadata *_metadata, int nr_busy)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_get();
	int x, y, i, fd[MAX_BUSY + 1], r, tries, busy = 0, ret;
	struct busy_arg b[MAX_BUSY] = { 0 };
	pthread_t t[MAX_BUSY];
	struct zl_mask cpus;
	long long start;
	long unit;

	ASSERT_NE(NULL, zi);
	two_nodes(zi, &x, &y);
	if (y < 0)
		SKIP(free(zi); return, "needs two nodes with pages");
	if (zl_online_cpus(&cpus) < 2 || !zl_mask_test(&cpus, 1) || zl_pin_away_from(1))
		SKIP(free(zi); return, "needs CPU 1 for the busy files and another CPU");
	ASSERT_EQ(0, zl_zoneinfo_drained(zi));
	ASSERT_EQ(0, zl_pcp_switch(zi, -1, false));
	/* Half of X in shares nr_busy + 1, nr_busy, ..., 1 units: biggest first. */
	unit = zl_zi_node_free(zi, x) / ((nr_busy + 1) * (nr_busy + 2));
	ASSERT_LT(0, unit);
	for (i = 0; i <= nr_busy; i++) {
		fd[i] = zl_alloc_open();
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(0, zl_alloc_cmd(fd[i], "alloc %ld node=%d thisnode",
					  (nr_busy + 1 - i) * unit, x));
	}
	r = zl_alloc_open_exempt();
	ASSERT_LE(0, r);
	/* The rest of X, with no victim chosen on the way. */
	ASSERT_EQ(0, zl_cmd("oom_disable", "1"));
	ret = zl_alloc_cmd(r, "alloc %ld node=%d thisnode", zl_zi_node_free(zi, x), x);
	ASSERT_EQ(0, zl_cmd("oom_disable", "0"));
	ASSERT_EQ(-ENOMEM, ret);

	ASSERT_EQ(0, zl_param_set("walk_delay_us", WALK_DELAY_MAX));
	for (i = 0; i < nr_busy; i++) {
		b[i].fd = fd[i];
		b[i].nid = y;
		b[i].count = zl_zi_node_free(zi, y) * 3 / 4 / nr_busy;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, busy_fn, &b[i]));
	}
	zl_sleep_ms(200);
	start = zl_now_ms();
	ret = -ENOMEM;
	for (tries = 0; ret == -ENOMEM && zl_now_ms() < start + EXEMPT_MS; tries++)
		ret = zl_alloc_cmd(r, "alloc 1 node=%d thisnode", x);
	for (i = 0; i < nr_busy; i++)
		busy += !atomic_load(&b[i].done);
	TH_LOG("the exempt file %s after %d tries, %lld ms, with %d of %d files still busy",
	       ret ? "failed" : "allocated", tries, zl_now_ms() - start, busy, nr_busy);
	EXPECT_EQ(0, ret);

	/* The busy files finish at once. */
	EXPECT_EQ(0, zl_param_set("walk_delay_us", 0));
	for (i = 0; i < nr_busy; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(nr_busy, busy) {
		TH_LOG("the last file came back only once others were done:");
		for (i = 0; i < nr_busy; i++)
			TH_LOG("busy file %d: %d after %lld ms", i, b[i].ret, b[i].ms);
	}
	close(r);
	for (i = 0; i <= nr_busy; i++)
		close(fd[i]);
	EXPECT_EQ(0, zl_pcp_switch(zi, -1, true));
	free(zi);
}

/*
 * The reaper must not wait for a victim busy allocating (its `alloc
 * <count>` holds its file's lock for the whole loop): one that waited for
 * the first victim's lock would neither reap anyone else nor give up on
 * it, and no second victim is chosen before it gives up.  The kernel
 * cannot be asked: its reaper works on mm's, not on zonelab's files.
 */
TEST_F_TIMEOUT(bounds, reaper_skips_a_busy_victim, 60)
{
	reaper_past_busy(_metadata, 1);
}

/*
 * Nor stop at the first eight victims: with eight busy ones ahead, a
 * reaper that took eight a pass never reached the ninth.
 */
TEST_F_TIMEOUT(bounds, reaper_goes_past_eight_busy_victims, 90)
{
	reaper_past_busy(_metadata, MAX_BUSY);
}

int main(int argc, char **argv)
{
	zl_prereq(argv[0], ZL_NEED_LOADED);
	return test_harness_run(argc, argv);
}
