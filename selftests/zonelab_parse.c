// SPDX-License-Identifier: GPL-2.0
/*
 * The data side of the zonelab selftests; see zonelab_parse.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest.h"
#include "zonelab_util.h"

/* ------------------------------------------------------------------ */
/* text helpers                                                       */
/* ------------------------------------------------------------------ */

void zl_copy_str(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void zl_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int zl_parse_uint(const char *s, const char **end, unsigned long *val)
{
	unsigned long v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p)) {
		if (v > (ULONG_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (*p - '0');
		p++;
	}
	*val = v;
	*end = p;
	return 0;
}

bool zl_next_line(const char **pos, char *line, size_t size, bool *no_nl)
{
	const char *p = *pos, *nl;
	size_t len;

	if (!*p)
		return false;
	nl = strchr(p, '\n');
	len = nl ? (size_t)(nl - p) : strlen(p);
	if (len >= size)
		len = size - 1;
	memcpy(line, p, len);
	line[len] = '\0';
	if (no_nl)
		*no_nl = !nl;
	*pos = nl ? nl + 1 : p + strlen(p);
	return true;
}

/* ------------------------------------------------------------------ */
/* masks and lists                                                    */
/* ------------------------------------------------------------------ */

#define BITS_PER_UL	(8 * sizeof(unsigned long))

void zl_mask_clear(struct zl_mask *m)
{
	memset(m, 0, sizeof(*m));
}

void zl_mask_set(struct zl_mask *m, int bit)
{
	if (bit >= 0 && bit < ZL_MASK_BITS)
		m->bits[bit / BITS_PER_UL] |= 1UL << (bit % BITS_PER_UL);
}

bool zl_mask_test(const struct zl_mask *m, int bit)
{
	if (bit < 0 || bit >= ZL_MASK_BITS)
		return false;
	return m->bits[bit / BITS_PER_UL] & (1UL << (bit % BITS_PER_UL));
}

int zl_mask_next(const struct zl_mask *m, int prev, int max)
{
	int bit;

	for (bit = prev + 1; bit < max; bit++)
		if (zl_mask_test(m, bit))
			return bit;
	return max;
}

bool zl_mask_equal(const struct zl_mask *a, const struct zl_mask *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

bool zl_mask_empty(const struct zl_mask *m)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(m->bits); i++)
		if (m->bits[i])
			return false;
	return true;
}

int zl_mask_weight(const struct zl_mask *m)
{
	size_t i;
	int w = 0;

	for (i = 0; i < ARRAY_SIZE(m->bits); i++)
		w += __builtin_popcountl(m->bits[i]);
	return w;
}

int zl_parse_list(const char *s, struct zl_mask *m)
{
	const char *p = s;
	unsigned long a, b, i;

	zl_mask_clear(m);
	/* Tolerate one trailing newline, as sysfs files end with one. */
	if (*p == '\0' || (p[0] == '\n' && p[1] == '\0'))
		return 0;
	for (;;) {
		if (zl_parse_uint(p, &p, &a))
			return -EINVAL;
		b = a;
		if (*p == '-') {
			p++;
			if (zl_parse_uint(p, &p, &b) || b < a)
				return -EINVAL;
		}
		if (b >= ZL_MASK_BITS)
			return -ERANGE;
		for (i = a; i <= b; i++)
			zl_mask_set(m, i);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0' || (p[0] == '\n' && p[1] == '\0'))
			return 0;
		return -EINVAL;
	}
}

char *zl_format_list(const struct zl_mask *m, char *buf, size_t size)
{
	size_t off = 0;
	int i = 0, j;

	buf[0] = '\0';
	while (i < ZL_MASK_BITS) {
		if (!zl_mask_test(m, i)) {
			i++;
			continue;
		}
		j = i;
		while (j + 1 < ZL_MASK_BITS && zl_mask_test(m, j + 1))
			j++;
		if (off < size)
			off += snprintf(buf + off, size - off, "%s%d", off ? "," : "", i);
		if (j > i && off < size)
			off += snprintf(buf + off, size - off, "-%d", j);
		i = j + 1;
	}
	return buf;
}

char *zl_format_order(const int *order, int nr, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < nr && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%d", i ? " " : "", order[i]);
	return buf;
}

char *zl_format_zrefs(const struct zl_zref *z, int nr, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < nr && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%d/%s", i ? " " : "",
				z[i].nid, z[i].zone);
	return buf;
}

