// SPDX-License-Identifier: GPL-2.0
/*
 * The system side of the zonelab selftests; see zonelab_util.h.
 */
#define _GNU_SOURCE
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
#include <sys/utsname.h>
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

/* ------------------------------------------------------------------ */
/* time                                                               */
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

/* ------------------------------------------------------------------ */
/* files                                                              */
/* ------------------------------------------------------------------ */

bool zl_path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

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

int zl_cmd(const char *file, const char *cmd)
{
	char path[PATH_MAX];
	size_t len = strlen(cmd);
	ssize_t n;
	int err;

	if (strchr(file, '/'))
		zl_copy_str(path, sizeof(path), file);
	else
		snprintf(path, sizeof(path), ZL_DIR "/%s", file);
	err = zl_write_once(path, cmd, len, &n);
	if (err)
		return err;
	return n == (ssize_t)len ? 0 : -EIO;
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
		zl_copy_str(zl_ko, sizeof(zl_ko), env);
		return zl_ko;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (strlen(exe) + 32 < sizeof(zl_ko)) {
				zl_copy_str(zl_ko, sizeof(zl_ko), exe);
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
	return zl_module_load_args("");
}

int zl_module_load_args(const char *args)
{
	const char *ko = zl_ko_path();
	int fd, ret, saved;

	if (!ko) {
		if (!have_modprobe())
			return -ENOENT;
		return run_modprobe("zonelab", *args ? args : NULL);
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, args, 0);
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
/* the running kernel                                                 */
/* ------------------------------------------------------------------ */

int zl_kernel_version(void)
{
	static int kver;
	unsigned long major, minor, sub = 0;
	struct utsname u;
	const char *p;

	if (kver)
		return kver;
	if (uname(&u))
		return -errno;
	/* "<major>.<minor>[.<sublevel>]<anything>", as in "6.1.0-56-amd64". */
	p = u.release;
	if (zl_parse_uint(p, &p, &major) || *p++ != '.' ||
	    zl_parse_uint(p, &p, &minor) || major > 255 || minor > 255)
		return -EINVAL;
	/* No sublevel ("6.7-rc1") is sublevel 0. */
	if (*p == '.' && zl_parse_uint(p + 1, &p, &sub))
		sub = 0;
	kver = ZL_KVER(major, minor, sub);
	return kver;
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
	/* The full line when it fits, so that it can be found again. */
	len = end - start;
	if (len >= sizeof(m->line))
		len = sizeof(m->line) - 1;
	memcpy(m->line, start, len);
	m->line[len] = '\0';
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
		/* slub_debug's reports ("BUG kmalloc-512 (...): Poison overwritten") */
		"Poison overwritten", "Redzone overwritten", "Object padding overwritten",
		"Freepointer corrupt", "Bad page state",
	};
	const char *pos = text;
	char line[1024];
	size_t i;
	int count = 0;

	while (zl_next_line(&pos, line, sizeof(line), NULL)) {
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
	while (zl_next_line(&pos, line, sizeof(line), NULL)) {
		p = strstr(line, key);
		if (!p)
			continue;
		p += strlen(key);
		if (zl_parse_uint(p, &p, &v) || v >= ZL_MAX_NODES || *p != ':')
			continue;
		nid = v;
		p++;
		nr[nid] = 0;
		for (;;) {
			while (*p == ' ')
				p++;
			if (!*p || zl_parse_uint(p, &p, &v) || nr[nid] >= ZL_MAX_NODES)
				break;
			order[nid][nr[nid]++] = v;
		}
		found[nid] = true;
	}
	for (nid = 0; nid < ZL_MAX_NODES; nid++)
		count += found[nid];
	return count;
}

/* The text after the last occurrence of @key in @text; NULL if none. */
static const char *after_last(const char *text, const char *key)
{
	const char *p = text, *last = NULL;

	while ((p = strstr(p, key))) {
		last = p;
		p++;
	}
	return last ? last + strlen(key) : NULL;
}

int zl_klog_last_unloaded(const char *text, long *alloc, long *freed)
{
	const char *p = after_last(text, "zonelab: unloaded: generations allocated ");

	if (!p || sscanf(p, "%ld freed %ld", alloc, freed) != 2)
		return -ENOENT;
	return 0;
}

int zl_klog_last_loaded(const char *text, long *nodes, long *gen)
{
	const char *p = after_last(text, "zonelab: loaded: ");

	if (!p || sscanf(p, "%ld possible nodes, generation %ld", nodes, gen) != 2)
		return -ENOENT;
	return 0;
}

/* After sscanf()'s %n at @p + @n: only the end of the line may follow. */
static bool at_line_end(const char *p, int n)
{
	return n > 0 && (p[n] == '\n' || p[n] == '\0');
}

int zl_klog_last_unloaded_all(const char *text, long *alloc, long *freed,
			      long *reserved, long *returned, long *policies)
{
	const char *p = after_last(text, "zonelab: unloaded: generations allocated ");
	int n = -1;

	if (!p || sscanf(p, "%ld freed %ld, pages reserved %ld returned %ld, policies live %ld%n",
			 alloc, freed, reserved, returned, policies, &n) != 5 ||
	    !at_line_end(p, n))
		return -ENOENT;
	return 0;
}

int zl_klog_last_unloaded_pages(const char *text, long *alloc, long *freed,
				long *reserved, long *returned)
{
	long policies;

	return zl_klog_last_unloaded_all(text, alloc, freed, reserved, returned,
					 &policies);
}

int zl_klog_last_loaded_pages(const char *text, long *nodes, long *gen, long *pages)
{
	const char *p = after_last(text, "zonelab: loaded: ");
	int n = -1;

	if (!p || sscanf(p, "%ld possible nodes, generation %ld, %ld pages reserved%n",
			 nodes, gen, pages, &n) != 3 ||
	    !at_line_end(p, n))
		return -ENOENT;
	return 0;
}

/* ------------------------------------------------------------------ */
/* other programs                                                     */
/* ------------------------------------------------------------------ */

bool zl_find_program(const char *name, char *path, size_t size)
{
	const char *env = getenv("PATH"), *dir, *end;
	size_t len;

	if (!env || !*env)
		env = "/bin:/usr/bin:/sbin:/usr/sbin";
	for (dir = env; ; dir = end + 1) {
		end = strchr(dir, ':');
		len = end ? (size_t)(end - dir) : strlen(dir);
		if (len && snprintf(path, size, "%.*s/%s", (int)len, dir, name) < (int)size &&
		    access(path, X_OK) == 0)
			return true;
		if (!end)
			return false;
	}
}

char *zl_run_output(char *const argv[], int *status)
{
	int pipefd[2], devnull, saved;
	size_t len;
	char *out;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return NULL;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		saved = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		errno = saved;
		return NULL;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 2);
		}
		dup2(pipefd[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	out = zl_read_fd_chunks(pipefd[0], 4096, &len);
	saved = errno;
	close(pipefd[0]);
	if (waitpid(pid, status, 0) < 0 && out) {
		saved = errno;
		free(out);
		out = NULL;
	}
	errno = saved;
	return out;
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
