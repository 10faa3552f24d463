// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab debugfs, contexts and regions: the `contexts` and `regions`
 * files, and ctx/<name>/ with each context's mems, policy, weights, numa,
 * stats and oom_score_adj.  Parsing is strict, as in debugfs.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/string.h>

#include "zonelab.h"
#include "debugfs-common.h"

/*
 * Context and region names become directory names and `contexts` lines:
 * [A-Za-z0-9_-] only.  The kernel's isalnum() takes Latin-1 letters too,
 * hence isascii().
 */
static bool zl_valid_name(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!(isascii(name[i]) && isalnum(name[i])) &&
		    name[i] != '_' && name[i] != '-')
			return false;
	return i && i < ZL_NAME_MAX;
}

/*
 * "create <name> <pages>", "destroy <name>" or
 * "set <name> <first>-<last> <policy>", the policy being the rest of the
 * line: the kernel's "prefer (many)" has a blank in it.
 */
static int zl_regions_cmd(char *cmd)
{
	char *verb = zl_next_word(&cmd), *name = zl_next_word(&cmd);
	char *a1 = zl_next_word(&cmd), *dash;
	unsigned long first, last;
	struct zl_mempolicy *pol;

	if (!verb || !name || !zl_valid_name(name))
		return -EINVAL;
	if (!strcmp(verb, "destroy"))
		return a1 || zl_next_word(&cmd) ? -EINVAL : zl_region_destroy(name);
	if (!strcmp(verb, "create")) {
		if (!a1 || zl_next_word(&cmd) || kstrtoul(a1, 10, &first))
			return -EINVAL;
		return zl_region_create(name, first);
	}
	if (strcmp(verb, "set") || !a1 || !cmd)
		return -EINVAL;
	cmd = strim(cmd);
	dash = strchr(a1, '-');
	if (!*cmd || !dash)
		return -EINVAL;
	*dash++ = '\0';
	if (kstrtoul(a1, 10, &first) || kstrtoul(dash, 10, &last) ||
	    last < first || last == ULONG_MAX)
		return -EINVAL;
	/* A shared policy is made in the root cpuset, as tmpfs makes it. */
	pol = zl_mpol_parse(cmd, &node_states[N_MEMORY]);
	if (IS_ERR(pol))
		return PTR_ERR(pol);
	return zl_region_set(name, first, last + 1, pol);
}

ZL_DEFINE_CMD_SHOW_FILE(regions, zl_regions_cmd, zl_regions_show);

/*
 * The files of a context's directory: the context is the inode's data,
 * valid while the file exists (the context goes after its directory).
 */
#define ZL_DEFINE_CTX_FILE(__name, __cmd, __fn)				\
static int ctx_##__name##_show(struct seq_file *m, void *unused)	\
{									\
	__fn(m, m->private);						\
	return 0;							\
}									\
static int ctx_##__name##_open(struct inode *inode, struct file *file)	\
{									\
	return single_open(file, ctx_##__name##_show, inode->i_private);\
}									\
static ssize_t ctx_##__name##_write(struct file *file,			\
				    const char __user *ubuf,		\
				    size_t count, loff_t *ppos)		\
{									\
	struct seq_file *m = file->private_data;			\
	char buf[ZL_CMD_MAX];						\
	int ret;							\
									\
	ret = zl_dbgfs_copy_cmd(buf, sizeof(buf), ubuf, count, ppos);	\
	if (!ret)							\
		ret = __cmd(m->private, buf);				\
	return ret ? ret : count;					\
}									\
static const struct file_operations ctx_##__name##_fops = {		\
	.owner		= THIS_MODULE,					\
	.open		= ctx_##__name##_open,				\
	.read		= seq_read,					\
	.write		= ctx_##__name##_write,				\
	.llseek		= seq_lseek,					\
	.release	= single_release,				\
}

/*
 * A nodelist of nodes with memory, not empty: an injected cpuset update.
 * cgroup v1's cpuset.mems refuses other nodes with EINVAL; v2's takes
 * them but leaves them out of the effective mems, which are what a task's
 * mems_allowed is: either way those never hold a node without memory.
 */
static int zl_ctx_mems_cmd(struct zl_ctx *ctx, char *cmd)
{
	nodemask_t mems;

	if (nodelist_parse(cmd, mems) || nodes_empty(mems) ||
	    !nodes_subset(mems, node_states[N_MEMORY]))
		return -EINVAL;
	return zl_ctx_set_mems(ctx, &mems);
}

static int zl_ctx_policy_cmd(struct zl_ctx *ctx, char *cmd)
{
	return zl_ctx_set_policy(ctx, cmd);
}

/* "<nid> <weight>": a node's weight for weighted interleave, 1..255. */
static int zl_ctx_weights_cmd(struct zl_ctx *ctx, char *cmd)
{
	char *nid_s = zl_next_word(&cmd), *w_s = zl_next_word(&cmd);
	unsigned int nid, w;

	if (!nid_s || !w_s || zl_next_word(&cmd) ||
	    kstrtouint(nid_s, 10, &nid) || kstrtouint(w_s, 10, &w))
		return -EINVAL;
	return zl_ctx_set_weight(ctx, nid, w);
}

