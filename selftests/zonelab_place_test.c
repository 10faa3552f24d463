// SPDX-License-Identifier: GPL-2.0
/*
 * Where zonelab's pages go under a policy, held against where the running
 * kernel puts its own, in the same guest: page counts, or page by page.
 *
 * The writer's own policy: a task under set_mempolicy(2), or run under
 * numactl as users run programs, faults pages of its own in (their nodes
 * from move_pages(2)) and writes `alloc` to an alloc file with no ctx=;
 * each node must get as many of zonelab's pages as of the kernel's.
 *
 * A shared policy: a memfd under mbind(2) against a zonelab region under
 * the same policy, page by page.
 *
 * Weighted interleave (6.9+) runs with random kernel weights; ZL_SEED=<n>
 * reruns a seed, and every test that draws one prints it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* 6.1's harness has an unused parameter that -Wextra reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zonelab_ctx.h"
#include "zonelab_mems.h"

/* ---- the writer's own policy ---- */

/* Pages of each placement run: a multiple of every interleave set's size up to 8. */
#define NR_PLACE	840

/* What the child of a placement run found: pages per node, each side. */
struct place_shared {
	long kernel[64], zonelab[64];
	int err;			/* the first failure's -errno, or 0 */
	char what[128];			/* and what failed */
};

FIXTURE(place)
{
	struct zl_klog_mark mark;
	unsigned long long mem;
	int cpu_node;
	int old_weight[64];		/* the kernel's weights to put back, or 0 */
};

FIXTURE_VARIANT(place)
{
	int mode;
	int nodes;	/* 0: none; 1: one remote node; 2: two, remote first; -1: all */
	const char *numactl;	/* set the policy by running under numactl <this><nodes> */
};

FIXTURE_VARIANT_ADD(place, local) { .mode = ZL_K_DEFAULT, .nodes = 0 };
FIXTURE_VARIANT_ADD(place, bind) { .mode = ZL_K_BIND, .nodes = 1 };
FIXTURE_VARIANT_ADD(place, prefer) { .mode = ZL_K_PREFERRED, .nodes = 1 };
FIXTURE_VARIANT_ADD(place, prefer_many) { .mode = ZL_K_PREFERRED_MANY, .nodes = 2 };
FIXTURE_VARIANT_ADD(place, interleave) { .mode = ZL_K_INTERLEAVE, .nodes = -1 };
FIXTURE_VARIANT_ADD(place, weighted_interleave) {
	.mode = ZL_K_WEIGHTED_INTERLEAVE, .nodes = -1
};
FIXTURE_VARIANT_ADD(place, numactl_membind) {
	.mode = ZL_K_BIND, .nodes = 1, .numactl = "--membind="
};
FIXTURE_VARIANT_ADD(place, numactl_preferred) {
	.mode = ZL_K_PREFERRED, .nodes = 1, .numactl = "--preferred="
};
FIXTURE_VARIANT_ADD(place, numactl_interleave) {
	.mode = ZL_K_INTERLEAVE, .nodes = -1, .numactl = "--interleave="
};

/*
 * Random weights 1..4 for the nodes of @bits, seeded, whose sum divides
 * NR_PLACE (so that both sides of a count end on whole rounds), into @w:
 * 0 or -errno.
 */
static int iw_random(unsigned int *seed, unsigned long long bits, int *w)
{
	int nid, sum, tries;

	for (tries = 0; tries < 1000; tries++) {
		sum = 0;
		for (nid = 0; nid < 64; nid++) {
			if (!(bits & (1ULL << nid)))
				continue;
			w[nid] = 1 + rand_r(seed) % 4;
			sum += w[nid];
		}
		if (NR_PLACE % sum == 0)
			return 0;
	}
	return -ERANGE;
}

