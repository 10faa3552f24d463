// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab's mempolicies held against the running kernel's, input for
 * input, in the same guest.
 *
 * Strings: the kernel parses a policy string with mpol_parse_str() and
 * prints it with mpol_to_str() when tmpfs takes it as mpol=, so a tmpfs
 * mount is asked for every string a seeded generator makes, and its
 * answer (refused, or the mount's mpol= in mountinfo) must be zonelab's
 * for the same string written to a context's policy file.
 *
 * Rebinds: a forked task in a cgroup v2 cpuset sets a policy with
 * set_mempolicy(2), a zonelab context gets the same one, and both walk
 * one seeded random sequence of cpuset.mems changes and new policies.
 * After each step the kernel's policy for the task (mpol_to_str() in
 * /proc/<pid>/numa_maps) must read as the context's, and a policy one
 * refuses the other must refuse too.
 *
 * Weights: a new context's weighted interleave weights are the kernel's
 * (6.9+), random ones written to its table.  Where pages go under those
 * policies is zonelab_place_test's.
 *
 * ZL_SEED=<n> reruns a seed; every test prints the seed it used.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
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

#define CTX		"zlt_mpolk"
#define CGROOT		"/sys/fs/cgroup"
#define CGTASK		CGROOT "/zlt_mpolk"
/* Random strings asked of tmpfs, and steps of the rebind walk. */
#define NR_STRINGS	400
#define NR_STEPS	300

static const char * const kflag[] = { "", "=static", "=relative" };

FIXTURE(mpolk)
{
	struct zl_klog_mark mark;
	struct zl_mask memory;
	unsigned long long mem;		/* the nodes with memory, as bits */
	unsigned int seed;
	bool created;
	/* rebind_walk: what to undo */
	pid_t child;
	int cmd_fd, ret_fd;		/* the pipes to and from the child */
	bool cg_mounted, cg_enabled, cg_made;
	long long live0;
	int old_weight[64];		/* the kernel's weights to put back, or 0 */
};

FIXTURE_SETUP(mpolk)
{
	zl_klog_mark(&self->mark);
	self->child = 0;
	self->cmd_fd = self->ret_fd = -1;
	ASSERT_EQ(0, zl_node_state("has_memory", &self->memory));
	self->mem = zl_mask_bits(&self->memory);
	self->seed = zl_test_seed();
	self->live0 = zl_policies_live();
	ASSERT_LE(0, self->live0);
	ASSERT_EQ(0, zl_ctx_create_exempt(CTX));
	self->created = true;
}

FIXTURE_TEARDOWN(mpolk)
{
	long long last = -1;
	int tries;

	if (self->cmd_fd >= 0)
		close(self->cmd_fd);	/* the child exits at EOF */
	if (self->ret_fd >= 0)
		close(self->ret_fd);
	if (self->child > 0)
		waitpid(self->child, NULL, 0);
	if (self->cg_made) {
		/* The child's exit reaches the cgroup a moment later. */
		for (tries = 0; rmdir(CGTASK) && errno == EBUSY && tries < 100; tries++)
			zl_sleep_ms(20);
		EXPECT_FALSE(zl_path_exists(CGTASK)) TH_LOG("rmdir " CGTASK ": %s",
							   strerror(errno));
	}
	if (self->cg_enabled)
		EXPECT_EQ(0, zl_write_str(CGROOT "/cgroup.subtree_control", "-cpuset"));
	if (self->cg_mounted)
		EXPECT_EQ(0, umount(CGROOT));
	if (self->created)
		EXPECT_EQ(0, zl_ctx_destroy(CTX));
	EXPECT_EQ(0, zl_iw_restore(self->old_weight));
	EXPECT_EQ(0, zl_policies_settle(self->live0, 2000, &last))
		TH_LOG("policies_live %lld, %lld before the test", last, self->live0);
	EXPECT_EQ(0, zl_klog_new_bad(&self->mark));
}

/* ---- random inputs ---- */

/* The @n-th node of @bits (n < weight). */
static int nth_node(unsigned long long bits, int n)
{
	int nid;

	for (nid = 0; nid < 64; nid++)
		if ((bits & (1ULL << nid)) && !n--)
			return nid;
	return -1;
}

