// SPDX-License-Identifier: GPL-2.0
/*
 * The contexts, policies and regions side of the zonelab selftests; see
 * zonelab_ctx.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zonelab_ctx.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* ------------------------------------------------------------------ */
/* contexts                                                           */
/* ------------------------------------------------------------------ */

int zl_ctx_create(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "create %s", name);
	return zl_cmd(ZL_CONTEXTS, cmd);
}

/* A context exempt from zonelab's OOM: see zl_alloc_open_exempt(). */
int zl_ctx_create_exempt(const char *name)
{
	int ret = zl_ctx_create(name);

	if (ret)
		return ret;
	ret = zl_ctx_write(name, "oom_score_adj", "-1000");
	if (ret)
		zl_ctx_destroy(name);
	return ret;
}

int zl_ctx_destroy(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "destroy %s", name);
	return zl_cmd(ZL_CONTEXTS, cmd);
}

char *zl_ctx_path(char *buf, size_t size, const char *name, const char *file)
{
	snprintf(buf, size, ZL_CTX_DIR "/%s%s%s", name, file ? "/" : "", file ? file : "");
	return buf;
}

bool zl_ctx_exists(const char *name)
{
	char path[PATH_MAX];

	return zl_path_exists(zl_ctx_path(path, sizeof(path), name, NULL));
}

int zl_ctx_write(const char *name, const char *file, const char *fmt, ...)
{
	char path[PATH_MAX], cmd[512];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (len < 0 || len >= (int)sizeof(cmd))
		return -EOVERFLOW;
	return zl_cmd(zl_ctx_path(path, sizeof(path), name, file), cmd);
}

char *zl_ctx_read(const char *name, const char *file)
{
	char path[PATH_MAX];

	return zl_read_file(zl_ctx_path(path, sizeof(path), name, file), NULL);
}

/* The text of a one-line file without its newline into @buf. */
static int one_line(char *text, char *buf, size_t size)
{
	size_t len;
	int ret = 0;

	if (!text)
		return -errno;
	len = strlen(text);
	if (!len || text[len - 1] != '\n' || strchr(text, '\n') != text + len - 1 ||
	    len > size)
		ret = -EINVAL;
	else
		zl_copy_str(buf, len, text);
	free(text);
	return ret;
}

int zl_ctx_policy(const char *name, char *buf, size_t size)
{
	return one_line(zl_ctx_read(name, "policy"), buf, size);
}

int zl_ctx_mems(const char *name, struct zl_mask *mems)
{
	char line[1024];
	int ret = one_line(zl_ctx_read(name, "mems"), line, sizeof(line));

	return ret ? ret : zl_parse_list(line, mems);
}

/* "<key> <decimal>" with one blank; a leading '-' allowed when @sign. */
static int key_num(const char *line, const char *key, bool sign, long *val)
{
	size_t len = strlen(key);
	const char *p = line + len + 1, *end;
	unsigned long v;
	bool neg = false;

	if (strncmp(line, key, len) || line[len] != ' ')
		return -EINVAL;
	if (sign && *p == '-') {
		neg = true;
		p++;
	}
	if (zl_parse_uint(p, &end, &v) || *end || v > (unsigned long)LONG_MAX)
		return -EINVAL;
	*val = neg ? -(long)v : (long)v;
	return 0;
}

int zl_ctx_stats(const char *name, struct zl_ctx_stats *st, char *err, size_t errlen)
{
	static const char * const keys[] = { "allocs", "fails", "retries", "rebinds", "users" };
	long *vals[] = { &st->allocs, &st->fails, &st->retries, &st->rebinds, &st->users };
	char *text = zl_ctx_read(name, "stats"), line[256];
	const char *pos = text;
	bool no_nl = false;
	size_t i;
	int ret = 0;

	if (!text) {
		ret = -errno;
		zl_set_err(err, errlen, "ctx/%s/stats: %s", name, strerror(errno));
		return ret;
	}
	for (i = 0; i < ARRAY_SIZE(keys) && !ret; i++) {
		if (!zl_next_line(&pos, line, sizeof(line), &no_nl) || no_nl ||
		    key_num(line, keys[i], false, vals[i])) {
			zl_set_err(err, errlen, "ctx/%s/stats: line '%s' is not '%s <n>'",
				   name, line, keys[i]);
			ret = -EINVAL;
		}
	}
	if (!ret && zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		zl_set_err(err, errlen, "ctx/%s/stats: extra line '%s'", name, line);
		ret = -EINVAL;
	}
	free(text);
	return ret;
}

/* "node <nid> <value>" lines in ascending nid order. */
static int node_lines(const char *file, const char *text, struct zl_mask *nodes,
		      long *vals, bool sign, char *err, size_t errlen)
{
	const char *pos = text, *p;
	unsigned long nid;
	char line[256];
	bool no_nl = false;
	int prev = -1;

	zl_mask_clear(nodes);
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		char key[32];

		p = line;
		if (no_nl || strncmp(p, "node ", 5) || zl_parse_uint(p + 5, &p, &nid) ||
		    *p != ' ' || nid >= ZL_MAX_NODES || (int)nid <= prev) {
			zl_set_err(err, errlen, "%s: bad line '%s'", file, line);
			return -EINVAL;
		}
		snprintf(key, sizeof(key), "node %lu", nid);
		if (key_num(line, key, sign, &vals[nid])) {
			zl_set_err(err, errlen, "%s: bad value in '%s'", file, line);
			return -EINVAL;
		}
		prev = nid;
		zl_mask_set(nodes, nid);
	}
	return 0;
}

