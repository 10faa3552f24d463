// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's zonelist node ordering in user space (zonelab_parse.h):
 * what find_next_best_node() and build_zonelists() of a given kernel
 * version make of a topology, to compare zonelab and the kernel with.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "zonelab_util.h"

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