/* A random subset of @bits: each node with probability 1/2; maybe empty. */
static unsigned long long rand_subset(unsigned int *seed, unsigned long long bits)
{
	unsigned long long out = 0;
	int nid;

	for (nid = 0; nid < 64; nid++)
		if ((bits & (1ULL << nid)) && rand_r(seed) % 2)
			out |= 1ULL << nid;
	return out;
}

/* A random non-empty subset of @bits. */
static unsigned long long rand_nonempty(unsigned int *seed, unsigned long long bits)
{
	unsigned long long out;

	do
		out = rand_subset(seed, bits);
	while (!out);
	return out;
}

/* One random node of @bits, as a mask. */
static unsigned long long rand_node(unsigned int *seed, unsigned long long bits)
{
	return 1ULL << nth_node(bits, rand_r(seed) % __builtin_popcountll(bits));
}

/* ---- strings: tmpfs's mpol= ---- */

/*
 * A policy string from parts the kernel's parser tells apart: a mode (in
 * the kernel's spelling, zonelab's, or none the kernel has), a flag or a
 * wrong one, and no nodelist, an empty one, nodes with memory as a range
 * or a list, or a node without memory or offline among them.
 */
static void rand_string(unsigned int *seed, const FIXTURE_DATA(mpolk) *self,
			char *buf, size_t size)
{
	static const char * const modes[] = {
		"default", "prefer", "bind", "interleave", "local", "prefer (many)",
		"weighted interleave", "prefer_many", "weighted_interleave", "Bind",
	};
	static const char * const flags[] = { "", "", "", "=static", "=relative", "=bogus" };
	unsigned long long nodes = rand_nonempty(seed, self->mem);
	char list[256];
	int len, r;

	len = snprintf(buf, size, "%s%s", modes[rand_r(seed) % ARRAY_SIZE(modes)],
		       flags[rand_r(seed) % ARRAY_SIZE(flags)]);
	r = rand_r(seed) % 8;
	if (r == 0)
		return;				/* no nodelist */
	if (r == 1) {
		snprintf(buf + len, size - len, ":");
		return;
	}
	if (r == 2) {				/* one node past the memory nodes */
		int past = 63 - __builtin_clzll(self->mem) + 1 + rand_r(seed) % 2;

		snprintf(buf + len, size - len, ":%d", past);
		return;
	}
	if (r == 3)				/* one node, for prefer */
		nodes = rand_node(seed, self->mem);
	zl_bits_list(nodes, list, sizeof(list));
	snprintf(buf + len, size - len, ":%s", list);
}

/*
 * End @p at the next mount option, as shmem_parse_options() splits them:
 * at a comma not followed by a digit (a nodelist's are).
 */
static void cut_option(char *p)
{
	for (; *p; p++) {
		if (*p == ',' && !isdigit((unsigned char)p[1])) {
			*p = '\0';
			return;
		}
	}
}

/*
 * The kernel's reading of @str: mount a tmpfs with mpol=@str on @dir; 0
 * and its mpol= (mpol_to_str(); "default" when the mount shows none, as
 * shmem_show_mpol() prints nothing for it) into @out, or -errno.
 */
static int kernel_policy_for(const char *dir, const char *str, char *out, size_t size)
{
	char opts[512], *line = NULL, *p;
	size_t cap = 0;
	FILE *f;
	int ret = -ENOENT;

	snprintf(opts, sizeof(opts), "size=64k,mpol=%s", str);
	if (mount("zlt_mpolk", dir, "tmpfs", 0, opts))
		return -errno;
	f = fopen("/proc/self/mountinfo", "r");
	while (f && getline(&line, &cap, f) > 0) {
		/* "<id> <parent> <dev> <root> <mount point> ... - tmpfs zlt_mpolk <opts>" */
		if (!strstr(line, " - tmpfs zlt_mpolk ") || !strstr(line, dir))
			continue;
		line[strcspn(line, "\n")] = '\0';
		p = strstr(line, ",mpol=");
		if (p)
			cut_option(p += strlen(",mpol="));
		snprintf(out, size, "%s", p ?: "default");
		ret = 0;
	}
	free(line);
	if (f)
		fclose(f);
	if (umount(dir) && !ret)
		ret = -errno;
	return ret;
}

