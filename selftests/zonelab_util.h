/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the zonelab selftests: module handling, file access,
 * parsers for zonelab's debugfs formats and for the kernel's own view of
 * the NUMA topology (sysfs, /proc/zoneinfo, the kernel log), memory block
 * hotplug, and a user-space model of the 6.1 zonelist node ordering.
 *
 * Nothing in here includes kselftest_harness.h: functions report errors
 * through return values and, where useful, a message printed with zl_log().
 */
#ifndef ZONELAB_UTIL_H
#define ZONELAB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ZL_DEBUGFS		"/sys/kernel/debug"
#define ZL_DIR			ZL_DEBUGFS "/zonelab"
#define ZL_TOPOLOGY		ZL_DIR "/topology"
#define ZL_ZONELISTS		ZL_DIR "/zonelists"
#define ZL_KZONELISTS		ZL_DIR "/kernel_zonelists"
#define ZL_STATS		ZL_DIR "/stats"
#define ZL_REBUILD		ZL_DIR "/rebuild"
#define ZL_SYSMOD		"/sys/module/zonelab"
#define ZL_NODE_SYSFS		"/sys/devices/system/node"
#define ZL_MEMORY_SYSFS		"/sys/devices/system/memory"

/* Node ids the tests handle (guests have a handful of nodes). */
#define ZL_MAX_NODES		64
/* Bits in a zl_mask: enough for a cpulist of Debian's NR_CPUS. */
#define ZL_MASK_BITS		8192
/* Zones per node in /proc/zoneinfo (DMA DMA32 Normal Movable Device). */
#define ZL_MAX_ZONES		8
#define ZL_ZONE_NAME		16
/* Kernel 6.1 MAX_NUMNODES on Debian amd64 (CONFIG_NODES_SHIFT=10). */
#define ZL_KERNEL_MAX_NUMNODES	1024
/* Kernel 6.1 PENALTY_FOR_NODE_WITH_CPUS. */
#define ZL_PENALTY_FOR_NODE_WITH_CPUS	1

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
int zl_module_unload(void);	/* 0 or -errno; retries while busy */
const char *zl_ko_path(void);	/* NULL when only modprobe is possible */

/* ---- files ---- */
/* Whole file into a malloc'd NUL-terminated buffer; NULL + errno on error. */
char *zl_read_file(const char *path, size_t *len);
/* Read an open fd until EOF in chunks of @chunk bytes. */
char *zl_read_fd_chunks(int fd, size_t chunk, size_t *len);
/* One write(2) of @len bytes at the file start: 0 or -errno, *ret = result. */
int zl_write_once(const char *path, const void *buf, size_t len, ssize_t *ret);
int zl_write_str(const char *path, const char *s);
int zl_read_long(const char *path, long *val);
bool zl_path_exists(const char *path);

/* ---- masks and lists ---- */
struct zl_mask {
	unsigned long bits[ZL_MASK_BITS / (8 * sizeof(unsigned long))];
};

void zl_mask_clear(struct zl_mask *m);
void zl_mask_set(struct zl_mask *m, int bit);
bool zl_mask_test(const struct zl_mask *m, int bit);
bool zl_mask_equal(const struct zl_mask *a, const struct zl_mask *b);
bool zl_mask_empty(const struct zl_mask *m);
int zl_mask_weight(const struct zl_mask *m);
/* Kernel list format "0-2,5", "" = empty.  0 or -EINVAL. */
int zl_parse_list(const char *s, struct zl_mask *m);
/* Format a mask as a kernel list into @buf. */
char *zl_format_list(const struct zl_mask *m, char *buf, size_t size);

/* First set bit after @prev (-1: from the start), or @max if none. */
int zl_mask_next(const struct zl_mask *m, int prev, int max);

#define zl_for_each_bit(bit, mask, max) \
	for ((bit) = zl_mask_next((mask), -1, (max)); (bit) < (max); \
	     (bit) = zl_mask_next((mask), (bit), (max)))

#define zl_for_each_node(nid, mask) zl_for_each_bit(nid, mask, ZL_MAX_NODES)

/* ---- topology (sysfs + procfs, or zonelab's topology file) ---- */
struct zl_zone {
	char name[ZL_ZONE_NAME];
	int idx;			/* zone index: position in /proc/zoneinfo */
	unsigned long managed;
	unsigned long present;
	unsigned long spanned;
};

struct zl_topo {
	struct zl_mask possible;
	struct zl_mask online;
	struct zl_mask has_memory;
	struct zl_mask has_normal_memory;
	struct zl_mask has_cpu;
	bool have_cpus[ZL_MAX_NODES];
	struct zl_mask cpus[ZL_MAX_NODES];
	bool have_dist[ZL_MAX_NODES];
	int dist[ZL_MAX_NODES][ZL_MAX_NODES];	/* -1: unknown */
	int nr_zones[ZL_MAX_NODES];
	struct zl_zone zones[ZL_MAX_NODES][ZL_MAX_ZONES];
};

