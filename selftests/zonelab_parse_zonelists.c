// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's `zonelists` and `kernel_zonelists` files (zonelab_parse.h):
 * their parser, and zonelab's lists against the kernel's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonelab_util.h"

struct zl_zonelists *zl_zonelists_alloc(void)
{
	return calloc(1, sizeof(struct zl_zonelists));
}

/* " <nid>/<Zone>" repeated until the end of @p. */
static int parse_zrefs(const char *p, struct zl_zref *out, int max, int *nr)
{
	unsigned long v;
	size_t len;

	*nr = 0;
	while (*p) {
		if (*p != ' ' || *nr >= max)
			return -EINVAL;
		p++;
		if (zl_parse_uint(p, &p, &v) || v >= ZL_MAX_NODES || *p != '/')
			return -EINVAL;
		p++;
		len = 0;
		while (p[len] && p[len] != ' ')
			len++;
		if (!len || len >= ZL_ZONE_NAME)
			return -EINVAL;
		out[*nr].nid = v;
		memcpy(out[*nr].zone, p, len);
		out[*nr].zone[len] = '\0';
		(*nr)++;
		p += len;
	}
	return 0;
}

/* The line of a node that zl_zonelists_parse() wants next. */
enum zonelists_want { WANT_ORDER, WANT_FALLBACK, WANT_THISNODE };

/* Where zl_zonelists_parse() is: the last node with lines, what is next. */
struct zonelists_parser {
	struct zl_zonelists *z;
	bool with_order;
	int last_nid;
	enum zonelists_want want;
};

/* `zonelists` starts with "generation <n>". */
static int zonelists_generation(struct zl_zonelists *z, const char **pos,
				char *err, size_t errlen)
{
	char line[8192];
	unsigned long v;
	const char *p;
	bool no_nl;

	if (!zl_next_line(pos, line, sizeof(line), &no_nl) || no_nl ||
	    strncmp(line, "generation ", 11) ||
	    zl_parse_uint(line + 11, &p, &v) || *p || v > LONG_MAX) {
		zl_set_err(err, errlen, "zonelists: first line is not 'generation <n>'");
		return -EINVAL;
	}
	z->has_generation = true;
	z->generation = v;
	return 0;
}

/* "node N order: <nid>..." (@p at "order:") opens a node in `zonelists`. */
static int zonelists_order(struct zonelists_parser *ps, int nid, const char *p,
			   const char *line, char *err, size_t errlen)
{
	struct zl_node_zl *n = &ps->z->node[nid];
	unsigned long v;

	if (!ps->with_order || nid <= ps->last_nid || ps->want != WANT_ORDER) {
		zl_set_err(err, errlen, "zonelists: misplaced line '%s'", line);
		return -EINVAL;
	}
	p += 6;
	while (*p) {
		if (*p != ' ' || n->nr_order >= ZL_MAX_NODES ||
		    zl_parse_uint(p + 1, &p, &v) || v >= ZL_MAX_NODES) {
			zl_set_err(err, errlen, "zonelists: bad order '%s'", line);
			return -EINVAL;
		}
		n->order[n->nr_order++] = v;
	}
	n->has_order = true;
	zl_copy_str(n->order_line, sizeof(n->order_line), line);
	zl_mask_set(&ps->z->nodes, nid);
	ps->last_nid = nid;
	ps->want = WANT_FALLBACK;
	return 0;
}

/*
 * "node N fallback: ..." (@p at "fallback:"): after the node's order line
 * in `zonelists`; `kernel_zonelists` has none, so it opens a node there.
 */
static int zonelists_fallback(struct zonelists_parser *ps, int nid,
			      const char *p, const char *line, char *err,
			      size_t errlen)
{
	struct zl_node_zl *n = &ps->z->node[nid];

	if (ps->want != WANT_FALLBACK ||
	    (ps->with_order ? nid != ps->last_nid : nid <= ps->last_nid)) {
		zl_set_err(err, errlen, "zonelists: misplaced line '%s' (want %s first)",
			line, ps->with_order ? "order" : "fallback");
		return -EINVAL;
	}
	if (parse_zrefs(p + 9, n->fallback, ZL_MAX_ZREFS, &n->nr_fallback)) {
		zl_set_err(err, errlen, "zonelists: bad fallback line '%s'", line);
		return -EINVAL;
	}
	n->has_fallback = true;
	zl_copy_str(n->fallback_line, sizeof(n->fallback_line), line);
	zl_mask_set(&ps->z->nodes, nid);
	ps->last_nid = nid;
	ps->want = WANT_THISNODE;
	return 0;
}

/* "node N thisnode: ..." (@p at "thisnode:") closes the node's lines. */
static int zonelists_thisnode(struct zonelists_parser *ps, int nid,
			      const char *p, const char *line, char *err,
			      size_t errlen)
{
	struct zl_node_zl *n = &ps->z->node[nid];

	if (ps->want != WANT_THISNODE || nid != ps->last_nid) {
		zl_set_err(err, errlen, "zonelists: misplaced line '%s'", line);
		return -EINVAL;
	}
	if (parse_zrefs(p + 9, n->thisnode, ZL_MAX_ZONES, &n->nr_thisnode)) {
		zl_set_err(err, errlen, "zonelists: bad thisnode line '%s'", line);
		return -EINVAL;
	}
	n->has_thisnode = true;
	zl_copy_str(n->thisnode_line, sizeof(n->thisnode_line), line);
	ps->want = ps->with_order ? WANT_ORDER : WANT_FALLBACK;
	return 0;
}