/* @str with zonelab's one-word mode spellings in the kernel's, into @out. */
static void kernel_spelling(const char *str, char *out, size_t size)
{
	static const char * const word[][2] = {
		{ "prefer_many", "prefer (many)" },
		{ "weighted_interleave", "weighted interleave" },
	};
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(word); i++) {
		n = strlen(word[i][0]);
		if (!strncmp(str, word[i][0], n)) {
			snprintf(out, size, "%s%s", word[i][1], str + n);
			return;
		}
	}
	snprintf(out, size, "%s", str);
}

/*
 * Whether the tmpfs mount shows @str as the kernel would show it in a
 * context whose mems are every node with memory.  tmpfs keeps a relative
 * policy's nodes as given (mpol_parse_str() saves them for the mount
 * options); a policy made in a cpuset shows the nodes they stand for.
 * The two read alike only when the memory nodes are 0..n-1, where the
 * n-th memory node is node n.
 */
static bool shows_as_made(const FIXTURE_DATA(mpolk) *self, const char *str)
{
	unsigned long long low = self->mem + 1;

	return !strstr(str, "=relative") || !(self->mem & low);
}

/* shmem_show_mpol()'s buffer: mpol_to_str() cuts a longer policy there. */
#define SHMEM_MPOL_MAX	63

/*
 * One string asked of both: whether they agree.  Where both take it,
 * both must read it the same (up to the kernel's cut); where both
 * refuse it, zonelab with EINVAL and its policy unchanged.
 */
static bool string_agrees(struct __test_metadata *_metadata, FIXTURE_DATA(mpolk) *self,
			  const char *dir, const char *str, bool *taken)
{
	char kstr[256], kout[256] = "", zout[256] = "", before[256] = "";
	int kret, zret;

	kernel_spelling(str, kstr, sizeof(kstr));
	kret = kernel_policy_for(dir, kstr, kout, sizeof(kout));
	EXPECT_EQ(0, zl_ctx_policy(CTX, before, sizeof(before)));
	zret = zl_ctx_write(CTX, "policy", "%s", str);
	EXPECT_EQ(0, zl_ctx_policy(CTX, zout, sizeof(zout)));
	*taken = !kret;
	if ((kret != 0) != (zret != 0)) {
		TH_LOG("'%s': the kernel %s (%s), zonelab %s (%s)", str,
		       kret ? "refuses" : "takes", kret ? strerror(-kret) : kout,
		       zret ? "refuses" : "takes", zret ? strerror(-zret) : zout);
		return false;
	}
	if (kret) {
		EXPECT_EQ(-EINVAL, zret) TH_LOG("'%s'", str);
		EXPECT_STREQ(before, zout) TH_LOG("'%s' refused, the policy changed", str);
		return true;
	}
	/* A cut reading compares as a prefix. */
	if (!shows_as_made(self, str) ||
	    !strncmp(kout, zout, strlen(kout) < SHMEM_MPOL_MAX ? sizeof(kout) : SHMEM_MPOL_MAX))
		return true;
	TH_LOG("'%s': the kernel reads '%s', zonelab '%s'", str, kout, zout);
	return false;
}

/*
 * Every random string: tmpfs refuses it exactly when zonelab does, and
 * where both take it, both read it back the same.  zonelab's one-word
 * spellings are asked of the kernel in its own.  On a kernel without
 * weighted interleave (before 6.9) that mode is zonelab's own: the kernel
 * is not asked about it.
 */
TEST_F(mpolk, strings_as_tmpfs_reads_them)
{
	char dir[] = "/tmp/zlt_mpolkXXXXXX", str[256], kout[256];
	int i, asked = 0, taken = 0, mismatches = 0;
	bool weighted, took;

	if (!mkdtemp(dir))
		SKIP(return, "mkdtemp %s: %s", dir, strerror(errno));
	weighted = !kernel_policy_for(dir, "weighted interleave", kout, sizeof(kout));
	TH_LOG("seed %u, %d strings; the kernel %s weighted interleave", self->seed,
	       NR_STRINGS, weighted ? "has" : "has no");
	for (i = 0; i < NR_STRINGS && mismatches < 10; i++) {
		rand_string(&self->seed, self, str, sizeof(str));
		if (!weighted && strstr(str, "weighted"))
			continue;
		asked++;
		mismatches += !string_agrees(_metadata, self, dir, str, &took);
		taken += took;
	}
	rmdir(dir);
	TH_LOG("%d strings asked, %d taken by the kernel, %d mismatches", asked, taken, mismatches);
	EXPECT_EQ(0, mismatches);
	EXPECT_LT(NR_STRINGS / 2, asked);
	EXPECT_LT(0, taken);
}

