/* follow: the OpenLineage plugin's sync: the followed directory's event files in name order, each read on from where the core's copy stands (unless the file was replaced or truncated), every whole event handed to the core. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <sodium.h>

#include "plugins/openlineage/ol.h"

int ol_err(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- a file's identity ---- */

/* What the plugin tells the core about a file with its offset, and finds
 * in it the next time: which file it was (device, inode, and a hash of
 * its first bytes up to the offset, so a file replaced or rewritten in
 * place starts again from 0), the line the offset is on (for messages),
 * whether the offset is inside an event skipped as too long, and the size
 * and modification time it had (unchanged: nothing to read). */
struct ol_ident {
	uintmax_t dev, ino;
	size_t head; /* bytes hashed: min(OL_HEAD, offset) */
	char hash[33];
	long line;
	int skip;
	intmax_t size, mtime;
	long mtime_ns;
};

static int ol_ident_parse(const char *s, struct ol_ident *id)
{
	int used = 0;

	memset(id, 0, sizeof *id);
	if (sscanf(s, "ol1 dev=%ju ino=%ju head=%zu sha256=%32[0-9a-f] line=%ld skip=%d size=%jd mtime=%jd.%ld%n",
		   &id->dev, &id->ino, &id->head, id->hash, &id->line, &id->skip, &id->size, &id->mtime, &id->mtime_ns,
		   &used) != 9 ||
	    s[used] != '\0' || strlen(id->hash) != 32 || id->head > OL_HEAD || id->line < 1 ||
	    (id->skip != 0 && id->skip != 1))
		return -1;
	return 0;
}

static void ol_ident_format(const struct ol_ident *id, char *buf, size_t n)
{
	snprintf(buf, n, "ol1 dev=%ju ino=%ju head=%zu sha256=%s line=%ld skip=%d size=%jd mtime=%jd.%09ld", id->dev,
		 id->ino, id->head, id->hash, id->line, id->skip, id->size, id->mtime, id->mtime_ns);
}

