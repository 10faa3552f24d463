/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tables of zonelab_debugfs_input_test: every malformed write to
 * `rebuild` (bad_write) and every malformed or out-of-range command to a
 * command file (bad_cmd), one row each, each row one test.  They are data
 * only; what a row checks is in the test .c, as is the 63-byte alloc
 * command's test of the length limit (ALLOC_LEN63, ALLOC_LEN64).
 *
 * Included by zonelab_debugfs_input_test.c alone, after FIXTURE(bad_write)
 * and FIXTURE(bad_cmd): a row registers itself with its fixture, and the
 * rows run in the order they are written here.
 */
#ifndef ZONELAB_DEBUGFS_INPUT_CASES_H
#define ZONELAB_DEBUGFS_INPUT_CASES_H

#include "zonelab_debugfs_input.h"

/* ---- malformed writes to rebuild, one variant per input ---- */

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

/* ---- malformed and out-of-range commands to the command files ---- */

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

/* ctx/<name>/mems: a nodelist of nodes with memory, not empty */
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

#endif /* ZONELAB_DEBUGFS_INPUT_CASES_H */
