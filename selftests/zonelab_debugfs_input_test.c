// SPDX-License-Identifier: GPL-2.0
/*
 * Robustness of zonelab's debugfs files, in the spirit of
 * selftests/damon/debugfs_huge_count_read_write.sh: malformed, huge,
 * offset and vectored writes to `rebuild` fail with EINVAL and change
 * nothing; malformed and out-of-range commands to `alloc`, `stress`,
 * `bench`, `pcp`, `oom_disable` and ctx/<name>/oom_score_adj fail with
 * the errno the README gives and change nothing either (stats, zonelists,
 * zones, buddy lists, pcplists, stress, bench, the OOM owners and the
 * writer's own alloc holder); so do malformed writes to `contexts`,
 * `regions` and a context's files (the context list, the regions' ranges
 * and every ctx/<name>/ file are part of the state); read-only files
 * refuse writes;
 * reads of every size and offset agree; concurrent writers are counted
 * exactly; the kernel logs no warning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_ctx.h"

static const char * const ro_files[] = {
	ZL_TOPOLOGY, ZL_ZONELISTS, ZL_KZONELISTS, ZL_STATS, ZL_ZONEINFO, ZL_BUDDYINFO,
	ZL_OOM,
};

#define NR_RO	(ARRAY_SIZE(ro_files))

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

/* Setup of the bad_write and input fixtures: @before once `stats` is quiet. */
static void state_setup(struct __test_metadata *_metadata, struct state *before,
			struct zl_klog_mark *mark)
{
	zl_klog_mark(mark);
	/* Old generations and policies freed by RCU change `stats`; let them go first. */
	ASSERT_EQ(0, zl_wait_quiescent(5000));
	ASSERT_EQ(0, zl_policies_settle(live_base, 5000, NULL));
	state_read(_metadata, before, -1);
}

static void state_teardown(struct __test_metadata *_metadata, struct state *before,
			   const struct zl_klog_mark *mark)
{
	state_free(before);
	EXPECT_EQ(0, zl_klog_new_bad(mark));
}

/* ---- malformed writes, one variant per input ---- */

FIXTURE(bad_write)
{
	struct state before;
	struct zl_klog_mark mark;
};

FIXTURE_VARIANT(bad_write)
{
	const char *data;
	size_t len;	/* 0: strlen(data); set for data with a NUL inside */
};

FIXTURE_VARIANT_ADD(bad_write, empty)
{
	.data = "",
};

FIXTURE_VARIANT_ADD(bad_write, zero)
{
	.data = "0",
};

FIXTURE_VARIANT_ADD(bad_write, two)
{
	.data = "2",
};

FIXTURE_VARIANT_ADD(bad_write, eleven)
{
	.data = "11",
};

FIXTURE_VARIANT_ADD(bad_write, one_x)
{
	.data = "1x",
};

FIXTURE_VARIANT_ADD(bad_write, lead_space)
{
	.data = " 1",
};

FIXTURE_VARIANT_ADD(bad_write, trail_space)
{
	.data = "1 ",
};

FIXTURE_VARIANT_ADD(bad_write, two_newlines)
{
	.data = "1\n\n",
};

FIXTURE_VARIANT_ADD(bad_write, newline_only)
{
	.data = "\n",
};

FIXTURE_VARIANT_ADD(bad_write, plus_one)
{
	.data = "+1",
};

FIXTURE_VARIANT_ADD(bad_write, minus_one)
{
	.data = "-1",
};

FIXTURE_VARIANT_ADD(bad_write, leading_zero)
{
	.data = "01",
};

FIXTURE_VARIANT_ADD(bad_write, hex_one)
{
	.data = "0x1",
};

FIXTURE_VARIANT_ADD(bad_write, crlf)
{
	.data = "1\r\n",
};

FIXTURE_VARIANT_ADD(bad_write, tab)
{
	.data = "1\t",
};

FIXTURE_VARIANT_ADD(bad_write, nul)
{
	.data = "\0", .len = 1,
};

FIXTURE_VARIANT_ADD(bad_write, one_nul)
{
	.data = "1\0", .len = 2,
};

FIXTURE_VARIANT_ADD(bad_write, binary)
{
	.data = "\x01\xff\x80",
};

FIXTURE_VARIANT_ADD(bad_write, len32_zeros_one)
{
	.data = "00000000000000000000000000000001",
};

FIXTURE_VARIANT_ADD(bad_write, len32_one_newlines)
{
	.data = "1\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n",
};

FIXTURE_VARIANT_ADD(bad_write, len64)
{
	.data = "000000000000000000000000000000000000000000000000000000000000001\n",
};

FIXTURE_SETUP(bad_write)
{
	state_setup(_metadata, &self->before, &self->mark);
}

FIXTURE_TEARDOWN(bad_write)
{
	state_teardown(_metadata, &self->before, &self->mark);
}

/* The malformed write fails with EINVAL and changes nothing. */
TEST_F(bad_write, rejected_and_changes_nothing)
{
	size_t len = variant->len ? variant->len : strlen(variant->data);
	ssize_t ret;
	int err;

	err = zl_write_once(ZL_REBUILD, variant->data, len, &ret);
	EXPECT_EQ(-EINVAL, err)
		TH_LOG("write of %zu bytes returned %zd (%s)", len, ret,
		       err ? strerror(-err) : "accepted");
	expect_unchanged(_metadata, &self->before, "a malformed write");
}

/* ---- malformed and out-of-range commands to alloc, stress, bench, pcp ---- */

/*
 * The holder every bad_cmd test sets up first: it holds HOLD_PAGES order-0
 * pages and has freed FREED_PAGES more into a pcplist, so that a command
 * which wrongly allocated, freed or drained would show in the state.
 */
#define HOLD_PAGES	5
#define FREED_PAGES	3

/* A 64-byte `alloc` command (one byte over the limit) and a 63-byte one. */
#define ZEROS56	"00000000000000000000000000000000000000000000000000000000"
#define ALLOC_LEN63	"alloc " ZEROS56 "1"
#define ALLOC_LEN64	"alloc 0" ZEROS56 "1"
#define STRESS_LEN64	"start hold=" "00000000000000000000000000000000000000000000000000001"
#define BENCH_LEN64	"run 000" ZEROS56 "1"
#define PCP_LEN64	"drain   " "        " "        " "        " "        " "        " \
			"        " "        "
_Static_assert(sizeof(ALLOC_LEN63) == 64, "63 bytes");
_Static_assert(sizeof(ALLOC_LEN64) == 65, "64 bytes");
_Static_assert(sizeof(STRESS_LEN64) == 65, "64 bytes");
_Static_assert(sizeof(BENCH_LEN64) == 65, "64 bytes");
_Static_assert(sizeof(PCP_LEN64) == 65, "64 bytes");

/* The context the oom_score_adj rows write to: bad_cmd creates it for them only. */
#define ADJ_CTX		"bad_cmd"
#define ADJ_CTX_DIR	ZL_DIR "/ctx/" ADJ_CTX
#define CTX_OOM_ADJ	ADJ_CTX_DIR "/oom_score_adj"

FIXTURE(bad_cmd)
{
	int alloc_fd;		/* the holder */
	bool ctx;		/* ADJ_CTX was created */
	long long policies;	/* policies_live before that */
	struct state before;
	struct zl_klog_mark mark;
	int zone_nid;		/* a zone zonelab holds pages of */
	char zone_name[ZL_ZONE_NAME];
};

FIXTURE_VARIANT(bad_cmd)
{
	const char *file;	/* ZL_ALLOC: written through the holder's fd */
	const char *data;
	size_t len;		/* 0: strlen(data); set for data with a NUL inside */
	int err;		/* the errno expected */
	bool zone;		/* @data is a format: "%d %s" a zonelab zone */
	bool ctx;		/* an issue-5 row: contexts and regions in the state */
};

#define BAD_CMD(name, f, d, e) \
	FIXTURE_VARIANT_ADD(bad_cmd, name) { .file = f, .data = d, .err = e, }
#define BAD_CMD_LEN(name, f, d, l, e) \
	FIXTURE_VARIANT_ADD(bad_cmd, name) { .file = f, .data = d, .len = l, .err = e, }
/* Which zones zonelab has depends on the machine: the first one of `zoneinfo`. */
#define BAD_CMD_ZONE(name, f, fmt, e) \
	FIXTURE_VARIANT_ADD(bad_cmd, name) { .file = f, .data = fmt, .err = e, .zone = true, }
#define BAD_CTX(name, f, d, e) \
	FIXTURE_VARIANT_ADD(bad_cmd, name) { .file = f, .data = d, .err = e, .ctx = true, }
#define BAD_CTX_LEN(name, f, d, l, e) \
	FIXTURE_VARIANT_ADD(bad_cmd, name) { .file = f, .data = d, .len = l, .err = e, .ctx = true, }

