// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's error paths, reached by the kernel's fault injection: every
 * command shape of every writable file, and the load itself, run once
 * with the Nth slab or page allocation of the writing task failing
 * (/proc/thread-self/fail-nth), for N = 1, 2, ... until the command no
 * longer reaches an Nth, and once with 10% of them failing (failslab's
 * task filter, make-it-fail).  Each command must succeed or fail with an
 * errno, leave the state as it was when it failed, splat nothing, and
 * kmemleak must find nothing of zonelab's afterwards.
 *
 * 6.1 has no stack-trace filter on x86_64 (FAULT_INJECTION_STACKTRACE_FILTER
 * depends on !X86_64), so failures are confined to the one task and the
 * one syscall instead: the file is opened before the failures are armed.
 * Debian's kernels have no fault injection; the debug kernel has.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_util.h"
#include "zonelab_pool.h"
#include "zonelab_ctx.h"

#define FAILSLAB	ZL_DEBUGFS "/failslab"
#define FAIL_PAGE	ZL_DEBUGFS "/fail_page_alloc"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define MAKE_IT_FAIL	"/proc/thread-self/make-it-fail"
#define KMEMLEAK	ZL_DEBUGFS "/kmemleak"

/* More injection points than any command has: a bound on the loop. */
#define MAX_NTH		400
/* Commands per shape in the random run. */
#define RANDOM_RUNS	15

#define F_CTX	"zl_f"
#define F_REG	"zl_fr"

/*
 * One command shape: @setup (commands of "file|cmd", ';'-separated, run
 * without failures), then @cmd on @file under failures, then @undo.
 */
struct shape {
	const char *name;
	const char *setup;
	const char *file;
	const char *cmd;
	const char *undo;
	unsigned int sample;	/* try only the first N points, of more */
};

/* %N: every memory node; %B: a block id, %Z: "<nid> <Zone>" of it. */
static const struct shape shapes[] = {
	{ "ctx_create", "", "contexts", "create " F_CTX, "contexts|destroy " F_CTX, 0 },
	{ "ctx_destroy", "contexts|create " F_CTX, "contexts", "destroy " F_CTX,
	  "contexts|destroy " F_CTX, 0 },
	{ "ctx_mems", "contexts|create " F_CTX, "ctx/" F_CTX "/mems", "%N",
	  "contexts|destroy " F_CTX, 0 },
	{ "ctx_policy", "contexts|create " F_CTX, "ctx/" F_CTX "/policy", "interleave:%N",
	  "contexts|destroy " F_CTX, 0 },
	{ "region_create", "", "regions", "create " F_REG " 64", "regions|destroy " F_REG, 0 },
	{ "region_set", "regions|create " F_REG " 64", "regions",
	  "set " F_REG " 8-15 interleave:%N", "regions|destroy " F_REG, 0 },
	{ "region_split", "regions|create " F_REG " 64;regions|set " F_REG " 0-63 local",
	  "regions", "set " F_REG " 8-15 bind:%N", "regions|destroy " F_REG, 0 },
	{ "alloc", "", "alloc", "alloc 8", "", 0 },
	{ "alloc_ctx", "contexts|create " F_CTX, "alloc", "alloc 8 ctx=" F_CTX,
	  "contexts|destroy " F_CTX, 0 },
	{ "stress_start", "", "stress", "start threads=1 hold=4", "stress|stop", 0 },
	{ "storm_start", "", "storm", "start", "storm|stop", 0 },
	{ "rebuild", "", "rebuild", "1", "", 0 },
	{ "rebuild_mode", "", "rebuild_mode", "seqlock", "rebuild_mode|rcu", 0 },
	{ "hotplug_offline", "", "hotplug", "offline %B timeout_ms=100", "hotplug|online %B", 0 },
	{ "pcp_disable", "", "pcp", "disable %Z", "pcp|enable %Z", 0 },
	{ "pcp_drain_all", "", "pcp", "drain all", "", 0 },
	/* Its kernel side's alloc_page()s, thousands a run, are the comparison's. */
	{ "bench_run", "", "bench", "run 1000", "", 20 },
};

#define NR_SHAPES	(sizeof(shapes) / sizeof(shapes[0]))

