/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zonelab debugfs, common: what debugfs.c and debugfs-ctx.c share to read
 * commands and to define their files.  Only the debugfs layer includes it.
 */
#ifndef _ZONELAB_DEBUGFS_COMMON_H
#define _ZONELAB_DEBUGFS_COMMON_H

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/types.h>

/* Commands are short; anything longer is malformed, not truncated. */
#define ZL_CMD_MAX	64

int zl_dbgfs_copy_cmd(char *buf, size_t size, const char __user *ubuf,
		      size_t count, loff_t *ppos);
ssize_t zl_dbgfs_write_cmd(const char __user *ubuf, size_t count,
			   loff_t *ppos, int (*cmd)(char *buf));
char *zl_next_word(char **cursor);
void zl_debugfs_ctx_init(struct dentry *root);

/* A read-only file printed by @__fn(seq_file). */
#define ZL_DEFINE_SHOW_FILE(__name, __fn)				\
static int __name##_show(struct seq_file *m, void *unused)		\
{									\
	__fn(m);							\
	return 0;							\
}									\
DEFINE_SHOW_ATTRIBUTE(__name)

/* The write handler of a command file: each write runs @__cmd(buf). */
#define ZL_DEFINE_CMD_WRITE(__name, __cmd)				\
static ssize_t __name##_write(struct file *file,			\
			      const char __user *ubuf, size_t count,	\
			      loff_t *ppos)				\
{									\
	return zl_dbgfs_write_cmd(ubuf, count, ppos, __cmd);		\
}

/* A write-only command file. */
#define ZL_DEFINE_CMD_FILE(__name, __cmd)				\
ZL_DEFINE_CMD_WRITE(__name, __cmd)					\
static const struct file_operations __name##_fops = {			\
	.owner	= THIS_MODULE,						\
	.open	= simple_open,						\
	.write	= __name##_write,					\
	.llseek	= noop_llseek,						\
}

/* A command file that also reads back its state through @__fn. */
#define ZL_DEFINE_CMD_SHOW_FILE(__name, __cmd, __fn)			\
ZL_DEFINE_CMD_WRITE(__name, __cmd)					\
static int __name##_show(struct seq_file *m, void *unused)		\
{									\
	__fn(m);							\
	return 0;							\
}									\
static int __name##_open(struct inode *inode, struct file *file)	\
{									\
	return single_open(file, __name##_show, NULL);			\
}									\
static const struct file_operations __name##_fops = {			\
	.owner		= THIS_MODULE,					\
	.open		= __name##_open,				\
	.read		= seq_read,					\
	.write		= __name##_write,				\
	.llseek		= seq_lseek,					\
	.release	= single_release,				\
}

#endif /* _ZONELAB_DEBUGFS_COMMON_H */