/* alloc: syntax, unknown keys, bad numbers -> EINVAL */
BAD_CMD(alloc_empty, ZL_ALLOC, "", EINVAL);
BAD_CMD(alloc_newline, ZL_ALLOC, "\n", EINVAL);
BAD_CMD(alloc_unknown_verb, ZL_ALLOC, "allocate 1", EINVAL);
BAD_CMD(alloc_upper_verb, ZL_ALLOC, "ALLOC 1", EINVAL);
BAD_CMD(alloc_glued, ZL_ALLOC, "alloc1", EINVAL);
BAD_CMD(alloc_no_count, ZL_ALLOC, "alloc", EINVAL);
BAD_CMD(alloc_no_count_blank, ZL_ALLOC, "alloc \n", EINVAL);
BAD_CMD(alloc_count_zero, ZL_ALLOC, "alloc 0", EINVAL);
BAD_CMD(alloc_count_1x, ZL_ALLOC, "alloc 1x", EINVAL);
BAD_CMD(alloc_count_x, ZL_ALLOC, "alloc x", EINVAL);
BAD_CMD(alloc_count_neg, ZL_ALLOC, "alloc -1", EINVAL);
BAD_CMD(alloc_count_hex, ZL_ALLOC, "alloc 0x1", EINVAL);
BAD_CMD(alloc_count_overflow, ZL_ALLOC, "alloc 18446744073709551616", EINVAL);
BAD_CMD(alloc_count_cr, ZL_ALLOC, "alloc 1\r\n", EINVAL);
BAD_CMD(alloc_order_1x, ZL_ALLOC, "alloc 1 order=1x", EINVAL);
BAD_CMD(alloc_order_empty, ZL_ALLOC, "alloc 1 order=", EINVAL);
BAD_CMD(alloc_order_neg, ZL_ALLOC, "alloc 1 order=-1", EINVAL);
BAD_CMD(alloc_order_no_eq, ZL_ALLOC, "alloc 1 order", EINVAL);
BAD_CMD(alloc_order_overflow, ZL_ALLOC, "alloc 1 order=4294967296", EINVAL);
BAD_CMD(alloc_node_x, ZL_ALLOC, "alloc 1 node=x", EINVAL);
BAD_CMD(alloc_node_neg, ZL_ALLOC, "alloc 1 node=-1", EINVAL);
BAD_CMD(alloc_unknown_key, ZL_ALLOC, "alloc 1 zone=0", EINVAL);
BAD_CMD(alloc_thisnode_value, ZL_ALLOC, "alloc 1 thisnode=1", EINVAL);
BAD_CMD(alloc_trailing_word, ZL_ALLOC, "alloc 1 order=0 x", EINVAL);
BAD_CMD(alloc_len64, ZL_ALLOC, ALLOC_LEN64, EINVAL);
BAD_CMD_LEN(alloc_nul_after, ZL_ALLOC, "alloc 1\0", 8, EINVAL);
BAD_CMD_LEN(alloc_nul_inside, ZL_ALLOC, "alloc\0 1", 8, EINVAL);
BAD_CMD_LEN(alloc_nul_first, ZL_ALLOC, "\0alloc 1", 8, EINVAL);
BAD_CMD(alloc_binary, ZL_ALLOC, "\x01\xff\x80 1", EINVAL);
/* alloc: well-formed but out of range */
BAD_CMD(alloc_order_11, ZL_ALLOC, "alloc 1 order=11", ERANGE);
BAD_CMD(alloc_order_huge, ZL_ALLOC, "alloc 1 order=4294967295", ERANGE);
BAD_CMD(alloc_node_99, ZL_ALLOC, "alloc 1 node=99", ENOENT);
BAD_CMD(alloc_node_99_thisnode, ZL_ALLOC, "alloc 1 order=3 thisnode node=99", ENOENT);
BAD_CMD(alloc_more_than_pool, ZL_ALLOC, "alloc 18446744073709551615", E2BIG);
BAD_CMD(alloc_blocks_more_than_pool, ZL_ALLOC, "alloc 100000 order=10", E2BIG);
/* free */
BAD_CMD(free_no_count, ZL_ALLOC, "free", EINVAL);
BAD_CMD(free_zero, ZL_ALLOC, "free 0", EINVAL);
BAD_CMD(free_1x, ZL_ALLOC, "free 1x", EINVAL);
BAD_CMD(free_neg, ZL_ALLOC, "free -1", EINVAL);
BAD_CMD(free_two_counts, ZL_ALLOC, "free 1 2", EINVAL);
BAD_CMD(free_all_trailing, ZL_ALLOC, "free all x", EINVAL);
BAD_CMD(free_upper_all, ZL_ALLOC, "free ALL", EINVAL);
BAD_CMD(free_all_two_newlines, ZL_ALLOC, "free all\n\n", EINVAL);
BAD_CMD_LEN(free_all_nul, ZL_ALLOC, "free all\0", 9, EINVAL);

/* stress */
BAD_CMD(stress_empty, ZL_STRESS, "", EINVAL);
BAD_CMD(stress_newline, ZL_STRESS, "\n", EINVAL);
BAD_CMD(stress_unknown_verb, ZL_STRESS, "run", EINVAL);
BAD_CMD(stress_upper_verb, ZL_STRESS, "START", EINVAL);
BAD_CMD(stress_glued, ZL_STRESS, "startthreads=1", EINVAL);
BAD_CMD(stress_start_word, ZL_STRESS, "start now", EINVAL);
BAD_CMD(stress_unknown_key, ZL_STRESS, "start cpu=1", EINVAL);
BAD_CMD(stress_key_no_value, ZL_STRESS, "start threads", EINVAL);
BAD_CMD(stress_empty_value, ZL_STRESS, "start threads=", EINVAL);
BAD_CMD(stress_threads_1x, ZL_STRESS, "start threads=1x", EINVAL);
BAD_CMD(stress_threads_neg, ZL_STRESS, "start threads=-1", EINVAL);
BAD_CMD(stress_threads_overflow, ZL_STRESS, "start threads=4294967297", EINVAL);
BAD_CMD(stress_hold_1x, ZL_STRESS, "start hold=1x", EINVAL);
BAD_CMD(stress_trailing_word, ZL_STRESS, "start threads=1 x", EINVAL);
BAD_CMD(stress_stop_word, ZL_STRESS, "stop now", EINVAL);
BAD_CMD(stress_len64, ZL_STRESS, STRESS_LEN64, EINVAL);
BAD_CMD_LEN(stress_start_nul, ZL_STRESS, "start\0", 6, EINVAL);
BAD_CMD_LEN(stress_nul_inside, ZL_STRESS, "start\0threads=1", 15, EINVAL);
BAD_CMD(stress_binary, ZL_STRESS, "\xff\xfe\x01", EINVAL);
BAD_CMD(stress_threads_65, ZL_STRESS, "start threads=65", ERANGE);
BAD_CMD(stress_order_max_11, ZL_STRESS, "start order_max=11", ERANGE);
BAD_CMD(stress_hold_0, ZL_STRESS, "start hold=0", ERANGE);
BAD_CMD(stress_hold_65537, ZL_STRESS, "start threads=1 hold=65537", ERANGE);

/* bench */
BAD_CMD(bench_empty, ZL_BENCH, "", EINVAL);
BAD_CMD(bench_newline, ZL_BENCH, "\n", EINVAL);
BAD_CMD(bench_unknown_verb, ZL_BENCH, "start", EINVAL);
BAD_CMD(bench_upper_verb, ZL_BENCH, "RUN", EINVAL);
BAD_CMD(bench_glued, ZL_BENCH, "run1", EINVAL);
BAD_CMD(bench_1x, ZL_BENCH, "run 1x", EINVAL);
BAD_CMD(bench_x, ZL_BENCH, "run x", EINVAL);
BAD_CMD(bench_neg, ZL_BENCH, "run -1", EINVAL);
BAD_CMD(bench_overflow, ZL_BENCH, "run 18446744073709551616", EINVAL);
BAD_CMD(bench_two_numbers, ZL_BENCH, "run 1 2", EINVAL);
BAD_CMD(bench_key, ZL_BENCH, "run iterations=1", EINVAL);
BAD_CMD(bench_len64, ZL_BENCH, BENCH_LEN64, EINVAL);
BAD_CMD_LEN(bench_nul, ZL_BENCH, "run 1\0", 6, EINVAL);
BAD_CMD(bench_binary, ZL_BENCH, "run \x80", EINVAL);
BAD_CMD(bench_zero, ZL_BENCH, "run 0", ERANGE);
BAD_CMD(bench_over_max, ZL_BENCH, "run 10000001", ERANGE);
BAD_CMD(bench_ulong_max, ZL_BENCH, "run 18446744073709551615", ERANGE);

/* pcp */
BAD_CMD(pcp_empty, ZL_PCP, "", EINVAL);
BAD_CMD(pcp_newline, ZL_PCP, "\n", EINVAL);
BAD_CMD(pcp_unknown_verb, ZL_PCP, "flush", EINVAL);
BAD_CMD(pcp_upper_verb, ZL_PCP, "DRAIN", EINVAL);
BAD_CMD(pcp_glued, ZL_PCP, "drainall", EINVAL);
BAD_CMD(pcp_drain_word, ZL_PCP, "drain x", EINVAL);
BAD_CMD(pcp_drain_all_word, ZL_PCP, "drain all x", EINVAL);
BAD_CMD(pcp_drain_cpu, ZL_PCP, "drain 0", EINVAL);
BAD_CMD(pcp_len64, ZL_PCP, PCP_LEN64, EINVAL);
BAD_CMD_LEN(pcp_drain_nul, ZL_PCP, "drain\0", 6, EINVAL);
BAD_CMD_LEN(pcp_drain_all_nul, ZL_PCP, "drain\0all", 9, EINVAL);
BAD_CMD(pcp_binary, ZL_PCP, "\x01\x02\x03\xff", EINVAL);
BAD_CMD(pcp_disable_no_args, ZL_PCP, "disable", EINVAL);
BAD_CMD(pcp_disable_no_zone, ZL_PCP, "disable 0", EINVAL);
BAD_CMD(pcp_disable_nid_1x, ZL_PCP, "disable 0x DMA32", EINVAL);
BAD_CMD(pcp_disable_nid_word, ZL_PCP, "disable node0 DMA32", EINVAL);
BAD_CMD(pcp_disable_trailing, ZL_PCP, "disable 0 DMA32 x", EINVAL);
BAD_CMD_ZONE(pcp_enable_not_disabled, ZL_PCP, "enable %d %s", EINVAL);
BAD_CMD(pcp_disable_node_99, ZL_PCP, "disable 99 DMA32", ENOENT);
BAD_CMD(pcp_enable_node_99, ZL_PCP, "enable 99 DMA32", ENOENT);
BAD_CMD(pcp_disable_unknown_zone, ZL_PCP, "disable 0 Highmem", ENOENT);
BAD_CMD(pcp_disable_lower_zone, ZL_PCP, "disable 0 dma32", ENOENT);
/* zonelab never holds Movable pages: the zone does not exist for it. */
BAD_CMD(pcp_disable_movable, ZL_PCP, "disable 0 Movable", ENOENT);