/* Files whose text a failed command must leave as it was. */
static const char * const state_files[] = {
	ZL_CONTEXTS, ZL_REGIONS, ZL_BLOCKS, ZL_ZONELISTS, ZL_REBUILD_MODE,
	ZL_DIR "/ctx/" F_CTX "/mems", ZL_DIR "/ctx/" F_CTX "/policy",
};

#define NR_STATE	(sizeof(state_files) / sizeof(state_files[0]))

struct state {
	char *text[NR_STATE];	/* NULL: the file does not exist */
	long stress, storm;	/* their `running` */
};

static char nodes[64], block[32], zone[48];

static void state_read(struct state *s)
{
	char *storm = zl_read_file(ZL_STORM, NULL);
	size_t i;

	for (i = 0; i < NR_STATE; i++)
		s->text[i] = zl_read_file(state_files[i], NULL);
	s->stress = zl_stress_value("running");
	s->storm = storm && strstr(storm, "running ") ? atol(strstr(storm, "running ") + 8) : -1;
	free(storm);
}

static void state_free(struct state *s)
{
	size_t i;

	for (i = 0; i < NR_STATE; i++)
		free(s->text[i]);
}

/* The first difference of @a and @b, or NULL. */
static const char *state_diff(const struct state *a, const struct state *b)
{
	size_t i;

	for (i = 0; i < NR_STATE; i++)
		if (!a->text[i] != !b->text[i] ||
		    (a->text[i] && strcmp(a->text[i], b->text[i])))
			return state_files[i];
	if (a->stress != b->stress)
		return ZL_STRESS;
	return a->storm != b->storm ? ZL_STORM : NULL;
}

/* @in with %N, %B and %Z replaced. */
static void expand(const char *in, char *out, size_t size)
{
	size_t len = 0;

	for (; *in && len + 1 < size; in++) {
		const char *sub = NULL;

		if (in[0] == '%' && in[1] == 'N')
			sub = nodes;
		else if (in[0] == '%' && in[1] == 'B')
			sub = block;
		else if (in[0] == '%' && in[1] == 'Z')
			sub = zone;
		if (!sub) {
			out[len++] = *in;
			continue;
		}
		len += snprintf(out + len, size - len, "%s", sub);
		in++;
	}
	out[len < size ? len : size - 1] = '\0';
}

