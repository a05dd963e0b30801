/* file: reading the files people name as input, regular files only, never blocking on a FIFO or a device; making directories 0700. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "not a regular file";
}

int file_open(const char *path, const char *what, int flags, struct stat *sb, struct err *e)
{
	struct stat own;
	int fd, oflags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

	if (sb == NULL)
		sb = &own;
	if (flags & FILE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	fd = open(path, oflags);
	if (fd < 0) {
		if (errno == ELOOP && (flags & FILE_NOFOLLOW))
			return err_set(e, ERR_DENIED, "cannot read %s %s: it is a symbolic link", what,
				       path);
		return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "cannot read %s %s: %s",
			       what, path, strerror(errno));
	}
	if (fstat(fd, sb) != 0) {
		int saved = errno;

		close(fd);
		return err_set(e, ERR_IO, "cannot read %s %s: %s", what, path, strerror(saved));
	}
	if (!S_ISREG(sb->st_mode)) {
		close(fd);
		if (S_ISDIR(sb->st_mode) || S_ISFIFO(sb->st_mode) || S_ISCHR(sb->st_mode) ||
		    S_ISBLK(sb->st_mode) || S_ISSOCK(sb->st_mode))
			return err_set(e, ERR_INVALID, "cannot read %s %s: it is %s, not a regular file",
				       what, path, file_kind(sb->st_mode));
		return err_set(e, ERR_INVALID, "cannot read %s %s: it is not a regular file", what, path);
	}
	return fd;
}

int file_read(const char *path, const char *what, size_t max, char **out, size_t *len,
	      struct err *e)
{
	return file_read_flags(path, what, 0, max, out, len, e);
}

int file_read_flags(const char *path, const char *what, int flags, size_t max, char **out,
		    size_t *len, struct err *e)
{
	struct stat sb;
	size_t n = 0;
	ssize_t r;
	char *buf;
	int fd;

	*out = NULL;
	fd = file_open(path, what, flags, &sb, e);
	if (fd < 0)
		return -1;
	/* The size is only a hint (the file may grow while read): the loop below
	 * is what stops at max. */
	if (sb.st_size > 0 && (unsigned long long)sb.st_size > max) {
		close(fd);
		return err_set(e, ERR_INVALID, "%s %s is larger than %zu bytes", what, path, max);
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		close(fd);
		return err_set(e, ERR_IO, "out of memory reading %s %s", what, path);
	}
	while (n <= max) {
		r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			close(fd);
			free(buf);
			return err_set(e, ERR_IO, "cannot read %s %s: %s", what, path, strerror(saved));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(buf);
		return err_set(e, ERR_INVALID, "%s %s is larger than %zu bytes", what, path, max);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int file_mkdirs(const char *dir, struct err *e)
{
	char p[4096];
	struct stat sb;
	size_t i, len;

	if (dir[0] == '\0')
		return 0;
	if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
		return err_set(e, ERR_INVALID, "directory path %s is too long", dir);
	len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	/* Each component in turn, so a fresh account gets ~/.local/share too. */
	for (i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return err_set(e, ERR_IO, "cannot create directory %s: %s", p, strerror(errno));
		if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
			return err_set(e, ERR_IO, "cannot create directory %s: %s is not a directory", dir, p);
		if (i < len)
			p[i] = '/';
	}
	return 0;
}

int file_mkparent(const char *path, struct err *e)
{
	char dir[4096], *slash;

	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return err_set(e, ERR_INVALID, "path %s is too long", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0; /* the current directory, or / */
	*slash = '\0';
	return file_mkdirs(dir, e);
}