/* hotplug: verbs, block ids, timeouts */
BAD_CMD(hotplug_empty, ZL_HOTPLUG, "", EINVAL);
BAD_CMD(hotplug_verb_only, ZL_HOTPLUG, "offline", EINVAL);
BAD_CMD(hotplug_unknown_verb, ZL_HOTPLUG, "remove 1", EINVAL);
BAD_CMD(hotplug_upper_verb, ZL_HOTPLUG, "OFFLINE 1", EINVAL);
BAD_CMD(hotplug_id_word, ZL_HOTPLUG, "offline x", EINVAL);
BAD_CMD(hotplug_id_neg, ZL_HOTPLUG, "offline -1", EINVAL);
BAD_CMD(hotplug_id_overflow, ZL_HOTPLUG, "offline 18446744073709551616", EINVAL);
BAD_CMD(hotplug_no_block, ZL_HOTPLUG, "offline 18446744073709551615", ENOENT);
BAD_CMD(hotplug_online_no_block, ZL_HOTPLUG, "online 18446744073709551615", ENOENT);
BAD_CMD(hotplug_online_trailing, ZL_HOTPLUG, "online 1 x", EINVAL);
BAD_CMD(hotplug_timeout_word, ZL_HOTPLUG, "offline 1 timeout_ms=x", EINVAL);
BAD_CMD(hotplug_timeout_key, ZL_HOTPLUG, "offline 1 timeout=5", EINVAL);
BAD_CMD(hotplug_timeout_range, ZL_HOTPLUG, "offline 1 timeout_ms=60001", ERANGE);
BAD_CMD(hotplug_trailing, ZL_HOTPLUG, "offline 1 timeout_ms=5 x", EINVAL);
BAD_CMD(hotplug_binary, ZL_HOTPLUG, "\x01\x02\x03\xff", EINVAL);

/* rebuild_mode: mode names only */
BAD_CMD(mode_empty, ZL_REBUILD_MODE, "", EINVAL);
BAD_CMD(mode_unknown, ZL_REBUILD_MODE, "rcu2", EINVAL);
BAD_CMD(mode_upper, ZL_REBUILD_MODE, "RCU", EINVAL);
BAD_CMD(mode_blank, ZL_REBUILD_MODE, "rcu ", EINVAL);
BAD_CMD(mode_two, ZL_REBUILD_MODE, "rcu seqlock", EINVAL);
BAD_CMD(mode_number, ZL_REBUILD_MODE, "1", EINVAL);

/* storm: verbs, CPUs, zones */
BAD_CMD(storm_empty, ZL_STORM, "", EINVAL);
BAD_CMD(storm_unknown_verb, ZL_STORM, "run", EINVAL);
BAD_CMD(storm_stop_word, ZL_STORM, "stop now", EINVAL);
BAD_CMD(storm_cpu_word, ZL_STORM, "start cpu=x", EINVAL);
BAD_CMD(storm_cpu_offline, ZL_STORM, "start cpu=4096", EINVAL);
BAD_CMD(storm_unknown_key, ZL_STORM, "start zone=0/DMA32", EINVAL);
BAD_CMD(storm_hide_no_slash, ZL_STORM, "start hide=0", EINVAL);
BAD_CMD(storm_hide_node_99, ZL_STORM, "start hide=99/DMA32", ENOENT);
BAD_CMD(storm_hide_no_zone, ZL_STORM, "start hide=0/Highmem", ENOENT);
BAD_CMD(storm_hide_movable, ZL_STORM, "start hide=0/Movable", ENOENT);

/* bench_rebuild: run [ms] */
BAD_CMD(bench_rebuild_empty, ZL_BENCH_REBUILD, "", EINVAL);
BAD_CMD(bench_rebuild_verb, ZL_BENCH_REBUILD, "start", EINVAL);
BAD_CMD(bench_rebuild_word, ZL_BENCH_REBUILD, "run x", EINVAL);
BAD_CMD(bench_rebuild_zero, ZL_BENCH_REBUILD, "run 0", ERANGE);
BAD_CMD(bench_rebuild_long, ZL_BENCH_REBUILD, "run 10001", ERANGE);
BAD_CMD(bench_rebuild_trailing, ZL_BENCH_REBUILD, "run 1 x", EINVAL);

/* stress: the node and cpus keys */
BAD_CMD(stress_node_99, ZL_STRESS, "start node=99", ENOENT);
BAD_CMD(stress_node_word, ZL_STRESS, "start node=x", EINVAL);
BAD_CMD(stress_cpus_word, ZL_STRESS, "start cpus=x", EINVAL);
BAD_CMD(stress_cpus_range, ZL_STRESS, "start cpus=4096", EINVAL);

/* oom_disable: "0" or "1", nothing else */
BAD_CMD(oom_disable_empty, ZL_OOM_DISABLE, "", EINVAL);
BAD_CMD(oom_disable_newline, ZL_OOM_DISABLE, "\n", EINVAL);
BAD_CMD(oom_disable_two, ZL_OOM_DISABLE, "2", EINVAL);
BAD_CMD(oom_disable_ten, ZL_OOM_DISABLE, "10", EINVAL);
BAD_CMD(oom_disable_neg, ZL_OOM_DISABLE, "-1", EINVAL);
BAD_CMD(oom_disable_plus, ZL_OOM_DISABLE, "+1", EINVAL);
BAD_CMD(oom_disable_leading_zero, ZL_OOM_DISABLE, "01", EINVAL);
BAD_CMD(oom_disable_hex, ZL_OOM_DISABLE, "0x1", EINVAL);
BAD_CMD(oom_disable_lead_space, ZL_OOM_DISABLE, " 1", EINVAL);
BAD_CMD(oom_disable_trail_space, ZL_OOM_DISABLE, "1 ", EINVAL);
BAD_CMD(oom_disable_two_newlines, ZL_OOM_DISABLE, "1\n\n", EINVAL);
BAD_CMD(oom_disable_crlf, ZL_OOM_DISABLE, "1\r\n", EINVAL);
BAD_CMD(oom_disable_word, ZL_OOM_DISABLE, "on", EINVAL);
BAD_CMD_LEN(oom_disable_nul, ZL_OOM_DISABLE, "1\0", 2, EINVAL);
BAD_CMD(oom_disable_binary, ZL_OOM_DISABLE, "\x01\xff", EINVAL);

/* alloc: oom_score_adj <n>, -1000..1000 */
BAD_CMD(alloc_adj_no_value, ZL_ALLOC, "oom_score_adj", EINVAL);
BAD_CMD(alloc_adj_blank, ZL_ALLOC, "oom_score_adj \n", EINVAL);
BAD_CMD(alloc_adj_word, ZL_ALLOC, "oom_score_adj x", EINVAL);
BAD_CMD(alloc_adj_1x, ZL_ALLOC, "oom_score_adj 1x", EINVAL);
BAD_CMD(alloc_adj_hex, ZL_ALLOC, "oom_score_adj 0x10", EINVAL);
BAD_CMD(alloc_adj_two_values, ZL_ALLOC, "oom_score_adj 1 2", EINVAL);
BAD_CMD(alloc_adj_glued, ZL_ALLOC, "oom_score_adj=1", EINVAL);
BAD_CMD(alloc_adj_upper, ZL_ALLOC, "OOM_SCORE_ADJ 1", EINVAL);
BAD_CMD(alloc_adj_overflow, ZL_ALLOC, "oom_score_adj 2147483648", EINVAL);
BAD_CMD(alloc_adj_cr, ZL_ALLOC, "oom_score_adj 1\r\n", EINVAL);
BAD_CMD_LEN(alloc_adj_nul, ZL_ALLOC, "oom_score_adj 1\0", 16, EINVAL);
BAD_CMD(alloc_adj_1001, ZL_ALLOC, "oom_score_adj 1001", ERANGE);
BAD_CMD(alloc_adj_minus_1001, ZL_ALLOC, "oom_score_adj -1001", ERANGE);

/* ctx/<name>/oom_score_adj: a number, -1000..1000 */
BAD_CMD(ctx_adj_empty, CTX_OOM_ADJ, "", EINVAL);
BAD_CMD(ctx_adj_newline, CTX_OOM_ADJ, "\n", EINVAL);
BAD_CMD(ctx_adj_word, CTX_OOM_ADJ, "x", EINVAL);
BAD_CMD(ctx_adj_1x, CTX_OOM_ADJ, "1x", EINVAL);
BAD_CMD(ctx_adj_hex, CTX_OOM_ADJ, "0x1", EINVAL);
BAD_CMD(ctx_adj_lead_space, CTX_OOM_ADJ, " 1", EINVAL);
BAD_CMD(ctx_adj_trail_space, CTX_OOM_ADJ, "1 ", EINVAL);
BAD_CMD(ctx_adj_two_values, CTX_OOM_ADJ, "1 2", EINVAL);
BAD_CMD(ctx_adj_crlf, CTX_OOM_ADJ, "1\r\n", EINVAL);
BAD_CMD(ctx_adj_overflow, CTX_OOM_ADJ, "2147483648", EINVAL);
BAD_CMD_LEN(ctx_adj_nul, CTX_OOM_ADJ, "1\0", 2, EINVAL);
BAD_CMD(ctx_adj_1001, CTX_OOM_ADJ, "1001", ERANGE);
BAD_CMD(ctx_adj_minus_1001, CTX_OOM_ADJ, "-1001", ERANGE);