char *zl_format_node_zones(const struct zl_zref *z, int nr, int owner,
			   char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < nr && off < size; i++)
		if (z[i].nid == owner)
			off += snprintf(buf + off, size - off, " %s", z[i].zone);
	return buf;
}

/* ------------------------------------------------------------------ */
/* topology                                                           */
/* ------------------------------------------------------------------ */

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

int zl_parse_zoneinfo(struct zl_topo *t, const char *text, char *err, size_t errlen)
{
	const char *pos = text;
	struct zl_zone *cur = NULL;
	char line[512], name[ZL_ZONE_NAME + 1];
	unsigned long v;
	int nid, i;

	for (i = 0; i < ZL_MAX_NODES; i++)
		t->nr_zones[i] = 0;
	while (zl_next_line(&pos, line, sizeof(line), NULL)) {
		const char *p = line;

		if (!strncmp(line, "Node ", 5)) {
			if (sscanf(line, "Node %d, zone %16s", &nid, name) != 2 ||
			    nid < 0 || nid >= ZL_MAX_NODES ||
			    strlen(name) >= ZL_ZONE_NAME ||
			    t->nr_zones[nid] >= ZL_MAX_ZONES) {
				zl_set_err(err, errlen, "zoneinfo: bad header '%s'", line);
				return -EINVAL;
			}
			cur = &t->zones[nid][t->nr_zones[nid]];
			memset(cur, 0, sizeof(*cur));
			snprintf(cur->name, sizeof(cur->name), "%s", name);
			cur->idx = t->nr_zones[nid]++;
			continue;
		}
		while (*p == ' ')
			p++;
		if (!cur)
			continue;
		if (sscanf(p, "spanned %lu", &v) == 1)
			cur->spanned = v;
		else if (sscanf(p, "present %lu", &v) == 1)
			cur->present = v;
		else if (sscanf(p, "managed %lu", &v) == 1)
			cur->managed = v;
	}
	return 0;
}

/* The kernel's zone names, read once by kernel_zones_read(). */
static char kernel_zone_names[ZL_MAX_ZONES][ZL_ZONE_NAME];
static int kernel_zones_ret;	/* zl_kernel_zones()'s result */
static pthread_once_t kernel_zones_once = PTHREAD_ONCE_INIT;

/* The zone headers of /proc/zoneinfo's first node, in order. */
static void kernel_zones_read(void)
{
	char *text = zl_read_file("/proc/zoneinfo", NULL), line[512];
	char name[ZL_ZONE_NAME + 1];
	const char *pos = text;
	int nid, first = -1, nr = 0;

	if (!text) {
		kernel_zones_ret = -errno;
		return;
	}
	while (zl_next_line(&pos, line, sizeof(line), NULL)) {
		if (sscanf(line, "Node %d, zone %16s", &nid, name) != 2)
			continue;
		if (first < 0)
			first = nid;
		if (nid != first)
			break;
		if (nr >= ZL_MAX_ZONES || strlen(name) >= ZL_ZONE_NAME) {
			nr = -ERANGE;
			break;
		}
		zl_copy_str(kernel_zone_names[nr++], ZL_ZONE_NAME, name);
	}
	free(text);
	kernel_zones_ret = nr ? nr : -ENODATA;
}

int zl_kernel_zones(const char (**names)[ZL_ZONE_NAME])
{
	pthread_once(&kernel_zones_once, kernel_zones_read);
	if (names)
		*names = kernel_zone_names;
	return kernel_zones_ret;
}