/* Allocate a cleared topology (large; lives on the heap). */
struct zl_topo *zl_topo_alloc(void);
/* Clear @t as zl_topo_alloc() does (distances -1: unknown). */
void zl_topo_reset(struct zl_topo *t);
/* The kernel's view: node masks, cpulists, distances, /proc/zoneinfo. */
int zl_topo_from_system(struct zl_topo *t, char *err, size_t errlen);
/* Parse zonelab's `topology` file strictly; 0 or -EINVAL with @err set. */
int zl_topo_parse(struct zl_topo *t, const char *text, char *err, size_t errlen);
/* Parse /proc/zoneinfo's zone headers and spanned/present/managed. */
int zl_parse_zoneinfo(struct zl_topo *t, const char *text, char *err, size_t errlen);
const struct zl_zone *zl_topo_zone(const struct zl_topo *t, int nid, const char *name);
/* MemTotal of nodeN/meminfo in kB, or -1. */
long zl_node_memtotal_kb(int nid);

/* ---- zonelists and kernel_zonelists ---- */
struct zl_zref {
	int nid;
	char zone[ZL_ZONE_NAME];
};

#define ZL_MAX_ZREFS	(ZL_MAX_NODES * ZL_MAX_ZONES)

struct zl_node_zl {
	bool has_order, has_fallback, has_thisnode;
	int nr_order;
	int order[ZL_MAX_NODES];
	int nr_fallback;
	struct zl_zref fallback[ZL_MAX_ZREFS];
	int nr_thisnode;
	struct zl_zref thisnode[ZL_MAX_ZONES];
	/* The raw lines (without the newline), for exact comparisons. */
	char order_line[512];
	char fallback_line[4096];
	char thisnode_line[512];
};

struct zl_zonelists {
	bool has_generation;
	long generation;
	struct zl_mask nodes;		/* nodes that have any line */
	struct zl_node_zl node[ZL_MAX_NODES];
};

struct zl_zonelists *zl_zonelists_alloc(void);
/*
 * Parse `zonelists` (@with_order: generation and order lines required and
 * allowed) or `kernel_zonelists` (!@with_order).  Lines must come in
 * ascending nid order, each node's lines exactly once and in the order
 * order/fallback/thisnode.  0 or -EINVAL with @err set.
 */
int zl_zonelists_parse(struct zl_zonelists *z, const char *text, bool with_order,
		       char *err, size_t errlen);
/* Read and parse a debugfs zonelists file; 0 or -errno. */
int zl_zonelists_read(struct zl_zonelists *z, const char *path, bool with_order,
		      char *err, size_t errlen);

/* ---- stats ---- */
#define ZL_MAX_STATS	64

struct zl_stats {
	int nr;
	char key[ZL_MAX_STATS][48];
	long long val[ZL_MAX_STATS];
};

int zl_stats_parse(struct zl_stats *s, const char *text, char *err, size_t errlen);
int zl_stats_read(struct zl_stats *s);
/* Value of @key or -1 when missing. */
long long zl_stat(const struct zl_stats *s, const char *key);
/*
 * Wait up to @timeout_ms for RCU to free old generations (generations_live
 * <= 1), so that `stats` stops changing on its own.  0 or -ETIMEDOUT.
 */
int zl_wait_quiescent(int timeout_ms);

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

/* ---- the 6.1 node ordering, in user space ---- */
/*
 * __build_all_zonelists() for every possible node, ascending nid, with one
 * node_load[] for the whole rebuild, as 6.1's find_next_best_node() and
 * build_zonelists() do.  @memory is N_MEMORY (normally t->has_memory).
 * Returns 0, or -ENODATA when a distance the algorithm needs is unknown.
 */
int zl_model_orders(const struct zl_topo *t, const struct zl_mask *memory,
		    int order[ZL_MAX_NODES][ZL_MAX_NODES], int nr[ZL_MAX_NODES]);
/*
 * Expected fallback list from a node order and the populated zones of
 * @t (present > 0, highest zone index first per node).
 */
int zl_expected_zrefs(const struct zl_topo *t, const int *order, int nr_order,
		      struct zl_zref *out, int max);

/* Same length and, entry by entry, same node and zone name. */
bool zl_zrefs_equal(const struct zl_zref *a, int na, const struct zl_zref *b, int nb);

/* Format helpers for diagnostics. */
char *zl_format_order(const int *order, int nr, char *buf, size_t size);
char *zl_format_zrefs(const struct zl_zref *z, int nr, char *buf, size_t size);

/* ---- misc ---- */
void zl_sleep_ms(long ms);
long long zl_now_ms(void);

#endif /* ZONELAB_UTIL_H */