/* stress start ... oom_score_adj=<n>: nothing starts, the owner keeps its adj */
BAD_CMD(stress_adj_no_eq, ZL_STRESS, "start oom_score_adj", EINVAL);
BAD_CMD(stress_adj_empty, ZL_STRESS, "start oom_score_adj=", EINVAL);
BAD_CMD(stress_adj_word, ZL_STRESS, "start oom_score_adj=x", EINVAL);
BAD_CMD(stress_adj_1x, ZL_STRESS, "start oom_score_adj=1x", EINVAL);
BAD_CMD(stress_adj_hex, ZL_STRESS, "start oom_score_adj=0x1", EINVAL);
BAD_CMD(stress_adj_overflow, ZL_STRESS, "start oom_score_adj=2147483648", EINVAL);
BAD_CMD(stress_adj_1001, ZL_STRESS, "start oom_score_adj=1001", ERANGE);
BAD_CMD(stress_adj_minus_1001, ZL_STRESS, "start threads=1 oom_score_adj=-1001", ERANGE);
BAD_CMD(stress_adj_bad_threads, ZL_STRESS, "start oom_score_adj=500 threads=65", ERANGE);
/*
 * contexts, a context's files, regions, and the ctx=/region= keys of
 * alloc and stress (issue 5).  main() has made context IN_CTX
 * (interleave, node 0 weighing 3), context BUSY_CTX (an open alloc file
 * is bound to it) and region IN_REGION (100 pages, two ranges).
 */
#define CTX_FILE(f)	ZL_CTX_DIR "/" IN_CTX "/" f
#define MEMS		CTX_FILE("mems")
#define POLICY		CTX_FILE("policy")
#define WEIGHTS		CTX_FILE("weights")
#define CONTEXTS_LEN64	"create zl_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define POLICY_LEN64	"interleave:0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0"
_Static_assert(sizeof(CONTEXTS_LEN64) == 65, "64 bytes");
_Static_assert(sizeof(POLICY_LEN64) == 65, "64 bytes");

/* contexts: verbs, names ([A-Za-z0-9_-], at most 31), EEXIST/ENOENT/EBUSY */
BAD_CTX(contexts_empty, ZL_CONTEXTS, "", EINVAL);
BAD_CTX(contexts_verb_only, ZL_CONTEXTS, "create", EINVAL);
BAD_CTX(contexts_unknown_verb, ZL_CONTEXTS, "make zl_x", EINVAL);
BAD_CTX(contexts_two_names, ZL_CONTEXTS, "create zl_x zl_y", EINVAL);
BAD_CTX(contexts_slash, ZL_CONTEXTS, "create zl/x", EINVAL);
BAD_CTX(contexts_dot, ZL_CONTEXTS, "create zl.x", EINVAL);
BAD_CTX(contexts_name_32, ZL_CONTEXTS, "create zl_44444444444444444444444444444", EINVAL);
/* A Latin-1 letter is no [A-Za-z] (the kernel's isalnum() says it is). */
BAD_CTX(contexts_latin1, ZL_CONTEXTS, "create zl\xc0", EINVAL);
BAD_CTX(contexts_len64, ZL_CONTEXTS, CONTEXTS_LEN64, EINVAL);
BAD_CTX_LEN(contexts_nul, ZL_CONTEXTS, "create zl\0x", 11, EINVAL);
BAD_CTX(contexts_exists, ZL_CONTEXTS, "create " IN_CTX, EEXIST);
BAD_CTX(contexts_destroy_missing, ZL_CONTEXTS, "destroy zl_nosuch", ENOENT);
BAD_CTX(contexts_destroy_busy, ZL_CONTEXTS, "destroy " BUSY_CTX, EBUSY);

/* ctx/<name>/mems: a nodelist of online nodes, not empty */
BAD_CTX(mems_empty, MEMS, "", EINVAL);
BAD_CTX(mems_word, MEMS, "x", EINVAL);
BAD_CTX(mems_hex, MEMS, "0x1", EINVAL);
BAD_CTX(mems_open_range, MEMS, "0-", EINVAL);
BAD_CTX(mems_offline, MEMS, "63", EINVAL);
BAD_CTX(mems_past_max, MEMS, "1024", EINVAL);
BAD_CTX_LEN(mems_nul, MEMS, "0\0", 2, EINVAL);

/* ctx/<name>/policy: the kernel's mempolicy strings */
BAD_CTX(policy_unknown, POLICY, "bogus", EINVAL);
BAD_CTX(policy_no_nodes, POLICY, "bind", EINVAL);
BAD_CTX(policy_offline, POLICY, "bind:63", EINVAL);
BAD_CTX(policy_prefer_two, POLICY, "prefer:0-1", EINVAL);
BAD_CTX(policy_default_nodes, POLICY, "default:0", EINVAL);
BAD_CTX(policy_flag_only, POLICY, "bind=static", EINVAL);
BAD_CTX(policy_bad_flag, POLICY, "bind=sticky:0", EINVAL);
BAD_CTX(policy_len64, POLICY, POLICY_LEN64, EINVAL);

/* ctx/<name>/weights: "<nid> <weight>", weight 1..255, an online node */
BAD_CTX(weights_nid_only, WEIGHTS, "0", EINVAL);
BAD_CTX(weights_three, WEIGHTS, "0 1 2", EINVAL);
BAD_CTX(weights_word, WEIGHTS, "0 x", EINVAL);
BAD_CTX(weights_overflow, WEIGHTS, "0 4294967296", EINVAL);
BAD_CTX(weights_zero, WEIGHTS, "0 0", ERANGE);
BAD_CTX(weights_256, WEIGHTS, "0 256", ERANGE);
BAD_CTX(weights_offline, WEIGHTS, "63 1", ENOENT);

/* a context's read-only files */
BAD_CTX(numa_write, CTX_FILE("numa"), "0", EINVAL);

/* regions: create <name> <pages>, destroy <name>, set <name> <first>-<last> <policy> */
BAD_CTX(regions_empty, ZL_REGIONS, "", EINVAL);
BAD_CTX(regions_unknown_verb, ZL_REGIONS, "unset " IN_REGION " 0-1", EINVAL);
BAD_CTX(regions_create_no_pages, ZL_REGIONS, "create zl_r2", EINVAL);
BAD_CTX(regions_create_word, ZL_REGIONS, "create zl_r2 x", EINVAL);
BAD_CTX(regions_create_zero, ZL_REGIONS, "create zl_r2 0", ERANGE);
BAD_CTX(regions_create_huge, ZL_REGIONS, "create zl_r2 1073741825", ERANGE);
BAD_CTX(regions_create_exists, ZL_REGIONS, "create " IN_REGION " 5", EEXIST);
BAD_CTX(regions_destroy_missing, ZL_REGIONS, "destroy zl_nosuch", ENOENT);
BAD_CTX(regions_set_no_dash, ZL_REGIONS, "set " IN_REGION " 5 bind:0", EINVAL);
BAD_CTX(regions_set_reversed, ZL_REGIONS, "set " IN_REGION " 1-0 bind:0", EINVAL);
BAD_CTX(regions_set_ulong_max, ZL_REGIONS, "set " IN_REGION " 0-18446744073709551615 bind:0", EINVAL);
BAD_CTX(regions_set_trailing, ZL_REGIONS, "set " IN_REGION " 0-1 bind:0 x", EINVAL);
BAD_CTX(regions_set_bad_policy, ZL_REGIONS, "set " IN_REGION " 0-1 bogus", EINVAL);
BAD_CTX(regions_set_past_end, ZL_REGIONS, "set " IN_REGION " 0-100 bind:0", ERANGE);
BAD_CTX(regions_set_missing, ZL_REGIONS, "set zl_nosuch 0-1 bind:0", ENOENT);

/* alloc's ctx= and region= (through the unbound holder) */
BAD_CTX(alloc_ctx_missing, ZL_ALLOC, "alloc 1 ctx=zl_nosuch", ENOENT);
BAD_CTX(alloc_ctx_empty, ZL_ALLOC, "alloc 1 ctx=", EINVAL);
BAD_CTX(alloc_ctx_node, ZL_ALLOC, "alloc 1 ctx=" IN_CTX " node=0", EINVAL);
BAD_CTX(alloc_ctx_thisnode, ZL_ALLOC, "alloc 1 thisnode ctx=" IN_CTX, EINVAL);
BAD_CTX(alloc_ctx_twice, ZL_ALLOC, "alloc 1 ctx=" IN_CTX " ctx=" IN_CTX, EINVAL);
BAD_CTX(alloc_offset_no_region, ZL_ALLOC, "alloc 1 offset=5", EINVAL);
BAD_CTX(alloc_offset_word, ZL_ALLOC, "alloc 1 region=" IN_REGION " offset=x", EINVAL);
/* No such region, a page past its end: nothing to allocate from, not ENOMEM. */
BAD_CTX(alloc_region_missing, ZL_ALLOC, "alloc 1 region=zl_nosuch", ENOENT);
BAD_CTX(alloc_region_past_end, ZL_ALLOC, "alloc 1 region=" IN_REGION " offset=100", ERANGE);

