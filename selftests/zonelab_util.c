// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the zonelab selftests; see zonelab_util.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "zonelab_util.h"

#define DEBUGFS_MAGIC_NR	0x64626720

/* klogctl() actions, from include/linux/syslog.h. */
#define ZL_SYSLOG_ACTION_READ_ALL	3
#define ZL_SYSLOG_ACTION_SIZE_BUFFER	10

/* ------------------------------------------------------------------ */
/* logging                                                            */
/* ------------------------------------------------------------------ */

void zl_log(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("# zonelab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* strlcpy(): copy with truncation, always NUL-terminated. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static __printf(3, 4) void set_err(char *err, size_t errlen, const char *fmt, ...);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* misc                                                               */
/* ------------------------------------------------------------------ */

void zl_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

long long zl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

bool zl_path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* ------------------------------------------------------------------ */
/* files                                                              */
/* ------------------------------------------------------------------ */

char *zl_read_fd_chunks(int fd, size_t chunk, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap + 1), *tmp;
	ssize_t n;

	if (!buf)
		return NULL;
	for (;;) {
		while (used + chunk > cap) {
			cap *= 2;
			tmp = realloc(buf, cap + 1);
			if (!tmp) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = tmp;
		}
		n = read(fd, buf + used, chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		used += n;
		if (used > (64u << 20)) {	/* a runaway file */
			free(buf);
			errno = EFBIG;
			return NULL;
		}
	}
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

char *zl_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int saved;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = zl_read_fd_chunks(fd, 65536, len);
	saved = errno;
	close(fd);
	errno = saved;
	return buf;
}

int zl_write_once(const char *path, const void *buf, size_t len, ssize_t *ret)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (ret)
		*ret = -1;
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		*ret = n;
	return err;
}

int zl_write_str(const char *path, const char *s)
{
	ssize_t n;
	int err = zl_write_once(path, s, strlen(s), &n);

	if (err)
		return err;
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

int zl_read_long(const char *path, long *val)
{
	char *buf = zl_read_file(path, NULL), *end;
	int err = 0;

	if (!buf)
		return -errno;
	errno = 0;
	*val = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		err = -EINVAL;
	free(buf);
	return err;
}

/* ------------------------------------------------------------------ */
/* module handling                                                    */
/* ------------------------------------------------------------------ */

static char zl_ko[PATH_MAX];
static bool zl_ko_resolved;
static bool zl_we_loaded;

const char *zl_ko_path(void)
{
	char exe[PATH_MAX], *slash;
	const char *env;
	ssize_t n;

	if (zl_ko_resolved)
		return zl_ko[0] ? zl_ko : NULL;
	zl_ko_resolved = true;

	env = getenv("ZONELAB_KO");
	if (env && *env && access(env, R_OK) == 0) {
		copy_str(zl_ko, sizeof(zl_ko), env);
		return zl_ko;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (strlen(exe) + 32 < sizeof(zl_ko)) {
				copy_str(zl_ko, sizeof(zl_ko), exe);
				strcat(zl_ko, "/../module/zonelab.ko");
				if (access(zl_ko, R_OK) == 0)
					return zl_ko;
			}
		}
	}
	zl_ko[0] = '\0';
	return NULL;
}

static bool have_modprobe(void)
{
	static const char * const dirs[] = {
		"/sbin", "/usr/sbin", "/bin", "/usr/bin",
	};
	char path[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/modprobe", dirs[i]);
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

bool zl_module_loaded(void)
{
	return zl_path_exists(ZL_SYSMOD);
}

bool zl_debugfs_present(void)
{
	return zl_path_exists(ZL_DIR);
}

bool zl_can_load(void)
{
	return zl_ko_path() || have_modprobe();
}

static int run_modprobe(const char *arg1, const char *arg2)
{
	int status, devnull;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		if (arg2)
			execlp("modprobe", "modprobe", arg1, arg2, (char *)NULL);
		else
			execlp("modprobe", "modprobe", arg1, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ENOENT;
}

int zl_module_load(void)
{
	const char *ko = zl_ko_path();
	int fd, ret, saved;

	if (!ko) {
		if (!have_modprobe())
			return -ENOENT;
		return run_modprobe("zonelab", NULL);
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0);
	saved = errno;
	close(fd);
	if (ret && saved != EEXIST)
		return -saved;
	return 0;
}

int zl_module_unload(void)
{
	long long deadline = zl_now_ms() + 10000;

	for (;;) {
		if (syscall(SYS_delete_module, "zonelab", O_NONBLOCK) == 0)
			return 0;
		if (errno == ENOENT)
			return 0;
		if ((errno != EAGAIN && errno != EBUSY) ||
		    zl_now_ms() > deadline)
			return -errno;
		zl_sleep_ms(100);
	}
}

static void zl_unload_at_exit(void)
{
	int err;

	if (!zl_we_loaded)
		return;
	err = zl_module_unload();
	if (err)
		zl_log("warning: could not unload the module we loaded: %s",
		       strerror(-err));
}

static bool debugfs_mounted(void)
{
	struct statfs sfs;

	if (statfs(ZL_DEBUGFS, &sfs))
		return false;
	return (unsigned long)sfs.f_type == DEBUGFS_MAGIC_NR;
}

/* 0 if readable, -EPERM if locked down, other -errno otherwise. */
static int probe_debugfs_read(void)
{
	char buf[16];
	int fd = open(ZL_ZONELISTS, O_RDONLY);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

/* True when /sys/kernel/security/lockdown shows a mode other than none. */
static bool locked_down(void)
{
	char *buf = zl_read_file("/sys/kernel/security/lockdown", NULL);
	bool locked;

	if (!buf)
		return false;	/* no securityfs or no lockdown LSM */
	locked = !strstr(buf, "[none]");
	free(buf);
	return locked;
}

void zl_prereq(const char *argv0, enum zl_need need)
{
	int err;

	(void)argv0;
	if (geteuid() != 0)
		ksft_exit_skip("zonelab tests must run as root\n");
	if (!debugfs_mounted())
		ksft_exit_skip("debugfs is not mounted at %s\n", ZL_DEBUGFS);
	if (locked_down())
		ksft_exit_skip("kernel lockdown is on: no module loading, no debugfs\n");

	if (!zl_module_loaded()) {
		if (!zl_can_load())
			ksft_exit_skip("zonelab not loaded, no zonelab.ko (set ZONELAB_KO)\n");
		if (need == ZL_NEED_LOADED) {
			err = zl_module_load();
			switch (-err) {
			case 0:
				break;
			case EPERM:
			case EACCES:
				ksft_exit_skip("loading zonelab: %s (lockdown?)\n",
					       strerror(-err));
				break;
			case ENOENT:
			case ENOEXEC:
			case EKEYREJECTED:
			case ENOKEY:
			case EBADMSG:
				ksft_exit_skip("zonelab cannot be loaded here: %s\n",
					       strerror(-err));
				break;
			default:
				/* The module's own init failed: a real failure. */
				ksft_exit_fail_msg("loading zonelab failed: %s\n",
						   strerror(-err));
			}
			zl_we_loaded = true;
			atexit(zl_unload_at_exit);
		}
	}

	if (zl_module_loaded()) {
		err = probe_debugfs_read();
		if (err == -EPERM || err == -EACCES)
			ksft_exit_skip("reading %s: %s (lockdown?)\n",
				       ZL_ZONELISTS, strerror(-err));
	}
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

/* Strict unsigned decimal: at least one digit, no sign, no overflow. */
static int parse_uint(const char *s, const char **end, unsigned long *val)
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

int zl_parse_list(const char *s, struct zl_mask *m)
{
	const char *p = s;
	unsigned long a, b, i;

	zl_mask_clear(m);
	/* Tolerate one trailing newline, as sysfs files end with one. */
	if (*p == '\0' || (p[0] == '\n' && p[1] == '\0'))
		return 0;
	for (;;) {
		if (parse_uint(p, &p, &a))
			return -EINVAL;
		b = a;
		if (*p == '-') {
			p++;
			if (parse_uint(p, &p, &b) || b < a)
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

/* ------------------------------------------------------------------ */
/* line iteration                                                     */
/* ------------------------------------------------------------------ */

/*
 * Next line of @*pos into @line (without newline); false at end.  A final
 * line without a newline is returned too (and flagged by *no_nl).
 */
static bool next_line(const char **pos, char *line, size_t size, bool *no_nl)
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
/* topology                                                           */
/* ------------------------------------------------------------------ */

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
	while (next_line(&pos, line, sizeof(line), NULL)) {
		const char *p = line;

		if (!strncmp(line, "Node ", 5)) {
			if (sscanf(line, "Node %d, zone %16s", &nid, name) != 2 ||
			    nid < 0 || nid >= ZL_MAX_NODES ||
			    strlen(name) >= ZL_ZONE_NAME ||
			    t->nr_zones[nid] >= ZL_MAX_ZONES) {
				set_err(err, errlen, "zoneinfo: bad header '%s'", line);
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

int zl_topo_from_system(struct zl_topo *t, char *err, size_t errlen)
{
	static const struct { const char *file; size_t off; } masks[] = {
		{ "possible", offsetof(struct zl_topo, possible) },
		{ "online", offsetof(struct zl_topo, online) },
		{ "has_memory", offsetof(struct zl_topo, has_memory) },
		{ "has_normal_memory", offsetof(struct zl_topo, has_normal_memory) },
		{ "has_cpu", offsetof(struct zl_topo, has_cpu) },
	};
	char path[256], *buf, *p, *end;
	size_t i;
	int nid, n, ret;

	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		snprintf(path, sizeof(path), ZL_NODE_SYSFS "/%s", masks[i].file);
		ret = read_mask(path, (struct zl_mask *)((char *)t + masks[i].off));
		if (ret) {
			set_err(err, errlen, "%s: %s", path, strerror(-ret));
			return ret;
		}
	}
	for (nid = ZL_MAX_NODES; nid < ZL_MASK_BITS; nid++) {
		if (zl_mask_test(&t->possible, nid)) {
			set_err(err, errlen, "node %d exceeds the tests' limit %d",
				nid, ZL_MAX_NODES);
			return -ERANGE;
		}
	}

	zl_for_each_node(nid, &t->online) {
		snprintf(path, sizeof(path), ZL_NODE_SYSFS "/node%d/cpulist", nid);
		ret = read_mask(path, &t->cpus[nid]);
		if (ret) {
			set_err(err, errlen, "%s: %s", path, strerror(-ret));
			return ret;
		}
		t->have_cpus[nid] = true;

		snprintf(path, sizeof(path), ZL_NODE_SYSFS "/node%d/distance", nid);
		buf = zl_read_file(path, NULL);
		if (!buf) {
			ret = -errno;
			set_err(err, errlen, "%s: %s", path, strerror(errno));
			return ret;
		}
		p = buf;
		zl_for_each_node(n, &t->online) {
			long d = strtol(p, &end, 10);

			if (end == p) {
				set_err(err, errlen, "%s: too few numbers", path);
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
		set_err(err, errlen, "/proc/zoneinfo: %s", strerror(errno));
		return ret;
	}
	ret = zl_parse_zoneinfo(t, buf, err, errlen);
	free(buf);
	return ret;
}

long zl_node_memtotal_kb(int nid)
{
	char path[128], *buf, *p;
	long kb = -1;

	snprintf(path, sizeof(path), ZL_NODE_SYSFS "/node%d/meminfo", nid);
	buf = zl_read_file(path, NULL);
	if (!buf)
		return -1;
	p = strstr(buf, "MemTotal:");
	if (p)
		kb = strtol(p + strlen("MemTotal:"), NULL, 10);
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
	static const struct { const char *key; size_t off; } masks[] = {
		{ "possible", offsetof(struct zl_topo, possible) },
		{ "online", offsetof(struct zl_topo, online) },
		{ "has_memory", offsetof(struct zl_topo, has_memory) },
		{ "has_normal_memory", offsetof(struct zl_topo, has_normal_memory) },
		{ "has_cpu", offsetof(struct zl_topo, has_cpu) },
	};
	int last_cpus = -1, last_dist = -1, last_zone_nid = -1;
	const char *pos = text, *p;
	char line[8192];
	bool no_nl;
	size_t i;
	int nid, n, k;

	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		if (!next_line(&pos, line, sizeof(line), &no_nl) || no_nl) {
			set_err(err, errlen, "topology: missing '%s' line", masks[i].key);
			return -EINVAL;
		}
		if (parse_key_list(line, masks[i].key,
				   (struct zl_mask *)((char *)t + masks[i].off))) {
			set_err(err, errlen, "topology: bad line '%s' (want '%s <list>')",
				line, masks[i].key);
			return -EINVAL;
		}
	}

	while (next_line(&pos, line, sizeof(line), &no_nl)) {
		char rest[64], again[256], zname[ZL_ZONE_NAME + 1];
		unsigned long a, b, c;

		if (no_nl) {
			set_err(err, errlen, "topology: last line has no newline");
			return -EINVAL;
		}
		if (sscanf(line, "node %d %n", &nid, &k) != 1 || k <= 5 ||
		    nid < 0 || nid >= ZL_MAX_NODES) {
			set_err(err, errlen, "topology: unexpected line '%s'", line);
			return -EINVAL;
		}
		p = line + k;
		if (!strncmp(p, "cpus", 4) && (p[4] == '\0' || p[4] == ' ')) {
			if (nid <= last_cpus || t->have_cpus[nid] ||
			    parse_key_list(p, "cpus", &t->cpus[nid])) {
				set_err(err, errlen, "topology: bad or misplaced '%s'", line);
				return -EINVAL;
			}
			t->have_cpus[nid] = true;
			last_cpus = nid;
		} else if (!strncmp(p, "distances", 9) && (p[9] == '\0' || p[9] == ' ')) {
			if (nid <= last_dist || t->have_dist[nid]) {
				set_err(err, errlen, "topology: out-of-order line '%s'", line);
				return -EINVAL;
			}
			p += 9;
			zl_for_each_node(n, &t->online) {
				unsigned long d;

				if (*p != ' ' || parse_uint(p + 1, &p, &d) || d > INT_MAX) {
					set_err(err, errlen, "topology: bad distances '%s'", line);
					return -EINVAL;
				}
				t->dist[nid][n] = d;
			}
			if (*p) {
				set_err(err, errlen, "topology: trailing text in '%s'", line);
				return -EINVAL;
			}
			t->have_dist[nid] = true;
			last_dist = nid;
		} else if (!strncmp(p, "zone ", 5)) {
			struct zl_zone *z;

			if (sscanf(p, "zone %16s managed %lu present %lu spanned %lu%63s",
				   zname, &a, &b, &c, rest) != 4 ||
			    strlen(zname) >= ZL_ZONE_NAME) {
				set_err(err, errlen, "topology: bad zone line '%s'", line);
				return -EINVAL;
			}
			/* Exact re-print check: no extra blanks, no signs. */
			snprintf(again, sizeof(again),
				 "node %d zone %s managed %lu present %lu spanned %lu",
				 nid, zname, a, b, c);
			if (strcmp(again, line)) {
				set_err(err, errlen, "topology: zone line not in canonical form '%s'",
					line);
				return -EINVAL;
			}
			if (nid < last_zone_nid || t->nr_zones[nid] >= ZL_MAX_ZONES ||
			    (nid != last_zone_nid && t->nr_zones[nid])) {
				set_err(err, errlen, "topology: zone line out of order '%s'", line);
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
			set_err(err, errlen, "topology: unexpected line '%s'", line);
			return -EINVAL;
		}
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
		if (parse_uint(p, &p, &v) || v >= ZL_MAX_NODES || *p != '/')
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
		if (!next_line(&pos, line, sizeof(line), &no_nl) || no_nl ||
		    strncmp(line, "generation ", 11) ||
		    parse_uint(line + 11, &p, &v) || *p || v > LONG_MAX) {
			set_err(err, errlen, "zonelists: first line is not 'generation <n>'");
			return -EINVAL;
		}
		z->has_generation = true;
		z->generation = v;
	} else {
		expect = 1;
	}

	while (next_line(&pos, line, sizeof(line), &no_nl)) {
		struct zl_node_zl *n;
		const char *what;

		if (no_nl) {
			set_err(err, errlen, "zonelists: last line has no newline");
			return -EINVAL;
		}
		if (sscanf(line, "node %d %n", &nid, &k) != 1 || k <= 5 ||
		    nid < 0 || nid >= ZL_MAX_NODES) {
			set_err(err, errlen, "zonelists: unexpected line '%s'", line);
			return -EINVAL;
		}
		p = line + k;
		n = &z->node[nid];
		what = with_order ? "order" : "fallback";
		if (!strncmp(p, "order:", 6)) {
			if (!with_order || nid <= last_nid || expect != 0) {
				set_err(err, errlen, "zonelists: misplaced line '%s'", line);
				return -EINVAL;
			}
			p += 6;
			while (*p) {
				if (*p != ' ' || n->nr_order >= ZL_MAX_NODES ||
				    parse_uint(p + 1, &p, &v) || v >= ZL_MAX_NODES) {
					set_err(err, errlen, "zonelists: bad order '%s'", line);
					return -EINVAL;
				}
				n->order[n->nr_order++] = v;
			}
			n->has_order = true;
			copy_str(n->order_line, sizeof(n->order_line), line);
			zl_mask_set(&z->nodes, nid);
			last_nid = nid;
			expect = 1;
		} else if (!strncmp(p, "fallback:", 9)) {
			if (expect != 1 || (with_order ? nid != last_nid : nid <= last_nid)) {
				set_err(err, errlen, "zonelists: misplaced line '%s' (want %s first)",
					line, what);
				return -EINVAL;
			}
			if (parse_zrefs(p + 9, n->fallback, ZL_MAX_ZREFS, &n->nr_fallback)) {
				set_err(err, errlen, "zonelists: bad fallback line '%s'", line);
				return -EINVAL;
			}
			n->has_fallback = true;
			copy_str(n->fallback_line, sizeof(n->fallback_line), line);
			zl_mask_set(&z->nodes, nid);
			last_nid = nid;
			expect = 2;
		} else if (!strncmp(p, "thisnode:", 9)) {
			if (expect != 2 || nid != last_nid) {
				set_err(err, errlen, "zonelists: misplaced line '%s'", line);
				return -EINVAL;
			}
			if (parse_zrefs(p + 9, n->thisnode, ZL_MAX_ZONES, &n->nr_thisnode)) {
				set_err(err, errlen, "zonelists: bad thisnode line '%s'", line);
				return -EINVAL;
			}
			n->has_thisnode = true;
			copy_str(n->thisnode_line, sizeof(n->thisnode_line), line);
			expect = with_order ? 0 : 1;
		} else {
			set_err(err, errlen, "zonelists: unexpected line '%s'", line);
			return -EINVAL;
		}
	}
	if (expect != (with_order ? 0 : 1)) {
		set_err(err, errlen, "zonelists: node %d's lines are incomplete", last_nid);
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
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	ret = zl_zonelists_parse(z, buf, with_order, err, errlen);
	free(buf);
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
	while (next_line(&pos, line, sizeof(line), &no_nl)) {
		char again[256];

		k = 0;
		if (!no_nl && s->nr < ZL_MAX_STATS &&
		    sscanf(line, "%47[a-z0-9_] %lld%n", key, &v, &k) == 2)
			snprintf(again, sizeof(again), "%s %lld", key, v);
		else
			again[0] = '\0';
		/* Canonical "<key> <value>": one blank, no sign, nothing after. */
		if (!again[0] || line[k] != '\0' || strcmp(again, line)) {
			set_err(err, errlen, "stats: bad line '%s'", line);
			return -EINVAL;
		}
		for (i = 0; i < s->nr; i++) {
			if (!strcmp(s->key[i], key)) {
				set_err(err, errlen, "stats: duplicate key '%s'", key);
				return -EINVAL;
			}
		}
		copy_str(s->key[s->nr], sizeof(s->key[0]), key);
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
/* kernel log                                                         */
/* ------------------------------------------------------------------ */

char *zl_klog_read(void)
{
	int size = klogctl(ZL_SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	size_t cap;
	char *buf;
	int n;

	if (size <= 0)
		size = 1 << 20;
	/*
	 * READ_ALL formats every record with its "<l>[time] " prefix and
	 * drops the oldest records that do not fit: ask for plenty so the
	 * text starts at the oldest record, and offsets stay stable.
	 */
	cap = (size_t)size * 4 + 65536;
	buf = malloc(cap + 1);
	if (!buf)
		return NULL;
	n = klogctl(ZL_SYSLOG_ACTION_READ_ALL, buf, cap);
	if (n < 0) {
		int saved = errno;

		free(buf);
		errno = saved;
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

void zl_klog_mark(struct zl_klog_mark *m)
{
	char *log = zl_klog_read(), *end, *start;
	size_t len;

	m->line[0] = '\0';
	if (!log)
		return;
	len = strlen(log);
	/* Last complete line. */
	end = log + len;
	if (end > log && end[-1] == '\n')
		end--;
	start = end;
	while (start > log && start[-1] != '\n')
		start--;
	len = end - start;
	if (len >= sizeof(m->line))
		len = sizeof(m->line) - 1;
	/* Keep the full line so it can be found again. */
	if ((size_t)(end - start) < sizeof(m->line)) {
		memcpy(m->line, start, end - start);
		m->line[end - start] = '\0';
	} else {
		memcpy(m->line, start, len);
		m->line[len] = '\0';
	}
	free(log);
}

/* Last occurrence of @needle as a whole line in @hay; NULL if none. */
static char *find_last_line(char *hay, const char *needle)
{
	size_t nl = strlen(needle);
	char *p = hay, *found = NULL;

	while ((p = strstr(p, needle))) {
		if ((p == hay || p[-1] == '\n') && (p[nl] == '\n' || p[nl] == '\0'))
			found = p;
		p++;
	}
	return found;
}

char *zl_klog_since(const struct zl_klog_mark *m, bool *wrapped)
{
	char *log = zl_klog_read(), *at, *out;

	if (wrapped)
		*wrapped = false;
	if (!log)
		return NULL;
	if (!m->line[0])
		return log;
	at = find_last_line(log, m->line);
	if (!at) {
		if (wrapped)
			*wrapped = true;
		return log;
	}
	at += strlen(m->line);
	if (*at == '\n')
		at++;
	out = strdup(at);
	free(log);
	return out;
}

int zl_klog_scan_bad(const char *text)
{
	static const char * const bad[] = {
		"WARNING:", "BUG:", "Call Trace", "Oops", "general protection fault",
		"soft lockup", "hard LOCKUP", "blocked for more than",
		"detected stall", "rcu_sched self-detected", "UBSAN:", "KASAN:",
		"list_add corruption", "list_del corruption", "refcount_t:",
	};
	const char *pos = text;
	char line[1024];
	size_t i;
	int count = 0;

	while (next_line(&pos, line, sizeof(line), NULL)) {
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			if (strstr(line, bad[i])) {
				if (count < 10)
					zl_log("kernel log: %s", line);
				count++;
				break;
			}
		}
	}
	return count;
}

int zl_klog_new_bad(const struct zl_klog_mark *m)
{
	bool wrapped;
	char *text = zl_klog_since(m, &wrapped);
	int bad;

	if (!text)
		return -errno;
	if (wrapped)
		zl_log("kernel log wrapped since the mark; scanning all of it");
	bad = zl_klog_scan_bad(text);
	free(text);
	return bad;
}

int zl_klog_fallback_orders(const char *text, bool found[ZL_MAX_NODES],
			    int order[ZL_MAX_NODES][ZL_MAX_NODES],
			    int nr[ZL_MAX_NODES])
{
	static const char key[] = "Fallback order for Node ";
	const char *pos = text, *p;
	char line[1024];
	int nid, count = 0;
	unsigned long v;

	memset(found, 0, sizeof(bool) * ZL_MAX_NODES);
	memset(nr, 0, sizeof(int) * ZL_MAX_NODES);
	while (next_line(&pos, line, sizeof(line), NULL)) {
		p = strstr(line, key);
		if (!p)
			continue;
		p += strlen(key);
		if (parse_uint(p, &p, &v) || v >= ZL_MAX_NODES || *p != ':')
			continue;
		nid = v;
		p++;
		nr[nid] = 0;
		for (;;) {
			while (*p == ' ')
				p++;
			if (!*p || parse_uint(p, &p, &v) || nr[nid] >= ZL_MAX_NODES)
				break;
			order[nid][nr[nid]++] = v;
		}
		found[nid] = true;
	}
	for (nid = 0; nid < ZL_MAX_NODES; nid++)
		count += found[nid];
	return count;
}

int zl_klog_last_unloaded(const char *text, long *alloc, long *freed)
{
	static const char key[] = "zonelab: unloaded: generations allocated ";
	const char *p = text, *last = NULL;

	while ((p = strstr(p, key))) {
		last = p;
		p++;
	}
	if (!last || sscanf(last + strlen(key), "%ld freed %ld", alloc, freed) != 2)
		return -ENOENT;
	return 0;
}

int zl_klog_last_loaded(const char *text, long *nodes, long *gen)
{
	static const char key[] = "zonelab: loaded: ";
	const char *p = text, *last = NULL;

	while ((p = strstr(p, key))) {
		last = p;
		p++;
	}
	if (!last ||
	    sscanf(last + strlen(key), "%ld possible nodes, generation %ld", nodes, gen) != 2)
		return -ENOENT;
	return 0;
}

/* ------------------------------------------------------------------ */
/* memory blocks                                                      */
/* ------------------------------------------------------------------ */

int zl_block_node(int id)
{
	char path[128];
	struct dirent *de;
	DIR *d;
	int nid = -1, n;

	snprintf(path, sizeof(path), ZL_MEMORY_SYSFS "/memory%d", id);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char extra;

		if (sscanf(de->d_name, "node%d%c", &n, &extra) == 1) {
			nid = n;
			break;
		}
	}
	closedir(d);
	return nid;
}

int zl_block_state(int id, char *buf, size_t size)
{
	char path[128], *s;
	size_t len;

	snprintf(path, sizeof(path), ZL_MEMORY_SYSFS "/memory%d/state", id);
	s = zl_read_file(path, NULL);
	if (!s)
		return -errno;
	len = strcspn(s, "\n");
	s[len] = '\0';
	snprintf(buf, size, "%s", s);
	free(s);
	return 0;
}

static int cmp_block(const void *a, const void *b)
{
	return ((const struct zl_block *)a)->id - ((const struct zl_block *)b)->id;
}

int zl_offline_blocks(struct zl_block *blocks, int max)
{
	struct dirent *de;
	char state[32];
	int nr = 0, id;
	DIR *d;

	d = opendir(ZL_MEMORY_SYSFS);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char extra;

		if (sscanf(de->d_name, "memory%d%c", &id, &extra) != 1)
			continue;
		if (zl_block_state(id, state, sizeof(state)) || strcmp(state, "offline"))
			continue;
		if (nr < max) {
			blocks[nr].id = id;
			blocks[nr].nid = zl_block_node(id);
			nr++;
		}
	}
	closedir(d);
	qsort(blocks, nr, sizeof(*blocks), cmp_block);
	return nr;
}

int zl_block_set_state(int id, const char *state)
{
	char path[128];

	snprintf(path, sizeof(path), ZL_MEMORY_SYSFS "/memory%d/state", id);
	return zl_write_str(path, state);
}

int zl_block_offline_retry(int id, int tries)
{
	int err = 0, i;

	for (i = 0; i < tries; i++) {
		err = zl_block_set_state(id, "offline");
		if (!err)
			return 0;
		if (err != -EBUSY && err != -EAGAIN)
			return err;
		zl_sleep_ms(500);
	}
	return err;
}

/* ------------------------------------------------------------------ */
/* the 6.1 node ordering, in user space                               */
/* ------------------------------------------------------------------ */

/* find_next_best_node() of mm/page_alloc.c (6.1), over @t. */
static int model_next_best(const struct zl_topo *t, const struct zl_mask *memory,
			   int node, bool *used, const int *node_load, bool *unknown)
{
	int n, val, min_val = INT_MAX, best = -1;

	if (!used[node]) {
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

int zl_model_orders(const struct zl_topo *t, const struct zl_mask *memory,
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
		while ((node = model_next_best(t, memory, local, used, node_load,
					       &unknown)) >= 0) {
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