FIXTURE_SETUP(place)
{
	struct zl_mask m;

	zl_klog_mark(&self->mark);
	ASSERT_EQ(0, zl_node_state("has_memory", &m));
	self->mem = zl_mask_bits(&m);
	self->cpu_node = zl_cpu_node(0);
	ASSERT_LE(0, self->cpu_node);
}

FIXTURE_TEARDOWN(place)
{
	EXPECT_EQ(0, zl_iw_restore(self->old_weight));
	EXPECT_EQ(0, zl_cmd(ZL_PCP, "drain all"));
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* The node distance from @a to @b (/sys/devices/system/node), or -1. */
static int node_distance(int a, int b)
{
	char path[64], *text, *p;
	int d = -1, i;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/distance", a);
	text = zl_read_file(path, NULL);
	for (p = text, i = 0; p && i <= b; i++)
		d = strtol(p, &p, 10);
	free(text);
	return p ? d : -1;
}

/*
 * The variant's nodes with memory, as bits, or 0 when there are too few:
 * -1 every one; 1 one other than CPU 0's node; 2 two such nodes, the
 * first strictly nearer to CPU 0's node than the second, so that a
 * prefer (many) allocation has one right answer (between equal distances
 * the kernel's boot-time order decides, see zonelab_kernel_agree_test).
 */
static unsigned long long place_nodes(const FIXTURE_DATA(place) *self, int want)
{
	unsigned long long remote = self->mem & ~(1ULL << self->cpu_node);
	int a = -1, b = -1, nid;

	if (want < 0)
		return self->mem;
	for (nid = 0; nid < 64; nid++) {
		if (!(remote & (1ULL << nid)))
			continue;
		if (a < 0 || node_distance(self->cpu_node, nid) <
			     node_distance(self->cpu_node, a))
			a = nid;
	}
	if (a < 0 || want == 1)
		return a < 0 ? 0 : 1ULL << a;
	for (nid = 0; nid < 64; nid++)
		if ((remote & (1ULL << nid)) &&
		    node_distance(self->cpu_node, nid) > node_distance(self->cpu_node, a))
			b = nid;
	return b < 0 ? 0 : 1ULL << a | 1ULL << b;
}

/* Record the first failure of a placement child. */
static void place_fail(struct place_shared *sh, int err, const char *what)
{
	if (!sh->err) {
		sh->err = err;
		snprintf(sh->what, sizeof(sh->what), "%s", what);
	}
}

/* The kernel's side: NR_PLACE anonymous pages touched, their nodes from move_pages(2). */
static void place_kernel(struct place_shared *sh)
{
	static void *pages[NR_PLACE];
	static int status[NR_PLACE];
	char *p = mmap(NULL, NR_PLACE * 4096UL, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int i;

	if (p == MAP_FAILED)
		return place_fail(sh, -errno, "mmap");
	/* 4 KiB pages, one policy decision each, as zonelab's. */
	madvise(p, NR_PLACE * 4096UL, MADV_NOHUGEPAGE);
	for (i = 0; i < NR_PLACE; i++) {
		p[i * 4096UL] = 1;
		pages[i] = p + i * 4096UL;
	}
	if (syscall(SYS_move_pages, 0L, (unsigned long)NR_PLACE, pages, NULL, status, 0L))
		return place_fail(sh, -errno, "move_pages");
	for (i = 0; i < NR_PLACE; i++) {
		if (status[i] < 0 || status[i] >= 64)
			return place_fail(sh, status[i] < 0 ? status[i] : -ERANGE,
					  "move_pages status");
		sh->kernel[status[i]]++;
	}
	munmap(p, NR_PLACE * 4096UL);
}

/* zonelab's side: `alloc NR_PLACE` without ctx=, written by this task. */
static void place_zonelab(struct place_shared *sh)
{
	char err[256] = "";
	struct zl_held h;
	int fd = zl_alloc_open_exempt(), nid, ret;

	if (fd < 0)
		return place_fail(sh, fd, "open alloc");
	ret = zl_alloc_cmd(fd, "alloc %d", NR_PLACE);
	if (!ret)
		ret = zl_alloc_state(fd, 4096, &h, err, sizeof(err));
	if (ret) {
		close(fd);
		return place_fail(sh, ret, err[0] ? err : "alloc");
	}
	zl_for_each_node(nid, &h.nodes)
		if (nid < 64)
			sh->zonelab[nid] = h.node[nid];
	close(fd);
}

/* This program run again as `--place`, under numactl: both sides, printed. */
static int place_main(void)
{
	static struct place_shared sh;
	int nid;

	if (zl_pin_cpu(0))
		place_fail(&sh, -EINVAL, "pin to CPU 0");
	if (!sh.err)
		place_kernel(&sh);
	if (!sh.err)
		place_zonelab(&sh);
	if (sh.err) {
		printf("error %d %s\n", sh.err, sh.what);
		return 1;
	}
	for (nid = 0; nid < 64; nid++)
		if (sh.kernel[nid] || sh.zonelab[nid])
			printf("node %d %ld %ld\n", nid, sh.kernel[nid], sh.zonelab[nid]);
	return 0;
}

/*
 * `numactl <opt><nodes> <this program> --place`, as a user runs a program
 * under numactl; what it printed into @sh.
 */
static void place_numactl(struct __test_metadata *_metadata, struct place_shared *sh,
			  const char *opt, unsigned long long nodes)
{
	char numactl[256], self_path[256], list[128], cmd[768], line[100];
	long k, z;
	ssize_t n;
	int nid, err;
	FILE *f;

	if (!zl_find_program("numactl", numactl, sizeof(numactl)))
		SKIP(return, "no numactl in this system's PATH");
	n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	ASSERT_LT(0, n);
	self_path[n] = '\0';
	snprintf(cmd, sizeof(cmd), "%s %s%s %s --place", numactl, opt,
		 zl_bits_list(nodes, list, sizeof(list)), self_path);
	TH_LOG("%s", cmd);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "node %d %ld %ld", &nid, &k, &z) == 3 && nid >= 0 && nid < 64) {
			sh->kernel[nid] = k;
			sh->zonelab[nid] = z;
		} else if (sscanf(line, "error %d", &err) == 1) {
			place_fail(sh, err, line);
		}
	}
	EXPECT_EQ(0, pclose(f));
}