/* stress's ctx= (a rejected start keeps no reference: `users` stays) */
BAD_CTX(stress_ctx_missing, ZL_STRESS, "start ctx=zl_nosuch", ENOENT);
BAD_CTX(stress_ctx_twice, ZL_STRESS, "start threads=1 ctx=" IN_CTX " ctx=" IN_CTX, EINVAL);
BAD_CTX(stress_ctx_threads_65, ZL_STRESS, "start threads=65 ctx=" IN_CTX, ERANGE);

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

FIXTURE_SETUP(bad_cmd)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	long pcp = 0;
	int i;

	self->alloc_fd = -1;
	zl_klog_mark(&self->mark);
	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_wait_quiescent(5000));
	ASSERT_EQ(0, zl_policies_settle(live_base, 5000, NULL));
	if (!strncmp(variant->file, ADJ_CTX_DIR "/", strlen(ADJ_CTX_DIR "/"))) {
		self->policies = zl_stat_get("policies_live");
		ASSERT_EQ(0, zl_cmd(ZL_CONTEXTS, "create " ADJ_CTX));
		self->ctx = true;
	}
	holder_setup(_metadata, &self->alloc_fd);
	if (variant->ctx)
		ctx_restore(_metadata);
	/* The freed pages sit in a pcplist: a wrong drain would show. */
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	for (i = 0; i < zi->nr; i++)
		pcp += zl_zi_pcp_total(&zi->zone[i]);
	ASSERT_LT(0, zi->nr);
	self->zone_nid = zi->zone[0].nid;
	zl_copy_str(self->zone_name, sizeof(self->zone_name), zi->zone[0].name);
	free(zi);
	ASSERT_LT(0, pcp)
		TH_LOG("no page in any pcplist after freeing %d", FREED_PAGES);
	self->before.with_ctx = variant->ctx;
	state_read(_metadata, &self->before, self->alloc_fd);
	ASSERT_NE(NULL, strstr(self->before.alloc, "pages 5\n"))
		TH_LOG("the holder shows '%s'", self->before.alloc);
	ASSERT_NE(NULL, strstr(self->before.text[ST_STRESS], "running 0\n"))
		TH_LOG("stress runs already");
}

FIXTURE_TEARDOWN(bad_cmd)
{
	if (self->alloc_fd >= 0)
		close(self->alloc_fd);
	if (variant->ctx)
		ctx_strays(_metadata);
	/* A start that was wrongly accepted must not outlive the test. */
	zl_cmd(ZL_STRESS, "stop");
	zl_cmd(ZL_STORM, "stop");
	zl_cmd(ZL_OOM_DISABLE, "0");
	if (self->ctx) {
		long long end = zl_now_ms() + 5000;

		EXPECT_EQ(0, zl_cmd(ZL_CONTEXTS, "destroy " ADJ_CTX));
		/* Its policy goes after a grace period: let `stats` settle. */
		while (zl_stat_get("policies_live") != self->policies && zl_now_ms() < end)
			zl_sleep_ms(10);
		EXPECT_EQ(self->policies, zl_stat_get("policies_live"));
	}
	state_teardown(_metadata, &self->before, &self->mark);
}

/* The command fails with the README's errno and changes nothing at all. */
TEST_F(bad_cmd, rejected_and_changes_nothing)
{
	size_t len = variant->len ? variant->len : strlen(variant->data);
	const char *data = variant->data;
	char zone_cmd[64];
	ssize_t ret;
	int err;

	if (variant->zone) {
		snprintf(zone_cmd, sizeof(zone_cmd), variant->data, self->zone_nid,
			 self->zone_name);
		data = zone_cmd;
		len = strlen(data);
	}
	if (!strcmp(variant->file, ZL_ALLOC)) {
		ret = write(self->alloc_fd, data, len);
		err = ret < 0 ? -errno : 0;
	} else {
		err = zl_write_once(variant->file, data, len, &ret);
	}
	EXPECT_EQ(-variant->err, err)
		TH_LOG("%s: write of '%.*s' (%zu bytes) returned %zd (%s), expected %s",
		       variant->file, variant->zone ? (int)len : 0, data, len, ret,
		       err ? strerror(-err) : "accepted", strerror(variant->err));
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd,
			    "a rejected command");
}

/* ---- command files: offsets, sizes, boundaries, read-only ---- */

FIXTURE(cmd)
{
	int alloc_fd;
	struct state before;
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(cmd)
{
	self->alloc_fd = -1;
	zl_klog_mark(&self->mark);
	ASSERT_EQ(0, zl_wait_quiescent(5000));
	ASSERT_EQ(0, zl_policies_settle(live_base, 5000, NULL));
	holder_setup(_metadata, &self->alloc_fd);
	state_read(_metadata, &self->before, self->alloc_fd);
}

FIXTURE_TEARDOWN(cmd)
{
	if (self->alloc_fd >= 0)
		close(self->alloc_fd);
	zl_cmd(ZL_STRESS, "stop");
	state_teardown(_metadata, &self->before, &self->mark);
}

/* pwrite() to the alloc stream fails with ESPIPE at any offset; nothing changes. */
TEST_F(cmd, alloc_pwrite_is_espipe)
{
	static const off_t offs[] = { 0, 1, 4096 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		EXPECT_EQ(-1, pwrite(self->alloc_fd, "alloc 1", 7, offs[i]))
			TH_LOG("pwrite at %lld accepted", (long long)offs[i]);
		EXPECT_EQ(ESPIPE, errno);
		EXPECT_EQ(-1, pwrite(self->alloc_fd, "free all", 8, offs[i]));
		EXPECT_EQ(ESPIPE, errno);
	}
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd, "pwrite to alloc");
}

/*
 * A good command at a non-zero offset of stress, bench or pcp fails and
 * changes nothing: EINVAL from the module (a write after lseek(), and
 * pwrite() to pcp); pwrite() to stress and bench, which are seq_files
 * (seq_open() clears FMODE_PWRITE), fails with ESPIPE in the VFS.
 */
TEST_F(cmd, one_shot_files_reject_offsets)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	char disable[64] = "";
	const struct { const char *path, *cmd; bool seq; } cases[] = {
		{ ZL_STRESS, "start threads=1 hold=1", true }, { ZL_STRESS, "stop", true },
		{ ZL_BENCH, "run 1", true }, { ZL_BENCH, "run\n", true },
		{ ZL_PCP, "drain", false }, { ZL_PCP, "drain all\n", false },
		{ ZL_PCP, disable, false },
	};
	static const off_t offs[] = { 1, 5, 4096, 1 << 20 };
	size_t i, o;
	ssize_t ret;
	int fd;

	/* A good `disable`: of a zone zonelab holds pages of. */
	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	ASSERT_LT(0, zi->nr);
	snprintf(disable, sizeof(disable), "disable %d %s", zi->zone[0].nid, zi->zone[0].name);
	free(zi);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (o = 0; o < ARRAY_SIZE(offs); o++) {
			fd = open(cases[i].path, cases[i].seq ? O_RDWR : O_WRONLY);
			ASSERT_LE(0, fd);
			ret = pwrite(fd, cases[i].cmd, strlen(cases[i].cmd), offs[o]);
			EXPECT_EQ(-1, ret)
				TH_LOG("%s: '%s' at %lld accepted", cases[i].path,
				       cases[i].cmd, (long long)offs[o]);
			EXPECT_EQ(cases[i].seq ? ESPIPE : EINVAL, errno)
				TH_LOG("%s: pwrite '%s' at %lld: %s", cases[i].path,
				       cases[i].cmd, (long long)offs[o], strerror(errno));
			/* The file position the module sees: seek within the text. */
			if (cases[i].seq && offs[o] < 8) {
				ASSERT_EQ(offs[o], lseek(fd, offs[o], SEEK_SET));
				ret = write(fd, cases[i].cmd, strlen(cases[i].cmd));
				EXPECT_EQ(-1, ret)
					TH_LOG("%s: '%s' at %lld accepted", cases[i].path,
					       cases[i].cmd, (long long)offs[o]);
				EXPECT_EQ(EINVAL, errno)
					TH_LOG("%s: '%s' at %lld: %s", cases[i].path,
					       cases[i].cmd, (long long)offs[o],
					       strerror(errno));
			}
			close(fd);
		}
	}
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd, "an offset write");
}

/* A 1 MiB write starting with a good command fails with EINVAL everywhere. */
TEST_F(cmd, huge_commands_rejected)
{
	static const struct { const char *path, *cmd; } cases[] = {
		{ ZL_ALLOC, "alloc 1" }, { ZL_ALLOC, "free all" },
		{ ZL_STRESS, "stop" }, { ZL_STRESS, "start" },
		{ ZL_BENCH, "run 1" }, { ZL_PCP, "drain all" },
	};
	size_t len = 1 << 20, i;
	char *buf = malloc(len);
	ssize_t ret;
	int err;

	ASSERT_NE(NULL, buf);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(buf, ' ', len);
		memcpy(buf, cases[i].cmd, strlen(cases[i].cmd));
		buf[len - 1] = '\n';
		if (!strcmp(cases[i].path, ZL_ALLOC)) {
			ret = write(self->alloc_fd, buf, len);
			err = ret < 0 ? -errno : 0;
		} else {
			err = zl_write_once(cases[i].path, buf, len, &ret);
		}
		EXPECT_EQ(-EINVAL, err)
			TH_LOG("%s: 1 MiB '%s...' returned %zd", cases[i].path,
			       cases[i].cmd, ret);
	}
	free(buf);
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd, "a 1 MiB command");
}

/*
 * writev() to a file with only ->write is one write per segment (the VFS
 * loops): a malformed first segment fails with EINVAL and stops it there.
 */
