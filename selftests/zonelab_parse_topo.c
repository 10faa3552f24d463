// SPDX-License-Identifier: GPL-2.0
/*
 * The topology of zonelab_parse.h: the kernel's (sysfs node masks,
 * cpulists and distances; its zones from /proc/zoneinfo, which
 * zonelab_parse_zoneinfo.c parses) and zonelab's `topology` file, and a
 * node's meminfo.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest.h"
#include "zonelab_util.h"

/*
 * The node masks of a topology, named as both the files in
 * /sys/devices/system/node and the first lines of zonelab's `topology`
 * (in that order) name them.
 */
static const struct {
	const char *name;
	size_t off;
} topo_masks[] = {
	{ "possible", offsetof(struct zl_topo, possible) },
	{ "online", offsetof(struct zl_topo, online) },
	{ "has_memory", offsetof(struct zl_topo, has_memory) },
	{ "has_normal_memory", offsetof(struct zl_topo, has_normal_memory) },
	{ "has_cpu", offsetof(struct zl_topo, has_cpu) },
};

static struct zl_mask *topo_mask(struct zl_topo *t, size_t i)
{
	return (struct zl_mask *)((char *)t + topo_masks[i].off);
}

void zl_topo_reset(struct zl_topo *t)
{
	int i, j;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < ZL_MAX_NODES; i++)
		for (j = 0; j < ZL_MAX_NODES; j++)
			t->dist[i][j] = -1;
}

struct zl_topo *zl_topo_alloc(void)
{
	struct zl_topo *t = malloc(sizeof(*t));

	if (t)
		zl_topo_reset(t);
	return t;
}

static int read_mask(const char *path, struct zl_mask *m)
{
	char *buf = zl_read_file(path, NULL);
	int err;

	if (!buf)
		return -errno;
	err = zl_parse_list(buf, m);
	free(buf);
	return err;
}

const struct zl_zone *zl_topo_zone(const struct zl_topo *t, int nid, const char *name)
{
	int i;

	if (nid < 0 || nid >= ZL_MAX_NODES)
		return NULL;
	for (i = 0; i < t->nr_zones[nid]; i++)
		if (!strcmp(t->zones[nid][i].name, name))
			return &t->zones[nid][i];
	return NULL;
}

/* The node masks, from the sysfs files topo_masks[] names. */
static int masks_from_system(struct zl_topo *t, char *err, size_t errlen)
{
	char path[256];
	size_t i;
	int nid, ret;

	for (i = 0; i < ARRAY_SIZE(topo_masks); i++) {
		snprintf(path, sizeof(path), ZL_NODE_SYSFS "/%s", topo_masks[i].name);
		ret = read_mask(path, topo_mask(t, i));
		if (ret) {
			zl_set_err(err, errlen, "%s: %s", path, strerror(-ret));
			return ret;
		}
	}
	/* A zl_topo's per-node arrays hold ZL_MAX_NODES nodes only. */
	for (nid = ZL_MAX_NODES; nid < ZL_MASK_BITS; nid++) {
		if (zl_mask_test(&t->possible, nid)) {
			zl_set_err(err, errlen, "node %d exceeds the tests' limit %d",
				nid, ZL_MAX_NODES);
			return -ERANGE;
		}
	}
	return 0;
}

