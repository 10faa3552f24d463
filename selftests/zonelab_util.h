/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the zonelab selftests.  This header (zonelab_util.c)
 * is the system side: logging, time, file access, module handling and
 * prerequisites, the running kernel's version, the kernel log and memory
 * block hotplug.  The data side (masks, topology, zonelists and stats
 * parsers, the user-space node ordering) is zonelab_parse.h, included
 * here, so a test includes this header only.
 *
 * Nothing in here includes kselftest_harness.h: functions report errors
 * through return values and, where useful, a message printed with zl_log().
 */
#ifndef ZONELAB_UTIL_H
#define ZONELAB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "zonelab_parse.h"

#define ZL_DEBUGFS		"/sys/kernel/debug"
#define ZL_DIR			ZL_DEBUGFS "/zonelab"
#define ZL_TOPOLOGY		ZL_DIR "/topology"
#define ZL_ZONELISTS		ZL_DIR "/zonelists"
#define ZL_KZONELISTS		ZL_DIR "/kernel_zonelists"
#define ZL_STATS		ZL_DIR "/stats"
#define ZL_REBUILD		ZL_DIR "/rebuild"
#define ZL_ZONEINFO		ZL_DIR "/zoneinfo"
#define ZL_BUDDYINFO		ZL_DIR "/buddyinfo"
#define ZL_ALLOC		ZL_DIR "/alloc"
#define ZL_STRESS		ZL_DIR "/stress"
#define ZL_BENCH		ZL_DIR "/bench"
#define ZL_PCP			ZL_DIR "/pcp"
#define ZL_BLOCKS		ZL_DIR "/blocks"
#define ZL_HOTPLUG		ZL_DIR "/hotplug"
#define ZL_REBUILD_MODE		ZL_DIR "/rebuild_mode"
#define ZL_STORM		ZL_DIR "/storm"
#define ZL_BENCH_REBUILD	ZL_DIR "/bench_rebuild"
#define ZL_CONTEXTS		ZL_DIR "/contexts"
#define ZL_REGIONS		ZL_DIR "/regions"
#define ZL_SYSMOD		"/sys/module/zonelab"
#define ZL_NODE_SYSFS		"/sys/devices/system/node"
#define ZL_MEMORY_SYSFS		"/sys/devices/system/memory"

/* zonelab's own OOM (issue 6). */
#define ZL_OOM			ZL_DIR "/oom"
#define ZL_OOM_DISABLE		ZL_DIR "/oom_disable"

/*
 * kselftest_harness.h's EXPECT_*() and ASSERT_*() are two statements: the
 * check, then a for () that runs the optional TH_LOG() (and, for ASSERT,
 * leaves the test) when it failed.  As the body of a loop without braces
 * only the check repeats: the handler runs once after the loop, with the
 * loop variable at its end value (a failure reported for "node 64"), and a
 * failed ASSERT does not stop the loop.  Loops around them take braces.
 */

#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

/* ---- logging ---- */
__printf(1, 2) void zl_log(const char *fmt, ...);

/* ---- module handling ---- */
enum zl_need {
	ZL_NEED_LOADED,		/* load the module if needed; unload at exit */
	ZL_NEED_LOADABLE,	/* leave it as found; it must be loadable */
};

/*
 * Prerequisite checks for main(): root, debugfs mounted, module loaded or
 * loadable, no lockdown.  Calls ksft_exit_skip() (exit code 4) when the
 * environment lacks something.  With ZL_NEED_LOADED it loads the module
 * when absent and registers an atexit() handler that unloads it again.
 */
void zl_prereq(const char *argv0, enum zl_need need);

bool zl_module_loaded(void);	/* /sys/module/zonelab exists */
bool zl_debugfs_present(void);	/* ZL_DIR exists */
bool zl_can_load(void);		/* a .ko path or modprobe is available */
int zl_module_load(void);	/* 0 or -errno; EEXIST counts as success */
/* The same with module parameters ("a=1 b=2"); modprobe's errors are -ENOENT. */
int zl_module_load_args(const char *args);
int zl_module_unload(void);	/* 0 or -errno; retries while busy */
const char *zl_ko_path(void);	/* NULL when only modprobe is possible */

/* ---- the running kernel ---- */
/*
 * The running kernel's version from uname(2)'s release ("6.1.0-56-amd64"
 * is ZL_KVER(6, 1, 0)), for the behaviour that changed between kernels;
 * -EINVAL when the release does not start with <major>.<minor>.
 */
int zl_kernel_version(void);

