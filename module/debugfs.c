// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab debugfs: every file under /sys/kernel/debug/zonelab/.
 *
 * Read-only files are seq_files that print through the owning file's
 * show function; write handlers parse strictly and change nothing unless
 * the whole input is valid.  This file only calls the internal API; the
 * contexts' and regions' files are debugfs-ctx.c's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "zonelab.h"
#include "debugfs-common.h"

/* /sys/kernel/debug/zonelab; created at init, removed at exit. */
static struct dentry *zl_dbgfs_root;

/*
 * The format of `topology` reads: false is zl_topology_show()'s, true is
 * numactl --hardware's.  Set by `topology` writes, for every later read.
 */
static bool zl_topology_numactl;

static int topology_show(struct seq_file *m, void *unused)
{
	struct zl_topology *topo = zl_topology_take();

	if (!topo)
		return -ENOMEM;
	/* Pairs with the WRITE_ONCE() in zl_topology_format_cmd(). */
	if (READ_ONCE(zl_topology_numactl))
		zl_topology_show_numactl(m, topo);
	else
		zl_topology_show(m, topo);
	zl_topology_free(topo);
	return 0;
}

/* `topology` writes: exactly "default" or "numactl". */
static int zl_topology_format_cmd(char *cmd)
{
	bool numactl;

	if (!strcmp(cmd, "numactl"))
		numactl = true;
	else if (!strcmp(cmd, "default"))
		numactl = false;
	else
		return -EINVAL;
	/* Pairs with the READ_ONCE() in topology_show(). */
	WRITE_ONCE(zl_topology_numactl, numactl);
	return 0;
}

ZL_DEFINE_CMD_WRITE(topology, zl_topology_format_cmd)

static int topology_open(struct inode *inode, struct file *file)
{
	return single_open(file, topology_show, NULL);
}

