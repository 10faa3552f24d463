// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's `topology` file against the kernel's own view of the machine:
 * /sys/devices/system/node and /proc/zoneinfo.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_util.h"

/*
 * Read zonelab's topology and the kernel's view so that both describe the
 * same moment: retry when /proc/zoneinfo changed around the read.
 */
static int read_both(struct zl_topo *zl, struct zl_topo *sys, char *err, size_t errlen)
{
	struct zl_topo *again = zl_topo_alloc();
	int tries, ret = -EAGAIN;
	char *text;

	if (!again)
		return -ENOMEM;
	for (tries = 0; tries < 5; tries++) {
		zl_topo_reset(sys);
		zl_topo_reset(zl);
		zl_topo_reset(again);
		ret = zl_topo_from_system(sys, err, errlen);
		if (ret)
			break;
		text = zl_read_file(ZL_TOPOLOGY, NULL);
		if (!text) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", ZL_TOPOLOGY, strerror(errno));
			break;
		}
		ret = zl_topo_parse(zl, text, err, errlen);
		free(text);
		if (ret)
			break;
		ret = zl_topo_from_system(again, err, errlen);
		if (ret)
			break;
		if (!memcmp(again->zones, sys->zones, sizeof(sys->zones)) &&
		    !memcmp(again->nr_zones, sys->nr_zones, sizeof(sys->nr_zones)))
			break;
		ret = -EAGAIN;
		snprintf(err, errlen, "/proc/zoneinfo keeps changing");
	}
	free(again);
	return ret;
}

/*
 * Setup and teardown of both fixtures below, which hold the same three
 * fields: @zl the parsed `topology`, @sys sysfs + /proc/zoneinfo.
 */
static void both_setup(struct __test_metadata *_metadata, struct zl_topo **zl,
		       struct zl_topo **sys, struct zl_klog_mark *mark)
{
	char err[512] = "";

	zl_klog_mark(mark);
	*zl = zl_topo_alloc();
	*sys = zl_topo_alloc();
	ASSERT_NE(NULL, *zl);
	ASSERT_NE(NULL, *sys);
	ASSERT_EQ(0, read_both(*zl, *sys, err, sizeof(err)))
		TH_LOG("%s", err);
}

static void both_teardown(struct __test_metadata *_metadata, struct zl_topo *zl,
			  struct zl_topo *sys, const struct zl_klog_mark *mark)
{
	free(zl);
	free(sys);
	EXPECT_EQ(0, zl_klog_new_bad(mark));
}

FIXTURE(topology)
{
	struct zl_topo *zl;	/* parsed `topology` */
	struct zl_topo *sys;	/* sysfs + /proc/zoneinfo */
	struct zl_klog_mark mark;
};

FIXTURE_SETUP(topology)
{
	both_setup(_metadata, &self->zl, &self->sys, &self->mark);
}

FIXTURE_TEARDOWN(topology)
{
	both_teardown(_metadata, self->zl, self->sys, &self->mark);
}

/* One cpus and one distances line per online node, none for other nodes. */
TEST_F(topology, node_lines_cover_online_nodes)
{
	int nid;

	for (nid = 0; nid < ZL_MAX_NODES; nid++) {
		bool online = zl_mask_test(&self->sys->online, nid);

		EXPECT_EQ(online, self->zl->have_cpus[nid])
			TH_LOG("node %d: cpus line %s", nid,
			       online ? "missing" : "for an offline node");
		EXPECT_EQ(online, self->zl->have_dist[nid])
			TH_LOG("node %d: distances line %s", nid,
			       online ? "missing" : "for an offline node");
		EXPECT_EQ(online ? self->sys->nr_zones[nid] : 0, self->zl->nr_zones[nid])
			TH_LOG("node %d: %d zone lines, /proc/zoneinfo has %d", nid,
			       self->zl->nr_zones[nid], self->sys->nr_zones[nid]);
	}
}

FIXTURE(topology_mask)
{
	struct zl_topo *zl;
	struct zl_topo *sys;
	struct zl_klog_mark mark;
};

FIXTURE_VARIANT(topology_mask)
{
	const char *name;
	size_t off;
};

FIXTURE_VARIANT_ADD(topology_mask, possible)
{
	.name = "possible", .off = offsetof(struct zl_topo, possible),
};

FIXTURE_VARIANT_ADD(topology_mask, online)
{
	.name = "online", .off = offsetof(struct zl_topo, online),
};

FIXTURE_VARIANT_ADD(topology_mask, has_memory)
{
	.name = "has_memory", .off = offsetof(struct zl_topo, has_memory),
};

FIXTURE_VARIANT_ADD(topology_mask, has_normal_memory)
{
	.name = "has_normal_memory", .off = offsetof(struct zl_topo, has_normal_memory),
};

