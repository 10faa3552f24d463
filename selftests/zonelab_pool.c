// SPDX-License-Identifier: GPL-2.0
/*
 * The page-pool side of the zonelab selftests; see zonelab_pool.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "zonelab_pool.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif


/* "<key> <unsigned>" exactly, with one blank. */
static int key_uint(const char *line, const char *key, long *val)
{
	size_t len = strlen(key);
	unsigned long v;
	const char *end;

	if (strncmp(line, key, len) || line[len] != ' ')
		return -EINVAL;
	if (zl_parse_uint(line + len + 1, &end, &v) || *end || v > (unsigned long)LONG_MAX)
		return -EINVAL;
	*val = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* the alloc file                                                     */
/* ------------------------------------------------------------------ */

int zl_held_parse(struct zl_held *h, const char *text, char *err, size_t errlen)
{
	const char *pos = text, *p;
	unsigned long nid, pages;
	char line[256];
	bool no_nl = false;
	long sum = 0;
	int prev = -1;

	memset(h, 0, sizeof(*h));
	if (!zl_next_line(&pos, line, sizeof(line), &no_nl) || no_nl ||
	    key_uint(line, "pages", &h->pages)) {
		zl_set_err(err, errlen, "alloc: first line '%s' is not 'pages <n>'", line);
		return -EINVAL;
	}
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		p = line;
		if (no_nl || strncmp(p, "node ", 5) ||
		    zl_parse_uint(p + 5, &p, &nid) || *p++ != ' ' ||
		    zl_parse_uint(p, &p, &pages) || *p || nid >= ZL_MAX_NODES ||
		    (int)nid <= prev) {
			zl_set_err(err, errlen, "alloc: bad line '%s'", line);
			return -EINVAL;
		}
		prev = nid;
		zl_mask_set(&h->nodes, nid);
		h->node[nid] = pages;
		sum += pages;
	}
	if (sum != h->pages) {
		zl_set_err(err, errlen, "alloc: node lines add up to %ld, not pages %ld",
			sum, h->pages);
		return -EINVAL;
	}
	return 0;
}