/* ---- rebinds: a real task in a cgroup v2 cpuset ---- */

/* A command to the child: set_mempolicy(mode | flags, &nodes, 64). */
struct child_cmd {
	int mode;
	unsigned long long nodes;
};

/*
 * The child: an anonymous mapping of its own (no VMA policy, so numa_maps
 * shows the task's policy on it) whose address goes to the parent, then
 * one set_mempolicy(2) per command, each answered with its errno.
 */
static void __attribute__((noreturn)) child_run(int cmd_fd, int ret_fd)
{
	struct child_cmd c;
	unsigned long addr;
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err;

	addr = p == MAP_FAILED ? 0 : (unsigned long)p;
	if (write(ret_fd, &addr, sizeof(addr)) != sizeof(addr))
		_exit(1);
	while (read(cmd_fd, &c, sizeof(c)) == sizeof(c)) {
		unsigned long mask = c.nodes;

		err = syscall(SYS_set_mempolicy, c.mode, &mask, 64UL) ? errno : 0;
		if (write(ret_fd, &err, sizeof(err)) != sizeof(err))
			_exit(1);
	}
	_exit(0);
}

/* Have the child set a policy: 0 or -errno, as set_mempolicy(2) returned. */
static int child_set(FIXTURE_DATA(mpolk) *self, int mode, unsigned long long nodes)
{
	struct child_cmd c = { .mode = mode, .nodes = nodes };
	int err;

	if (write(self->cmd_fd, &c, sizeof(c)) != sizeof(c) ||
	    read(self->ret_fd, &err, sizeof(err)) != sizeof(err))
		return -EPIPE;
	return -err;
}

/*
 * The start of the child's VMA holding @addr, from /proc/<pid>/maps: its
 * mapping may have merged with a neighbour.  0 when not found.
 */
static unsigned long vma_start(pid_t pid, unsigned long addr)
{
	unsigned long start, end, found = 0;
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	while (f && !found && getline(&line, &cap, f) > 0)
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 && start <= addr && addr < end)
			found = start;
	free(line);
	if (f)
		fclose(f);
	return found;
}

/*
 * The policy numa_maps shows on the child's VMA at @addr: after the
 * address, a mode name (one may hold a blank, "prefer (many)") and its
 * flags and nodes, up to the next blank.  0 or -errno.
 */
static int child_policy(pid_t pid, unsigned long addr, char *out, size_t size)
{
	char path[64], start[32], *line = NULL, *p;
	size_t cap = 0, n;
	int ret = -ENOENT, m;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/numa_maps", pid);
	snprintf(start, sizeof(start), "%08lx ", vma_start(pid, addr));
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (ret && getline(&line, &cap, f) > 0) {
		if (strncmp(line, start, strlen(start)))
			continue;
		p = line + strlen(start);
		for (m = ZL_K_NR_MODES - 1; m >= 0; m--)
			if (!strncmp(p, zl_kmode[m], strlen(zl_kmode[m])))
				break;
		if (m < 0)
			break;
		n = strlen(zl_kmode[m]);
		snprintf(out, size, "%.*s", (int)(n + strcspn(p + n, " \n")), p);
		ret = 0;
	}
	free(line);
	fclose(f);
	return ret;
}

/* Mount cgroup v2 and enable cpuset under the root: whether it has cpuset. */
static bool cg_cpuset(FIXTURE_DATA(mpolk) *self)
{
	if (!zl_path_exists(CGROOT "/cgroup.controllers")) {
		if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL))
			return false;
		self->cg_mounted = true;
	}
	if (!zl_file_has_word(CGROOT "/cgroup.controllers", "cpuset"))
		return false;
	if (!zl_file_has_word(CGROOT "/cgroup.subtree_control", "cpuset")) {
		if (zl_write_str(CGROOT "/cgroup.subtree_control", "+cpuset"))
			return false;
		self->cg_enabled = true;
	}
	return true;
}

