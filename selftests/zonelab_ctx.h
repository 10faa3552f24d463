/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the zonelab selftests for contexts, mempolicies and shared
 * regions (issue 5): the `contexts` and `regions` files, each context's
 * ctx/<name>/ files (mems, policy, weights, numa, stats), the
 * policies_live count and module parameters that tests change.
 * zonelab_ctx.c; tests include this header, which includes
 * zonelab_pool.h and zonelab_util.h.
 *
 * Nothing in here includes kselftest_harness.h: functions report errors
 * through return values and, where useful, an @err message.
 */
#ifndef ZONELAB_CTX_H
#define ZONELAB_CTX_H

#include <stdbool.h>
#include <stddef.h>

#include "zonelab_pool.h"

#define ZL_CTX_DIR		ZL_DIR "/ctx"
/* Longest context or region name + 1 (the module's ZL_NAME_MAX). */
#define ZL_NAME_MAX		32
/* Most contexts and most regions the module keeps. */
#define ZL_MAX_CTX		64
#define ZL_MAX_REGIONS		64
/* Most ranges a parsed region keeps. */
#define ZL_MAX_RANGES		64
/* Longest policy string the tests print or read. */
#define ZL_POLICY_MAX		256

/* ---- contexts ---- */
/* `create <name>` / `destroy <name>` to `contexts`: 0 or -errno. */
int zl_ctx_create(const char *name);
int zl_ctx_create_exempt(const char *name);
int zl_ctx_destroy(const char *name);
/* Whether ctx/<name>/ exists. */
bool zl_ctx_exists(const char *name);
/* The path of ctx/<name>/<file> into @buf. */
char *zl_ctx_path(char *buf, size_t size, const char *name, const char *file);
/* One write of the formatted command to ctx/<name>/<file>: 0 or -errno. */
__printf(3, 4) int zl_ctx_write(const char *name, const char *file, const char *fmt, ...);
/* ctx/<name>/<file> whole, malloc'd; NULL + errno. */
char *zl_ctx_read(const char *name, const char *file);
/*
 * The one line of ctx/<name>/policy without its newline into @buf:
 * 0, or -errno (-EINVAL when it is not exactly one line).
 */
int zl_ctx_policy(const char *name, char *buf, size_t size);
/* ctx/<name>/mems parsed: 0 or -errno. */
int zl_ctx_mems(const char *name, struct zl_mask *mems);

struct zl_ctx_stats {
	long allocs, fails, retries, rebinds, users;
};

/* ctx/<name>/stats, strictly (those five lines in that order): 0 or -errno. */
int zl_ctx_stats(const char *name, struct zl_ctx_stats *st, char *err, size_t errlen);

/* ctx/<name>/numa: "node <nid> <pages>" per node with memory, in order. */
struct zl_ctx_numa {
	struct zl_mask nodes;		/* nodes with a line */
	long node[ZL_MAX_NODES];	/* pages; may be negative if broken */
	long total;
};

int zl_ctx_numa(const char *name, struct zl_ctx_numa *n, char *err, size_t errlen);
/* ctx/<name>/weights: "node <nid> <w>" per online node. */
int zl_ctx_weights(const char *name, int w[ZL_MAX_NODES], struct zl_mask *nodes,
		   char *err, size_t errlen);

/* ---- regions ---- */
struct zl_range {
	unsigned long first, last;
	char policy[ZL_POLICY_MAX];
};

struct zl_region {
	char name[ZL_NAME_MAX + 8];
	unsigned long pages;
	int nr;
	struct zl_range range[ZL_MAX_RANGES];
};

/* A formatted command to `regions`: 0 or -errno. */
__printf(1, 2) int zl_region_cmd(const char *fmt, ...);
/*
 * Parse `regions` strictly: "region <name> pages <n>" lines, each
 * followed by its "  range <first>-<last> <policy>" lines.  Returns the
 * number of regions (at most @max) or -errno with @err set.
 */
int zl_regions_read(struct zl_region *r, int max, char *err, size_t errlen);
/* The region named @name in @r[0..@nr), or NULL. */
const struct zl_region *zl_region_find(const struct zl_region *r, int nr,
				       const char *name);

/* ---- policies alive ---- */
/* `stats` policies_live, or a negative value when missing/unreadable. */
long long zl_policies_live(void);
/*
 * Wait up to @timeout_ms for policies_live to equal @want: a policy the
 * module dropped is freed after an RCU grace period, so the count lags.
 * 0, or -ETIMEDOUT with *last the last value read.
 */
int zl_policies_settle(long long want, int timeout_ms, long long *last);

/* ---- module parameters ---- */
/* Write @val to /sys/module/zonelab/parameters/@name: 0 or -errno. */
int zl_param_set(const char *name, long val);

/* ---- nodes ---- */
/* The first @n nodes of @m (in order) into @out; false if @m has fewer. */
bool zl_mask_first_n(const struct zl_mask *m, int n, struct zl_mask *out);
/* The @i-th set node of @m (0-based), or -1. */
int zl_mask_nth(const struct zl_mask *m, int i);
/* @a | @b into @out. */
void zl_mask_or(struct zl_mask *out, const struct zl_mask *a, const struct zl_mask *b);
/* Format @m as a kernel node list into a static-free caller buffer: @buf. */
#define zl_list(m, buf)	zl_format_list((m), (buf), sizeof(buf))

#endif /* ZONELAB_CTX_H */