/* nodeN/distance: one number per online node, in nid order. */
static int distances_from_system(struct zl_topo *t, int nid, char *err,
				 size_t errlen)
{
	char path[256], *buf, *p, *end;
	int n, ret;

	snprintf(path, sizeof(path), ZL_NODE_SYSFS "/node%d/distance", nid);
	buf = zl_read_file(path, NULL);
	if (!buf) {
		ret = -errno;
		zl_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	p = buf;
	zl_for_each_node(n, &t->online) {
		long d = strtol(p, &end, 10);

		if (end == p) {
			zl_set_err(err, errlen, "%s: too few numbers", path);
			free(buf);
			return -EINVAL;
		}
		t->dist[nid][n] = d;
		p = end;
	}
	free(buf);
	t->have_dist[nid] = true;
	return 0;
}

int zl_topo_from_system(struct zl_topo *t, char *err, size_t errlen)
{
	char path[256], *buf;
	int nid, ret;

	ret = masks_from_system(t, err, errlen);
	if (ret)
		return ret;
	zl_for_each_node(nid, &t->online) {
		snprintf(path, sizeof(path), ZL_NODE_SYSFS "/node%d/cpulist", nid);
		ret = read_mask(path, &t->cpus[nid]);
		if (ret) {
			zl_set_err(err, errlen, "%s: %s", path, strerror(-ret));
			return ret;
		}
		t->have_cpus[nid] = true;
		ret = distances_from_system(t, nid, err, errlen);
		if (ret)
			return ret;
	}

	buf = zl_read_file("/proc/zoneinfo", NULL);
	if (!buf) {
		ret = -errno;
		zl_set_err(err, errlen, "/proc/zoneinfo: %s", strerror(errno));
		return ret;
	}
	ret = zl_parse_zoneinfo(t, buf, err, errlen);
	free(buf);
	return ret;
}

long zl_node_memtotal_kb(int nid)
{
	return zl_node_meminfo_kb(nid, "MemTotal");
}

long zl_node_meminfo_kb(int nid, const char *key)
{
	char path[128], *buf, *p;
	long kb = -1;

	snprintf(path, sizeof(path), ZL_NODE_SYSFS "/node%d/meminfo", nid);
	buf = zl_read_file(path, NULL);
	if (!buf)
		return -1;
	/* "Node 0 MemFree:        123 kB" */
	snprintf(path, sizeof(path), " %s:", key);
	p = strstr(buf, path);
	if (p)
		kb = strtol(p + strlen(path), NULL, 10);
	free(buf);
	return kb;
}

/*
 * "<key>" or "<key> <list>" at the start of @line; 0 and the mask, or
 * -EINVAL.  No trailing blank is allowed.
 */
static int parse_key_list(const char *line, const char *key, struct zl_mask *m)
{
	size_t kl = strlen(key);

	if (strncmp(line, key, kl))
		return -EINVAL;
	if (line[kl] == '\0') {
		zl_mask_clear(m);
		return 0;
	}
	if (line[kl] != ' ' || line[kl + 1] == '\0')
		return -EINVAL;
	return zl_parse_list(line + kl + 1, m);
}

/*
 * Where zl_topo_parse() is: the last node of each kind of node line, as
 * each kind must come in ascending nid order.
 */
struct topo_parser {
	struct zl_topo *t;
	int last_cpus, last_dist, last_zone_nid;
};

/* The mask lines come first, in topo_masks[] order, none left out. */
static int topo_parse_masks(struct zl_topo *t, const char **pos, char *err,
			    size_t errlen)
{
	char line[8192];
	bool no_nl;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(topo_masks); i++) {
		if (!zl_next_line(pos, line, sizeof(line), &no_nl) || no_nl) {
			zl_set_err(err, errlen, "topology: missing '%s' line", topo_masks[i].name);
			return -EINVAL;
		}
		if (parse_key_list(line, topo_masks[i].name, topo_mask(t, i))) {
			zl_set_err(err, errlen, "topology: bad line '%s' (want '%s <list>')",
				line, topo_masks[i].name);
			return -EINVAL;
		}
	}
	return 0;
}

/* "node N cpus[ <list>]" (@p at "cpus"), once per node. */
static int topo_parse_cpus(struct topo_parser *ps, int nid, const char *p,
			   const char *line, char *err, size_t errlen)
{
	struct zl_topo *t = ps->t;

	if (nid <= ps->last_cpus || t->have_cpus[nid] ||
	    parse_key_list(p, "cpus", &t->cpus[nid])) {
		zl_set_err(err, errlen, "topology: bad or misplaced '%s'", line);
		return -EINVAL;
	}
	t->have_cpus[nid] = true;
	ps->last_cpus = nid;
	return 0;
}

