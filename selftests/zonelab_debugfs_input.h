/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared side of zonelab_debugfs_input_test: the state a rejected
 * write must leave as it was (every state file, the contexts' files and
 * an alloc holder's view) and the checks against it, the alloc holder the
 * command fixtures set up, the contexts and region the issue-5 rows write
 * to, and the threads of the concurrent-writer tests.
 *
 * Its helpers assert and log with the harness's macros, and
 * kselftest_harness.h may be included by one .c of a program only: so
 * they are static, here, and only zonelab_debugfs_input_test.c includes
 * this header.  The rows of its malformed-input tables are in
 * zonelab_debugfs_input_cases.h.
 */
#ifndef ZONELAB_DEBUGFS_INPUT_H
#define ZONELAB_DEBUGFS_INPUT_H

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
#include "zonelab_ctx.h"

/* ---- the state a rejected write leaves as it was ---- */

/*
 * Everything a write could change, as text: `stats` (every counter, so a
 * rejected command bumps none, not even alloc_fail), the zonelists, the
 * zones' free pages, watermarks and pcplist counts, the buddy lists, the
 * stress and bench state.
 */
enum {
	ST_ZONELISTS, ST_STATS, ST_ZONEINFO, ST_BUDDYINFO, ST_STRESS, ST_BENCH,
	ST_BLOCKS, ST_MODE, ST_STORM, ST_BENCH_REBUILD, ST_OOM, ST_CONTEXTS,
	ST_REGIONS,
};

static const char * const state_files[] = {
	[ST_ZONELISTS] = ZL_ZONELISTS, [ST_STATS] = ZL_STATS,
	[ST_ZONEINFO] = ZL_ZONEINFO, [ST_BUDDYINFO] = ZL_BUDDYINFO,
	[ST_STRESS] = ZL_STRESS, [ST_BENCH] = ZL_BENCH,
	[ST_BLOCKS] = ZL_BLOCKS, [ST_MODE] = ZL_REBUILD_MODE,
	[ST_STORM] = ZL_STORM, [ST_BENCH_REBUILD] = ZL_BENCH_REBUILD,
	[ST_OOM] = ZL_OOM,
	[ST_CONTEXTS] = ZL_CONTEXTS, [ST_REGIONS] = ZL_REGIONS,
};

#define NR_STATE	(ARRAY_SIZE(state_files))

/*
 * The contexts bad_cmd sets up (IN_CTX idle, BUSY_CTX used by an open
 * alloc file) and their files, read when they exist.
 */
#define IN_CTX		"zl_in"
#define BUSY_CTX	"zl_busy"
#define IN_REGION	"zl_in"

static const char * const state_ctxs[] = { IN_CTX, BUSY_CTX };
static const char * const state_ctx_files[] = { "mems", "policy", "weights", "numa", "stats" };

#define NR_CTX_STATE	(ARRAY_SIZE(state_ctxs) * ARRAY_SIZE(state_ctx_files))

/* policies_live when main() started: what every fixture returns to. */
static long long live_base;

struct state {
	char *text[NR_STATE];
	bool with_ctx;			/* @ctx read (the issue-5 rows) */
	char *ctx[NR_CTX_STATE];	/* NULL: the context does not exist */
	char *alloc;		/* what the holder's fd reads, if there is one */
};

/*
 * The state an open `alloc` file shows: read() from the start until the
 * one 0 that ends it (the next read starts over).  NULL on error.
 */
static char *alloc_state(int fd, size_t chunk)
{
	return zl_read_fd_chunks(fd, chunk, NULL);
}

static void state_read(struct __test_metadata *_metadata, struct state *s, int alloc_fd)
{
	size_t i;

	for (i = 0; i < NR_STATE; i++) {
		s->text[i] = zl_read_file(state_files[i], NULL);
		ASSERT_NE(NULL, s->text[i])
			TH_LOG("%s: %s", state_files[i], strerror(errno));
	}
	for (i = 0; i < NR_CTX_STATE; i++)
		s->ctx[i] = !s->with_ctx ? NULL :
			    zl_ctx_read(state_ctxs[i / ARRAY_SIZE(state_ctx_files)],
					state_ctx_files[i % ARRAY_SIZE(state_ctx_files)]);
	s->alloc = NULL;
	if (alloc_fd >= 0) {
		s->alloc = alloc_state(alloc_fd, 4096);
		ASSERT_NE(NULL, s->alloc)
			TH_LOG("reading the alloc holder: %s", strerror(errno));
	}
}

static void state_free(struct state *s)
{
	size_t i;

	for (i = 0; i < NR_STATE; i++) {
		free(s->text[i]);
		s->text[i] = NULL;
	}
	for (i = 0; i < NR_CTX_STATE; i++) {
		free(s->ctx[i]);
		s->ctx[i] = NULL;
	}
	free(s->alloc);
	s->alloc = NULL;
}

/* Per zone `pages free` and pcplist pages of two zoneinfo texts, for the log. */
static void log_zoneinfo_diff(struct __test_metadata *_metadata, const char *a,
			      const char *b)
{
	struct zl_zoneinfo *za = zl_zoneinfo_alloc(), *zb = zl_zoneinfo_alloc();
	char err[256];
	int i;

	if (za && zb && !zl_zoneinfo_parse(za, a, err, sizeof(err)) &&
	    !zl_zoneinfo_parse(zb, b, err, sizeof(err))) {
		for (i = 0; i < za->nr && i < zb->nr; i++)
			TH_LOG("zone %d/%s: free %ld -> %ld, pcp %ld -> %ld",
			       za->zone[i].nid, za->zone[i].name, za->zone[i].free,
			       zb->zone[i].free, zl_zi_pcp_total(&za->zone[i]),
			       zl_zi_pcp_total(&zb->zone[i]));
	}
	free(za);
	free(zb);
}

/* Every state file (and the holder's state) is byte for byte what it was. */
static void expect_unchanged_fd(struct __test_metadata *_metadata,
				const struct state *before, int alloc_fd, const char *what)
{
	const char *live = strstr(before->text[ST_STATS], "\npolicies_live ");
	struct state now;
	size_t i;

	/*
	 * A policy a rejected command made and dropped is freed after an RCU
	 * grace period (call_rcu): wait for that before comparing, so that
	 * only a lasting change (a leak) shows.
	 */
	if (live)
		zl_policies_settle(atoll(live + 15), 2000, NULL);
	now.with_ctx = before->with_ctx;
	state_read(_metadata, &now, alloc_fd);
	for (i = 0; i < NR_CTX_STATE; i++) {
		const char *ctx = state_ctxs[i / ARRAY_SIZE(state_ctx_files)];
		const char *file = state_ctx_files[i % ARRAY_SIZE(state_ctx_files)];

		EXPECT_EQ(!before->ctx[i], !now.ctx[i])
			TH_LOG("%s: ctx/%s/%s %s", what, ctx, file,
			       now.ctx[i] ? "appeared" : "vanished");
		if (before->ctx[i] && now.ctx[i])
			EXPECT_STREQ(before->ctx[i], now.ctx[i])
				TH_LOG("%s changed ctx/%s/%s", what, ctx, file);
	}
	for (i = 0; i < NR_STATE; i++) {
		EXPECT_STREQ(before->text[i], now.text[i])
			TH_LOG("%s changed %s", what, state_files[i]);
		if (i == ST_ZONEINFO && strcmp(before->text[i], now.text[i]))
			log_zoneinfo_diff(_metadata, before->text[i], now.text[i]);
	}
	if (before->alloc && now.alloc)
		EXPECT_STREQ(before->alloc, now.alloc)
			TH_LOG("%s changed what the alloc holder holds", what);
	state_free(&now);
}

static void expect_unchanged(struct __test_metadata *_metadata,
			     const struct state *before, const char *what)
{
	expect_unchanged_fd(_metadata, before, -1, what);
}

/* How the fixtures start: the kernel log marked, then `stats` quiet. */
static void quiet_start(struct __test_metadata *_metadata, struct zl_klog_mark *mark)
{
	zl_klog_mark(mark);
	/* Old generations and policies freed by RCU change `stats`; let them go first. */
	ASSERT_EQ(0, zl_wait_quiescent(5000));
	ASSERT_EQ(0, zl_policies_settle(live_base, 5000, NULL));
}

/* Setup of the bad_write and input fixtures: @before once `stats` is quiet. */
static void state_setup(struct __test_metadata *_metadata, struct state *before,
			struct zl_klog_mark *mark)
{
	quiet_start(_metadata, mark);
	state_read(_metadata, before, -1);
}

static void state_teardown(struct __test_metadata *_metadata, struct state *before,
			   const struct zl_klog_mark *mark)
{
	state_free(before);
	EXPECT_EQ(0, zl_klog_new_bad(mark));
}

/* ---- the alloc holder and the contexts of the command fixtures ---- */

/*
 * The holder every bad_cmd test sets up first: it holds HOLD_PAGES order-0
 * pages and has freed FREED_PAGES more into a pcplist, so that a command
 * which wrongly allocated, freed or drained would show in the state.
 */
#define HOLD_PAGES	5
#define FREED_PAGES	3

/* The context the oom_score_adj rows write to: bad_cmd creates it for them only. */
#define ADJ_CTX		"bad_cmd"
#define ADJ_CTX_DIR	ZL_DIR "/ctx/" ADJ_CTX
#define CTX_OOM_ADJ	ADJ_CTX_DIR "/oom_score_adj"

/* A holder with HOLD_PAGES pages and FREED_PAGES freed to a pcplist. */
static void holder_setup(struct __test_metadata *_metadata, int *fd)
{
	char cmd[32];

	*fd = open(ZL_ALLOC, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, *fd)
		TH_LOG("open %s: %s", ZL_ALLOC, strerror(errno));
	snprintf(cmd, sizeof(cmd), "alloc %d", HOLD_PAGES + FREED_PAGES);
	ASSERT_EQ((ssize_t)strlen(cmd), write(*fd, cmd, strlen(cmd)))
		TH_LOG("%s: %s", cmd, strerror(errno));
	snprintf(cmd, sizeof(cmd), "free %d", FREED_PAGES);
	ASSERT_EQ((ssize_t)strlen(cmd), write(*fd, cmd, strlen(cmd)))
		TH_LOG("%s: %s", cmd, strerror(errno));
}

/*
 * The contexts and region of the issue-5 rows live for the whole program
 * (main() makes them, an atexit() handler removes them), so that a row
 * costs no more than the others: IN_CTX (interleave over every node with
 * memory, node 0 weighing 3), BUSY_CTX (an alloc file main() keeps open
 * is bound to it; it holds no page) and IN_REGION (100 pages: 0-9
 * interleave, 20-29 local).
 */
static int busy_fd = -1;
static char *ctx_base[NR_CTX_STATE], *regions_base;

/* Make them; exits the program (fail) when it cannot. */
static void ctx_make(void)
{
	size_t i;

	if (zl_ctx_create(IN_CTX) || zl_ctx_write(IN_CTX, "policy", "interleave") ||
	    zl_ctx_write(IN_CTX, "weights", "0 3") || zl_ctx_create(BUSY_CTX) ||
	    zl_region_cmd("create " IN_REGION " 100") ||
	    zl_region_cmd("set " IN_REGION " 0-9 interleave") ||
	    zl_region_cmd("set " IN_REGION " 20-29 local"))
		ksft_exit_fail_msg("cannot make the contexts and region of the tests\n");
	busy_fd = zl_alloc_open();
	if (busy_fd < 0 || zl_alloc_cmd(busy_fd, "alloc 1 ctx=" BUSY_CTX) ||
	    zl_alloc_cmd(busy_fd, "free all"))
		ksft_exit_fail_msg("cannot bind an alloc file to " BUSY_CTX "\n");
	/* The context, the region's two ranges and the default policies dropped. */
	if (zl_policies_settle(live_base + 4, 5000, NULL))
		ksft_exit_fail_msg("policies_live does not settle\n");
	live_base += 4;
	for (i = 0; i < NR_CTX_STATE; i++)
		ctx_base[i] = zl_ctx_read(state_ctxs[i / ARRAY_SIZE(state_ctx_files)],
					  state_ctx_files[i % ARRAY_SIZE(state_ctx_files)]);
	regions_base = zl_read_file(ZL_REGIONS, NULL);
}

/* atexit(): before zl_prereq()'s handler unloads the module. */
static void ctx_unmake(void)
{
	if (busy_fd >= 0)
		close(busy_fd);
	zl_ctx_destroy(BUSY_CTX);
	zl_ctx_destroy(IN_CTX);
	zl_region_cmd("destroy " IN_REGION);
}

/* Every context and region named zl* that is not one of ours (a wrongly accepted create). */
static void ctx_strays(struct __test_metadata *_metadata)
{
	struct zl_region r[ZL_MAX_REGIONS];
	char *list = zl_read_file(ZL_CONTEXTS, NULL), *name, *save = NULL, err[256];
	int i, n;

	name = list ? strtok_r(list, "\n", &save) : NULL;
	while (name) {
		char one[64];

		snprintf(one, sizeof(one), "%s", name);
		if (!strncmp(one, "zl", 2) && strcmp(one, IN_CTX) && strcmp(one, BUSY_CTX))
			EXPECT_EQ(0, zl_ctx_destroy(one)) TH_LOG("destroy %s", one);
		name = strtok_r(NULL, "\n", &save);
	}
	free(list);
	n = zl_regions_read(r, ZL_MAX_REGIONS, err, sizeof(err));
	EXPECT_LE(0, n) TH_LOG("%s", err);
	for (i = 0; i < n; i++)
		if (!strncmp(r[i].name, "zl", 2) && strcmp(r[i].name, IN_REGION))
			EXPECT_EQ(0, zl_region_cmd("destroy %s", r[i].name)) TH_LOG("%s", r[i].name);
}

/* Back to how main() made them, if an earlier (failed) row changed them. */
static void ctx_restore(struct __test_metadata *_metadata)
{
	char *now = zl_read_file(ZL_REGIONS, NULL);
	bool changed = !now || !regions_base || strcmp(now, regions_base);
	size_t i;

	free(now);
	if (changed) {
		zl_region_cmd("destroy " IN_REGION);
		ASSERT_EQ(0, zl_region_cmd("create " IN_REGION " 100"));
		ASSERT_EQ(0, zl_region_cmd("set " IN_REGION " 0-9 interleave"));
		ASSERT_EQ(0, zl_region_cmd("set " IN_REGION " 20-29 local"));
	}
	for (i = 0; i < NR_CTX_STATE; i++) {
		now = zl_ctx_read(state_ctxs[i / ARRAY_SIZE(state_ctx_files)],
				  state_ctx_files[i % ARRAY_SIZE(state_ctx_files)]);
		if (!now || !ctx_base[i] || strcmp(now, ctx_base[i]))
			changed = true;
		free(now);
	}
	if (changed) {
		/* ctx_base[]: IN_CTX's mems, policy, weights, ... in state_ctx_files order. */
		const char *pos = ctx_base[2];
		char line[64];
		int nid, w;

		TH_LOG("an earlier test changed the contexts or region: restored");
		ASSERT_EQ(0, zl_ctx_write(IN_CTX, "mems", "%s", ctx_base[0]));
		ASSERT_EQ(0, zl_ctx_write(IN_CTX, "policy", "interleave"));
		while (pos && zl_next_line(&pos, line, sizeof(line), NULL))
			if (sscanf(line, "node %d %d", &nid, &w) == 2)
				ASSERT_EQ(0, zl_ctx_write(IN_CTX, "weights", "%d %d", nid, w));
	}
	ASSERT_EQ(0, zl_policies_settle(live_base, 5000, NULL));
}

/* ---- concurrent writers ---- */

/*
 * One thread of a concurrent-writer test and what came of its commands:
 * every good one must be accepted whole, every bad one fail with EINVAL.
 */
struct writer {
	pthread_t thread;
	int id;			/* 0, 1, ...: staggers the writers' commands */
	long blocks;		/* blocks its alloc commands asked for */
	int good_ok, good_err, bad_ok, bad_einval, bad_other;
};

/* Count one command of @w: @accepted, or else failed with -@err. */
static void writer_count(struct writer *w, bool good, bool accepted, int err)
{
	if (good) {
		if (accepted)
			w->good_ok++;
		else
			w->good_err++;
	} else if (accepted) {
		w->bad_ok++;
	} else if (err == -EINVAL) {
		w->bad_einval++;
	} else {
		w->bad_other++;
	}
}

/*
 * Run @nr writers @fn at once, numbered from 0, until they all end; then
 * each one's good commands all went through and its bad ones were all
 * EINVAL.  @who and @what name them in the log ("thread", "writes").
 */
static void run_writers(struct __test_metadata *_metadata, struct writer *w, int nr,
			void *(*fn)(void *), const char *who, const char *what)
{
	int i;

	memset(w, 0, nr * sizeof(*w));
	for (i = 0; i < nr; i++) {
		w[i].id = i;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, fn, &w[i]));
	}
	for (i = 0; i < nr; i++)
		ASSERT_EQ(0, pthread_join(w[i].thread, NULL));
	for (i = 0; i < nr; i++) {
		EXPECT_EQ(0, w[i].good_err) TH_LOG("%s %d: good %s failed", who, i, what);
		EXPECT_EQ(0, w[i].bad_ok) TH_LOG("%s %d: bad %s accepted", who, i, what);
		EXPECT_EQ(0, w[i].bad_other) TH_LOG("%s %d: bad %s not EINVAL", who, i, what);
	}
}

#endif /* ZONELAB_DEBUGFS_INPUT_H */
