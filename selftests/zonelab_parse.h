/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data side of the zonelab selftests: node masks and kernel lists, the
 * topology, zonelists and stats that zonelab's debugfs files and the kernel
 * (sysfs, /proc/zoneinfo) describe, their parsers, and a user-space copy of
 * the kernel's zonelist node ordering.  One file per kind of data; each
 * section below names its file:
 *
 *   zonelab_parse.c            text helpers, masks and lists, formatters
 *   zonelab_parse_topo.c       topology: sysfs, zonelab's `topology`
 *   zonelab_parse_zoneinfo.c   /proc/zoneinfo, zonelab's `zoneinfo`
 *   zonelab_parse_numactl.c    numactl --hardware's layout
 *   zonelab_parse_zonelists.c  `zonelists`, `kernel_zonelists`, agreement
 *   zonelab_parse_stats.c      `stats`
 *   zonelab_parse_model.c      the kernel's node ordering
 *
 * Tests include zonelab_util.h, which includes this header.  Nothing in
 * here includes kselftest_harness.h: functions report errors through
 * return values and an @err message.
 */
#ifndef ZONELAB_PARSE_H
#define ZONELAB_PARSE_H

#include <stdbool.h>
#include <stddef.h>

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

/* A kernel version as the kernel's KERNEL_VERSION() packs it. */
#define ZL_KVER(a, b, c)	(((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))

/* ---- zonelab_parse.c: text helpers, shared with zonelab_util.c ---- */
/* strscpy()-like: copy with truncation, always NUL-terminated. */
void zl_copy_str(char *dst, size_t size, const char *src);
/* Strict unsigned decimal: at least one digit, no sign.  0, -EINVAL, -ERANGE. */
int zl_parse_uint(const char *s, const char **end, unsigned long *val);
/*
 * Next line of @*pos into @line (without newline); false at end.  A final
 * line without a newline is returned too (and flagged by *no_nl).
 */
bool zl_next_line(const char **pos, char *line, size_t size, bool *no_nl);
/* Format an error message into @err (may be NULL). */
__attribute__((format(printf, 3, 4)))
void zl_set_err(char *err, size_t errlen, const char *fmt, ...);

/* ---- zonelab_parse.c: masks and lists ---- */
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

/* ---- zonelab_parse_topo.c: topology (sysfs + procfs, or `topology`) ---- */
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
const struct zl_zone *zl_topo_zone(const struct zl_topo *t, int nid, const char *name);
/* MemTotal of nodeN/meminfo in kB, or -1. */
long zl_node_memtotal_kb(int nid);
/* Field @key ("MemFree") of nodeN/meminfo in kB, or -1. */
long zl_node_meminfo_kb(int nid, const char *key);

/* ---- zonelab_parse_zoneinfo.c: the kernel's zones, /proc/zoneinfo ---- */
/* Parse /proc/zoneinfo's zone headers and spanned/present/managed. */
int zl_parse_zoneinfo(struct zl_topo *t, const char *text, char *err, size_t errlen);
/*
 * The running kernel's zone names by zone index (enum zone_type), as
 * /proc/zoneinfo lists them for every node, populated or not ("DMA",
 * "DMA32", "Normal", "Movable", "Device" on Debian's x86_64 kernels; one
 * fewer without CONFIG_ZONE_DEVICE).  Read once.  *@names (may be NULL)
 * points at the table; returns MAX_NR_ZONES, or -errno.
 */
int zl_kernel_zones(const char (**names)[ZL_ZONE_NAME]);
/* The kernel's zone index of @name ("DMA32" is 1 on x86_64), or -1. */
int zl_kernel_zone_idx(const char *name);

/* ---- zonelab_parse_numactl.c: numactl --hardware's layout ---- */
/*
 * The lines of `numactl --hardware` (numactl 2.0.16's hardware()), kept
 * verbatim where they must be identical and as numbers where they may
 * differ: the size and free lines.
 */
