// SPDX-License-Identifier: GPL-2.0
/*
 * The layout of `numactl --hardware` (zonelab_parse.h), as numactl and
 * zonelab's `topology` in numactl format print it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zonelab_util.h"

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