/* One "node N <kind>: ..." line. */
static int zonelists_line(struct zonelists_parser *ps, const char *line,
			  char *err, size_t errlen)
{
	const char *p;
	int nid, k;

	if (sscanf(line, "node %d %n", &nid, &k) != 1 || k <= 5 ||
	    nid < 0 || nid >= ZL_MAX_NODES) {
		zl_set_err(err, errlen, "zonelists: unexpected line '%s'", line);
		return -EINVAL;
	}
	p = line + k;
	if (!strncmp(p, "order:", 6))
		return zonelists_order(ps, nid, p, line, err, errlen);
	if (!strncmp(p, "fallback:", 9))
		return zonelists_fallback(ps, nid, p, line, err, errlen);
	if (!strncmp(p, "thisnode:", 9))
		return zonelists_thisnode(ps, nid, p, line, err, errlen);
	zl_set_err(err, errlen, "zonelists: unexpected line '%s'", line);
	return -EINVAL;
}

int zl_zonelists_parse(struct zl_zonelists *z, const char *text, bool with_order,
		       char *err, size_t errlen)
{
	/* What a node's lines start with, and so what must follow the last. */
	enum zonelists_want first = with_order ? WANT_ORDER : WANT_FALLBACK;
	struct zonelists_parser ps = {
		.z = z, .with_order = with_order, .last_nid = -1, .want = first,
	};
	const char *pos = text;
	char line[8192];
	bool no_nl;

	memset(z, 0, sizeof(*z));
	if (with_order && zonelists_generation(z, &pos, err, errlen))
		return -EINVAL;
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		if (no_nl) {
			zl_set_err(err, errlen, "zonelists: last line has no newline");
			return -EINVAL;
		}
		if (zonelists_line(&ps, line, err, errlen))
			return -EINVAL;
	}
	if (ps.want != first) {
		zl_set_err(err, errlen, "zonelists: node %d's lines are incomplete",
			   ps.last_nid);
		return -EINVAL;
	}
	return 0;
}

int zl_zonelists_read(struct zl_zonelists *z, const char *path, bool with_order,
		      char *err, size_t errlen)
{
	char *buf = zl_read_file(path, NULL);
	int ret;

	if (!buf) {
		ret = -errno;
		zl_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	ret = zl_zonelists_parse(z, buf, with_order, err, errlen);
	free(buf);
	return ret;
}

int zl_read_views(struct zl_topo *sys, struct zl_zonelists *zl,
		  struct zl_zonelists *kzl, char *err, size_t errlen)
{
	int ret;

	ret = zl_topo_from_system(sys, err, errlen);
	if (!ret)
		ret = zl_zonelists_read(zl, ZL_ZONELISTS, true, err, errlen);
	if (!ret)
		ret = zl_zonelists_read(kzl, ZL_KZONELISTS, false, err, errlen);
	return ret;
}

bool zl_zrefs_equal(const struct zl_zref *a, int na, const struct zl_zref *b, int nb)
{
	int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].nid != b[i].nid || strcmp(a[i].zone, b[i].zone))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* zonelab's lists against the kernel's                               */
/* ------------------------------------------------------------------ */

#define AGREE_TEXT	4096

int zl_zonelists_agree(const struct zl_zonelists *zl, const struct zl_zonelists *kzl,
		       const struct zl_zoneinfo *zi, const struct zl_mask *nodes,
		       bool stale, char *err, size_t errlen)
{
	struct zl_zref *kf = malloc(sizeof(*kf) * ZL_MAX_ZREFS);
	char *a = malloc(AGREE_TEXT), *b = malloc(AGREE_TEXT);
	int n, nk, owner, ret = -EINVAL;

	if (!kf || !a || !b) {
		zl_set_err(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	zl_for_each_node(n, nodes) {
		const struct zl_node_zl *z = &zl->node[n], *k = &kzl->node[n];

		nk = zl_zrefs_filter_zi(k->fallback, k->nr_fallback, zi, kf, ZL_MAX_ZREFS);
		zl_format_zrefs(z->fallback, z->nr_fallback, a, AGREE_TEXT);
		zl_format_zrefs(kf, nk, b, AGREE_TEXT);
		if (!stale && !zl_zrefs_equal(kf, nk, z->fallback, z->nr_fallback)) {
			zl_set_err(err, errlen,
				   "node %d fallback: zonelab '%s', kernel's filtered '%s'",
				   n, a, b);
			goto out;
		}
		if (stale && nk != z->nr_fallback) {
			zl_set_err(err, errlen, "node %d fallback (stale kernel order): "
				   "zonelab '%s', kernel's filtered '%s'", n, a, b);
			goto out;
		}
		for (owner = 0; stale && owner < ZL_MAX_NODES; owner++) {
			zl_format_node_zones(z->fallback, z->nr_fallback, owner, a, AGREE_TEXT);
			zl_format_node_zones(kf, nk, owner, b, AGREE_TEXT);
			if (strcmp(a, b)) {
				zl_set_err(err, errlen, "node %d fallback, zones of node %d: "
					   "zonelab '%s', kernel's filtered '%s'", n, owner, a, b);
				goto out;
			}
		}
		nk = zl_zrefs_filter_zi(k->thisnode, k->nr_thisnode, zi, kf, ZL_MAX_ZREFS);
		if (!zl_zrefs_equal(kf, nk, z->thisnode, z->nr_thisnode)) {
			zl_set_err(err, errlen,
				   "node %d thisnode: zonelab '%s', kernel's filtered '%s'",
				   n, zl_format_zrefs(z->thisnode, z->nr_thisnode, a, AGREE_TEXT),
				   zl_format_zrefs(kf, nk, b, AGREE_TEXT));
			goto out;
		}
	}
	ret = 0;
out:
	free(kf);
	free(a);
	free(b);
	return ret;
}