static int zl_ctx_oom_adj_cmd(struct zl_ctx *ctx, char *cmd)
{
	int adj;

	if (kstrtoint(cmd, 10, &adj))
		return -EINVAL;
	return zl_ctx_set_oom_score_adj(ctx, adj);
}

/* Read-only files of a context: writes are refused. */
static int zl_ctx_ro_cmd(struct zl_ctx *ctx, char *cmd)
{
	return -EINVAL;
}

ZL_DEFINE_CTX_FILE(mems, zl_ctx_mems_cmd, zl_ctx_show_mems);
ZL_DEFINE_CTX_FILE(policy, zl_ctx_policy_cmd, zl_ctx_show_policy);
ZL_DEFINE_CTX_FILE(weights, zl_ctx_weights_cmd, zl_ctx_show_weights);
ZL_DEFINE_CTX_FILE(numa, zl_ctx_ro_cmd, zl_ctx_show_numa);
ZL_DEFINE_CTX_FILE(stats, zl_ctx_ro_cmd, zl_ctx_show_stats);
ZL_DEFINE_CTX_FILE(oom_score_adj, zl_ctx_oom_adj_cmd,
		   zl_ctx_show_oom_score_adj);

/* ctx/, the parent of every context's directory; created at init. */
static struct dentry *zl_dbgfs_ctx_root;

/*
 * Serialises `contexts` commands, so that a context and its directory come
 * and go together: a create of a name never meets the directory of a
 * destroy of the same name that has not finished.
 */
static DEFINE_MUTEX(zl_dbgfs_ctx_lock);

/*
 * A new context and its directory.  The files' data is the context, valid
 * while they exist: the context goes after its directory.
 */
/*
 * ctx/<name>/ and its files, or nothing: a context without one of its
 * files would be one that its user cannot set up or read.
 */
static int zl_ctx_dir_create(const char *name, struct zl_ctx *ctx)
{
	static const struct {
		const char *name;
		umode_t mode;
		const struct file_operations *fops;
	} files[] = {
		{ "mems", 0600, &ctx_mems_fops },
		{ "policy", 0600, &ctx_policy_fops },
		{ "weights", 0600, &ctx_weights_fops },
		{ "numa", 0400, &ctx_numa_fops },
		{ "stats", 0400, &ctx_stats_fops },
		{ "oom_score_adj", 0600, &ctx_oom_score_adj_fops },
	};
	struct dentry *dir, *file;
	unsigned int i;

	dir = debugfs_create_dir(name, zl_dbgfs_ctx_root);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		file = debugfs_create_file(files[i].name, files[i].mode, dir,
					   ctx, files[i].fops);
		if (IS_ERR(file)) {
			debugfs_remove(dir);
			return PTR_ERR(file);
		}
	}
	return 0;
}

static int zl_contexts_create(const char *name)
{
	struct zl_ctx *ctx;
	int ret;

	lockdep_assert_held(&zl_dbgfs_ctx_lock);

	ctx = zl_ctx_create(name);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	ret = zl_ctx_dir_create(name, ctx);
	zl_ctx_put(ctx);
	if (ret) {
		ctx = zl_ctx_unlink(name);
		if (!IS_ERR(ctx))
			zl_ctx_put(ctx);
	}
	return ret;
}

/*
 * Remove a context nobody uses: off the list first, so that nobody new
 * finds it, then its directory (which waits for the files' readers and
 * writers), then the context.
 */
static int zl_contexts_destroy(const char *name)
{
	struct zl_ctx *ctx;

	lockdep_assert_held(&zl_dbgfs_ctx_lock);

	ctx = zl_ctx_unlink(name);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	debugfs_lookup_and_remove(name, zl_dbgfs_ctx_root);
	zl_ctx_put(ctx);
	return 0;
}

/* "create <name>" or "destroy <name>". */
static int zl_contexts_cmd(char *cmd)
{
	char *verb = zl_next_word(&cmd), *name = zl_next_word(&cmd);
	int ret = -EINVAL;

	if (!verb || !name || zl_next_word(&cmd) || !zl_valid_name(name))
		return -EINVAL;
	mutex_lock(&zl_dbgfs_ctx_lock);
	if (!strcmp(verb, "create"))
		ret = zl_contexts_create(name);
	else if (!strcmp(verb, "destroy"))
		ret = zl_contexts_destroy(name);
	mutex_unlock(&zl_dbgfs_ctx_lock);
	return ret;
}

ZL_DEFINE_CMD_SHOW_FILE(contexts, zl_contexts_cmd, zl_contexts_show);

/**
 * zl_debugfs_ctx_init() - the `contexts` and `regions` files and the ctx/
 * directory.
 * @root:	zonelab's debugfs directory.
 */
void zl_debugfs_ctx_init(struct dentry *root)
{
	debugfs_create_file("contexts", 0600, root, NULL, &contexts_fops);
	debugfs_create_file("regions", 0600, root, NULL, &regions_fops);
	zl_dbgfs_ctx_root = debugfs_create_dir("ctx", root);
}
