/* file: opening the files people name as input (regular files only, refused at once when they are FIFOs, devices or directories) and making the directories steward writes into. */
#ifndef STEWARD_FILE_H
#define STEWARD_FILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "err.h"

enum file_flags {
	FILE_NOFOLLOW = 1 << 0, /* refuse a symlink as the last component (for resolved paths) */
};

/* Opens path for reading without blocking, since a FIFO without a writer
 * would hang open() and a device read() for ever, and refuses anything but
 * a regular file: "cannot read card file X: it is a FIFO, not a regular
 * file". what names the file in messages ("card file"). Returns the
 * descriptor (close-on-exec), or -1 with e filled; sb, when not NULL, gets
 * the file's fstat. */
int file_open(const char *path, const char *what, int flags, struct stat *sb, struct err *e);

/* Reads a whole regular file of at most max bytes into a malloc'd buffer
 * with a NUL after the last byte. */
int file_read(const char *path, const char *what, size_t max, char **out, size_t *len,
	      struct err *e);
/* The same with file_open's flags (FILE_NOFOLLOW). */
int file_read_flags(const char *path, const char *what, int flags, size_t max, char **out,
		    size_t *len, struct err *e);

/* "a FIFO", "a directory", ... for messages. */
const char *file_kind(mode_t mode);

/* mkdir -p with mode 0700 for the directories made: dir and every missing
 * parent. Existing ones are left as they are but must be directories. */
int file_mkdirs(const char *dir, struct err *e);
/* The same for the directory that will hold path ("a/b/c.db": a/b). */
int file_mkparent(const char *path, struct err *e);

#endif