int zl_ctx_numa(const char *name, struct zl_ctx_numa *n, char *err, size_t errlen)
{
	char *text = zl_ctx_read(name, "numa");
	int nid, ret;

	memset(n, 0, sizeof(*n));
	if (!text) {
		ret = -errno;
		zl_set_err(err, errlen, "ctx/%s/numa: %s", name, strerror(errno));
		return ret;
	}
	/* Signed: a broken count shows as negative rather than as garbage. */
	ret = node_lines("numa", text, &n->nodes, n->node, true, err, errlen);
	free(text);
	zl_for_each_node(nid, &n->nodes)
		n->total += n->node[nid];
	return ret;
}

int zl_ctx_weights(const char *name, int w[ZL_MAX_NODES], struct zl_mask *nodes,
		   char *err, size_t errlen)
{
	char *text = zl_ctx_read(name, "weights");
	long vals[ZL_MAX_NODES] = { 0 };
	int nid, ret;

	if (!text) {
		ret = -errno;
		zl_set_err(err, errlen, "ctx/%s/weights: %s", name, strerror(errno));
		return ret;
	}
	ret = node_lines("weights", text, nodes, vals, false, err, errlen);
	free(text);
	for (nid = 0; nid < ZL_MAX_NODES; nid++)
		w[nid] = vals[nid];
	return ret;
}

/* ------------------------------------------------------------------ */
/* regions                                                            */
/* ------------------------------------------------------------------ */

int zl_region_cmd(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (len < 0 || len >= (int)sizeof(cmd))
		return -EOVERFLOW;
	return zl_cmd(ZL_REGIONS, cmd);
}

/* "  range <first>-<last> <policy>" into @rg; "prefer (many)" has a blank. */
static int parse_range(const char *line, struct zl_range *rg)
{
	const char *p = line;

	if (strncmp(p, "  range ", 8) || zl_parse_uint(p + 8, &p, &rg->first) ||
	    *p++ != '-' || zl_parse_uint(p, &p, &rg->last) || *p++ != ' ' || !*p ||
	    *p == ' ' || p[strlen(p) - 1] == ' ' || rg->last < rg->first ||
	    strlen(p) >= sizeof(rg->policy))
		return -EINVAL;
	zl_copy_str(rg->policy, sizeof(rg->policy), p);
	return 0;
}

/* "region <name> pages <n>" into @r. */
static int parse_region(const char *line, struct zl_region *r)
{
	const char *name = line + 7, *sp, *p;

	memset(r, 0, sizeof(*r));
	if (strncmp(line, "region ", 7))
		return -EINVAL;
	sp = strchr(name, ' ');
	if (!sp || sp == name || (size_t)(sp - name) >= ZL_NAME_MAX ||
	    strncmp(sp, " pages ", 7) || zl_parse_uint(sp + 7, &p, &r->pages) || *p)
		return -EINVAL;
	snprintf(r->name, sizeof(r->name), "%.*s", (int)(sp - name), name);
	return 0;
}

int zl_regions_read(struct zl_region *r, int max, char *err, size_t errlen)
{
	char *text = zl_read_file(ZL_REGIONS, NULL), line[512];
	const char *pos = text;
	bool no_nl = false;
	int n = 0, ret;

	if (!text) {
		ret = -errno;
		zl_set_err(err, errlen, "regions: %s", strerror(errno));
		return ret;
	}
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		if (no_nl) {
			zl_set_err(err, errlen, "regions: no newline after '%s'", line);
			n = -EINVAL;
			break;
		}
		if (!strncmp(line, "region ", 7)) {
			if (n == max || parse_region(line, &r[n])) {
				zl_set_err(err, errlen, "regions: bad region line '%s'", line);
				n = -EINVAL;
				break;
			}
			n++;
			continue;
		}
		if (!n || r[n - 1].nr == ZL_MAX_RANGES ||
		    parse_range(line, &r[n - 1].range[r[n - 1].nr])) {
			zl_set_err(err, errlen, "regions: bad line '%s'", line);
			n = -EINVAL;
			break;
		}
		r[n - 1].nr++;
	}
	free(text);
	return n;
}

const struct zl_region *zl_region_find(const struct zl_region *r, int nr, const char *name)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(r[i].name, name))
			return &r[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* policies alive, parameters                                         */
/* ------------------------------------------------------------------ */

long long zl_policies_live(void)
{
	return zl_stat_get("policies_live");
}

int zl_policies_settle(long long want, int timeout_ms, long long *last)
{
	long long deadline = zl_now_ms() + timeout_ms, v;

	for (;;) {
		v = zl_policies_live();
		if (last)
			*last = v;
		if (v == want)
			return 0;
		if (zl_now_ms() >= deadline)
			return -ETIMEDOUT;
		zl_sleep_ms(10);
	}
}

int zl_param_set(const char *name, long val)
{
	char path[256], buf[32];

	snprintf(path, sizeof(path), ZL_SYSMOD "/parameters/%s", name);
	snprintf(buf, sizeof(buf), "%ld", val);
	return zl_write_str(path, buf);
}

/* ------------------------------------------------------------------ */
/* nodes                                                              */
/* ------------------------------------------------------------------ */

bool zl_mask_first_n(const struct zl_mask *m, int n, struct zl_mask *out)
{
	int nid, got = 0;

	zl_mask_clear(out);
	zl_for_each_node(nid, m) {
		if (got == n)
			break;
		zl_mask_set(out, nid);
		got++;
	}
	return got == n;
}

int zl_mask_nth(const struct zl_mask *m, int i)
{
	int nid;

	zl_for_each_node(nid, m)
		if (!i--)
			return nid;
	return -1;
}

void zl_mask_or(struct zl_mask *out, const struct zl_mask *a, const struct zl_mask *b)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(out->bits); i++)
		out->bits[i] = a->bits[i] | b->bits[i];
}