/* ---- files ---- */
/* Whole file into a malloc'd NUL-terminated buffer; NULL + errno on error. */
char *zl_read_file(const char *path, size_t *len);
/* Read an open fd until EOF in chunks of @chunk bytes. */
char *zl_read_fd_chunks(int fd, size_t chunk, size_t *len);
/* One write(2) of @len bytes at the file start: 0 or -errno, *ret = result. */
int zl_write_once(const char *path, const void *buf, size_t len, ssize_t *ret);
int zl_write_str(const char *path, const char *s);
/*
 * A command to a zonelab write file: open(@file, O_WRONLY), one write(2)
 * of strlen(@cmd) bytes at offset 0, close.  @file is a path or a name in
 * ZL_DIR ("alloc", "pcp").  0 (the whole command accepted) or -errno.
 */
int zl_cmd(const char *file, const char *cmd);
int zl_read_long(const char *path, long *val);
bool zl_path_exists(const char *path);

/* ---- other programs ---- */
/*
 * @name's path in $PATH (or /bin:/usr/bin:/sbin:/usr/sbin without one)
 * into @path; false when there is no executable of that name.
 */
bool zl_find_program(const char *name, char *path, size_t size);
/*
 * Run @argv (argv[0] a path) with stdin and stderr on /dev/null and
 * return its whole stdout, NUL-terminated, malloc'd; *status is its
 * waitpid() status.  NULL + errno when it could not run or be read.
 */
char *zl_run_output(char *const argv[], int *status);

/* ---- kernel log ---- */
/* Whole log via klogctl(SYSLOG_ACTION_READ_ALL); NULL + errno on error. */
char *zl_klog_read(void);

struct zl_klog_mark {
	char line[512];		/* last complete line at mark time, "" if none */
};

void zl_klog_mark(struct zl_klog_mark *m);
/*
 * Text logged after @m, as a malloc'd string.  If the marked line is gone
 * (ring buffer wrapped) the whole log is returned and *wrapped is set.
 */
char *zl_klog_since(const struct zl_klog_mark *m, bool *wrapped);
/*
 * Scan @text for "WARNING:", "BUG:", "Call Trace", "Oops", "RCU stall"...
 * Returns the number of offending lines; the first few are logged.
 */
int zl_klog_scan_bad(const char *text);
/* zl_klog_scan_bad() over the text logged since @m; -errno if unreadable. */
int zl_klog_new_bad(const struct zl_klog_mark *m);
/*
 * Last "Fallback order for Node N: a b c" line for every node in @text:
 * found[N] set, order[N][] filled.  Returns the number of nodes found.
 */
int zl_klog_fallback_orders(const char *text, bool found[ZL_MAX_NODES],
			    int order[ZL_MAX_NODES][ZL_MAX_NODES],
			    int nr[ZL_MAX_NODES]);
/* Last "zonelab: unloaded: generations allocated A freed F" line. */
int zl_klog_last_unloaded(const char *text, long *alloc, long *freed);
/* Last "zonelab: loaded: N possible nodes, generation G" line. */
int zl_klog_last_loaded(const char *text, long *nodes, long *gen);
/*
 * The same lines in their issue-3 form, whole lines checked strictly:
 * "zonelab: unloaded: generations allocated A freed F, pages reserved R
 * returned T" and "zonelab: loaded: N possible nodes, generation G, P pages
 * reserved".  0, or -ENOENT when the last such line is missing or differs.
 */
int zl_klog_last_unloaded_pages(const char *text, long *alloc, long *freed,
				long *reserved, long *returned);
/* The same line with its ", policies live P" (mempolicy objects left). */
int zl_klog_last_unloaded_all(const char *text, long *alloc, long *freed,
			      long *reserved, long *returned, long *policies);
int zl_klog_last_loaded_pages(const char *text, long *nodes, long *gen, long *pages);

/* ---- memory blocks ---- */
#define ZL_MAX_BLOCKS	256

struct zl_block {
	int id;		/* memory<id> */
	int nid;	/* -1 if no node link */
};

/* Memory blocks whose state is "offline"; returns count (<= max) or -errno. */
int zl_offline_blocks(struct zl_block *blocks, int max);
int zl_block_node(int id);
/* "online", "offline", ... into @buf; 0 or -errno. */
int zl_block_state(int id, char *buf, size_t size);
/* Write @state ("online_movable", "offline") to memory<id>/state; 0 or -errno. */
int zl_block_set_state(int id, const char *state);
/* Offline with retries on EBUSY/EAGAIN; 0 or -errno. */
int zl_block_offline_retry(int id, int tries);

/* ---- time ---- */
void zl_sleep_ms(long ms);
long long zl_now_ms(void);

#endif /* ZONELAB_UTIL_H */
