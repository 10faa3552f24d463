// SPDX-License-Identifier: GPL-2.0
/*
 * Zone data (zonelab_parse.h): /proc/zoneinfo, for the kernel's topology
 * and its zone names, and zonelab's `zoneinfo` file in the same layout,
 * with the helpers that read zonelab's zones out of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest.h"
#include "zonelab_util.h"

/* ------------------------------------------------------------------ */
/* /proc/zoneinfo                                                     */
/* ------------------------------------------------------------------ */

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

/* Where zl_zoneinfo_parse() is in a zone block: what it wants next. */
enum zi_want {
	ZI_KEYS,	/* zi_keys[nkey] */
	ZI_PROT,	/* protection: (...) */
	ZI_PAGESETS,	/* "  pagesets" */
	ZI_CPU,		/* "    cpu: N", a zone header or the end */
	ZI_COUNT, ZI_HIGH, ZI_BATCH,
};

/* What each zone block must contain first, in this order. */
static const char * const zi_keys[] = {
	"pages free", "min", "low", "high", "spanned", "present", "managed",
};

/* zl_zoneinfo_parse()'s place: the zone block and what it has seen. */
struct zi_parser {
	struct zl_zoneinfo *zi;
	struct zl_zi_zone *z;		/* the zone block being read */
	enum zi_want want;
	int nkey, lineno, prev_nid, prev_idx;
};

/*
 * The kernel prints "Node %d, zone %8s": the name right-aligned in 8, so
 * 8 characters follow "zone ".  sscanf()'s blanks match tabs as well: a
 * header with a tab after "zone" has no "zone " at all, and is bad too.
 */
static bool zi_name_aligned(const char *line)
{
	const char *p = strstr(line, "zone ");

	return p && strlen(p + 5) == 8;
}

/* "Node N, zone <Zone>" opens a zone block: zones ascending, each once. */
static int zi_header(struct zi_parser *ps, const char *line, char *err,
		     size_t errlen)
{
	char name[ZL_ZONE_NAME + 1];
	struct zl_zi_zone *z;
	int nid, n = 0, idx;

	if (ps->want != ZI_CPU) {
		zl_set_err(err, errlen, "zoneinfo:%d: zone %d/%s incomplete",
			ps->lineno, ps->z->nid, ps->z->name);
		return -EINVAL;
	}
	if (sscanf(line, "Node %d, zone %16s%n", &nid, name, &n) != 2 ||
	    line[n] || nid < 0 || nid >= ZL_MAX_NODES ||
	    strlen(name) >= ZL_ZONE_NAME ||
	    (idx = zl_kernel_zone_idx(name)) < 0 ||
	    (strlen(name) < 8 && !zi_name_aligned(line))) {
		zl_set_err(err, errlen, "zoneinfo:%d: bad header '%s'", ps->lineno, line);
		return -EINVAL;
	}
	if (nid < ps->prev_nid ||
	    (nid == ps->prev_nid && idx <= ps->prev_idx)) {
		zl_set_err(err, errlen, "zoneinfo:%d: zone %d/%s out of order",
			ps->lineno, nid, name);
		return -EINVAL;
	}
	if (ps->zi->nr >= ZL_ZI_MAX_ZONES) {
		zl_set_err(err, errlen, "zoneinfo: more than %d zones",
			ZL_ZI_MAX_ZONES);
		return -EINVAL;
	}
	ps->prev_nid = nid;
	ps->prev_idx = idx;
	z = &ps->zi->zone[ps->zi->nr++];
	z->nid = nid;
	zl_copy_str(z->name, sizeof(z->name), name);
	ps->z = z;
	ps->want = ZI_KEYS;
	ps->nkey = 0;
	return 0;
}

/* A CPU's "count:", "high:" and "batch:" lines, after its "cpu:". */
static int zi_pcp_line(struct zi_parser *ps, const char *line)
{
	struct zl_zi_pcp *pcp = &ps->z->pcp[ps->z->nr_pcp - 1];

	switch (ps->want) {
	case ZI_COUNT:
		if (zi_key_val(line, "count:", &pcp->count))
			return -EINVAL;
		ps->want = ZI_HIGH;
		return 0;
	case ZI_HIGH:
		if (zi_key_val(line, "high:", &pcp->high))
			return -EINVAL;
		ps->want = ZI_BATCH;
		return 0;
	case ZI_BATCH:
		if (zi_key_val(line, "batch:", &pcp->batch))
			return -EINVAL;
		ps->want = ZI_CPU;
		return 0;
	default:
		return -EINVAL;
	}
}

/* A line inside the current zone block; 0 or -EINVAL. */
static int zi_zone_line(struct zi_parser *ps, const char *line)
{
	struct zl_zi_zone *z = ps->z;
	struct zl_zi_pcp *pcp = z->nr_pcp ? &z->pcp[z->nr_pcp - 1] : NULL;
	/* zi_keys[]'s fields, in order: free min low high spanned present managed */
	long *vals = &z->free;
	const char *end;
	unsigned long c;

	switch (ps->want) {
	case ZI_KEYS:
		if (zi_key_val(line, zi_keys[ps->nkey], &vals[ps->nkey]))
			return -EINVAL;
		if (++ps->nkey == (int)ARRAY_SIZE(zi_keys))
			ps->want = ZI_PROT;
		return 0;
	case ZI_PROT:
		if (zi_protection(line, z))
			return -EINVAL;
		ps->want = ZI_PAGESETS;
		return 0;
	case ZI_PAGESETS:
		if (strcmp(line, "  pagesets"))
			return -EINVAL;
		ps->want = ZI_CPU;
		return 0;
	case ZI_CPU:	/* CPUs ascending, each once */
		if (strncmp(line, "    cpu: ", 9) ||
		    zl_parse_uint(line + 9, &end, &c) || *end ||
		    c > (1u << 20) || z->nr_pcp >= ZL_ZI_MAX_PCP ||
		    (pcp && pcp->cpu >= (int)c))
			return -EINVAL;
		z->pcp[z->nr_pcp++].cpu = c;
		ps->want = ZI_COUNT;
		return 0;
	default:
		return zi_pcp_line(ps, line);
	}
}

int zl_zoneinfo_parse(struct zl_zoneinfo *zi, const char *text, char *err, size_t errlen)
{
	struct zi_parser ps = {
		.zi = zi, .want = ZI_CPU, .prev_nid = -1, .prev_idx = -1,
	};
	const char *pos = text;
	char line[512];
	bool no_nl = false;

	memset(zi, 0, sizeof(*zi));
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		ps.lineno++;
		if (no_nl) {
			zl_set_err(err, errlen, "zoneinfo:%d: no newline at the end", ps.lineno);
			return -EINVAL;
		}
		if (!strncmp(line, "Node ", 5)) {
			if (zi_header(&ps, line, err, errlen))
				return -EINVAL;
			continue;
		}
		if (!ps.z) {
			zl_set_err(err, errlen, "zoneinfo:%d: '%s' before any zone",
				   ps.lineno, line);
			return -EINVAL;
		}
		if (zi_zone_line(&ps, line)) {
			zl_set_err(err, errlen, "zoneinfo:%d: zone %d/%s: unexpected '%s'",
				   ps.lineno, ps.z->nid, ps.z->name, line);
			return -EINVAL;
		}
	}
	if (ps.want != ZI_CPU) {
		zl_set_err(err, errlen, "zoneinfo: last zone %d/%s incomplete",
			   ps.z->nid, ps.z->name);
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