/* "node N distances <d>..." (@p at "distances"): one per online node. */
static int topo_parse_dists(struct topo_parser *ps, int nid, const char *p,
			    const char *line, char *err, size_t errlen)
{
	struct zl_topo *t = ps->t;
	int n;

	if (nid <= ps->last_dist || t->have_dist[nid]) {
		zl_set_err(err, errlen, "topology: out-of-order line '%s'", line);
		return -EINVAL;
	}
	p += 9;
	zl_for_each_node(n, &t->online) {
		unsigned long d;

		if (*p != ' ' || zl_parse_uint(p + 1, &p, &d) || d > INT_MAX) {
			zl_set_err(err, errlen, "topology: bad distances '%s'", line);
			return -EINVAL;
		}
		t->dist[nid][n] = d;
	}
	if (*p) {
		zl_set_err(err, errlen, "topology: trailing text in '%s'", line);
		return -EINVAL;
	}
	t->have_dist[nid] = true;
	ps->last_dist = nid;
	return 0;
}

/*
 * "node N zone <Zone> managed A present B spanned C" (@p at "zone"): a
 * node's zone lines together, in zone order.
 */
static int topo_parse_zone(struct topo_parser *ps, int nid, const char *p,
			   const char *line, char *err, size_t errlen)
{
	char rest[64], again[256], zname[ZL_ZONE_NAME + 1];
	struct zl_topo *t = ps->t;
	unsigned long a, b, c;
	struct zl_zone *z;

	if (sscanf(p, "zone %16s managed %lu present %lu spanned %lu%63s",
		   zname, &a, &b, &c, rest) != 4 ||
	    strlen(zname) >= ZL_ZONE_NAME) {
		zl_set_err(err, errlen, "topology: bad zone line '%s'", line);
		return -EINVAL;
	}
	/* Exact re-print check: no extra blanks, no signs. */
	snprintf(again, sizeof(again),
		 "node %d zone %s managed %lu present %lu spanned %lu",
		 nid, zname, a, b, c);
	if (strcmp(again, line)) {
		zl_set_err(err, errlen, "topology: zone line not in canonical form '%s'",
			line);
		return -EINVAL;
	}
	if (nid < ps->last_zone_nid || t->nr_zones[nid] >= ZL_MAX_ZONES ||
	    (nid != ps->last_zone_nid && t->nr_zones[nid])) {
		zl_set_err(err, errlen, "topology: zone line out of order '%s'", line);
		return -EINVAL;
	}
	ps->last_zone_nid = nid;
	z = &t->zones[nid][t->nr_zones[nid]];
	snprintf(z->name, sizeof(z->name), "%s", zname);
	z->idx = t->nr_zones[nid]++;
	z->managed = a;
	z->present = b;
	z->spanned = c;
	return 0;
}

/* One "node N <kind> ..." line after the masks. */
static int topo_parse_line(struct topo_parser *ps, const char *line, char *err,
			   size_t errlen)
{
	const char *p;
	int nid, k;

	if (sscanf(line, "node %d %n", &nid, &k) != 1 || k <= 5 ||
	    nid < 0 || nid >= ZL_MAX_NODES) {
		zl_set_err(err, errlen, "topology: unexpected line '%s'", line);
		return -EINVAL;
	}
	p = line + k;
	if (!strncmp(p, "cpus", 4) && (p[4] == '\0' || p[4] == ' '))
		return topo_parse_cpus(ps, nid, p, line, err, errlen);
	if (!strncmp(p, "distances", 9) && (p[9] == '\0' || p[9] == ' '))
		return topo_parse_dists(ps, nid, p, line, err, errlen);
	if (!strncmp(p, "zone ", 5))
		return topo_parse_zone(ps, nid, p, line, err, errlen);
	zl_set_err(err, errlen, "topology: unexpected line '%s'", line);
	return -EINVAL;
}

int zl_topo_parse(struct zl_topo *t, const char *text, char *err, size_t errlen)
{
	struct topo_parser ps = {
		.t = t, .last_cpus = -1, .last_dist = -1, .last_zone_nid = -1,
	};
	const char *pos = text;
	char line[8192];
	bool no_nl;

	if (topo_parse_masks(t, &pos, err, errlen))
		return -EINVAL;
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		if (no_nl) {
			zl_set_err(err, errlen, "topology: last line has no newline");
			return -EINVAL;
		}
		if (topo_parse_line(&ps, line, err, errlen))
			return -EINVAL;
	}
	return 0;
}