TEST_F(cmd, writev_bad_first_segment)
{
	static const struct { const char *path, *a, *b; } cases[] = {
		{ ZL_ALLOC, "alloc 1x", "alloc 1" }, { ZL_ALLOC, "free 1x", "free all" },
		{ ZL_ALLOC, "x", "free 1" }, { ZL_PCP, "drain x", "drain all" },
		{ ZL_STRESS, "start x", "start threads=1" },
		{ ZL_BENCH, "run x", "run 1" },
	};
	struct iovec iov[2];
	size_t i;
	ssize_t ret;
	int fd;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		iov[0].iov_base = (void *)cases[i].a;
		iov[0].iov_len = strlen(cases[i].a);
		iov[1].iov_base = (void *)cases[i].b;
		iov[1].iov_len = strlen(cases[i].b);
		fd = strcmp(cases[i].path, ZL_ALLOC) ? open(cases[i].path, O_WRONLY) :
						       dup(self->alloc_fd);
		ASSERT_LE(0, fd);
		ret = writev(fd, iov, 2);
		EXPECT_EQ(-1, ret)
			TH_LOG("%s: writev '%s' '%s' returned %zd", cases[i].path,
			       cases[i].a, cases[i].b, ret);
		EXPECT_EQ(EINVAL, errno);
		close(fd);
	}
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd, "a bad writev");
}

/* An alloc command of 63 bytes is accepted; 64 bytes is not (the limit itself). */
TEST_F(cmd, alloc_length_limit)
{
	char *now;

	ASSERT_EQ((size_t)63, strlen(ALLOC_LEN63));
	ASSERT_EQ((size_t)64, strlen(ALLOC_LEN64));
	EXPECT_EQ(-1, write(self->alloc_fd, ALLOC_LEN64, 64));
	EXPECT_EQ(EINVAL, errno);
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd, "a 64-byte alloc");

	EXPECT_EQ(63, write(self->alloc_fd, ALLOC_LEN63, 63))
		TH_LOG("63-byte 'alloc 00..01': %s", strerror(errno));
	now = alloc_state(self->alloc_fd, 4096);
	ASSERT_NE(NULL, now);
	EXPECT_NE(NULL, strstr(now, "pages 6\n"))
		TH_LOG("after the 63-byte alloc the holder shows '%s'", now);
	free(now);
	EXPECT_EQ(6, write(self->alloc_fd, "free 1", 6));
}

/* Starting stress while it runs is EBUSY and keeps the running parameters. */
TEST_F(cmd, stress_start_while_running_is_ebusy)
{
	char *st;

	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "start threads=1 order_max=2 hold=8"));
	EXPECT_EQ(-EBUSY, zl_cmd(ZL_STRESS, "start threads=2 order_max=1 hold=4"));
	EXPECT_EQ(-EBUSY, zl_cmd(ZL_STRESS, "start"));
	st = zl_read_file(ZL_STRESS, NULL);
	ASSERT_NE(NULL, st);
	EXPECT_NE(NULL, strstr(st, "running 1\nthreads 1\norder_max 2\nhold 8\n"))
		TH_LOG("stress shows '%s'", st);
	free(st);
	/* A malformed command is still EINVAL, not EBUSY. */
	EXPECT_EQ(-EINVAL, zl_cmd(ZL_STRESS, "start threads=1x"));
	EXPECT_EQ(-ERANGE, zl_cmd(ZL_STRESS, "start threads=65"));
	ASSERT_EQ(0, zl_cmd(ZL_STRESS, "stop"));
	st = zl_read_file(ZL_STRESS, NULL);
	ASSERT_NE(NULL, st);
	EXPECT_EQ(0, strncmp(st, "running 0\n", 10))
		TH_LOG("stress shows '%s' after stop", st);
	free(st);
}

/* A failing alloc that ran out of pages is ENOMEM and keeps what it got; not malformed. */
TEST_F(cmd, alloc_enomem_keeps_what_it_got)
{
	struct zl_stats s0, s1;
	long pool = 0, held = -1, on_node = -1;
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	char cmd[64], line[32], *now, *p;
	int fd, i, nid;

	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	for (i = 0; i < zi->nr; i++)
		pool += zi->zone[i].managed;
	ASSERT_LT(0, pool);
	nid = zl_zi_first_node(zi);
	free(zi);
	ASSERT_LE(0, nid);

	fd = open(ZL_ALLOC, O_RDWR);
	ASSERT_LE(0, fd);
	/* ENOMEM, not an OOM kill of this very holder. */
	ASSERT_EQ(19, write(fd, "oom_score_adj -1000", 19));
	ASSERT_EQ(0, zl_stats_read(&s0));
	/* The whole pool from one node alone: not E2BIG, but the node runs out. */
	snprintf(cmd, sizeof(cmd), "alloc %ld node=%d thisnode", pool, nid);
	EXPECT_EQ(-1, write(fd, cmd, strlen(cmd)));
	EXPECT_EQ(ENOMEM, errno);
	ASSERT_EQ(0, zl_stats_read(&s1));
	now = alloc_state(fd, 7);
	ASSERT_NE(NULL, now);
	EXPECT_EQ(1, sscanf(now, "pages %ld", &held))
		TH_LOG("holder shows '%s'", now);
	snprintf(line, sizeof(line), "\nnode %d ", nid);
	p = strstr(now, line);
	if (p)
		sscanf(p + strlen(line), "%ld", &on_node);
	free(now);
	EXPECT_LT(0, held);
	EXPECT_GT(pool, held);
	EXPECT_EQ(held, on_node)
		TH_LOG("thisnode pages of node %d came from another node", nid);
	EXPECT_EQ(zl_stat(&s0, "alloc_fail") + 1, zl_stat(&s1, "alloc_fail"));
	EXPECT_EQ(zl_stat(&s0, "alloc_success") + held, zl_stat(&s1, "alloc_success"));
	EXPECT_EQ(8, write(fd, "free all", 8));
	now = alloc_state(fd, 4096);
	ASSERT_NE(NULL, now);
	EXPECT_EQ(0, strncmp(now, "pages 0\n", 8))
		TH_LOG("after free all the holder shows '%s'", now);
	free(now);
	close(fd);
}

/* Writes to zoneinfo and buddyinfo fail; reads of pcp fail; nothing changes. */
TEST_F(cmd, read_only_and_write_only)
{
	static const char * const ro[] = { ZL_ZONEINFO, ZL_BUDDYINFO };
	char buf[64];
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		fd = open(ro[i], O_RDWR);
		if (fd < 0) {
			EXPECT_TRUE(errno == EACCES || errno == EPERM);
			continue;
		}
		EXPECT_EQ(-1, write(fd, "drain all", 9))
			TH_LOG("write to %s accepted", ro[i]);
		EXPECT_TRUE(errno == EINVAL || errno == EACCES || errno == EPERM)
			TH_LOG("write to %s: %s", ro[i], strerror(errno));
		close(fd);
	}
	fd = open(ZL_PCP, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(fd, buf, 1, 0));
	close(fd);
	expect_unchanged_fd(_metadata, &self->before, self->alloc_fd,
			    "writes to read-only files, reads of pcp");
}

/*
 * The alloc file's state comes out whole whatever the read size, ends with
 * one 0, and the next read starts over.
 */
TEST_F(cmd, alloc_reads_of_every_size)
{
	static const size_t chunks[] = { 1, 2, 7, 4096, 1 << 20 };
	char *again;
	size_t i, len;

	ASSERT_LT((size_t)8, strlen(self->before.alloc));
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		again = zl_read_fd_chunks(self->alloc_fd, chunks[i], &len);
		ASSERT_NE(NULL, again);
		EXPECT_STREQ(self->before.alloc, again)
			TH_LOG("%zu-byte reads of alloc", chunks[i]);
		free(again);
	}
}

/* ---- other writes and reads ---- */

FIXTURE(input)
{
	struct state before;
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(input)
{
	state_setup(_metadata, &self->before, &self->mark);
}

FIXTURE_TEARDOWN(input)
{
	state_teardown(_metadata, &self->before, &self->mark);
}

/* A 1 MiB write (of zeros ending in "1") fails with EINVAL and changes nothing. */
TEST_F(input, huge_write_rejected)
{
	size_t len = 1 << 20;
	char *buf = malloc(len);
	ssize_t ret;

	ASSERT_NE(NULL, buf);
	memset(buf, '0', len);
	buf[len - 1] = '1';
	EXPECT_EQ(-EINVAL, zl_write_once(ZL_REBUILD, buf, len, &ret))
		TH_LOG("1 MiB write returned %zd", ret);
	buf[0] = '1';
	memset(buf + 1, '\n', len - 1);
	EXPECT_EQ(-EINVAL, zl_write_once(ZL_REBUILD, buf, len, &ret))
		TH_LOG("1 MiB write of '1\\n\\n...' returned %zd", ret);
	free(buf);
	expect_unchanged(_metadata, &self->before, "a 1 MiB write");
}

/* A good command at a non-zero offset (pwrite) fails with EINVAL and changes nothing. */
TEST_F(input, offset_write_rejected)
{
	static const struct { const char *s; off_t off; } cases[] = {
		{ "1", 1 }, { "1\n", 1 }, { "1", 4096 }, { "1\n", 1 << 20 },
	};
	size_t i;
	ssize_t ret;
	int fd;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fd = open(ZL_REBUILD, O_WRONLY);
		ASSERT_LE(0, fd);
		ret = pwrite(fd, cases[i].s, strlen(cases[i].s), cases[i].off);
		EXPECT_EQ(-1, ret)
			TH_LOG("pwrite at %lld accepted", (long long)cases[i].off);
		EXPECT_EQ(EINVAL, errno);
		close(fd);
	}
	expect_unchanged(_metadata, &self->before, "an offset write");
}