int zl_kernel_zone_idx(const char *name)
{
	const char (*names)[ZL_ZONE_NAME];
	int i, nr = zl_kernel_zones(&names);

	for (i = 0; i < nr; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

int zl_topo_from_system(struct zl_topo *t, char *err, size_t errlen)
{
	char path[256], *buf, *p, *end;
	size_t i;
	int nid, n, ret;

	for (i = 0; i < ARRAY_SIZE(topo_masks); i++) {
		snprintf(path, sizeof(path), ZL_NODE_SYSFS "/%s", topo_masks[i].name);
		ret = read_mask(path, topo_mask(t, i));
		if (ret) {
			zl_set_err(err, errlen, "%s: %s", path, strerror(-ret));
			return ret;
		}
	}
	for (nid = ZL_MAX_NODES; nid < ZL_MASK_BITS; nid++) {
		if (zl_mask_test(&t->possible, nid)) {
			zl_set_err(err, errlen, "node %d exceeds the tests' limit %d",
				nid, ZL_MAX_NODES);
			return -ERANGE;
		}
	}

	zl_for_each_node(nid, &t->online) {
		snprintf(path, sizeof(path), ZL_NODE_SYSFS "/node%d/cpulist", nid);
		ret = read_mask(path, &t->cpus[nid]);
		if (ret) {
			zl_set_err(err, errlen, "%s: %s", path, strerror(-ret));
			return ret;
		}
		t->have_cpus[nid] = true;

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

int zl_topo_parse(struct zl_topo *t, const char *text, char *err, size_t errlen)
{
	int last_cpus = -1, last_dist = -1, last_zone_nid = -1;
	const char *pos = text, *p;
	char line[8192];
	bool no_nl;
	size_t i;
	int nid, n, k;

	for (i = 0; i < ARRAY_SIZE(topo_masks); i++) {
		if (!zl_next_line(&pos, line, sizeof(line), &no_nl) || no_nl) {
			zl_set_err(err, errlen, "topology: missing '%s' line", topo_masks[i].name);
			return -EINVAL;
		}
		if (parse_key_list(line, topo_masks[i].name, topo_mask(t, i))) {
			zl_set_err(err, errlen, "topology: bad line '%s' (want '%s <list>')",
				line, topo_masks[i].name);
			return -EINVAL;
		}
	}

	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		char rest[64], again[256], zname[ZL_ZONE_NAME + 1];
		unsigned long a, b, c;

		if (no_nl) {
			zl_set_err(err, errlen, "topology: last line has no newline");
			return -EINVAL;
		}
		if (sscanf(line, "node %d %n", &nid, &k) != 1 || k <= 5 ||
		    nid < 0 || nid >= ZL_MAX_NODES) {
			zl_set_err(err, errlen, "topology: unexpected line '%s'", line);
			return -EINVAL;
		}
		p = line + k;
		if (!strncmp(p, "cpus", 4) && (p[4] == '\0' || p[4] == ' ')) {
			if (nid <= last_cpus || t->have_cpus[nid] ||
			    parse_key_list(p, "cpus", &t->cpus[nid])) {
				zl_set_err(err, errlen, "topology: bad or misplaced '%s'", line);
				return -EINVAL;
			}
			t->have_cpus[nid] = true;
			last_cpus = nid;
		} else if (!strncmp(p, "distances", 9) && (p[9] == '\0' || p[9] == ' ')) {
			if (nid <= last_dist || t->have_dist[nid]) {
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
			last_dist = nid;
		} else if (!strncmp(p, "zone ", 5)) {
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
			if (nid < last_zone_nid || t->nr_zones[nid] >= ZL_MAX_ZONES ||
			    (nid != last_zone_nid && t->nr_zones[nid])) {
				zl_set_err(err, errlen, "topology: zone line out of order '%s'", line);
				return -EINVAL;
			}
			last_zone_nid = nid;
			z = &t->zones[nid][t->nr_zones[nid]];
			snprintf(z->name, sizeof(z->name), "%s", zname);
			z->idx = t->nr_zones[nid]++;
			z->managed = a;
			z->present = b;
			z->spanned = c;
		} else {
			zl_set_err(err, errlen, "topology: unexpected line '%s'", line);
			return -EINVAL;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* numactl --hardware's layout                                        */
/* ------------------------------------------------------------------ */

/* "node <nid> <key>: <X> MB" with the nid of the node block; 0 or -EINVAL. */
static int parse_numactl_mb(const char *line, int nid, const char *key,
			    unsigned long long *mb)
{
	char prefix[64];
	unsigned long v;
	const char *p;

	snprintf(prefix, sizeof(prefix), "node %d %s: ", nid, key);
	if (strncmp(line, prefix, strlen(prefix)))
		return -EINVAL;
	p = line + strlen(prefix);
	if (zl_parse_uint(p, &p, &v) || strcmp(p, " MB"))
		return -EINVAL;
	*mb = v;
	return 0;
}

/* One node block: "node N cpus:[ cpu]...", "node N size: X MB", free. */
static int parse_numactl_node(struct zl_numactl *n, const char **pos,
			      const char *first, char *err, size_t errlen)
{
	char line[1024];
	unsigned long v;
	const char *p;
	bool no_nl;
	int k = n->nr_nodes;

	if (k >= ZL_MAX_NODES || strncmp(first, "node ", 5) ||
	    zl_parse_uint(first + 5, &p, &v) || v >= ZL_MAX_NODES ||
	    strncmp(p, " cpus:", 6) || (k && (int)v <= n->nid[k - 1])) {
		zl_set_err(err, errlen, "numactl: bad or misplaced line '%s'", first);
		return -EINVAL;
	}
	/* The cpus: " <cpu>" each, ascending. */
	for (p += 6; *p; ) {
		const char *q = p;
		unsigned long cpu;

		if (*q != ' ' || zl_parse_uint(q + 1, &p, &cpu)) {
			zl_set_err(err, errlen, "numactl: bad cpus line '%s'", first);
			return -EINVAL;
		}
	}
	n->nid[k] = v;
	zl_copy_str(n->cpus[k], sizeof(n->cpus[k]), first);
	if (!zl_next_line(pos, line, sizeof(line), &no_nl) || no_nl ||
	    parse_numactl_mb(line, v, "size", &n->size_mb[k])) {
		zl_set_err(err, errlen, "numactl: no 'node %lu size: <X> MB' line", v);
		return -EINVAL;
	}
	if (!zl_next_line(pos, line, sizeof(line), &no_nl) || no_nl ||
	    parse_numactl_mb(line, v, "free", &n->free_mb[k])) {
		zl_set_err(err, errlen, "numactl: no 'node %lu free: <X> MB' line", v);
		return -EINVAL;
	}
	n->nr_nodes++;
	return 0;
}

int zl_numactl_parse(struct zl_numactl *n, const char *text, char *err, size_t errlen)
{
	const char *pos = text, *p;
	char line[1024];
	unsigned long v;
	bool no_nl;

	memset(n, 0, sizeof(*n));
	if (!zl_next_line(&pos, line, sizeof(line), &no_nl) || no_nl ||
	    strncmp(line, "available: ", 11) || zl_parse_uint(line + 11, &p, &v) ||
	    strncmp(p, " nodes (", 8) || line[strlen(line) - 1] != ')') {
		zl_set_err(err, errlen, "numactl: no 'available: <n> nodes (<list>)' line");
		return -EINVAL;
	}
	zl_copy_str(n->available, sizeof(n->available), line);
	for (;;) {
		if (!zl_next_line(&pos, line, sizeof(line), &no_nl) || no_nl) {
			zl_set_err(err, errlen, "numactl: no 'node distances:' line");
			return -EINVAL;
		}
		if (!strcmp(line, "node distances:"))
			break;
		if (parse_numactl_node(n, &pos, line, err, errlen))
			return -EINVAL;
	}
	if (!n->nr_nodes || (unsigned long)n->nr_nodes != v) {
		zl_set_err(err, errlen, "numactl: %d node blocks for '%s'", n->nr_nodes,
			   n->available);
		return -EINVAL;
	}
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		if (no_nl || n->nr_dist > n->nr_nodes) {
			zl_set_err(err, errlen, "numactl: unexpected line '%s'", line);
			return -EINVAL;
		}
		zl_copy_str(n->dist[n->nr_dist], sizeof(n->dist[0]), line);
		n->nr_dist++;
	}
	if (n->nr_dist != n->nr_nodes + 1) {
		zl_set_err(err, errlen, "numactl: %d distance table lines for %d nodes",
			   n->nr_dist, n->nr_nodes);
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* zonelists                                                          */
/* ------------------------------------------------------------------ */

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

int zl_zonelists_parse(struct zl_zonelists *z, const char *text, bool with_order,
		       char *err, size_t errlen)
{
	const char *pos = text, *p;
	char line[8192];
	int nid, k, last_nid = -1, expect = 0;	/* 0 order, 1 fallback, 2 thisnode */
	unsigned long v;
	bool no_nl;

	memset(z, 0, sizeof(*z));
	if (with_order) {
		if (!zl_next_line(&pos, line, sizeof(line), &no_nl) || no_nl ||
		    strncmp(line, "generation ", 11) ||
		    zl_parse_uint(line + 11, &p, &v) || *p || v > LONG_MAX) {
			zl_set_err(err, errlen, "zonelists: first line is not 'generation <n>'");
			return -EINVAL;
		}
		z->has_generation = true;
		z->generation = v;
	} else {
		expect = 1;
	}

	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		struct zl_node_zl *n;
		const char *what;

		if (no_nl) {
			zl_set_err(err, errlen, "zonelists: last line has no newline");
			return -EINVAL;
		}
		if (sscanf(line, "node %d %n", &nid, &k) != 1 || k <= 5 ||
		    nid < 0 || nid >= ZL_MAX_NODES) {
			zl_set_err(err, errlen, "zonelists: unexpected line '%s'", line);
			return -EINVAL;
		}
		p = line + k;
		n = &z->node[nid];
		what = with_order ? "order" : "fallback";
		if (!strncmp(p, "order:", 6)) {
			if (!with_order || nid <= last_nid || expect != 0) {
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
			zl_mask_set(&z->nodes, nid);
			last_nid = nid;
			expect = 1;
		} else if (!strncmp(p, "fallback:", 9)) {
			if (expect != 1 || (with_order ? nid != last_nid : nid <= last_nid)) {
				zl_set_err(err, errlen, "zonelists: misplaced line '%s' (want %s first)",
					line, what);
				return -EINVAL;
			}
			if (parse_zrefs(p + 9, n->fallback, ZL_MAX_ZREFS, &n->nr_fallback)) {
				zl_set_err(err, errlen, "zonelists: bad fallback line '%s'", line);
				return -EINVAL;
			}
			n->has_fallback = true;
			zl_copy_str(n->fallback_line, sizeof(n->fallback_line), line);
			zl_mask_set(&z->nodes, nid);
			last_nid = nid;
			expect = 2;
		} else if (!strncmp(p, "thisnode:", 9)) {
			if (expect != 2 || nid != last_nid) {
				zl_set_err(err, errlen, "zonelists: misplaced line '%s'", line);
				return -EINVAL;
			}
			if (parse_zrefs(p + 9, n->thisnode, ZL_MAX_ZONES, &n->nr_thisnode)) {
				zl_set_err(err, errlen, "zonelists: bad thisnode line '%s'", line);
				return -EINVAL;
			}
			n->has_thisnode = true;
			zl_copy_str(n->thisnode_line, sizeof(n->thisnode_line), line);
			expect = with_order ? 0 : 1;
		} else {
			zl_set_err(err, errlen, "zonelists: unexpected line '%s'", line);
			return -EINVAL;
		}
	}
	if (expect != (with_order ? 0 : 1)) {
		zl_set_err(err, errlen, "zonelists: node %d's lines are incomplete", last_nid);
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

/* ------------------------------------------------------------------ */
/* stats                                                              */
/* ------------------------------------------------------------------ */

int zl_stats_parse(struct zl_stats *s, const char *text, char *err, size_t errlen)
{
	const char *pos = text;
	char line[256], key[64];
	long long v;
	bool no_nl;
	int k, i;

	memset(s, 0, sizeof(*s));
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		char again[256];

		k = 0;
		if (!no_nl && s->nr < ZL_MAX_STATS &&
		    sscanf(line, "%47[a-z0-9_] %lld%n", key, &v, &k) == 2)
			snprintf(again, sizeof(again), "%s %lld", key, v);
		else
			again[0] = '\0';
		/* Canonical "<key> <value>": one blank, no sign, nothing after. */
		if (!again[0] || line[k] != '\0' || strcmp(again, line)) {
			zl_set_err(err, errlen, "stats: bad line '%s'", line);
			return -EINVAL;
		}
		for (i = 0; i < s->nr; i++) {
			if (!strcmp(s->key[i], key)) {
				zl_set_err(err, errlen, "stats: duplicate key '%s'", key);
				return -EINVAL;
			}
		}
		zl_copy_str(s->key[s->nr], sizeof(s->key[0]), key);
		s->val[s->nr++] = v;
	}
	return 0;
}

int zl_stats_read(struct zl_stats *s)
{
	char err[256];
	char *buf = zl_read_file(ZL_STATS, NULL);
	int ret;

	if (!buf)
		return -errno;
	ret = zl_stats_parse(s, buf, err, sizeof(err));
	if (ret)
		zl_log("%s", err);
	free(buf);
	return ret;
}

long long zl_stat(const struct zl_stats *s, const char *key)
{
	int i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->key[i], key))
			return s->val[i];
	return -1;
}

long long zl_stat_get(const char *key)
{
	struct zl_stats s;

	if (zl_stats_read(&s))
		return -2;
	return zl_stat(&s, key);
}

int zl_wait_quiescent(int timeout_ms)
{
	long long deadline = zl_now_ms() + timeout_ms;
	struct zl_stats s;

	do {
		if (zl_stats_read(&s) == 0 && zl_stat(&s, "generations_live") <= 1)
			return 0;
		zl_sleep_ms(50);
	} while (zl_now_ms() < deadline);
	return -ETIMEDOUT;
}

/* ------------------------------------------------------------------ */
/* zonelab's zoneinfo                                                 */
/* ------------------------------------------------------------------ */

/*
 * "<blanks><key><blanks><unsigned>" with at least one leading blank and
 * nothing after the number; 0 and *val, or -EINVAL.
 */
static int zi_key_val(const char *line, const char *key, long *val)
{
	const char *p = line, *end;
	size_t kl = strlen(key);
	unsigned long v;

	while (*p == ' ')
		p++;
	if (p == line || strncmp(p, key, kl))
		return -EINVAL;
	p += kl;
	if (*p != ' ')
		return -EINVAL;
	while (*p == ' ')
		p++;
	if (zl_parse_uint(p, &end, &v) || *end || v > (unsigned long)LONG_MAX)
		return -EINVAL;
	*val = v;
	return 0;
}

/* "protection: (a, b, ...)" with at least one entry. */
static int zi_protection(const char *line, struct zl_zi_zone *z)
{
	const char *p = line, *end;
	unsigned long v;

	while (*p == ' ')
		p++;
	if (p == line || strncmp(p, "protection: (", 13))
		return -EINVAL;
	p += 13;
	z->nr_prot = 0;
	for (;;) {
		if (z->nr_prot >= ZL_ZI_MAX_PROT ||
		    zl_parse_uint(p, &end, &v) || v > (unsigned long)LONG_MAX)
			return -EINVAL;
		z->protection[z->nr_prot++] = v;
		p = end;
		if (*p == ')')
			return p[1] ? -EINVAL : 0;
		if (strncmp(p, ", ", 2))
			return -EINVAL;
		p += 2;
	}
}

int zl_zoneinfo_parse(struct zl_zoneinfo *zi, const char *text, char *err, size_t errlen)
{
	/* What each zone block must contain first, in this order. */
	static const char * const keys[] = {
		"pages free", "min", "low", "high", "spanned", "present", "managed",
	};
	enum {
		ST_KEYS,	/* keys[nkey] next */
		ST_PROT,	/* protection: (...) next */
		ST_PAGESETS,	/* "  pagesets" next */
		ST_CPU,		/* "    cpu: N", a zone header or the end next */
		ST_COUNT, ST_HIGH, ST_BATCH,
	} st = ST_CPU;
	const char *pos = text;
	struct zl_zi_zone *z = NULL;
	char line[512], name[ZL_ZONE_NAME + 1];
	int nkey = 0, lineno = 0, prev_nid = -1, prev_idx = -1;
	bool no_nl = false;

	memset(zi, 0, sizeof(*zi));
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		struct zl_zi_pcp *pcp = z && z->nr_pcp ? &z->pcp[z->nr_pcp - 1] : NULL;
		long *vals, v;
		const char *end;
		unsigned long c;
		int nid, n = 0, idx;

		lineno++;
		if (no_nl) {
			zl_set_err(err, errlen, "zoneinfo:%d: no newline at the end", lineno);
			return -EINVAL;
		}
		if (!strncmp(line, "Node ", 5)) {
			if (st != ST_CPU) {
				zl_set_err(err, errlen, "zoneinfo:%d: zone %d/%s incomplete",
					lineno, z->nid, z->name);
				return -EINVAL;
			}
			/* "Node %d, zone %8s": the name right-aligned in 8. */
			if (sscanf(line, "Node %d, zone %16s%n", &nid, name, &n) != 2 ||
			    line[n] || nid < 0 || nid >= ZL_MAX_NODES ||
			    strlen(name) >= ZL_ZONE_NAME ||
			    (idx = zl_kernel_zone_idx(name)) < 0 ||
			    (strlen(name) < 8 && strlen(strstr(line, "zone ") + 5) != 8)) {
				zl_set_err(err, errlen, "zoneinfo:%d: bad header '%s'", lineno, line);
				return -EINVAL;
			}
			if (nid < prev_nid || (nid == prev_nid && idx <= prev_idx)) {
				zl_set_err(err, errlen, "zoneinfo:%d: zone %d/%s out of order",
					lineno, nid, name);
				return -EINVAL;
			}
			if (zi->nr >= ZL_ZI_MAX_ZONES) {
				zl_set_err(err, errlen, "zoneinfo: more than %d zones",
					ZL_ZI_MAX_ZONES);
				return -EINVAL;
			}
			prev_nid = nid;
			prev_idx = idx;
			z = &zi->zone[zi->nr++];
			z->nid = nid;
			zl_copy_str(z->name, sizeof(z->name), name);
			st = ST_KEYS;
			nkey = 0;
			continue;
		}
		if (!z) {
			zl_set_err(err, errlen, "zoneinfo:%d: '%s' before any zone", lineno, line);
			return -EINVAL;
		}
		vals = &z->free;	/* free, min, low, high, spanned, present, managed */
		switch (st) {
		case ST_KEYS:
			if (zi_key_val(line, keys[nkey], &vals[nkey]))
				goto bad;
			if (++nkey == (int)ARRAY_SIZE(keys))
				st = ST_PROT;
			break;
		case ST_PROT:
			if (zi_protection(line, z))
				goto bad;
			st = ST_PAGESETS;
			break;
		case ST_PAGESETS:
			if (strcmp(line, "  pagesets"))
				goto bad;
			st = ST_CPU;
			break;
		case ST_CPU:	/* CPUs ascending, each once */
			if (strncmp(line, "    cpu: ", 9) ||
			    zl_parse_uint(line + 9, &end, &c) || *end ||
			    c > (1u << 20) || z->nr_pcp >= ZL_ZI_MAX_PCP ||
			    (pcp && pcp->cpu >= (int)c))
				goto bad;
			z->pcp[z->nr_pcp++].cpu = c;
			st = ST_COUNT;
			break;
		case ST_COUNT:
			if (zi_key_val(line, "count:", &v))
				goto bad;
			pcp->count = v;
			st = ST_HIGH;
			break;
		case ST_HIGH:
			if (zi_key_val(line, "high:", &v))
				goto bad;
			pcp->high = v;
			st = ST_BATCH;
			break;
		case ST_BATCH:
			if (zi_key_val(line, "batch:", &v))
				goto bad;
			pcp->batch = v;
			st = ST_CPU;
			break;
		}
		continue;
bad:
		zl_set_err(err, errlen, "zoneinfo:%d: zone %d/%s: unexpected '%s'",
			lineno, z->nid, z->name, line);
		return -EINVAL;
	}
	if (st != ST_CPU) {
		zl_set_err(err, errlen, "zoneinfo: last zone %d/%s incomplete",
			z->nid, z->name);
		return -EINVAL;
	}
	return 0;
}

int zl_zoneinfo_read(struct zl_zoneinfo *zi)
{
	char err[256];
	char *buf = zl_read_file(ZL_ZONEINFO, NULL);
	int ret;

	if (!buf)
		return -errno;
	ret = zl_zoneinfo_parse(zi, buf, err, sizeof(err));
	if (ret)
		zl_log("%s", err);
	free(buf);
	return ret;
}

const struct zl_zi_zone *zl_zoneinfo_find(const struct zl_zoneinfo *zi, int nid,
					  const char *name)
{
	int i;

	for (i = 0; i < zi->nr; i++)
		if (zi->zone[i].nid == nid && !strcmp(zi->zone[i].name, name))
			return &zi->zone[i];
	return NULL;
}

long zl_zi_pcp_total(const struct zl_zi_zone *z)
{
	long sum = 0;
	int i;

	for (i = 0; i < z->nr_pcp; i++)
		sum += z->pcp[i].count;
	return sum;
}

struct zl_zoneinfo *zl_zoneinfo_alloc(void)
{
	return calloc(1, sizeof(struct zl_zoneinfo));
}

bool zl_zi_node_has_pages(const struct zl_zoneinfo *zi, int nid)
{
	int i;

	for (i = 0; i < zi->nr; i++)
		if (zi->zone[i].nid == nid && zi->zone[i].managed > 0)
			return true;
	return false;
}

int zl_zi_pool_nodes(const struct zl_zoneinfo *zi, struct zl_mask *m)
{
	int i;

	zl_mask_clear(m);
	for (i = 0; i < zi->nr; i++)
		if (zi->zone[i].managed > 0)
			zl_mask_set(m, zi->zone[i].nid);
	return zl_mask_weight(m);
}

int zl_zi_first_node(const struct zl_zoneinfo *zi)
{
	struct zl_mask m;
	int nid;

	zl_zi_pool_nodes(zi, &m);
	nid = zl_mask_next(&m, -1, ZL_MAX_NODES);
	return nid < ZL_MAX_NODES ? nid : -1;
}

int zl_zi_expected_zrefs(const struct zl_zoneinfo *zi, const int *order, int nr_order,
			 struct zl_zref *out, int max)
{
	int i, z, nr = 0;

	for (i = 0; i < nr_order; i++) {
		/* zoneinfo lists a node's zones by ascending index. */
		for (z = zi->nr - 1; z >= 0; z--) {
			const struct zl_zi_zone *zone = &zi->zone[z];

			if (zone->nid != order[i] || zone->managed <= 0 || nr >= max)
				continue;
			out[nr].nid = zone->nid;
			zl_copy_str(out[nr].zone, sizeof(out[nr].zone), zone->name);
			nr++;
		}
	}
	return nr;
}

int zl_zrefs_filter_zi(const struct zl_zref *in, int nr, const struct zl_zoneinfo *zi,
		       struct zl_zref *out, int max)
{
	const struct zl_zi_zone *zone;
	int i, n = 0;

	for (i = 0; i < nr && n < max; i++) {
		zone = zl_zoneinfo_find(zi, in[i].nid, in[i].zone);
		if (zone && zone->managed > 0)
			out[n++] = in[i];
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* the kernel's node ordering, in user space                          */
/* ------------------------------------------------------------------ */

bool zl_model_local_first(int kver, const struct zl_mask *memory, int node)
{
	if (kver >= ZL_KVER(6, 7, 0))
		return zl_mask_test(memory, node);
	return true;
}

bool zl_model_offline_clears_first(int kver)
{
	return kver >= ZL_KVER(6, 7, 0);
}

/* find_next_best_node() of mm/page_alloc.c (kernel @kver), over @t. */
static int model_next_best(const struct zl_topo *t, const struct zl_mask *memory,
			   int kver, int node, bool *used, const int *node_load,
			   bool *unknown)
{
	int n, val, min_val = INT_MAX, best = -1;

	if (!used[node] && zl_model_local_first(kver, memory, node)) {
		used[node] = true;
		return node;
	}
	zl_for_each_node(n, memory) {
		if (used[n])
			continue;
		if (t->dist[node][n] < 0 || !t->have_cpus[n]) {
			*unknown = true;
			return -1;
		}
		val = t->dist[node][n];
		val += (n < node);
		if (!zl_mask_empty(&t->cpus[n]))
			val += ZL_PENALTY_FOR_NODE_WITH_CPUS;
		val *= ZL_KERNEL_MAX_NUMNODES;
		val += node_load[n];
		if (val < min_val) {
			min_val = val;
			best = n;
		}
	}
	if (best >= 0)
		used[best] = true;
	return best;
}

int zl_model_orders(const struct zl_topo *t, const struct zl_mask *memory, int kver,
		    int order[ZL_MAX_NODES][ZL_MAX_NODES], int nr[ZL_MAX_NODES])
{
	int node_load[ZL_MAX_NODES] = { 0 };
	bool unknown = false;
	int local, node, prev;

	/* __build_all_zonelists(): node_load[] reset once, then every node. */
	zl_for_each_node(local, &t->possible) {
		bool used[ZL_MAX_NODES] = { false };

		nr[local] = 0;
		prev = local;
		while ((node = model_next_best(t, memory, kver, local, used,
					       node_load, &unknown)) >= 0) {
			if (t->dist[local][node] < 0 || t->dist[local][prev] < 0) {
				/* the local node itself, offline: no distances */
				if (node != local || prev != local)
					return -ENODATA;
			} else if (t->dist[local][node] != t->dist[local][prev]) {
				node_load[node] += 1;
			}
			order[local][nr[local]++] = node;
			prev = node;
		}
		if (unknown)
			return -ENODATA;
	}
	return 0;
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

int zl_expected_zrefs(const struct zl_topo *t, const int *order, int nr_order,
		      struct zl_zref *out, int max)
{
	int i, z, nr = 0, nid;

	for (i = 0; i < nr_order; i++) {
		nid = order[i];
		if (nid < 0 || nid >= ZL_MAX_NODES)
			continue;
		for (z = t->nr_zones[nid] - 1; z >= 0; z--) {
			if (!t->zones[nid][z].present)
				continue;
			if (nr >= max)
				return nr;
			out[nr].nid = nid;
			snprintf(out[nr].zone, sizeof(out[nr].zone), "%s",
				 t->zones[nid][z].name);
			nr++;
		}
	}
	return nr;
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