/* Fork the child into the task's cgroup; its mapping's address into *@addr. */
static void child_start(struct __test_metadata *_metadata, FIXTURE_DATA(mpolk) *self,
			unsigned long *addr)
{
	int to[2], from[2];
	char pid_s[32];

	ASSERT_EQ(0, pipe2(to, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(from, O_CLOEXEC));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		close(to[1]);
		close(from[0]);
		child_run(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	self->cmd_fd = to[1];
	self->ret_fd = from[0];
	snprintf(pid_s, sizeof(pid_s), "%d", self->child);
	ASSERT_EQ(0, zl_write_str(CGTASK "/cgroup.procs", pid_s));
	ASSERT_EQ((ssize_t)sizeof(*addr), read(self->ret_fd, addr, sizeof(*addr)));
	ASSERT_NE(0UL, *addr);
}

/* One step's policy, as set_mempolicy() takes it and as a string. */
struct step_policy {
	int mode, flags;
	unsigned long long nodes;
	char str[256];
};

/*
 * A random policy over the nodes with memory, some outside the mems (a
 * refusal when none is left), for every mode @nr_modes allows, with or
 * without a flag.  prefer gets one node or none (local: set_mempolicy()
 * takes an empty prefer as local, mpol_parse_str() a bare prefer), as
 * mpol_parse_str() takes no more; no mode gets an empty list but prefer.
 */
static void rand_policy(unsigned int *seed, const FIXTURE_DATA(mpolk) *self, int nr_modes,
			struct step_policy *p)
{
	static const int kf[] = { 0, ZL_K_F_STATIC, ZL_K_F_RELATIVE };
	char list[256];
	int f, len;

	p->mode = rand_r(seed) % nr_modes;
	f = rand_r(seed) % 3;
	p->flags = kf[f];
	p->nodes = 0;
	if (p->mode == ZL_K_PREFERRED)
		p->nodes = rand_r(seed) % 4 ? rand_node(seed, self->mem) : 0;
	else if (p->mode != ZL_K_DEFAULT && p->mode != ZL_K_LOCAL)
		p->nodes = rand_nonempty(seed, self->mem);
	len = snprintf(p->str, sizeof(p->str), "%s%s", zl_kmode[p->mode], kflag[f]);
	if (p->nodes)
		snprintf(p->str + len, sizeof(p->str) - len, ":%s",
			 zl_bits_list(p->nodes, list, sizeof(list)));
}

/* Both sides' policies after step @s, compared; whether they agree. */
static bool rebind_agree(struct __test_metadata *_metadata, FIXTURE_DATA(mpolk) *self,
			 unsigned long addr, int s, const char *what)
{
	char kpol[256] = "", zpol[256] = "";

	EXPECT_EQ(0, child_policy(self->child, addr, kpol, sizeof(kpol)));
	EXPECT_EQ(0, zl_ctx_policy(CTX, zpol, sizeof(zpol)));
	if (!strcmp(kpol, zpol))
		return true;
	TH_LOG("step %d (%s): the kernel's task reads '%s', the context '%s'", s, what,
	       kpol, zpol);
	return false;
}

/*
 * The walk: each step either moves both mems to one random non-empty set
 * of memory nodes (cpuset.mems and the context's mems) or gives both a
 * new random policy (set_mempolicy(2) in the task, the string to the
 * context).  Both must take or refuse each policy alike, and read alike
 * after every step.
 */
TEST_F_TIMEOUT(mpolk, rebinds_as_a_task_in_a_cpuset, 300)
{
	int s, nr_modes, policies = 0, refused = 0, mismatches = 0;
	unsigned long long mems = self->mem;
	struct step_policy p;
	unsigned long addr;
	char list[256], what[300];

	if (__builtin_popcountll(self->mem) < 2)
		SKIP(return, "fewer than two nodes with memory");
	if (!cg_cpuset(self))
		SKIP(return, "no cgroup v2 cpuset controller");
	ASSERT_EQ(0, mkdir(CGTASK, 0755)) TH_LOG("mkdir " CGTASK ": %s", strerror(errno));
	self->cg_made = true;
	ASSERT_EQ(0, zl_write_str(CGTASK "/cpuset.mems", zl_bits_list(mems, list, sizeof(list))));
	ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%s", list));
	child_start(_metadata, self, &addr);
	/* Weighted interleave is 6.9's: on older kernels not asked about. */
	nr_modes = child_set(self, ZL_K_WEIGHTED_INTERLEAVE, self->mem) ? ZL_K_NR_MODES - 1 :
								       ZL_K_NR_MODES;
	ASSERT_EQ(0, child_set(self, ZL_K_DEFAULT, 0));
	TH_LOG("seed %u, %d steps over memory nodes %s, %d modes", self->seed, NR_STEPS,
	       zl_bits_list(self->mem, list, sizeof(list)), nr_modes);

	for (s = 0; s < NR_STEPS && mismatches < 10; s++) {
		if (rand_r(&self->seed) % 3) {
			mems = rand_nonempty(&self->seed, self->mem);
			zl_bits_list(mems, list, sizeof(list));
			snprintf(what, sizeof(what), "mems %s", list);
			ASSERT_EQ(0, zl_write_str(CGTASK "/cpuset.mems", list)) TH_LOG("%s", what);
			ASSERT_EQ(0, zl_ctx_write(CTX, "mems", "%s", list)) TH_LOG("%s", what);
		} else {
			int kret, zret;

			rand_policy(&self->seed, self, nr_modes, &p);
			snprintf(what, sizeof(what), "policy %s in mems %s", p.str,
				 zl_bits_list(mems, list, sizeof(list)));
			kret = child_set(self, p.mode | p.flags, p.nodes);
			ASSERT_NE(-EPIPE, kret);
			zret = zl_ctx_write(CTX, "policy", "%s", p.str);
			policies++;
			refused += !!kret;
			if (kret != zret) {
				mismatches++;
				TH_LOG("step %d (%s): set_mempolicy %s, the context %s", s, what,
				       kret ? strerror(-kret) : "ok", zret ? strerror(-zret) : "ok");
			}
		}
		mismatches += !rebind_agree(_metadata, self, addr, s, what);
	}
	TH_LOG("%d steps, %d policies (%d refused by both or either), %d mismatches", s,
	       policies, refused, mismatches);
	EXPECT_EQ(0, mismatches);
	EXPECT_LT(0, policies);
}

/*
 * A new context's weights are the kernel's (6.9+): random ones written to
 * its table, seeded, read back from the context's `weights`.
 */
TEST_F(mpolk, ctx_weights_are_the_kernels)
{
	unsigned int seed = self->seed;
	int w[64] = { 0 }, nid, got;
	char *text, *line, *save = NULL;

	if (!zl_path_exists(ZL_IW_DIR))
		SKIP(return, "this kernel has no weighted interleave weights (6.9+)");
	TH_LOG("seed %u", seed);
	for (nid = 0; nid < 64; nid++)
		if (self->mem & (1ULL << nid)) {
			w[nid] = 1 + rand_r(&seed) % 255;
			ASSERT_EQ(0, zl_iw_swap(self->old_weight, nid, w[nid]));
		}
	ASSERT_EQ(0, zl_ctx_create(CTX "_w"));
	text = zl_ctx_read(CTX "_w", "weights");
	EXPECT_NE(NULL, text);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "node %d %d", &nid, &got) == 2 && nid >= 0 && nid < 64 &&
		    w[nid]) {
			EXPECT_EQ(w[nid], got) TH_LOG("node %d", nid);
			w[nid] = 0;
		}
	free(text);
	for (nid = 0; nid < 64; nid++) {
		EXPECT_EQ(0, w[nid]) TH_LOG("node %d: not in the context's weights", nid);
	}
	EXPECT_EQ(0, zl_ctx_destroy(CTX "_w"));
}

int main(int argc, char **argv)
{
	zl_prereq(argv[0], ZL_NEED_LOADED);
	return test_harness_run(argc, argv);
}