int zl_alloc_open(void)
{
	int fd = open(ZL_ALLOC, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/*
 * For tests that exhaust nodes on purpose to test placement, not
 * zonelab's OOM (zonelab_oom_test does): an exempt holder gets ENOMEM
 * where it would otherwise be chosen as a victim and reaped.
 */
int zl_alloc_open_exempt(void)
{
	int fd = zl_alloc_open(), ret;

	if (fd < 0)
		return fd;
	ret = zl_alloc_cmd(fd, "oom_score_adj -1000");
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int zl_alloc_cmd(int fd, const char *fmt, ...)
{
	char cmd[128];
	va_list ap;
	ssize_t n;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (len < 0 || len >= (int)sizeof(cmd))
		return -EOVERFLOW;
	n = write(fd, cmd, len);
	if (n < 0)
		return -errno;
	return n == len ? 0 : -EIO;
}

int zl_alloc_state(int fd, size_t chunk, struct zl_held *h, char *err, size_t errlen)
{
	char *text = zl_read_fd_chunks(fd, chunk, NULL);
	int ret;

	if (!text) {
		zl_set_err(err, errlen, "reading alloc: %s", strerror(errno));
		return -errno;
	}
	ret = zl_held_parse(h, text, err, errlen);
	free(text);
	return ret;
}

/* ------------------------------------------------------------------ */
/* the stress file                                                    */
/* ------------------------------------------------------------------ */

long zl_stress_value(const char *key)
{
	char *text = zl_read_file(ZL_DIR "/stress", NULL), line[128], k[32];
	const char *pos = text;
	long v, val = -1;

	while (text && zl_next_line(&pos, line, sizeof(line), NULL))
		if (sscanf(line, "%31s %ld", k, &v) == 2 && !strcmp(k, key))
			val = v;
	free(text);
	return val;
}

int zl_stress_read(struct zl_stress *s)
{
	static const char * const keys[] = {
		"running", "threads", "order_max", "hold", "ops", "fails",
	};
	char tail;
	long *vals = &s->running;
	char *text = zl_read_file(ZL_STRESS, NULL);
	const char *pos = text;
	char line[128];
	bool no_nl;
	size_t i = 0;
	int ret = 0;

	if (!text)
		return -errno;
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		/* The last line, "node <nid>", is -1 for the worker's own node. */
		if (!no_nl && i == ARRAY_SIZE(keys) &&
		    sscanf(line, "node %ld%c", &s->node, &tail) == 1) {
			i++;
			continue;
		}
		if (no_nl || i >= ARRAY_SIZE(keys) ||
		    key_uint(line, keys[i], &vals[i])) {
			zl_log("stress: unexpected line '%s'", line);
			ret = -EINVAL;
			break;
		}
		i++;
	}
	if (!ret && i != ARRAY_SIZE(keys) + 1) {
		zl_log("stress: %zu lines, not 7", i);
		ret = -EINVAL;
	}
	free(text);
	return ret;
}

int zl_stress_wait_above(struct zl_stress *st, size_t field, long above, long timeout_ms)
{
	long long deadline = zl_now_ms() + timeout_ms;
	int ret;

	for (;;) {
		ret = zl_stress_read(st);
		if (ret)
			return ret;
		if (*(const long *)((const char *)st + field) > above)
			return 0;
		if (zl_now_ms() >= deadline)
			return -ETIMEDOUT;
		zl_sleep_ms(20);
	}
}

/* ------------------------------------------------------------------ */
/* zoneinfo                                                           */
/* ------------------------------------------------------------------ */

int zl_zoneinfo_drained(struct zl_zoneinfo *zi)
{
	int ret = zl_cmd(ZL_PCP, "drain all");

	return ret ? ret : zl_zoneinfo_read(zi);
}

int zl_pcp_switch(const struct zl_zoneinfo *zi, int nid, bool on)
{
	int i, ret = 0;

	for (i = 0; i < zi->nr; i++) {
		const struct zl_zi_zone *z = &zi->zone[i];
		char cmd[64];

		if ((nid >= 0 && z->nid != nid) || !z->managed)
			continue;
		snprintf(cmd, sizeof(cmd), "%s %d %s", on ? "enable" : "disable", z->nid,
			 z->name);
		ret = zl_cmd(ZL_PCP, cmd) ?: ret;
	}
	return ret;
}

int zl_pool_at_rest(struct zl_zoneinfo *zi, char *err, size_t errlen)
{
	struct zl_stress st;
	int i, ret = zl_stress_read(&st);

	if (!ret && st.running) {
		zl_set_err(err, errlen, "stress is running: the pool is not quiescent");
		return -EBUSY;
	}
	ret = ret ? ret : zl_zoneinfo_drained(zi);
	if (ret) {
		zl_set_err(err, errlen, "reading stress or zoneinfo: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < zi->nr; i++)
		if (zi->zone[i].managed != zi->zone[i].free) {
			zl_set_err(err, errlen, "zone %d/%s: pages held by someone else",
				   zi->zone[i].nid, zi->zone[i].name);
			return -EBUSY;
		}
	return 0;
}

struct zl_zoneinfo *zl_zoneinfo_get(void)
{
	struct zl_zoneinfo *zi = malloc(sizeof(*zi));

	if (zi && zl_zoneinfo_read(zi)) {
		free(zi);
		return NULL;
	}
	return zi;
}

long zl_zi_node_free(const struct zl_zoneinfo *zi, int nid)
{
	long sum = 0;
	int i;

	for (i = 0; i < zi->nr; i++)
		if (zi->zone[i].nid == nid)
			sum += zi->zone[i].free;
	return sum;
}

long zl_zi_node_unheld(const struct zl_zoneinfo *zi, int nid)
{
	long sum = 0;
	int i;

	for (i = 0; i < zi->nr; i++)
		if (zi->zone[i].nid == nid)
			sum += zi->zone[i].free + zl_zi_pcp_total(&zi->zone[i]);
	return sum;
}

long zl_zi_managed(const struct zl_zoneinfo *zi, int nid)
{
	long sum = 0;
	int i;

	for (i = 0; i < zi->nr; i++)
		if (nid < 0 || zi->zone[i].nid == nid)
			sum += zi->zone[i].managed;
	return sum;
}

void zl_prereq_every_node(void)
{
	struct zl_zoneinfo *zi = zl_zoneinfo_get();
	struct zl_mask memory;
	int nid;

	if (!zi || zl_node_state("has_memory", &memory))
		ksft_exit_fail_msg("reading zoneinfo or has_memory failed\n");
	zl_for_each_node(nid, &memory)
		if (!zl_zi_managed(zi, nid))
			ksft_exit_skip("node %d has memory but no zonelab page: too little was free there at load\n",
				       nid);
	free(zi);
}

long zl_zi_pcp_count(const struct zl_zi_zone *z, int cpu)
{
	int i;

	for (i = 0; i < z->nr_pcp; i++)
		if (z->pcp[i].cpu == cpu)
			return z->pcp[i].count;
	return -1;
}

/*
 * The kernel's sysctl_lowmem_reserve_ratio defaults by zone name (zone.c
 * uses them, not the sysctl): 0, no protection, for the zones above Normal.
 */
static long reserve_ratio(const char *name)
{
	if (!strcmp(name, "DMA") || !strcmp(name, "DMA32"))
		return 256;
	if (!strcmp(name, "Normal"))
		return 32;
	return 0;
}

int zl_zone_index(const char *name)
{
	return zl_kernel_zone_idx(name);
}

unsigned long zl_int_sqrt(unsigned long x)
{
	unsigned long lo = 0, hi = 1UL << 32, mid;

	/* Largest r with r * r <= x. */
	while (lo + 1 < hi) {
		mid = lo + (hi - lo) / 2;
		if (mid <= x / mid)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The kernel's mult_frac(x, n, d). */
static unsigned long mult_frac(unsigned long x, unsigned long n, unsigned long d)
{
	return (x / d) * n + ((x % d) * n) / d;
}

static long rounddown_pow2(long x)
{
	long p = 1;

	while (p * 2 <= x)
		p *= 2;
	return p;
}

void zl_model_limits(const struct zl_zoneinfo *zi, unsigned long mfk_param,
		     const int nr_split[ZL_MAX_NODES], int nr_online,
		     struct zl_zone_limits *out)
{
	unsigned long pool = zl_zi_managed(zi, -1), mfk, pages_min;
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	int page_shift_10 = 0, nr_zones = zl_kernel_zones(NULL), i, j, k;

	while ((1L << page_shift_10) < page_kb)
		page_shift_10++;
	mfk = mfk_param;
	if (!mfk) {
		mfk = zl_int_sqrt(pool * page_kb * 16);
		mfk = mfk < 128 ? 128 : mfk > 262144 ? 262144 : mfk;
	}
	pages_min = mfk >> page_shift_10;

	memset(out, 0, sizeof(*out) * zi->nr);
	for (i = 0; i < zi->nr; i++) {
		const struct zl_zi_zone *z = &zi->zone[i];
		struct zl_zone_limits *l = &out[i];
		unsigned long min = pool ? mult_frac(pages_min, z->managed, pool) : 0;
		unsigned long step = mult_frac(z->managed, 10, 10000);
		long batch;
		int split;

		if ((min >> 2) > step)
			step = min >> 2;
		l->min = min;
		l->low = min + step;
		l->high = min + 2 * step;

		/* zone_batchsize() and zone_highsize() of 6.1. */
		batch = (long)(z->managed >> 10) < 256 ? (long)(z->managed >> 10) : 256;
		batch /= 4;
		if (batch < 1)
			batch = 1;
		batch = rounddown_pow2(batch + batch / 2) - 1;
		l->pcp_batch = batch < 1 ? 1 : batch;
		split = nr_split[z->nid] ? nr_split[z->nid] : nr_online;
		l->pcp_high = split > 0 ? l->low / split : 0;
		if (l->pcp_high < l->pcp_batch * 4)
			l->pcp_high = l->pcp_batch * 4;

		/*
		 * setup_per_zone_lowmem_reserve() over the node's zonelab
		 * zones: one entry per zone type of the running kernel.
		 */
		l->nr_prot = nr_zones < ZL_ZI_MAX_PROT ? nr_zones : ZL_ZI_MAX_PROT;
		k = zl_zone_index(z->name);
		for (j = k + 1; k >= 0 && j < l->nr_prot; j++) {
			long upper = 0;
			int m, idx;

			if (!reserve_ratio(z->name) || !z->managed)
				break;
			for (m = 0; m < zi->nr; m++) {
				idx = zl_zone_index(zi->zone[m].name);
				if (zi->zone[m].nid == z->nid && idx > k && idx <= j)
					upper += zi->zone[m].managed;
			}
			l->protection[j] = upper / reserve_ratio(z->name);
		}
	}
}

/* ------------------------------------------------------------------ */
/* buddyinfo                                                          */
/* ------------------------------------------------------------------ */

int zl_buddy_parse(struct zl_buddy *b, const char *text, char *err, size_t errlen)
{
	const char *pos = text, *p;
	char line[512], name[ZL_ZONE_NAME + 1];
	bool no_nl = false;
	int nid, n = 0;

	memset(b, 0, sizeof(*b));
	while (zl_next_line(&pos, line, sizeof(line), &no_nl)) {
		struct zl_buddy_zone *z;
		unsigned long v;

		if (no_nl || sscanf(line, "Node %d, zone %16s %n", &nid, name, &n) != 2 ||
		    nid < 0 || nid >= ZL_MAX_NODES || b->nr >= ZL_ZI_MAX_ZONES) {
			zl_set_err(err, errlen, "buddyinfo: bad line '%s'", line);
			return -EINVAL;
		}
		z = &b->zone[b->nr++];
		z->nid = nid;
		zl_copy_str(z->name, sizeof(z->name), name);
		p = line + n;
		while (*p) {
			while (*p == ' ')
				p++;
			if (!*p)
				break;
			if (zl_parse_uint(p, &p, &v) || (*p && *p != ' ') ||
			    z->nr_orders >= ZL_POOL_MAX_ORDERS) {
				zl_set_err(err, errlen, "buddyinfo: bad counts in '%s'", line);
				return -EINVAL;
			}
			z->nr_free[z->nr_orders++] = v;
		}
	}
	return 0;
}

long zl_buddy_pages(const struct zl_buddy_zone *z)
{
	long sum = 0;
	int o;

	for (o = 0; o < z->nr_orders; o++)
		sum += z->nr_free[o] << o;
	return sum;
}

/* ------------------------------------------------------------------ */
/* module parameters                                                  */
/* ------------------------------------------------------------------ */

long zl_param(const char *name)
{
	char path[256];
	long v;

	snprintf(path, sizeof(path), ZL_SYSMOD "/parameters/%s", name);
	return zl_read_long(path, &v) ? -1 : v;
}

/* The cap of zl_zones_init() on @nid now, in pages, not rounded; -1 on error. */
static long reserve_cap_now(int nid)
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024, ppn = zl_param("pages_per_node");
	long pct = zl_param("reserve_percent"), free_kb = zl_node_memfree_kb(nid), cap;

	if (ppn < 0 || pct < 0 || free_kb < 0 || page_kb <= 0)
		return -1;
	cap = free_kb / page_kb / 100 * pct;
	return cap < ppn ? cap : ppn;
}

bool zl_node_capped_out(int nid, long *now)
{
	long cap = reserve_cap_now(nid), order = zl_param("block_order");

	if (now)
		*now = cap;
	if (cap < 0 || order < 0 || order >= 8 * (long)sizeof(long) - 2)
		return false;
	return cap < 2L << order;
}

/* ------------------------------------------------------------------ */
/* CPUs                                                               */
/* ------------------------------------------------------------------ */

static int read_list(const char *path, struct zl_mask *m)
{
	char *buf = zl_read_file(path, NULL);
	int ret;

	if (!buf)
		return -errno;
	buf[strcspn(buf, "\n")] = '\0';
	ret = zl_parse_list(buf, m);
	free(buf);
	return ret;
}

int zl_node_state(const char *state, struct zl_mask *m)
{
	char path[128];

	snprintf(path, sizeof(path), ZL_NODE_SYSFS "/%s", state);
	return read_list(path, m);
}

int zl_online_cpus(struct zl_mask *m)
{
	int ret = read_list(ZL_SYSCPU "/online", m);

	return ret ? ret : zl_mask_weight(m);
}

int zl_node_nr_cpus(int nid)
{
	char path[128];
	struct zl_mask m;
	int ret;

	snprintf(path, sizeof(path), ZL_NODE_SYSFS "/node%d/cpulist", nid);
	ret = read_list(path, &m);
	return ret ? ret : zl_mask_weight(&m);
}

int zl_cpu_node(int cpu)
{
	char path[128];
	int nid;

	for (nid = 0; nid < ZL_MAX_NODES; nid++) {
		snprintf(path, sizeof(path), ZL_SYSCPU "/cpu%d/node%d", cpu, nid);
		if (zl_path_exists(path))
			return nid;
	}
	return -1;
}

int zl_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	/* Make sure the next instruction already runs there. */
	sched_yield();
	return sched_getcpu() == cpu ? 0 : -EAGAIN;
}

int zl_pin_away_from(int cpu)
{
	struct zl_mask online;
	cpu_set_t set;
	int c, ret;

	ret = zl_online_cpus(&online);
	if (ret < 0)
		return ret;
	CPU_ZERO(&set);
	zl_for_each_bit(c, &online, CPU_SETSIZE)
		if (c != cpu)
			CPU_SET(c, &set);
	if (!CPU_COUNT(&set))
		return -ENOENT;
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	sched_yield();
	return 0;
}

bool zl_cpu_hotpluggable(int cpu)
{
	char path[128];

	snprintf(path, sizeof(path), ZL_SYSCPU "/cpu%d/online", cpu);
	return access(path, W_OK) == 0;
}

int zl_cpu_set_online(int cpu, bool online)
{
	char path[128];

	snprintf(path, sizeof(path), ZL_SYSCPU "/cpu%d/online", cpu);
	return zl_write_str(path, online ? "1" : "0");
}

void zl_other_cpus_set_online(bool online)
{
	struct zl_mask present;
	int cpu;

	if (read_list(ZL_SYSCPU "/present", &present))
		return;
	zl_for_each_bit(cpu, &present, ZL_MASK_BITS)
		if (cpu && zl_cpu_hotpluggable(cpu))
			zl_cpu_set_online(cpu, online);
}

/* ------------------------------------------------------------------ */
/* the kernel's free memory                                           */
/* ------------------------------------------------------------------ */

void zl_vm_stat_refresh(void)
{
	/* EINVAL when a counter is negative; the fold has happened anyway. */
	zl_write_str("/proc/sys/vm/stat_refresh", "1");
}

long zl_node_free_kb(int nid)
{
	char *text = zl_read_file("/proc/zoneinfo", NULL), line[512];
	long page_kb = sysconf(_SC_PAGESIZE) / 1024, pages = 0, v;
	const char *pos = text, *p;
	bool in_node = false, seen = false;
	int n, len;

	if (!text)
		return -1;
	while (zl_next_line(&pos, line, sizeof(line), NULL)) {
		if (sscanf(line, "Node %d, zone %*s%n", &n, &len) == 1 && !line[len]) {
			in_node = n == nid;
			seen |= in_node;
			continue;
		}
		if (!in_node)
			continue;
		p = line + strspn(line, " ");
		if (sscanf(p, "pages free %ld", &v) == 1 || sscanf(p, "count: %ld", &v) == 1)
			pages += v;
	}
	free(text);
	return seen ? pages * page_kb : -1;
}

long zl_node_memfree_kb(int nid)
{
	char path[128], *text, *p;
	long kb = -1;

	snprintf(path, sizeof(path), ZL_NODE_SYSFS "/node%d/meminfo", nid);
	text = zl_read_file(path, NULL);
	if (!text)
		return -1;
	p = strstr(text, "MemFree:");
	if (p)
		sscanf(p, "MemFree: %ld kB", &kb);
	free(text);
	return kb;
}

/* ------------------------------------------------------------------ */
/* kernel log                                                         */
/* ------------------------------------------------------------------ */