/* In a child on CPU 0 under the policy: both sides' placements into @sh. */
static void __attribute__((noreturn)) place_child(struct place_shared *sh, int mode,
						  unsigned long long nodes)
{
	unsigned long mask = nodes;

	/* A task without a policy of its own: the default one, as forked. */
	if (zl_pin_cpu(0))
		place_fail(sh, -EINVAL, "pin to CPU 0");
	else if (mode != ZL_K_DEFAULT && syscall(SYS_set_mempolicy, mode, &mask, 64UL))
		place_fail(sh, -errno, "set_mempolicy");
	if (!sh->err)
		place_kernel(sh);
	if (!sh->err)
		place_zonelab(sh);
	_exit(0);
}

/*
 * Weighted interleave: the kernel's weights of @nodes set at random,
 * seeded (ZL_SEED), their sum dividing NR_PLACE; the old ones kept in @old
 * for the teardown.  Both sides read the same table: the kernel's fault
 * path, and zonelab through sysfs.  Their sum.
 */
static int random_weights(struct __test_metadata *_metadata, unsigned long long nodes,
			  int *old)
{
	unsigned int seed = zl_test_seed();
	int w[64] = { 0 }, nid, sum = 0;

	ASSERT_EQ(0, iw_random(&seed, nodes, w));
	TH_LOG("seed %u", seed);
	for (nid = 0; nid < 64; nid++) {
		if (!w[nid])
			continue;
		ASSERT_EQ(0, zl_iw_swap(old, nid, w[nid]));
		TH_LOG("node %d: weight %d", nid, w[nid]);
		sum += w[nid];
	}
	return sum;
}