struct zl_numactl {
	char available[256];		/* "available: N nodes (list)" */
	int nr_nodes;			/* node blocks, in output order */
	int nid[ZL_MAX_NODES];
	char cpus[ZL_MAX_NODES][1024];	/* "node N cpus: ..." */
	unsigned long long size_mb[ZL_MAX_NODES];
	unsigned long long free_mb[ZL_MAX_NODES];
	int nr_dist;			/* header row and one row per node */
	char dist[ZL_MAX_NODES + 1][1024];	/* after "node distances:" */
};

/*
 * Parse the layout strictly: the available line, then per node its cpus,
 * size and free lines ("node N size: X MB"), then "node distances:" and
 * nr_nodes + 1 table lines, nothing else; every line ends in a newline.
 * 0 or -EINVAL with @err set.
 */
int zl_numactl_parse(struct zl_numactl *n, const char *text, char *err, size_t errlen);

/* ---- zonelab_parse_zonelists.c: zonelists and kernel_zonelists ---- */
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
/*
 * The kernel's view (@sys, zl_topo_from_system()), zonelab's `zonelists`
 * (@zl) and `kernel_zonelists` (@kzl), read one after the other.
 * 0 or -errno with @err set.
 */
int zl_read_views(struct zl_topo *sys, struct zl_zonelists *zl,
		  struct zl_zonelists *kzl, char *err, size_t errlen);

/* ---- zonelab_parse_stats.c: stats ---- */
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
/* Read `stats` and return @key's value: -1 when missing, -2 when unreadable. */
long long zl_stat_get(const char *key);
/*
 * Wait up to @timeout_ms for RCU to free old generations (generations_live
 * <= 1), so that `stats` stops changing on its own.  0 or -ETIMEDOUT.
 */
int zl_wait_quiescent(int timeout_ms);

/* ---- zonelab_parse_zoneinfo.c: zonelab's `zoneinfo` file ---- */
#define ZL_ZI_MAX_ZONES		64
#define ZL_ZI_MAX_PROT		8
#define ZL_ZI_MAX_PCP		64

struct zl_zi_pcp {
	int cpu;
	long count, high, batch;
};

struct zl_zi_zone {
	int nid;
	char name[ZL_ZONE_NAME];
	long free, min, low, high, spanned, present, managed;
	long protection[ZL_ZI_MAX_PROT];
	int nr_prot;
	struct zl_zi_pcp pcp[ZL_ZI_MAX_PCP];
	int nr_pcp;
};

struct zl_zoneinfo {
	struct zl_zi_zone zone[ZL_ZI_MAX_ZONES];
	int nr;
};

/*
 * Parse zonelab's `zoneinfo` strictly: every zone block has each of
 * pages free/min/low/high/spanned/present/managed/protection exactly once,
 * then `pagesets` and per CPU `cpu:`, `count:`, `high:`, `batch:`; zones in
 * ascending (nid, zone index) order.  0 or -EINVAL with @err set.
 */
int zl_zoneinfo_parse(struct zl_zoneinfo *zi, const char *text, char *err, size_t errlen);
/* Read and parse /sys/kernel/debug/zonelab/zoneinfo; 0 or -errno. */
int zl_zoneinfo_read(struct zl_zoneinfo *zi);
/* The zone (@nid, @name), or NULL. */
const struct zl_zi_zone *zl_zoneinfo_find(const struct zl_zoneinfo *zi, int nid,
					  const char *name);
/* Sum of `count:` over the zone's listed CPUs. */
long zl_zi_pcp_total(const struct zl_zi_zone *z);
/* A cleared zl_zoneinfo on the heap (it is large). */
struct zl_zoneinfo *zl_zoneinfo_alloc(void);
/* Whether zonelab holds pages of some zone of @nid (managed > 0). */
bool zl_zi_node_has_pages(const struct zl_zoneinfo *zi, int nid);
/*
 * The nodes zonelab holds pages of, into @m; returns their number.  A node
 * with memory can be missing: reserve_percent caps a node with little free
 * memory below one block (node 0 of a KASAN kernel, whose shadow it holds).
 */
int zl_zi_pool_nodes(const struct zl_zoneinfo *zi, struct zl_mask *m);
/* The lowest node zonelab holds pages of, or -1. */
int zl_zi_first_node(const struct zl_zoneinfo *zi);
/*
 * zonelab's expected fallback list from a node order: each ordered node's
 * zonelab zones (in @zi with managed > 0), highest zone index first.
 * Returns the number of entries (at most @max).
 */