FIXTURE_VARIANT_ADD(topology_mask, has_cpu)
{
	.name = "has_cpu", .off = offsetof(struct zl_topo, has_cpu),
};

FIXTURE_SETUP(topology_mask)
{
	both_setup(_metadata, &self->zl, &self->sys, &self->mark);
}

FIXTURE_TEARDOWN(topology_mask)
{
	both_teardown(_metadata, self->zl, self->sys, &self->mark);
}

/* The node mask line equals /sys/devices/system/node/<mask>. */
TEST_F(topology_mask, equals_sysfs)
{
	const struct zl_mask *a = (void *)((char *)self->zl + variant->off);
	const struct zl_mask *b = (void *)((char *)self->sys + variant->off);
	char la[256], lb[256];

	EXPECT_TRUE(zl_mask_equal(a, b))
		TH_LOG("%s: zonelab '%s', sysfs '%s'", variant->name,
		       zl_format_list(a, la, sizeof(la)),
		       zl_format_list(b, lb, sizeof(lb)));
}

/* Every online node's cpus equal nodeN/cpulist. */
TEST_F(topology, cpus_match_sysfs)
{
	char la[1024], lb[1024];
	int nid;

	zl_for_each_node(nid, &self->sys->online) {
		EXPECT_TRUE(zl_mask_equal(&self->zl->cpus[nid], &self->sys->cpus[nid]))
			TH_LOG("node %d: zonelab cpus '%s', cpulist '%s'", nid,
			       zl_format_list(&self->zl->cpus[nid], la, sizeof(la)),
			       zl_format_list(&self->sys->cpus[nid], lb, sizeof(lb)));
	}
}

/* Every online node's distances equal nodeN/distance. */
TEST_F(topology, distances_match_sysfs)
{
	int nid, n;

	zl_for_each_node(nid, &self->sys->online) {
		ASSERT_TRUE(self->zl->have_dist[nid]);
		zl_for_each_node(n, &self->sys->online) {
			EXPECT_EQ(self->sys->dist[nid][n], self->zl->dist[nid][n])
				TH_LOG("distance %d -> %d", nid, n);
		}
	}
}

/* Each node's managed pages, in kB, add up to MemTotal of nodeN/meminfo. */
TEST_F(topology, managed_sum_matches_meminfo)
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	unsigned long long sum;
	long memtotal;
	int nid, z;

	zl_for_each_node(nid, &self->sys->online) {
		sum = 0;
		for (z = 0; z < self->zl->nr_zones[nid]; z++)
			sum += self->zl->zones[nid][z].managed;
		memtotal = zl_node_memtotal_kb(nid);
		ASSERT_LE(0, memtotal);
		EXPECT_EQ((unsigned long long)memtotal, sum * page_kb)
			TH_LOG("node %d: zonelab managed %llu kB, meminfo MemTotal %ld kB",
			       nid, sum * page_kb, memtotal);
	}
}

/* Each zone's name, managed, present and spanned equal /proc/zoneinfo's. */
TEST_F(topology, zones_match_zoneinfo)
{
	const struct zl_zone *a, *b;
	int nid, z;

	zl_for_each_node(nid, &self->sys->online) {
		ASSERT_EQ(self->sys->nr_zones[nid], self->zl->nr_zones[nid]);
		for (z = 0; z < self->sys->nr_zones[nid]; z++) {
			a = &self->zl->zones[nid][z];
			b = &self->sys->zones[nid][z];
			EXPECT_STREQ(b->name, a->name);
			EXPECT_EQ(b->managed, a->managed)
				TH_LOG("node %d zone %s managed", nid, b->name);
			EXPECT_EQ(b->present, a->present)
				TH_LOG("node %d zone %s present", nid, b->name);
			EXPECT_EQ(b->spanned, a->spanned)
				TH_LOG("node %d zone %s spanned", nid, b->name);
		}
	}
}

/* has_memory holds exactly the online nodes with present pages in some zone. */
TEST_F(topology, has_memory_matches_zones)
{
	bool populated;
	int nid, z;

	zl_for_each_node(nid, &self->zl->online) {
		populated = false;
		for (z = 0; z < self->zl->nr_zones[nid]; z++)
			populated |= self->zl->zones[nid][z].present != 0;
		EXPECT_EQ(populated, zl_mask_test(&self->zl->has_memory, nid))
			TH_LOG("node %d: populated %d but has_memory says %d", nid,
			       populated, zl_mask_test(&self->zl->has_memory, nid));
	}
}

int main(int argc, char **argv)
{
	/* Prerequisites here: 6.1's SKIP() in FIXTURE_SETUP runs the body anyway. */
	zl_prereq(argv[0], ZL_NEED_LOADED);
	/* Exits through ksft_exit(): zl_prereq()'s atexit() handler unloads. */
	return test_harness_run(argc, argv);
}