/* writev whose first segment is malformed fails with EINVAL and changes nothing. */
TEST_F(input, writev_rejected)
{
	static const char * const cases[][2] = {
		{ "0", "1" }, { "x", "\n" }, { "11", "" }, { " ", "1" },
	};
	struct iovec iov[2];
	size_t i;
	ssize_t ret;
	int fd;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		iov[0].iov_base = (void *)cases[i][0];
		iov[0].iov_len = strlen(cases[i][0]);
		iov[1].iov_base = (void *)cases[i][1];
		iov[1].iov_len = strlen(cases[i][1]);
		fd = open(ZL_REBUILD, O_WRONLY);
		ASSERT_LE(0, fd);
		ret = writev(fd, iov, 2);
		EXPECT_EQ(-1, ret)
			TH_LOG("writev case %zu returned %zd", i, ret);
		EXPECT_EQ(EINVAL, errno);
		close(fd);
	}
	expect_unchanged(_metadata, &self->before, "a writev");
}

/* Writes to every read-only file fail and change nothing. */
TEST_F(input, readonly_files_reject_writes)
{
	static const int modes[] = { O_WRONLY, O_RDWR, O_WRONLY | O_APPEND };
	char *before_ro[NR_RO], *now;
	size_t i, m;
	ssize_t ret;
	int fd;

	for (i = 0; i < NR_RO; i++) {
		before_ro[i] = zl_read_file(ro_files[i], NULL);
		ASSERT_NE(NULL, before_ro[i]);
	}
	for (i = 0; i < NR_RO; i++) {
		for (m = 0; m < ARRAY_SIZE(modes); m++) {
			fd = open(ro_files[i], modes[m]);
			if (fd < 0) {
				EXPECT_TRUE(errno == EACCES || errno == EPERM)
					TH_LOG("open %s: %s", ro_files[i], strerror(errno));
				continue;
			}
			ret = write(fd, "1\n", 2);
			EXPECT_EQ(-1, ret)
				TH_LOG("write to %s accepted", ro_files[i]);
			EXPECT_TRUE(errno == EINVAL || errno == EACCES || errno == EPERM)
				TH_LOG("write to %s: %s", ro_files[i], strerror(errno));
			ret = pwrite(fd, "1", 1, 0);
			EXPECT_EQ(-1, ret);
			close(fd);
		}
	}
	for (i = 0; i < NR_RO; i++) {
		now = zl_read_file(ro_files[i], NULL);
		ASSERT_NE(NULL, now);
		EXPECT_STREQ(before_ro[i], now)
			TH_LOG("%s changed after writes", ro_files[i]);
		free(now);
		free(before_ro[i]);
	}
	expect_unchanged(_metadata, &self->before, "writes to read-only files");
}

/* Reads of `rebuild` fail with EINVAL, whatever the open mode, and change nothing. */
TEST_F(input, rebuild_reads_fail)
{
	static const int modes[] = { O_RDWR, O_RDONLY };
	char buf[64];
	size_t m;
	ssize_t ret;
	int fd;

	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		fd = open(ZL_REBUILD, modes[m]);
		ASSERT_LE(0, fd)
			TH_LOG("open rebuild mode %d: %s", modes[m], strerror(errno));
		ret = read(fd, buf, sizeof(buf));
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINVAL, errno);
		ret = pread(fd, buf, 1, 0);
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINVAL, errno);
		close(fd);
	}
	expect_unchanged(_metadata, &self->before, "reads of rebuild");
}

/* Read of @path with @chunk-sized reads; NULL on error. */
static char *read_chunks(const char *path, size_t chunk, size_t *len)
{
	int fd = open(path, O_RDONLY);
	char *buf;

	if (fd < 0)
		return NULL;
	buf = zl_read_fd_chunks(fd, chunk, len);
	close(fd);
	return buf;
}

FIXTURE(reads)
{
	char *whole;
	size_t len;
	struct zl_klog_mark mark;
};

FIXTURE_VARIANT(reads)
{
	const char *path;
	bool ctx;		/* READ_CTX and READ_REGION exist during the test */
};

/* The context and region the ctx variants make: their files are not empty. */
#define READ_CTX	"zl_read"
#define READ_REGION	"zl_read"
#define READ_CTX_FILE(f)	ZL_CTX_DIR "/" READ_CTX "/" f

FIXTURE_VARIANT_ADD(reads, topology) { .path = ZL_TOPOLOGY, };
FIXTURE_VARIANT_ADD(reads, zonelists) { .path = ZL_ZONELISTS, };
FIXTURE_VARIANT_ADD(reads, kernel_zonelists) { .path = ZL_KZONELISTS, };
FIXTURE_VARIANT_ADD(reads, stats) { .path = ZL_STATS, };
FIXTURE_VARIANT_ADD(reads, zoneinfo) { .path = ZL_ZONEINFO, };
FIXTURE_VARIANT_ADD(reads, buddyinfo) { .path = ZL_BUDDYINFO, };
FIXTURE_VARIANT_ADD(reads, stress) { .path = ZL_STRESS, };
FIXTURE_VARIANT_ADD(reads, bench) { .path = ZL_BENCH, };
FIXTURE_VARIANT_ADD(reads, blocks) { .path = ZL_BLOCKS, };
FIXTURE_VARIANT_ADD(reads, rebuild_mode) { .path = ZL_REBUILD_MODE, };
FIXTURE_VARIANT_ADD(reads, storm) { .path = ZL_STORM, };
FIXTURE_VARIANT_ADD(reads, bench_rebuild) { .path = ZL_BENCH_REBUILD, };
FIXTURE_VARIANT_ADD(reads, oom) { .path = ZL_OOM, };
FIXTURE_VARIANT_ADD(reads, oom_disable) { .path = ZL_OOM_DISABLE, };
FIXTURE_VARIANT_ADD(reads, contexts) { .path = ZL_CONTEXTS, .ctx = true, };
FIXTURE_VARIANT_ADD(reads, regions) { .path = ZL_REGIONS, .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_mems) { .path = READ_CTX_FILE("mems"), .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_policy) { .path = READ_CTX_FILE("policy"), .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_weights) { .path = READ_CTX_FILE("weights"), .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_numa) { .path = READ_CTX_FILE("numa"), .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_stats) { .path = READ_CTX_FILE("stats"), .ctx = true, };
FIXTURE_VARIANT_ADD(reads, ctx_oom_score_adj) {
	.path = READ_CTX_FILE("oom_score_adj"), .ctx = true,
};

static void reads_ctx_unmake(void)
{
	zl_ctx_destroy(READ_CTX);
	zl_region_cmd("destroy " READ_REGION);
}

/* Make READ_CTX and READ_REGION: 0, or -errno (with what was made removed). */
static int reads_ctx_make(void)
{
	int err = zl_ctx_create(READ_CTX);

	if (!err)
		err = zl_ctx_write(READ_CTX, "policy", "interleave");
	if (!err)
		err = zl_ctx_write(READ_CTX, "weights", "0 2");
	if (!err)
		err = zl_ctx_write(READ_CTX, "oom_score_adj", "-7");
	if (!err)
		err = zl_region_cmd("create " READ_REGION " 64");
	if (!err)
		err = zl_region_cmd("set " READ_REGION " 0-7 interleave");
	if (!err)
		err = zl_region_cmd("set " READ_REGION " 8-15 local");
	if (err)
		reads_ctx_unmake();
	return err;
}

FIXTURE_SETUP(reads)
{
	char *again;
	bool good;
	int err;

	zl_klog_mark(&self->mark);
	/* Old generations and policies freed by RCU change `stats`; let them go first. */
	ASSERT_EQ(0, zl_wait_quiescent(5000));
	ASSERT_EQ(0, zl_policies_settle(live_base, 5000, NULL));
	if (variant->ctx)
		ASSERT_EQ(0, reads_ctx_make());
	self->whole = read_chunks(variant->path, 1 << 16, &self->len);
	err = errno;
	/* A text that changes on its own cannot be compared: read it twice. */
	again = self->whole ? read_chunks(variant->path, 1 << 16, NULL) : NULL;
	good = again && self->len && self->whole[self->len - 1] == '\n' &&
	       !strcmp(self->whole, again);
	free(again);
	/* No teardown after a failed setup: remove them here. */
	if (!good && variant->ctx)
		reads_ctx_unmake();
	ASSERT_NE(NULL, self->whole)
		TH_LOG("%s: %s", variant->path, strerror(err));
	ASSERT_LT((size_t)0, self->len);
	ASSERT_EQ('\n', self->whole[self->len - 1]);
	ASSERT_TRUE(good) TH_LOG("%s changes between two reads", variant->path);
}

FIXTURE_TEARDOWN(reads)
{
	free(self->whole);
	if (variant->ctx) {
		EXPECT_EQ(0, zl_ctx_destroy(READ_CTX));
		EXPECT_EQ(0, zl_region_cmd("destroy " READ_REGION));
		/* Their policies go after a grace period: let `stats` settle. */
		EXPECT_EQ(0, zl_policies_settle(live_base, 5000, NULL));
	}
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* Reads of 1, 7, 4096 bytes and of 1 MiB return exactly the whole-file text. */
TEST_F(reads, chunked_reads_agree)
{
	static const size_t chunks[] = { 1, 7, 4096, 1 << 20 };
	size_t i, len;
	char *buf;

	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		buf = read_chunks(variant->path, chunks[i], &len);
		ASSERT_NE(NULL, buf);
		EXPECT_EQ(self->len, len)
			TH_LOG("%zu-byte reads gave %zu bytes, not %zu", chunks[i],
			       len, self->len);
		EXPECT_STREQ(self->whole, buf)
			TH_LOG("%zu-byte reads differ", chunks[i]);
		free(buf);
	}
}