int zl_zi_expected_zrefs(const struct zl_zoneinfo *zi, const int *order, int nr_order,
			 struct zl_zref *out, int max);
/*
 * @in (a kernel list) without the zones zonelab holds no pages of, in the
 * same relative order.  Returns the number of entries (at most @max).
 */
int zl_zrefs_filter_zi(const struct zl_zref *in, int nr, const struct zl_zoneinfo *zi,
		       struct zl_zref *out, int max);

/* ---- zonelab_parse_model.c: the kernel's node ordering, in user space ---- */
/*
 * Whether find_next_best_node() of kernel @kver (ZL_KVER()) puts @node
 * first in its own order: before 6.7 always; from 6.7 on ("mm: page_alloc:
 * skip memoryless nodes entirely") only when @node is in @memory, so a
 * memoryless node's order starts with its nearest node with memory.
 */
bool zl_model_local_first(int kver, const struct zl_mask *memory, int node);
/*
 * Whether offline_pages() of kernel @kver takes a node the offline empties
 * out of N_MEMORY before it rebuilds the zonelists: from 6.7 on ("mm:
 * memory_hotplug: drop memoryless node from fallback lists", the second
 * half of the series above) node_states_clear_node() runs first, so the
 * kernel's new "Fallback order" lines already leave the node out, as
 * zonelab's MEM_OFFLINE rebuild does; before 6.7 build_all_zonelists()
 * ran first and ordered every node with the emptied node still in
 * N_MEMORY.
 */
bool zl_model_offline_clears_first(int kver);
/*
 * __build_all_zonelists() of kernel @kver for every possible node,
 * ascending nid, with one node_load[] for the whole rebuild, as
 * find_next_best_node() and build_zonelists() do.  @memory is N_MEMORY
 * (normally t->has_memory).  Returns 0, or -ENODATA when a distance the
 * algorithm needs is unknown.
 */
int zl_model_orders(const struct zl_topo *t, const struct zl_mask *memory, int kver,
		    int order[ZL_MAX_NODES][ZL_MAX_NODES], int nr[ZL_MAX_NODES]);
/*
 * Expected fallback list from a node order and the populated zones of
 * @t (present > 0, highest zone index first per node).
 */
int zl_expected_zrefs(const struct zl_topo *t, const int *order, int nr_order,
		      struct zl_zref *out, int max);

/* ---- zonelab_parse_zonelists.c: zonelab's lists against the kernel's ---- */
/* Same length and, entry by entry, same node and zone name. */
bool zl_zrefs_equal(const struct zl_zref *a, int na, const struct zl_zref *b, int nb);

/*
 * zonelab's lists (@zl, `zonelists`) against the kernel's (@kzl,
 * `kernel_zonelists`) for every node of @nodes: each fallback and thisnode
 * list must be the kernel's with the zones zonelab holds no pages of (@zi,
 * managed 0 or absent) left out.  @stale: the kernel's last rebuild still
 * counted a node that has left N_MEMORY since (6.1's offline_pages()
 * rebuilds before it clears the node), so its node order may differ from
 * zonelab's and fallback lists are compared per node: the same length and,
 * for every node, the same zones in the same order.  0, or -EINVAL with
 * @err naming the first difference (-ENOMEM).
 */
int zl_zonelists_agree(const struct zl_zonelists *zl, const struct zl_zonelists *kzl,
		       const struct zl_zoneinfo *zi, const struct zl_mask *nodes,
		       bool stale, char *err, size_t errlen);

/* ---- zonelab_parse.c: format helpers for diagnostics ---- */
char *zl_format_order(const int *order, int nr, char *buf, size_t size);
char *zl_format_zrefs(const struct zl_zref *z, int nr, char *buf, size_t size);
/*
 * The zones of node @owner in @z, in list order, as " Zone Zone ...": two
 * lists hold the same zones of a node in the same order when these agree.
 */
char *zl_format_node_zones(const struct zl_zref *z, int nr, int owner,
			   char *buf, size_t size);

#endif /* ZONELAB_PARSE_H */