static const struct file_operations topology_fops = {
	.owner		= THIS_MODULE,
	.open		= topology_open,
	.read		= seq_read,
	.write		= topology_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

ZL_DEFINE_SHOW_FILE(zonelists, zl_zonelists_show);
ZL_DEFINE_SHOW_FILE(kernel_zonelists, zl_kernel_zonelists_show);
ZL_DEFINE_SHOW_FILE(buddyinfo, zl_buddy_show);

/* `stats`: the counters, then what rebuilds and policies count. */
static int stats_show(struct seq_file *m, void *unused)
{
	/* A rebuild a hotplug event asked for counts once it is done. */
	zl_rebuild_flush();
	zl_stats_show(m);
	zl_rebuild_stats_show(m);
	seq_printf(m, "policies_live %ld\n", zl_policies_live_count());
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(stats);

/*
 * `zoneinfo`: zonelab's zones in /proc/zoneinfo's layout.  Only zones that
 * hold zonelab blocks exist for zonelab, so only they are shown, also
 * while every block of one is offline (managed 0), as the kernel shows an
 * unpopulated zone.
 */
static int zoneinfo_show(struct seq_file *m, void *unused)
{
	int nid, idx;

	for_each_online_node(nid) {
		for (idx = 0; idx < MAX_NR_ZONES; idx++) {
			struct zl_zone *zone = zl_zone_get(nid, idx);

			if (!READ_ONCE(zone->present))
				continue;
			zl_zone_show(m, zone);
			zl_pcp_show(m, zone);
			seq_putc(m, '\n');
		}
	}
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(zoneinfo);

/*
 * `rebuild`: exactly "1" publishes a new generation now.  A keyword, not a
 * number: "01" or "+1" are typos, and kstrtouint() would take them.
 */
static int zl_rebuild_cmd(char *cmd)
{
	int ret;

	if (strcmp(cmd, "1"))
		return -EINVAL;
	ret = zl_rebuild(true);
	return ret < 0 ? ret : 0;
}

ZL_DEFINE_CMD_FILE(rebuild, zl_rebuild_cmd);

/*
 * "key=value" arguments: parse the value of @tok if it starts with @key=.
 * Return: 1 if it matched and parsed, 0 if it is another key, or -errno.
 */
static int zl_parse_uint_arg(const char *tok, const char *key,
			     unsigned int *val)
{
	size_t len = strlen(key);

	if (strncmp(tok, key, len) || tok[len] != '=')
		return 0;
	return kstrtouint(tok + len + 1, 10, val) ? -EINVAL : 1;
}

/* A node id given by the user: -ENOENT unless it is an online node. */
static int zl_check_node(unsigned int nid)
{
	return nid < nr_node_ids && node_online(nid) ? 0 : -ENOENT;
}

/* A "name=<word>" argument: copy the word into @buf.  As zl_parse_uint_arg(). */
static int zl_parse_name_arg(const char *tok, const char *key, char *buf,
			     size_t size)
{
	size_t len = strlen(key);

	if (strncmp(tok, key, len) || tok[len] != '=')
		return 0;
	return strscpy(buf, tok + len + 1, size) > 0 ? 1 : -EINVAL;
}

/* The context named by a "ctx=<name>" argument, with a reference. */
static int zl_parse_ctx_arg(const char *tok, struct zl_ctx **ctx)
{
	char name[ZL_NAME_MAX];
	int ret = zl_parse_name_arg(tok, "ctx", name, sizeof(name));

	if (ret <= 0)
		return ret;
	if (*ctx)
		return -EINVAL;
	*ctx = zl_ctx_find(name);
	return *ctx ? 1 : -ENOENT;
}

static int zl_parse_alloc_opt(char *tok, struct zl_holder_req *a)
{
	unsigned int nid;
	int ret;

	if (!strcmp(tok, "thisnode")) {
		a->flags |= ZL_ALLOC_THISNODE;
		return 0;
	}
	ret = zl_parse_uint_arg(tok, "order", &a->order);
	if (!ret)
		ret = zl_parse_ctx_arg(tok, &a->ctx);
	if (!ret)
		ret = zl_parse_name_arg(tok, "region", a->region,
					sizeof(a->region));
	if (!ret && !strncmp(tok, "offset=", 7))
		ret = kstrtoul(tok + 7, 10, &a->offset) ? -EINVAL : 1;
	if (ret)
		return ret < 0 ? ret : 0;
	ret = zl_parse_uint_arg(tok, "node", &nid);
	if (ret <= 0)
		return ret ? ret : -EINVAL;
	if (zl_check_node(nid))
		return -ENOENT;
	a->nid = nid;
	return 0;
}

/*
 * "<count> [order=<o>] [node=<nid>] [thisnode] [ctx=<name>]
 * [region=<name> [offset=<page>]]" after the "alloc" word.
 */
static int zl_parse_alloc(char *args, struct zl_holder_req *a)
{
	char *tok = zl_next_word(&args);
	int ret;

	if (!tok || kstrtoul(tok, 10, &a->count) || !a->count)
		return -EINVAL;
	while ((tok = zl_next_word(&args))) {
		ret = zl_parse_alloc_opt(tok, a);
		if (ret)
			return ret;
	}
	if (a->order >= ZL_NR_ORDERS)
		return -ERANGE;
	if (a->offset && !a->region[0])
		return -EINVAL;
	if ((a->flags & ZL_ALLOC_THISNODE) && a->nid == NUMA_NO_NODE)
		a->nid = numa_node_id();
	/* More than the whole pool can never succeed. */
	if (a->count > zl_pool_pages(NULL) >> a->order)
		return -E2BIG;
	return 0;
}

static long zl_alloc_cmd(struct zl_holder *h, char *cmd)
{
	char *verb = zl_next_word(&cmd), *arg;
	struct zl_holder_req a = { .nid = NUMA_NO_NODE };
	unsigned long count;
	long ret;

	if (verb && !strcmp(verb, "alloc")) {
		ret = zl_parse_alloc(cmd, &a);
		if (!ret)
			ret = zl_holder_alloc(h, &a);
		/* Unless the holder took it over. */
		if (a.ctx)
			zl_ctx_put(a.ctx);
		return ret < 0 ? ret : 0;
	}
	if (verb && !strcmp(verb, "oom_score_adj")) {
		int adj;

		arg = zl_next_word(&cmd);
		if (!arg || zl_next_word(&cmd) || kstrtoint(arg, 10, &adj))
			return -EINVAL;
		return zl_holder_set_oom_score_adj(h, adj);
	}
	if (!verb || strcmp(verb, "free"))
		return -EINVAL;
	arg = zl_next_word(&cmd);
	if (!arg || zl_next_word(&cmd))
		return -EINVAL;
	if (!strcmp(arg, "all"))
		count = ULONG_MAX;
	else if (kstrtoul(arg, 10, &count) || !count)
		return -EINVAL;
	zl_holder_free(h, count);
	return 0;
}

/**
 * struct zl_alloc_file - an open `alloc` file.
 * @holder:	the pages this open file owns; freed at close.
 * @lock:	serialises reads, which share @snap.
 * @snap:	the text the current read hands out; under @lock.
 * @snap_len:	its length; under @lock.
 * @snap_pos:	how much of it was read; under @lock.
 */
struct zl_alloc_file {
	struct zl_holder *holder;
	struct mutex lock;		/* see @lock above */
	char *snap;
	size_t snap_len;
	size_t snap_pos;
};

/*
 * Open alloc files; each is a holder and an OOM candidate that every
 * OOM scan walks, so there are at most ZL_MAX_ALLOC_FILES.
 */
static atomic_t zl_alloc_files = ATOMIC_INIT(0);

static int alloc_open(struct inode *inode, struct file *file)
{
	struct zl_alloc_file *af;
	char name[ZL_NAME_MAX];

	if (!atomic_add_unless(&zl_alloc_files, 1, ZL_MAX_ALLOC_FILES))
		return -EMFILE;
	af = kzalloc(sizeof(*af), GFP_KERNEL);
	if (!af)
		goto out_uncount;
	snprintf(name, sizeof(name), "pid%d", task_tgid_nr(current));
	af->holder = zl_holder_create(name);
	if (!af->holder)
		goto out_free;
	mutex_init(&af->lock);
	file->private_data = af;
	/* Commands, not a byte stream: the file position means nothing. */
	return stream_open(inode, file);

out_free:
	kfree(af);
out_uncount:
	atomic_dec(&zl_alloc_files);
	return -ENOMEM;
}

static int alloc_release(struct inode *inode, struct file *file)
{
	struct zl_alloc_file *af = file->private_data;

	zl_holder_destroy(af->holder);
	mutex_destroy(&af->lock);
	kvfree(af->snap);
	kfree(af);
	atomic_dec(&zl_alloc_files);
	return 0;
}

/* Each write is one command, whatever was written before. */
static ssize_t alloc_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct zl_alloc_file *af = file->private_data;
	char buf[ZL_CMD_MAX];
	loff_t pos = 0;
	long ret;

	ret = zl_dbgfs_copy_cmd(buf, sizeof(buf), ubuf, count, &pos);
	if (ret)
		return ret;
	ret = zl_alloc_cmd(af->holder, buf);
	return ret ? ret : count;
}

static int zl_alloc_snapshot(struct zl_alloc_file *af)
{
	size_t size = zl_holder_text_size();

	af->snap = kvmalloc(size, GFP_KERNEL);
	if (!af->snap)
		return -ENOMEM;
	af->snap_len = zl_holder_format(af->holder, af->snap, size);
	af->snap_pos = 0;
	return 0;
}

/*
 * Every read sequence shows the current state from its start: a read that
 * finds the previous text consumed (or none) takes a new snapshot, and the
 * read after the last byte returns 0 once, so `cat` ends and the next one
 * starts over.  That is what a shell holding the file open needs.
 */
static ssize_t alloc_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	struct zl_alloc_file *af = file->private_data;
	ssize_t ret;

	mutex_lock(&af->lock);
	if (af->snap && af->snap_pos == af->snap_len) {
		kvfree(af->snap);
		af->snap = NULL;
		ret = 0;
		goto out_unlock;
	}
	if (!af->snap) {
		ret = zl_alloc_snapshot(af);
		if (ret)
			goto out_unlock;
	}
	count = min(count, af->snap_len - af->snap_pos);
	ret = count;
	if (copy_to_user(ubuf, af->snap + af->snap_pos, count))
		ret = -EFAULT;
	else
		af->snap_pos += count;
out_unlock:
	mutex_unlock(&af->lock);
	return ret;
}

static const struct file_operations alloc_fops = {
	.owner		= THIS_MODULE,
	.open		= alloc_open,
	.release	= alloc_release,
	.read		= alloc_read,
	.write		= alloc_write,
};

/* One "key=value" of `stress start`; @cpus holds a cpus= list. */
static int zl_parse_stress_opt(char *tok, struct zl_stress_args *a,
			       struct cpumask *cpus)
{
	static const char * const keys[] = { "threads", "order_max", "hold" };
	unsigned int *vals[] = { &a->threads, &a->order_max, &a->hold };
	unsigned int i, nid;
	int ret;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		ret = zl_parse_uint_arg(tok, keys[i], vals[i]);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	ret = zl_parse_uint_arg(tok, "node", &nid);
	if (ret) {
		if (ret < 0 || zl_check_node(nid))
			return ret < 0 ? ret : -ENOENT;
		a->nid = nid;
		return 0;
	}
	ret = zl_parse_ctx_arg(tok, &a->ctx);
	if (ret)
		return ret < 0 ? ret : 0;
	if (!strncmp(tok, "oom_score_adj=", 14)) {
		if (kstrtoint(tok + 14, 10, &a->oom_score_adj))
			return -EINVAL;
		return a->oom_score_adj < ZL_OOM_ADJ_MIN ||
		       a->oom_score_adj > ZL_OOM_ADJ_MAX ? -ERANGE : 0;
	}
	if (strncmp(tok, "cpus=", 5) || cpulist_parse(tok + 5, cpus))
		return -EINVAL;
	a->cpus = cpus;
	return 0;
}

/*
 * "start [threads=<n>] [order_max=<o>] [hold=<blocks>] [node=<nid>]
 * [cpus=<list>] [ctx=<name>]" or "stop".
 */
static int zl_stress_cmd(char *cmd)
{
	struct zl_stress_args a = {
		.order_max = 3, .hold = 64, .nid = NUMA_NO_NODE,
	};
	char *verb = zl_next_word(&cmd), *tok;
	cpumask_var_t cpus;
	int ret = 0;

	if (verb && !strcmp(verb, "stop") && !zl_next_word(&cmd)) {
		zl_stress_stop();
		return 0;
	}
	if (!verb || strcmp(verb, "start"))
		return -EINVAL;
	if (!zalloc_cpumask_var(&cpus, GFP_KERNEL))
		return -ENOMEM;
	while (!ret && (tok = zl_next_word(&cmd)))
		ret = zl_parse_stress_opt(tok, &a, cpus);
	if (!ret)
		ret = zl_stress_start(&a);
	if (a.ctx)
		zl_ctx_put(a.ctx);
	free_cpumask_var(cpus);
	return ret;
}

ZL_DEFINE_CMD_SHOW_FILE(stress, zl_stress_cmd, zl_stress_show);

/* "run [<n>]": @n keeps its default when the number is left out. */
static int zl_parse_run(char *cmd, unsigned long *n)
{
	char *verb = zl_next_word(&cmd), *arg;

	if (!verb || strcmp(verb, "run"))
		return -EINVAL;
	arg = zl_next_word(&cmd);
	if (arg && kstrtoul(arg, 10, n))
		return -EINVAL;
	return zl_next_word(&cmd) ? -EINVAL : 0;
}

/* "run [iterations]" */
static int zl_bench_cmd(char *cmd)
{
	unsigned long iterations = 100000;

	return zl_parse_run(cmd, &iterations) ?: zl_bench_run(iterations);
}

ZL_DEFINE_CMD_SHOW_FILE(bench, zl_bench_cmd, zl_bench_show);

/*
 * A populated zonelab zone named by "<nid> <Zone>": ERR_PTR(-EINVAL) for
 * malformed words, ERR_PTR(-ENOENT) when there is no such zone.
 */
static struct zl_zone *zl_parse_zone(char **cmd)
{
	char *nid_s = zl_next_word(cmd), *name = zl_next_word(cmd);
	unsigned int nid;
	int idx;

	if (!nid_s || !name || zl_next_word(cmd) || kstrtouint(nid_s, 10, &nid))
		return ERR_PTR(-EINVAL);
	if (nid >= nr_node_ids)
		return ERR_PTR(-ENOENT);
	for (idx = 0; idx < MAX_NR_ZONES; idx++) {
		struct zl_zone *zone = zl_zone_get(nid, idx);

		if (READ_ONCE(zone->present) && !strcmp(zone->name, name))
			return zone;
	}
	return ERR_PTR(-ENOENT);
}

/* "drain", "drain all", "disable <nid> <Zone>", "enable <nid> <Zone>". */
static int zl_pcp_cmd(char *cmd)
{
	char *verb = zl_next_word(&cmd), *arg;
	struct zl_zone *zone;

	if (verb && !strcmp(verb, "drain")) {
		arg = zl_next_word(&cmd);
		if (!arg) {
			zl_pcp_drain_local();
			return 0;
		}
		if (strcmp(arg, "all") || zl_next_word(&cmd))
			return -EINVAL;
		zl_pcp_drain_all();
		return 0;
	}
	if (!verb || (strcmp(verb, "disable") && strcmp(verb, "enable")))
		return -EINVAL;
	zone = zl_parse_zone(&cmd);
	if (IS_ERR(zone))
		return PTR_ERR(zone);
	if (!strcmp(verb, "enable"))
		return zl_pcp_user_enable(zone);
	zl_pcp_user_disable(zone);
	return 0;
}

ZL_DEFINE_CMD_FILE(pcp, zl_pcp_cmd);

ZL_DEFINE_SHOW_FILE(blocks, zl_blocks_show);

/* "offline <id> [timeout_ms=<n>]" or "online <id>". */
static int zl_hotplug_cmd(char *cmd)
{
	char *verb = zl_next_word(&cmd), *id_s = zl_next_word(&cmd), *tok;
	unsigned int timeout = READ_ONCE(zl_offline_timeout_ms);
	unsigned long id;
	int ret;

	if (!verb || !id_s || kstrtoul(id_s, 10, &id))
		return -EINVAL;
	if (!strcmp(verb, "online"))
		return zl_next_word(&cmd) ? -EINVAL : zl_hotplug_online(id);
	if (strcmp(verb, "offline"))
		return -EINVAL;
	tok = zl_next_word(&cmd);
	if (tok) {
		ret = zl_parse_uint_arg(tok, "timeout_ms", &timeout);
		if (ret <= 0 || zl_next_word(&cmd))
			return ret < 0 ? ret : -EINVAL;
		if (timeout > ZL_OFFLINE_TIMEOUT_MAX_MS)
			return -ERANGE;
	}
	return zl_hotplug_offline(id, timeout);
}

ZL_DEFINE_CMD_FILE(hotplug, zl_hotplug_cmd);

/* A mode name: "rcu", "seqlock", "stop_machine" or "inplace". */
static int zl_rebuild_mode_cmd(char *cmd)
{
	int mode = zl_rebuild_mode_parse(cmd);

	return mode < 0 ? mode : zl_rebuild_mode_set(mode);
}

ZL_DEFINE_CMD_SHOW_FILE(rebuild_mode, zl_rebuild_mode_cmd,
			zl_rebuild_mode_show);

/* "<nid>/<Zone>", as `zonelists` prints zones: the zone's slot. */
static int zl_parse_zone_ref(char *ref)
{
	char *nid_s = strsep(&ref, "/");
	unsigned int nid;
	int idx;

	if (!ref || kstrtouint(nid_s, 10, &nid))
		return -EINVAL;
	if (zl_check_node(nid))
		return -ENOENT;
	for (idx = 0; idx < MAX_NR_ZONES; idx++) {
		struct zl_zone *zone = zl_zone_get(nid, idx);

		if (READ_ONCE(zone->managed) && !strcmp(zone->name, ref))
			return zl_zone_slot_of(zone);
	}
	return -ENOENT;
}

/* "start [cpu=<n>] [hide=<nid>/<Zone>]" or "stop". */
static int zl_storm_cmd(char *cmd)
{
	char *verb = zl_next_word(&cmd), *tok;
	unsigned int cpu = cpumask_first(cpu_online_mask);
	int slot = -1, ret;

	if (verb && !strcmp(verb, "stop") && !zl_next_word(&cmd)) {
		zl_storm_stop();
		return 0;
	}
	if (!verb || strcmp(verb, "start"))
		return -EINVAL;
	while ((tok = zl_next_word(&cmd))) {
		ret = zl_parse_uint_arg(tok, "cpu", &cpu);
		if (ret < 0)
			return ret;
		if (ret)
			continue;
		if (strncmp(tok, "hide=", 5))
			return -EINVAL;
		slot = zl_parse_zone_ref(tok + 5);
		if (slot < 0)
			return slot;
	}
	return zl_storm_start(cpu, slot);
}

ZL_DEFINE_CMD_SHOW_FILE(storm, zl_storm_cmd, zl_storm_show);

/* "run [ms]": each phase of each mode lasts that long (default 500). */
static int zl_bench_rebuild_cmd(char *cmd)
{
	unsigned long ms = 500;
	int ret = zl_parse_run(cmd, &ms);

	if (ret)
		return ret;
	return ms > UINT_MAX ? -ERANGE : zl_bench_rebuild_run(ms);
}

ZL_DEFINE_CMD_SHOW_FILE(bench_rebuild, zl_bench_rebuild_cmd,
			zl_bench_rebuild_show);

ZL_DEFINE_SHOW_FILE(oom, zl_oom_show);

/* "1": wait for the victims to go, then refuse kills; "0": allow them. */
static int zl_oom_disable_cmd(char *cmd)
{
	if (!strcmp(cmd, "1"))
		return zl_oom_set_disabled(true);
	if (!strcmp(cmd, "0"))
		return zl_oom_set_disabled(false);
	return -EINVAL;
}

ZL_DEFINE_CMD_SHOW_FILE(oom_disable, zl_oom_disable_cmd, zl_oom_disabled_show);

void zl_debugfs_init(void)
{
	zl_dbgfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);

	debugfs_create_file("topology", 0600, zl_dbgfs_root, NULL,
			    &topology_fops);
	debugfs_create_file("zonelists", 0400, zl_dbgfs_root, NULL,
			    &zonelists_fops);
	debugfs_create_file("kernel_zonelists", 0400, zl_dbgfs_root, NULL,
			    &kernel_zonelists_fops);
	debugfs_create_file("stats", 0400, zl_dbgfs_root, NULL, &stats_fops);
	debugfs_create_file("rebuild", 0200, zl_dbgfs_root, NULL,
			    &rebuild_fops);
	debugfs_create_file("zoneinfo", 0400, zl_dbgfs_root, NULL,
			    &zoneinfo_fops);
	debugfs_create_file("buddyinfo", 0400, zl_dbgfs_root, NULL,
			    &buddyinfo_fops);
	debugfs_create_file("alloc", 0600, zl_dbgfs_root, NULL, &alloc_fops);
	debugfs_create_file("stress", 0600, zl_dbgfs_root, NULL, &stress_fops);
	debugfs_create_file("bench", 0600, zl_dbgfs_root, NULL, &bench_fops);
	debugfs_create_file("pcp", 0200, zl_dbgfs_root, NULL, &pcp_fops);
	debugfs_create_file("blocks", 0400, zl_dbgfs_root, NULL, &blocks_fops);
	debugfs_create_file("hotplug", 0200, zl_dbgfs_root, NULL,
			    &hotplug_fops);
	debugfs_create_file("rebuild_mode", 0600, zl_dbgfs_root, NULL,
			    &rebuild_mode_fops);
	debugfs_create_file("storm", 0600, zl_dbgfs_root, NULL, &storm_fops);
	debugfs_create_file("bench_rebuild", 0600, zl_dbgfs_root, NULL,
			    &bench_rebuild_fops);
	zl_debugfs_ctx_init(zl_dbgfs_root);
	debugfs_create_file("oom", 0400, zl_dbgfs_root, NULL, &oom_fops);
	debugfs_create_file("oom_disable", 0600, zl_dbgfs_root, NULL,
			    &oom_disable_fops);
}

void zl_debugfs_exit(void)
{
	debugfs_remove_recursive(zl_dbgfs_root);
}