/* The hash of the file's first head bytes: -1 when it has fewer now. */
static int ol_head_hash(int fd, size_t head, char *hex)
{
	unsigned char buf[OL_HEAD], sum[crypto_hash_sha256_BYTES];
	size_t got = 0;
	ssize_t r;

	while (got < head) {
		r = pread(fd, buf + got, head - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	crypto_hash_sha256(sum, buf, head);
	sodium_bin2hex(hex, 33, sum, 16);
	return 0;
}

/* ---- reading a file through a window ---- */

/* The window holds the file's bytes [base, base + len). Positions are
 * file offsets; only what a caller keeps is held, so a file of any size
 * is read in at most max_event + 2 * OL_CHUNK bytes. */
struct ol_reader {
	int fd;
	char *buf;
	size_t len, cap;
	int64_t base;
	int eof;
	int err; /* errno of a failed read */
};

#define OL_AT(r, o) ((r)->buf[(o) - (r)->base])

/* Drops the bytes before keep and reads more: 1 read, 0 end of file, -1
 * a failed read. */
static int ol_fill(struct ol_reader *r, int64_t keep)
{
	ssize_t n;

	if (keep > r->base) {
		size_t drop = (size_t)(keep - r->base);

		if (drop > r->len)
			drop = r->len;
		memmove(r->buf, r->buf + drop, r->len - drop);
		r->len -= drop;
		r->base += (int64_t)drop;
	}
	if (r->eof)
		return 0;
	if (r->len == r->cap) {
		/* A caller kept more than the window holds: a bug, not the file's fault. */
		r->err = ENOBUFS;
		return -1;
	}
	for (;;) {
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r->err = errno;
			return -1;
		}
		if (n == 0) {
			r->eof = 1;
			return 0;
		}
		r->len += (size_t)n;
		return 1;
	}
}

/* 1 when the byte at o is in the window (reading on, keeping what comes
 * from keep), 0 when the file ends before it, -1 on a failed read. */
static int ol_have(struct ol_reader *r, int64_t keep, int64_t o)
{
	int rc;

	while (o >= r->base + (int64_t)r->len) {
		rc = ol_fill(r, keep);
		if (rc <= 0)
			return rc;
	}
	return 1;
}

static long ol_lines(const struct ol_reader *r, int64_t from, int64_t to)
{
	const char *p = &OL_AT(r, from), *end = p + (to - from);
	long n = 0;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* ---- one file ---- */

struct ol_file {
	struct ol *o;
	const struct steward_sink *sink;
	const char *name;
	struct ol_reader r;
	int64_t off; /* the end of the last whole event handed over */
	long line;   /* the line off is on */
	int skip;    /* off is inside an event skipped as too long */
	long events;
	char *err;
	size_t errn;
};

static int ol_cancelled(struct ol_file *f)
{
	if (f->sink->cancelled(f->sink->ctx))
		return ol_err(f->err, f->errn, "cancelled");
	return 0;
}

static int ol_read_failed(struct ol_file *f)
{
	return ol_err(f->err, f->errn, "cannot read %s/%s: %s", f->o->dir, f->name, strerror(f->r.err));
}

static int ol_hand(struct ol_file *f, int64_t from, size_t len, long line)
{
	const char *msg;

	if (f->sink->lineage_event(f->sink->ctx, f->name, line, &OL_AT(&f->r, from), len) == 0) {
		/* A file of 100,000 events does not keep a shutdown waiting. */
		if (++f->events % 256 == 0)
			return ol_cancelled(f);
		return 0;
	}
	msg = f->sink->message(f->sink->ctx);
	return ol_err(f->err, f->errn, "%s/%s:%ld: %s", f->o->dir, f->name, line,
		      msg && msg[0] ? msg : "the store refused the event");
}

/* Moves past the rest of a malformed or overlong event: up to the next line
 * that begins with '{' or '[' (where the next event of a file of JSON lines
 * begins), or to the end of the file (skip then says whether the file ends
 * inside a line, whose rest the next sync skips too). from is where to
 * look for that line's newline; lines are counted from f->off. */
static int ol_skip(struct ol_file *f, int64_t from)
{
	struct ol_reader *r = &f->r;
	int64_t k = from;
	long scanned = 0;
	int rc;

	for (;;) {
		const char *nl;
		int64_t end;

		rc = ol_have(r, k, k);
		if (rc < 0)
			return ol_read_failed(f);
		if (rc == 0) {
			/* Inside a line still: the next sync skips the rest of it too. */
			f->off = k;
			f->skip = 1;
			return 0;
		}
		end = r->base + (int64_t)r->len;
		nl = memchr(&OL_AT(r, k), '\n', (size_t)(end - k));
		if (nl == NULL) {
			/* A line of gigabytes: a shutdown is not kept waiting for its end. */
			k = end;
			if (ol_cancelled(f) != 0)
				return -1;
			continue;
		}
		k = r->base + (nl - r->buf);
		f->line++;
		/* The newline stays in the window until the byte after it is read. */
		rc = ol_have(r, k, k + 1);
		if (rc < 0)
			return ol_read_failed(f);
		if (rc == 0) {
			f->off = k + 1;
			f->skip = 0;
			return 0;
		}
		if (OL_AT(r, k + 1) == '{' || OL_AT(r, k + 1) == '[') {
			f->off = k + 1;
			f->skip = 0;
			return 0;
		}
		k++;
		/* Nor for a huge run of short lines. */
		if (++scanned % 65536 == 0 && ol_cancelled(f) != 0)
			return -1;
	}
}

/* An event longer than max_event: its first max_event + 1 bytes go to the
 * core, which reports it (the core refuses anything over its own limit,
 * the default max_event), and the rest is skipped. */
static int ol_overlong(struct ol_file *f, int64_t s, long sline)
{
	int rc = ol_have(&f->r, s, s + (int64_t)f->o->max_event);
	size_t n;

	if (rc < 0)
		return ol_read_failed(f);
	n = rc == 0 ? (size_t)(f->r.base + (int64_t)f->r.len - s) : f->o->max_event + 1;
	if (ol_hand(f, s, n, sline) != 0)
		return -1;
	f->off = s;
	f->line = sline;
	return ol_skip(f, s + 1);
}

/* A span that cannot be JSON: handed over whole (the core reports it with
 * its line) up to where the next event begins. */
static int ol_malformed(struct ol_file *f, int64_t s, long sline)
{
	struct ol_reader *r = &f->r;
	int64_t k = s, lim = s + (int64_t)f->o->max_event + 1, end;
	int rc;

	for (;;) {
		const char *nl;

		rc = ol_have(r, s, k);
		if (rc < 0)
			return ol_read_failed(f);
		if (rc == 0)
			break;
		/* No span longer than max_event is looked through. */
		if (k >= lim)
			return ol_overlong(f, s, sline);
		end = r->base + (int64_t)r->len;
		if (end > lim)
			end = lim;
		nl = memchr(&OL_AT(r, k), '\n', (size_t)(end - k));
		if (nl == NULL) {
			k = end;
			continue;
		}
		k = r->base + (nl - r->buf);
		rc = ol_have(r, s, k + 1);
		if (rc < 0)
			return ol_read_failed(f);
		if (rc == 0)
			break;
		if (OL_AT(r, k + 1) == '{' || OL_AT(r, k + 1) == '[') {
			if (k + 1 - s > (int64_t)f->o->max_event)
				return ol_overlong(f, s, sline);
			if (ol_hand(f, s, (size_t)(k + 1 - s), sline) != 0)
				return -1;
			f->line = sline + ol_lines(r, s, k + 1);
			f->off = k + 1;
			f->skip = 0;
			return 0;
		}
		k++;
	}
	/* To the end of the file. */
	end = r->base + (int64_t)r->len;
	if (end - s > (int64_t)f->o->max_event)
		return ol_overlong(f, s, sline);
	if (ol_hand(f, s, (size_t)(end - s), sline) != 0)
		return -1;
	f->line = sline + ol_lines(r, s, end);
	f->off = end;
	f->skip = r->buf[r->len - 1] != '\n';
	return 0;
}

/* Reads the file on from f->off: 0 when it reached the end or a partial
 * event the writer has yet to finish. */
static int ol_events(struct ol_file *f)
{
	struct ol_reader *r = &f->r;
	int64_t pos, s, t;
	long line, sline;
	size_t end;
	enum ol_scan res;
	int rc;

	if (f->skip && ol_skip(f, f->off) != 0)
		return -1;
	pos = f->off;
	line = f->line;
	for (;;) {
		rc = ol_have(r, pos, pos);
		if (rc < 0)
			return ol_read_failed(f);
		if (rc == 0)
			return 0;
		if (ol_space(OL_AT(r, pos))) {
			line += OL_AT(r, pos) == '\n';
			pos++;
			continue;
		}
		/* A UTF-8 byte order mark some editors put first. */
		if (pos == 0 && (unsigned char)OL_AT(r, 0) == 0xEF && ol_have(r, 0, 2) == 1 &&
		    (unsigned char)OL_AT(r, 1) == 0xBB && (unsigned char)OL_AT(r, 2) == 0xBF) {
			pos = 3;
			continue;
		}
		s = pos;
		sline = line;
		for (;;) {
			size_t avail = (size_t)(r->base + (int64_t)r->len - s);

			res = ol_scan_value(&OL_AT(r, s), avail, &end);
			if (res != OL_MORE || r->eof || avail > f->o->max_event)
				break;
			if (ol_fill(r, s) < 0)
				return ol_read_failed(f);
		}
		if (res == OL_MORE) {
			if (r->base + (int64_t)r->len - s > (int64_t)f->o->max_event) {
				if (ol_overlong(f, s, sline) != 0)
					return -1;
				pos = f->off;
				line = f->line;
				continue;
			}
			/* The writer has not finished it: the next sync reads it again from s. */
			return 0;
		}
		if (res == OL_DONE) {
			/* The rest of its line must be blank: one event per line, or one document. */
			for (t = s + (int64_t)end;; t++) {
				if (t - s > (int64_t)f->o->max_event) {
					res = OL_BAD;
					break;
				}
				rc = ol_have(r, s, t);
				if (rc < 0)
					return ol_read_failed(f);
				if (rc == 0 || OL_AT(r, t) == '\n')
					break;
				if (OL_AT(r, t) != ' ' && OL_AT(r, t) != '\t' && OL_AT(r, t) != '\r') {
					res = OL_BAD;
					break;
				}
			}
		}
		if (res == OL_DONE && end > f->o->max_event)
			rc = ol_overlong(f, s, sline);
		else if (res == OL_DONE) {
			if (ol_hand(f, s, end, sline) != 0)
				return -1;
			f->line = sline + ol_lines(r, s, s + (int64_t)end);
			f->off = s + (int64_t)end;
			f->skip = 0;
			rc = 0;
		} else
			rc = ol_malformed(f, s, sline);
		if (rc != 0)
			return -1;
		pos = f->off;
		line = f->line;
	}
}

/* Where the core's copy of the file stands, checked against the file as
 * it is now: the same file, not shorter than the offset, the same first
 * bytes. Anything else starts again from 0. 1: nothing changed since. */
static int ol_resume(struct ol_file *f, const struct stat *sb, const char *stored, int64_t off)
{
	struct ol_ident id;
	struct timespec now;
	char hex[33];

	f->off = 0;
	f->line = 1;
	f->skip = 0;
	if (off <= 0 || ol_ident_parse(stored, &id) != 0)
		return 0;
	if (id.dev != (uintmax_t)sb->st_dev || id.ino != (uintmax_t)sb->st_ino || sb->st_size < off)
		return 0;
	/* The same size and time: unchanged, unless the time is so recent that
	 * another write in the same clock tick could hide behind it (the
	 * kernel's file times are coarser than their nanoseconds say). */
	if (id.size == (intmax_t)sb->st_size && id.mtime == (intmax_t)sb->st_mtim.tv_sec &&
	    id.mtime_ns == sb->st_mtim.tv_nsec && id.head == (size_t)(off < OL_HEAD ? off : OL_HEAD) &&
	    clock_gettime(CLOCK_REALTIME, &now) == 0 && now.tv_sec - sb->st_mtim.tv_sec >= 2)
		return 1;
	if (ol_head_hash(f->r.fd, id.head, hex) != 0 || strcmp(hex, id.hash) != 0)
		return 0;
	f->off = off;
	f->line = id.line;
	f->skip = id.skip;
	return 0;
}

/* One file: 0 (skipped or read), -1 when the sync must stop. */
static int ol_file(struct ol *o, const struct steward_sink *sink, int dfd, const char *name, char *buf,
		   size_t cap, char *err, size_t errn)
{
	struct ol_file f = { .o = o, .sink = sink, .name = name, .err = err, .errn = errn };
	char stored[OL_IDENT] = "", ident[OL_IDENT];
	struct ol_ident id;
	struct stat sb;
	int64_t off;
	int fd, rc;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		/* Gone since the listing, or a link put in its place: nothing to read. */
		if (errno == ENOENT || errno == ELOOP)
			return 0;
		snprintf(o->problem, sizeof o->problem, "the last sync skipped %.300s/%.200s: %.60s", o->dir, name,
			 strerror(errno));
		return 0;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 0;
	}
	f.r = (struct ol_reader){ .fd = fd, .buf = buf, .cap = cap };
	off = sink->lineage_offset(sink->ctx, name, stored, sizeof stored);
	stored[sizeof stored - 1] = '\0';
	if (ol_resume(&f, &sb, stored, off) == 1) {
		close(fd);
		return 0;
	}
	if (f.off > 0 && lseek(fd, (off_t)f.off, SEEK_SET) < 0) {
		f.r.err = errno;
		rc = ol_read_failed(&f);
		close(fd);
		return rc;
	}
	f.r.base = f.off;
	rc = ol_events(&f);
	if (rc != 0 && f.r.err != 0 && strcmp(err, "cancelled") != 0) {
		/* A read that failed midway (EIO): what came before it stands,
		 * the rest is read at the next sync. */
		snprintf(o->problem, sizeof o->problem, "%.580s", err);
		err[0] = '\0';
		rc = 0;
	}
	if (rc == 0) {
		memset(&id, 0, sizeof id);
		id.dev = (uintmax_t)sb.st_dev;
		id.ino = (uintmax_t)sb.st_ino;
		id.head = (size_t)(f.off < OL_HEAD ? f.off : OL_HEAD);
		id.line = f.line;
		id.skip = f.skip;
		id.size = (intmax_t)sb.st_size;
		id.mtime = (intmax_t)sb.st_mtim.tv_sec;
		id.mtime_ns = sb.st_mtim.tv_nsec;
		if (ol_head_hash(fd, id.head, id.hash) != 0) {
			/* Shorter than what was just read from it: truncated
			 * meanwhile, so the next sync starts over. */
			snprintf(id.hash, sizeof id.hash, "%032d", 0);
		}
		ol_ident_format(&id, ident, sizeof ident);
		if (off != f.off || strcmp(stored, ident) != 0)
			sink->lineage_mark(sink->ctx, name, f.off, ident);
	}
	close(fd);
	return rc;
}

/* ---- the directory ---- */

static int ol_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ol_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The regular files whose names match the pattern, in byte order (the
 * file transport's names carry their time, so that is the order they
 * were written in). Links, directories, FIFOs and devices are no event
 * files: a link could hand the core the lines of any file steward can
 * read, so links are never followed. */
static int ol_list(struct ol *o, int dfd, char ***out, size_t *n, char *err, size_t errn)
{
	DIR *d;
	struct dirent *de;
	struct stat sb;
	char **names = NULL, **nn;
	size_t cap = 0;
	int fd = dup(dfd);

	*out = NULL;
	*n = 0;
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return ol_err(err, errn, "cannot list %s: %s", o->dir, strerror(errno));
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (fnmatch(o->pattern, de->d_name, FNM_PERIOD) != 0)
			continue;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		if (fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof *names);
			if (nn == NULL)
				goto oom;
			names = nn;
		}
		names[*n] = strdup(de->d_name);
		if (names[*n] == NULL)
			goto oom;
		(*n)++;
		errno = 0;
	}
	if (errno != 0) {
		int saved = errno;

		closedir(d);
		ol_names_free(names, *n);
		*n = 0;
		return ol_err(err, errn, "cannot list %s: %s", o->dir, strerror(saved));
	}
	closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof *names, ol_cmp);
	*out = names;
	return 0;
oom:
	closedir(d);
	ol_names_free(names, *n);
	*n = 0;
	return ol_err(err, errn, "out of memory listing %s", o->dir);
}

int ol_follow(struct ol *o, const struct steward_sink *sink, char *err, size_t errn)
{
	char **names = NULL, *buf;
	size_t n = 0, i, cap = o->max_event + 2 * OL_CHUNK;
	int dfd, rc = 0;

	o->problem[0] = '\0';
	dfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ol_err(err, errn, "cannot open the directory %s: %s", o->dir, strerror(errno));
	if (ol_list(o, dfd, &names, &n, err, errn) != 0) {
		close(dfd);
		return -1;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		ol_names_free(names, n);
		close(dfd);
		return ol_err(err, errn, "out of memory");
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (sink->cancelled(sink->ctx)) {
			rc = ol_err(err, errn, "cancelled");
			break;
		}
		sink->progress(sink->ctx, "lineage files", (long)i, (long)n);
		rc = ol_file(o, sink, dfd, names[i], buf, cap, err, errn);
	}
	if (rc == 0)
		sink->progress(sink->ctx, "lineage files", (long)n, (long)n);
	free(buf);
	ol_names_free(names, n);
	close(dfd);
	return rc;
}