/* pread in the middle returns the same bytes; past the end returns 0. */
TEST_F(reads, pread_at_offsets)
{
	const off_t offs[] = { 0, 1, (off_t)self->len / 2, (off_t)self->len - 1 };
	char buf[4096], *rest;
	size_t i, len;
	ssize_t ret;
	int fd;

	fd = open(variant->path, O_RDONLY);
	ASSERT_LE(0, fd);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		size_t want = self->len - offs[i];

		if (want > sizeof(buf))
			want = sizeof(buf);
		ret = pread(fd, buf, want, offs[i]);
		ASSERT_LT(0, ret)
			TH_LOG("pread at %lld: %s", (long long)offs[i], strerror(errno));
		/* seq_file may return less than asked; what it returns must match. */
		EXPECT_EQ(0, memcmp(buf, self->whole + offs[i], ret))
			TH_LOG("pread at %lld differs", (long long)offs[i]);
	}
	EXPECT_EQ(0, pread(fd, buf, sizeof(buf), self->len));
	EXPECT_EQ(0, pread(fd, buf, sizeof(buf), 1 << 20));
	EXPECT_EQ(0, pread(fd, buf, 0, 0));
	close(fd);

	/* A reader that starts mid-file and continues sequentially. */
	fd = open(variant->path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ((off_t)self->len / 2, lseek(fd, self->len / 2, SEEK_SET));
	rest = zl_read_fd_chunks(fd, 5, &len);
	ASSERT_NE(NULL, rest);
	EXPECT_EQ(self->len - self->len / 2, len);
	EXPECT_STREQ(self->whole + self->len / 2, rest);
	free(rest);
	close(fd);
}

/* ---- concurrent writers ---- */

#define WRITER_OPS	200

struct writer {
	pthread_t thread;
	int id;
	int good_ok, good_err, bad_ok, bad_err_einval, bad_err_other;
};

static const char * const mixed_bad[] = { "0", "2", "1x", " 1", "", "11", "1\n\n" };

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	const char *s;
	ssize_t ret;
	int i, err;

	for (i = 0; i < WRITER_OPS; i++) {
		bool good = (i + w->id) % 3 != 0;

		s = good ? (i & 1 ? "1" : "1\n") :
			   mixed_bad[i % (ARRAY_SIZE(mixed_bad))];
		err = zl_write_once(ZL_REBUILD, s, strlen(s), &ret);
		if (good) {
			if (!err && ret == (ssize_t)strlen(s))
				w->good_ok++;
			else
				w->good_err++;
		} else if (!err) {
			w->bad_ok++;
		} else if (err == -EINVAL) {
			w->bad_err_einval++;
		} else {
			w->bad_err_other++;
		}
	}
	return NULL;
}

/* Two threads writing good and bad commands: generation grows by the good ones. */
TEST_F_TIMEOUT(input, concurrent_writers_count_exactly, 120)
{
	struct zl_zonelists *z0 = zl_zonelists_alloc(), *z1 = zl_zonelists_alloc();
	struct writer w[2];
	struct zl_stats s0, s1;
	char err[512] = "";
	int i, good = 0;

	ASSERT_NE(NULL, z0);
	ASSERT_NE(NULL, z1);
	ASSERT_EQ(0, zl_zonelists_read(z0, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, zl_stats_read(&s0));

	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].id = i;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, writer_fn, &w[i]));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(w[i].thread, NULL));
	}

	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, w[i].good_err) TH_LOG("thread %d: good writes failed", i);
		EXPECT_EQ(0, w[i].bad_ok) TH_LOG("thread %d: bad writes accepted", i);
		EXPECT_EQ(0, w[i].bad_err_other) TH_LOG("thread %d: bad writes not EINVAL", i);
		good += w[i].good_ok;
	}
	ASSERT_EQ(0, zl_zonelists_read(z1, ZL_ZONELISTS, true, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, zl_stats_read(&s1));
	EXPECT_EQ(z0->generation + good, z1->generation);
	EXPECT_EQ(zl_stat(&s0, "rebuilds") + good, zl_stat(&s1, "rebuilds"));
	EXPECT_EQ(zl_stat(&s0, "rebuild_failed"), zl_stat(&s1, "rebuild_failed"));
	for (i = 0; i < ZL_MAX_NODES; i++) {
		if (!zl_mask_test(&z0->nodes, i))
			continue;
		EXPECT_STREQ(z0->node[i].order_line, z1->node[i].order_line);
		EXPECT_STREQ(z0->node[i].fallback_line, z1->node[i].fallback_line);
		EXPECT_STREQ(z0->node[i].thisnode_line, z1->node[i].thisnode_line);
	}
	free(z0);
	free(z1);
}

#define ALLOC_WRITER_OPS	300

struct alloc_writer {
	pthread_t thread;
	int id;
	long blocks;		/* blocks this writer's alloc commands asked for */
	int ok, bad_ok, bad_einval, bad_other, good_err;
};

static const char * const alloc_bad[] = {
	"alloc 0", "alloc 1x", "free 0", "alloc 1 order=1x", "free all x", "",
};

/* Own holder; good alloc/free commands mixed with bad ones and pcp drains. */
static void *alloc_writer_fn(void *arg)
{
	struct alloc_writer *w = arg;
	int fd = open(ZL_ALLOC, O_RDWR | O_CLOEXEC), i;
	const char *cmd;
	char buf[32];
	ssize_t ret;

	if (fd < 0) {
		w->good_err = -1;
		return NULL;
	}
	for (i = 0; i < ALLOC_WRITER_OPS; i++) {
		bool good = i % 4 != 3;

		if (!good) {
			cmd = alloc_bad[(i / 4) % ARRAY_SIZE(alloc_bad)];
		} else if (i % 4 == 0) {
			snprintf(buf, sizeof(buf), "alloc %d order=%d", 1 + i % 5, (i / 4) % 3);
			w->blocks += 1 + i % 5;
			cmd = buf;
		} else if (i % 4 == 1) {
			cmd = i % 3 ? "free 2" : "free all";
		} else {
			cmd = i % 2 ? "drain" : "drain all";
			ret = zl_cmd(ZL_PCP, cmd);
			if (ret)
				w->good_err++;
			else
				w->ok++;
			continue;
		}
		ret = write(fd, cmd, strlen(cmd));
		if (good) {
			if (ret == (ssize_t)strlen(cmd))
				w->ok++;
			else
				w->good_err++;
		} else if (ret >= 0) {
			w->bad_ok++;
		} else if (errno == EINVAL) {
			w->bad_einval++;
		} else {
			w->bad_other++;
		}
	}
	close(fd);
	return NULL;
}

/*
 * Three writers, each with its own holder, and pcp drains, with bad
 * commands mixed in: good ones succeed, bad ones are EINVAL, every block
 * asked for is counted in alloc_success (no failure), and once the holders
 * are closed and the pcplists drained every zone is whole again: free ==
 * managed, no pcp page, only blocks of the reserved order.
 */
TEST_F_TIMEOUT(input, concurrent_alloc_writers, 300)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_alloc();
	struct alloc_writer w[3];
	struct zl_stats s0, s1;
	long asked = 0;
	char *bi0, *bi1;
	int i;

	ASSERT_NE(NULL, zi);
	ASSERT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	bi0 = zl_read_file(ZL_BUDDYINFO, NULL);
	ASSERT_NE(NULL, bi0);
	ASSERT_EQ(0, zl_stats_read(&s0));
	memset(w, 0, sizeof(w));
	for (i = 0; i < 3; i++) {
		w[i].id = i;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, alloc_writer_fn, &w[i]));
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, pthread_join(w[i].thread, NULL));
	}
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, w[i].good_err) TH_LOG("writer %d: good commands failed", i);
		EXPECT_EQ(0, w[i].bad_ok) TH_LOG("writer %d: bad commands accepted", i);
		EXPECT_EQ(0, w[i].bad_other) TH_LOG("writer %d: bad commands not EINVAL", i);
		asked += w[i].blocks;
	}
	ASSERT_EQ(0, zl_stats_read(&s1));
	EXPECT_EQ(zl_stat(&s0, "alloc_fail"), zl_stat(&s1, "alloc_fail"));
	EXPECT_EQ(zl_stat(&s0, "alloc_success") + asked, zl_stat(&s1, "alloc_success"));

	ASSERT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	ASSERT_EQ(0, zl_zoneinfo_read(zi));
	for (i = 0; i < zi->nr; i++) {
		EXPECT_EQ(zi->zone[i].managed, zi->zone[i].free)
			TH_LOG("zone %d/%s: %ld of %ld pages free after everything was freed",
			       zi->zone[i].nid, zi->zone[i].name, zi->zone[i].free,
			       zi->zone[i].managed);
		EXPECT_EQ(0, zl_zi_pcp_total(&zi->zone[i]));
	}
	bi1 = zl_read_file(ZL_BUDDYINFO, NULL);
	ASSERT_NE(NULL, bi1);
	EXPECT_STREQ(bi0, bi1)
		TH_LOG("the buddy lists did not merge back");
	free(bi0);
	free(bi1);
	free(zi);
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	if (!zl_path_exists(ZL_CONTEXTS) || !zl_path_exists(ZL_REGIONS))
		ksft_exit_skip("this zonelab has no contexts/regions files\n");
	live_base = zl_policies_live();
	ctx_make();
	/* Runs before zl_prereq()'s handler (atexit() calls them in reverse order). */
	atexit(ctx_unmake);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