/*
 * A task under a policy set with set_mempolicy(2), or by running under
 * numactl as users do (the numactl_ variants), allocates NR_PLACE pages of
 * its own (anonymous, faulted in; their nodes from move_pages(2)) and
 * writes `alloc NR_PLACE` to an alloc file with no ctx=: zonelab must
 * place as many pages on each node as the kernel did.
 * Interleave differs by construction and only in order: the kernel picks
 * an anonymous page's node by its offset in the mapping, zonelab by the
 * task's il_prev cursor (interleave_nodes(), what the kernel uses for a
 * task's pages outside a mapping); over a multiple of the node count both
 * give each node the same share.
 */
TEST_F(place, as_the_kernel_places_the_tasks_pages)
{
	unsigned long long nodes = place_nodes(self, variant->nodes);
	struct place_shared *sh;
	char list[256];
	int nid, status;
	pid_t pid;

	if (variant->nodes && !nodes)
		SKIP(return, "no nodes with memory at distinct distances besides CPU 0's");
	if (variant->mode == ZL_K_WEIGHTED_INTERLEAVE) {
		if (!zl_path_exists(ZL_IW_DIR))
			SKIP(return, "this kernel has no weighted interleave (6.9+)");
		random_weights(_metadata, nodes, self->old_weight);
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	if (variant->numactl) {
		place_numactl(_metadata, sh, variant->numactl, nodes);
		if (_metadata->skip) {
			munmap(sh, sizeof(*sh));
			return;
		}
	} else {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			place_child(sh, variant->mode, nodes);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	if (sh->err == -EINVAL && variant->mode == ZL_K_PREFERRED_MANY &&
	    !strcmp(sh->what, "set_mempolicy")) {
		munmap(sh, sizeof(*sh));
		SKIP(return, "this kernel has no MPOL_PREFERRED_MANY");
	}
	ASSERT_EQ(0, sh->err) TH_LOG("%s: %s", sh->what, strerror(-sh->err));
	TH_LOG("%s over %s from CPU 0 (node %d), %d pages:", zl_kmode[variant->mode],
	       nodes ? zl_bits_list(nodes, list, sizeof(list)) : "no nodes", self->cpu_node,
	       NR_PLACE);
	for (nid = 0; nid < 64; nid++) {
		if (!sh->kernel[nid] && !sh->zonelab[nid])
			continue;
		TH_LOG("  node %d: kernel %ld, zonelab %ld", nid, sh->kernel[nid],
		       sh->zonelab[nid]);
		EXPECT_EQ(sh->kernel[nid], sh->zonelab[nid]);
	}
	munmap(sh, sizeof(*sh));
}

/* ---- a shared policy ---- */

/* Pages of the shared-policy comparison; its region. */
#define NR_SHARED	96
#define SHARED_REG	"zlt_place_shm"

FIXTURE(shared)
{
	struct zl_klog_mark mark;
	unsigned long long mem;
	int old_weight[64];		/* the kernel's weights to put back, or 0 */
	bool region;
};

FIXTURE_VARIANT(shared)
{
	int mode;
};

FIXTURE_VARIANT_ADD(shared, interleave) { .mode = ZL_K_INTERLEAVE };
FIXTURE_VARIANT_ADD(shared, weighted_interleave) { .mode = ZL_K_WEIGHTED_INTERLEAVE };

FIXTURE_SETUP(shared)
{
	struct zl_mask m;

	zl_klog_mark(&self->mark);
	ASSERT_EQ(0, zl_node_state("has_memory", &m));
	self->mem = zl_mask_bits(&m);
}

FIXTURE_TEARDOWN(shared)
{
	EXPECT_EQ(0, zl_iw_restore(self->old_weight));
	if (self->region) {
		EXPECT_EQ(0, zl_region_cmd("destroy " SHARED_REG));
	}
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* The kernel's side: a memfd of NR_SHARED pages under mbind(2), faulted in. */
static void shared_kernel(struct __test_metadata *_metadata, int mode,
			  unsigned long long nodes, int *status, long *ino)
{
	static void *pages[NR_SHARED];
	unsigned long mask = nodes;
	struct stat st;
	char *p;
	int fd, k;

	fd = memfd_create("zlt_place", 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, NR_SHARED * 4096L));
	ASSERT_EQ(0, fstat(fd, &st));
	*ino = st.st_ino;
	p = mmap(NULL, NR_SHARED * 4096UL, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, syscall(SYS_mbind, p, NR_SHARED * 4096UL, (long)mode, &mask, 64UL, 0L))
		TH_LOG("mbind: %s", strerror(errno));
	for (k = 0; k < NR_SHARED; k++) {
		p[k * 4096UL] = 1;
		pages[k] = p + k * 4096UL;
	}
	ASSERT_EQ(0, syscall(SYS_move_pages, 0L, (unsigned long)NR_SHARED, pages, NULL,
			     status, 0L));
	munmap(p, NR_SHARED * 4096UL);
}

/*
 * A shared policy page by page: a memfd's pages under mbind(2), whose
 * nodes come from the interleave index i_ino + page (shmem's
 * shmem_get_pgoff_policy(), then interleave_nid() or
 * weighted_interleave_nid()), against a zonelab region under the same
 * policy, one page at a time at offset i_ino + page (reduced by a whole
 * number of rounds).  move_pages(2) gives the kernel's nodes, the alloc
 * file zonelab's.
 */
TEST_F(shared, pages_land_as_in_a_shmem_file)
{
	int status[NR_SHARED], n = __builtin_popcountll(self->mem), k, nid, got, rounds;
	struct zl_held h0 = { 0 }, h1;
	char list[256], err[256] = "";
	long ino, base;
	int fd;

	if (n < 2)
		SKIP(return, "fewer than two nodes with memory");
	rounds = n;
	if (variant->mode == ZL_K_WEIGHTED_INTERLEAVE) {
		if (!zl_path_exists(ZL_IW_DIR))
			SKIP(return, "this kernel has no weighted interleave (6.9+)");
		rounds = random_weights(_metadata, self->mem, self->old_weight);
	}
	shared_kernel(_metadata, variant->mode, self->mem, status, &ino);
	/* A multiple of the node count and of the weights' sum. */
	base = ino % (n * rounds);
	zl_bits_list(self->mem, list, sizeof(list));
	TH_LOG("%s over %s, i_ino %ld: offsets from %ld", zl_kmode[variant->mode], list, ino, base);
	ASSERT_EQ(0, zl_region_cmd("create " SHARED_REG " %ld", base + NR_SHARED));
	self->region = true;
	ASSERT_EQ(0, zl_region_cmd("set " SHARED_REG " 0-%ld %s:%s", base + NR_SHARED - 1,
				   zl_kmode[variant->mode], list));
	fd = zl_alloc_open_exempt();
	ASSERT_LE(0, fd);
	for (k = 0; k < NR_SHARED; k++) {
		ASSERT_EQ(0, zl_alloc_cmd(fd, "alloc 1 region=" SHARED_REG " offset=%ld",
					  base + k));
		ASSERT_EQ(0, zl_alloc_state(fd, 4096, &h1, err, sizeof(err))) TH_LOG("%s", err);
		got = -1;
		zl_for_each_node(nid, &h1.nodes)
			if (h1.node[nid] != h0.node[nid])
				got = nid;
		EXPECT_EQ(status[k], got) TH_LOG("page %d (offset %ld)", k, base + k);
		h0 = h1;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--place"))
		return place_main();
	zl_prereq(argv[0], ZL_NEED_LOADED);
	return test_harness_run(argc, argv);
}
