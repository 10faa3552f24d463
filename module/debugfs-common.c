// SPDX-License-Identifier: GPL-2.0
/*
 * zonelab debugfs, common: how every command file reads a command, for
 * debugfs.c and debugfs-ctx.c alike.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "debugfs-common.h"

/*
 * Copy a one-shot command into @buf as a C string without its one trailing
 * newline; any other newline makes it malformed.  The file position is
 * neither required to move nor moved, so a shell holding the file open
 * can write again; a write at a non-zero offset is a partial command,
 * and a NUL inside the command is garbage.
 */
int zl_dbgfs_copy_cmd(char *buf, size_t size, const char __user *ubuf,
		      size_t count, loff_t *ppos)
{
	loff_t pos = 0;
	ssize_t len;

	/*
	 * The file mode keeps out all but root, and CAP_DAC_OVERRIDE gets
	 * past it: what these commands do to memory needs CAP_SYS_ADMIN.
	 */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
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
	/* One command, one line: kstrto*() would take a second newline. */
	if (strchr(buf, '\n'))
		return -EINVAL;
	return 0;
}

/*
 * The write of a one-shot command file: copy the command, run @cmd on it.
 * Return: @count, or the copy's or the command's error.
 */
ssize_t zl_dbgfs_write_cmd(const char __user *ubuf, size_t count,
			   loff_t *ppos, int (*cmd)(char *buf))
{
	char buf[ZL_CMD_MAX];
	int ret;

	ret = zl_dbgfs_copy_cmd(buf, sizeof(buf), ubuf, count, ppos);
	if (!ret)
		ret = cmd(buf);
	return ret ? ret : count;
}

/* Split off the next blank-separated word; NULL at the end. */
char *zl_next_word(char **cursor)
{
	char *word;

	do {
		word = strsep(cursor, " ");
	} while (word && !*word);
	return word;
}