/* Run "file|cmd;file|cmd" without failures; errors are the test's to see later. */
static void run_list(const char *list)
{
	char buf[256], *save = NULL, *item, cmd[256];

	snprintf(buf, sizeof(buf), "%s", list);
	for (item = strtok_r(buf, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		char *bar = strchr(item, '|');

		if (!bar)
			continue;
		*bar = '\0';
		expand(bar + 1, cmd, sizeof(cmd));
		zl_cmd(item, cmd);
	}
}

static int write_proc(const char *path, const char *val)
{
	return zl_write_str(path, val);
}

/* Arm the Nth failure of this thread: 0 or -errno. */
static int arm_nth(int fd, unsigned int nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", nth);

	return pwrite(fd, buf, len, 0) == len ? 0 : -errno;
}

/* Whether the armed failure fired (the count ran out), then disarm. */
static bool disarm_nth(int fd)
{
	char buf[16] = "";
	bool hit;

	hit = pread(fd, buf, sizeof(buf) - 1, 0) > 0 && atoi(buf) == 0;
	pwrite(fd, "0", 1, 0);
	return hit;
}

/* An errno an allocation failure may honestly come back as. */
static bool clean_errno(int err)
{
	return err == ENOMEM || err == EAGAIN || err == EINTR;
}

struct outcome {
	int fired;		/* runs in which the armed failure fired */
	int failed;		/* of them, commands that failed */
	int bad_errno;		/* an errno no allocation failure should give */
	const char *changed;	/* a state file a failed command changed */
	int last;		/* the last run's result: 0 or -errno */
};

/*
 * One run of @s: setup, @s->cmd with @arm(@arg) armed around its write,
 * undo.  @arm returns the fd to disarm with, or -1 for none.
 */
static bool run_shape(const struct shape *s, unsigned int nth, bool random,
		      struct outcome *o)
{
	char path[128], cmd[256];
	struct state before, after;
	bool hit = false;
	int fd, nfd = -1, ret = 0;
	ssize_t n;

	run_list(s->setup);
	errno = 0;
	state_read(&before);
	snprintf(path, sizeof(path), ZL_DIR "/%s", s->file);
	expand(s->cmd, cmd, sizeof(cmd));
	fd = open(path, O_RDWR);
	if (fd < 0)
		fd = open(path, O_WRONLY);
	if (fd >= 0) {
		/* Opened first: an open() with failures armed could fail itself. */
		nfd = open(random ? MAKE_IT_FAIL : FAIL_NTH, O_RDWR);
		if (nfd < 0 || (random ? pwrite(nfd, "1", 1, 0) != 1 :
				 nth && arm_nth(nfd, nth)))
			ret = -EIO;
		n = write(fd, cmd, strlen(cmd));
		if (!ret)
			ret = n < 0 ? -errno : 0;
		if (nfd >= 0 && random)
			pwrite(nfd, "0", 1, 0);
		else if (nfd >= 0 && nth)
			hit = disarm_nth(nfd);
		if (nfd >= 0)
			close(nfd);
		close(fd);
	}
	state_read(&after);
	o->last = fd < 0 ? -errno : ret;
	if (hit)
		o->fired++;
	if (ret) {
		o->failed++;
		if (!clean_errno(-ret) && !o->bad_errno)
			o->bad_errno = -ret;
		if (!o->changed)
			o->changed = state_diff(&before, &after);
	}
	state_free(&before);
	state_free(&after);
	run_list(s->undo);
	return hit;
}

/* Fault attributes to set for the test and put back after it. */
static const char * const attrs[][2] = {
	{ FAILSLAB "/verbose", "0" }, { FAILSLAB "/ignore-gfp-wait", "N" },
	{ FAILSLAB "/task-filter", "Y" }, { FAILSLAB "/times", "-1" },
	{ FAILSLAB "/probability", "0" }, { FAILSLAB "/interval", "1" },
	{ FAIL_PAGE "/verbose", "0" }, { FAIL_PAGE "/ignore-gfp-wait", "N" },
	{ FAIL_PAGE "/min-order", "0" }, { FAIL_PAGE "/task-filter", "Y" },
	{ FAIL_PAGE "/times", "-1" }, { FAIL_PAGE "/probability", "0" },
	{ FAIL_PAGE "/interval", "1" },
};

#define NR_ATTRS	(sizeof(attrs) / sizeof(attrs[0]))

FIXTURE(faults) {
	char *saved[NR_ATTRS];
	struct zl_klog_mark mark;
};

FIXTURE_VARIANT(faults) {
	unsigned int shape;
};

/* One test per shape, named as its entry of shapes[]. */
#define SHAPE(n, i) FIXTURE_VARIANT_ADD(faults, n) { .shape = i }
SHAPE(ctx_create, 0);
SHAPE(ctx_destroy, 1);
SHAPE(ctx_mems, 2);
SHAPE(ctx_policy, 3);
SHAPE(region_create, 4);
SHAPE(region_set, 5);
SHAPE(region_split, 6);
SHAPE(alloc, 7);
SHAPE(alloc_ctx, 8);
SHAPE(stress_start, 9);
SHAPE(storm_start, 10);
SHAPE(rebuild, 11);
SHAPE(rebuild_mode, 12);
SHAPE(hotplug_offline, 13);
SHAPE(pcp_disable, 14);
SHAPE(pcp_drain_all, 15);
SHAPE(bench_run, 16);

static bool have_fault_injection(void)
{
	return zl_path_exists(FAILSLAB) && zl_path_exists(FAIL_PAGE) &&
	       zl_path_exists(FAIL_NTH);
}

/* %N, %B and %Z of this machine: every memory node, the first online block. */
static int find_targets(void)
{
	char *text = zl_read_file(ZL_BLOCKS, NULL), z[32], st[32];
	struct zl_mask mem;
	long id;
	int nid;

	if (zl_node_state("has_memory", &mem) || !text)
		return -ENOENT;
	zl_format_list(&mem, nodes, sizeof(nodes));
	block[0] = '\0';
	if (sscanf(text, "block %ld node %d zone %31s pages %*d state %31s", &id, &nid, z, st) == 4) {
		snprintf(block, sizeof(block), "%ld", id);
		snprintf(zone, sizeof(zone), "%d %s", nid, z);
	}
	free(text);
	return block[0] ? 0 : -ENOENT;
}

FIXTURE_SETUP(faults)
{
	size_t i;

	ASSERT_EQ(0, find_targets());
	for (i = 0; i < NR_ATTRS; i++) {
		self->saved[i] = zl_read_file(attrs[i][0], NULL);
		ASSERT_EQ(0, write_proc(attrs[i][0], attrs[i][1])) TH_LOG("%s", attrs[i][0]);
	}
	zl_klog_mark(&self->mark);
}

FIXTURE_TEARDOWN(faults)
{
	size_t i;

	for (i = 0; i < NR_ATTRS; i++) {
		if (self->saved[i])
			write_proc(attrs[i][0], self->saved[i]);
		free(self->saved[i]);
	}
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

static void expect_clean(struct __test_metadata *_metadata, const struct shape *s,
			 const struct outcome *o)
{
	EXPECT_EQ(0, o->bad_errno) TH_LOG("%s failed with %s", s->name, strerror(o->bad_errno));
	EXPECT_EQ(NULL, o->changed) TH_LOG("a failed %s changed %s", s->name, o->changed);
}

/* The Nth allocation fails, for every N the command reaches. */
TEST_F_TIMEOUT(faults, every_nth, 600)
{
	const struct shape *s = &shapes[variant->shape];
	unsigned int max = s->sample ?: MAX_NTH, nth;
	struct outcome o = { 0 };

	run_shape(s, 0, false, &o);
	ASSERT_EQ(0, o.last) TH_LOG("%s fails with no failure armed", s->name);

	for (nth = 1; nth <= max && run_shape(s, nth, false, &o); nth++)
		;
	TH_LOG("%s: %u injection points%s, %d failures injected, %d commands failed",
	       s->name, nth - 1, s->sample ? " tried" : "", o.fired, o.failed);
	if (!s->sample)
		EXPECT_GE(max, nth) TH_LOG("still reaching points at %u", max);
	expect_clean(_metadata, s, &o);
}

/* One in ten allocations fails, at random (the kernel's PRNG, not seeded here). */
TEST_F_TIMEOUT(faults, one_in_ten, 600)
{
	const struct shape *s = &shapes[variant->shape];
	struct outcome o = { 0 };
	int i;

	ASSERT_EQ(0, write_proc(FAILSLAB "/probability", "10"));
	ASSERT_EQ(0, write_proc(FAIL_PAGE "/probability", "10"));
	for (i = 0; i < RANDOM_RUNS; i++)
		run_shape(s, 0, true, &o);
	TH_LOG("%s: %d of %d commands failed at 10%%", s->name, o.failed, RANDOM_RUNS);
	expect_clean(_metadata, s, &o);
}

FIXTURE(load) {
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(load)
{
	zl_klog_mark(&self->mark);
}

FIXTURE_TEARDOWN(load)
{
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* Injection points a load with @args used up: 0 when it could not tell. */
static unsigned int load_points(const char *args, int *ret)
{
	unsigned int big = 1000000, left;
	char buf[16] = "";
	int nfd;

	if (zl_module_unload())
		return 0;
	nfd = open(FAIL_NTH, O_RDWR);
	if (nfd < 0 || arm_nth(nfd, big)) {
		if (nfd >= 0)
			close(nfd);
		return 0;
	}
	*ret = zl_module_load_args(args);
	left = pread(nfd, buf, sizeof(buf) - 1, 0) > 0 ? strtoul(buf, NULL, 10) : big;
	pwrite(nfd, "0", 1, 0);
	close(nfd);
	return big - left;
}

/* One load with its @nth point failing: 0 or -errno; *@hit if it fired. */
static int load_failing(unsigned int nth, bool *hit)
{
	int nfd = open(FAIL_NTH, O_RDWR), ret;

	if (nfd < 0 || arm_nth(nfd, nth)) {
		if (nfd >= 0)
			close(nfd);
		return -EIO;
	}
	ret = zl_module_load();
	*hit = disarm_nth(nfd);
	close(nfd);
	return ret;
}

/*
 * finit_module() with the Nth allocation of zonelab's init failing: a
 * clean errno, nothing loaded, and init's own "init failed" line.  The
 * loader's allocations before init (reading the file, the module's trace
 * events, sysfs) are the kernel's to get right, and some WARN on failure:
 * they are left alone.  Init starts after the points a load that init
 * refuses at once (reserve_percent=0) uses up.
 */
TEST_F_TIMEOUT(load, init_every_nth, 600)
{
	unsigned int first, last, nth, fired = 0, failed = 0;
	int ret = 0;

	if (!zl_ko_path())
		SKIP(return, "no zonelab.ko path: modprobe hides the load's errno");
	ASSERT_EQ(0, write_proc(FAILSLAB "/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, write_proc(FAILSLAB "/verbose", "0"));
	ASSERT_EQ(0, write_proc(FAIL_PAGE "/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, write_proc(FAIL_PAGE "/verbose", "0"));
	ASSERT_EQ(0, write_proc(FAIL_PAGE "/min-order", "0"));
	first = load_points("reserve_percent=0", &ret) + 1;
	ASSERT_EQ(-EINVAL, ret);
	last = load_points("", &ret);
	ASSERT_EQ(0, ret);
	ASSERT_LT(first, last) TH_LOG("init used no injection point?");
	/* Every point of init's first steps, then every 4th (a load is slow here). */
	for (nth = first; nth <= last; nth += nth - first < 40 ? 1 : 4) {
		struct zl_klog_mark m;
		char *log;
		bool hit = false;

		ASSERT_EQ(0, zl_module_unload());
		zl_klog_mark(&m);
		ret = load_failing(nth, &hit);
		fired += hit;
		EXPECT_EQ(!ret, zl_module_loaded());
		if (!ret)
			continue;
		EXPECT_TRUE(clean_errno(-ret)) TH_LOG("N=%u: load failed with %s", nth, strerror(-ret));
		log = zl_klog_since(&m, NULL);
		failed += log && strstr(log, "zonelab: init failed");
		free(log);
	}
	TH_LOG("load: points %u-%u are init's or after it; %u failures fired, %u failed init",
	       first, last, fired, failed);
	EXPECT_LT(0u, failed);
	if (!zl_module_loaded())
		ASSERT_EQ(0, zl_module_load());
}

/*
 * A leak of zonelab's: a backtrace line in zonelab, or, for one of an
 * unloaded zonelab (the failed loads), in the module area with no module
 * name left to print.
 */
static int zonelab_leaks(const char *report)
{
	const char *line = report;
	int n = 0;

	while (line && *line) {
		const char *end = strchrnul(line, '\n');

		if ((strstr(line, "[zonelab]") && strstr(line, "[zonelab]") < end) ||
		    (strstr(line, "] 0xffffffffc") && strstr(line, "] 0xffffffffc") < end)) {
			if (n++ < 5)
				fprintf(stderr, "# kmemleak: %.*s\n", (int)(end - line), line);
		}
		line = *end ? end + 1 : NULL;
	}
	return n;
}

/* After every failure above: nothing allocated by zonelab is unreferenced. */
TEST_F_TIMEOUT(load, kmemleak_finds_nothing_of_zonelab, 120)
{
	char *report;

	if (!zl_path_exists(KMEMLEAK))
		SKIP(return, "no kmemleak in this kernel (a debug kernel has it)");
	/* kmemleak reports objects unreferenced for 5 s at a scan. */
	zl_sleep_ms(6000);
	ASSERT_EQ(0, write_proc(KMEMLEAK, "scan"));
	ASSERT_EQ(0, write_proc(KMEMLEAK, "scan"));
	report = zl_read_file(KMEMLEAK, NULL);
	ASSERT_NE(NULL, report);
	EXPECT_EQ(0, zonelab_leaks(report));
	free(report);
}

int main(int argc, char **argv)
{
	zl_prereq(argv[0], ZL_NEED_LOADED);
	/* Here, not in a fixture: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	if (!have_fault_injection())
		ksft_exit_skip("no fault injection in this kernel (the debug kernel has it)\n");
	/* What leaked before this program is not its to report. */
	if (zl_path_exists(KMEMLEAK))
		write_proc(KMEMLEAK, "clear");
	return test_harness_run(argc, argv);
}
