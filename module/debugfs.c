// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab debugfs: every file under /sys/kernel/debug/zonelab/.
 *
 * Read-only files are seq_files that print through the owning file's
 * show function; write handlers parse strictly and change nothing unless
 * the whole input is valid.  This file only calls the internal API.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>

#include "zonelab.h"

/* Commands are short; anything longer is malformed, not truncated. */
#define ZL_CMD_MAX	32

/* /sys/kernel/debug/zonelab; created at init, removed at exit. */
static struct dentry *zl_dbgfs_root;

/*
 * Copy a one-shot command into @buf as a C string without its one trailing
 * newline.  The file position is neither required to move nor moved, so a
 * shell holding the file open can write again; a write at a non-zero
 * offset is a partial command, and a NUL inside the command is garbage.
 */
static int zl_dbgfs_copy_cmd(char *buf, size_t size, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	loff_t pos = 0;
	ssize_t len;

	if (*ppos != 0 || count == 0 || count >= size)
		return -EINVAL;

	len = simple_write_to_buffer(buf, size - 1, &pos, ubuf, count);
	if (len < 0)
		return len;
	if (len != count)
		return -EFAULT;
	buf[len] = '\0';
	if (strlen(buf) != len)
		return -EINVAL;
	if (buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return 0;
}

static int topology_show(struct seq_file *m, void *unused)
{
	struct zl_topology *topo = zl_topology_take();

	if (!topo)
		return -ENOMEM;
	zl_topology_show(m, topo);
	zl_topology_free(topo);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(topology);

static int zonelists_show(struct seq_file *m, void *unused)
{
	zl_zonelists_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zonelists);

static int kernel_zonelists_show(struct seq_file *m, void *unused)
{
	zl_kernel_zonelists_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kernel_zonelists);

static int stats_show(struct seq_file *m, void *unused)
{
	zl_stats_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/*
 * `rebuild`: exactly "1" publishes a new generation now.  A keyword, not a
 * number: "01" or "+1" are typos, and kstrtouint() would take them.
 */
static ssize_t rebuild_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[ZL_CMD_MAX];
	int ret;

	ret = zl_dbgfs_copy_cmd(buf, sizeof(buf), ubuf, count, ppos);
	if (ret)
		return ret;
	if (strcmp(buf, "1"))
		return -EINVAL;

	ret = zl_rebuild(true);
	return ret < 0 ? ret : count;
}

static const struct file_operations rebuild_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= rebuild_write,
	.llseek	= noop_llseek,
};

void zl_debugfs_init(void)
{
	zl_dbgfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);

	debugfs_create_file("topology", 0400, zl_dbgfs_root, NULL,
			    &topology_fops);
	debugfs_create_file("zonelists", 0400, zl_dbgfs_root, NULL,
			    &zonelists_fops);
	debugfs_create_file("kernel_zonelists", 0400, zl_dbgfs_root, NULL,
			    &kernel_zonelists_fops);
	debugfs_create_file("stats", 0400, zl_dbgfs_root, NULL, &stats_fops);
	debugfs_create_file("rebuild", 0200, zl_dbgfs_root, NULL,
			    &rebuild_fops);
}

void zl_debugfs_exit(void)
{
	debugfs_remove_recursive(zl_dbgfs_root);
}
