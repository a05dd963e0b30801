/* lineage-file: reading OpenLineage events from files, directories and standard input: newline-delimited or one document a file, lines over the limit skipped whole. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lineage.h"

struct li_reader {
	FILE *f;
	char buf[65536];
	size_t at, len;
	int eof;
};

/* The next line into *line (malloc'd, grown as needed, without the
 * newline), at most max bytes kept: *over gets the full length when the
 * line was longer. 1 a line, 0 end of file, -1 read error. */
static int li_getline(struct li_reader *r, char **line, size_t *cap, size_t *len, size_t max, size_t *over)
{
	size_t total = 0;
	int any = 0;

	*len = 0;
	*over = 0;
	for (;;) {
		char *nl;
		size_t take;

		if (r->at == r->len) {
			if (r->eof)
				return any ? 1 : 0;
			r->len = fread(r->buf, 1, sizeof r->buf, r->f);
			r->at = 0;
			if (r->len == 0) {
				if (ferror(r->f))
					return -1;
				r->eof = 1;
				return any ? 1 : 0;
			}
		}
		any = 1;
		nl = memchr(r->buf + r->at, '\n', r->len - r->at);
		take = nl ? (size_t)(nl - (r->buf + r->at)) : r->len - r->at;
		if (total + take <= max) {
			if (*len + take + 1 > *cap) {
				size_t c = *cap ? *cap : 4096;
				char *g;

				while (c < *len + take + 1)
					c *= 2;
				g = realloc(*line, c);
				if (g == NULL)
					return -1;
				*line = g;
				*cap = c;
			}
			memcpy(*line + *len, r->buf + r->at, take);
			*len += take;
			(*line)[*len] = '\0';
		}
		total += take;
		r->at += take;
		if (nl != NULL) {
			r->at++;
			if (total > max)
				*over = total;
			return 1;
		}
	}
}

static int li_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* One whole document when the file is one (pretty-printed) event, else
 * newline-delimited events. */
static int li_file(struct lineage_import *li, const char *path, FILE *f, struct err *e)
{
	struct li_reader *r = calloc(1, sizeof *r);
	char *line = NULL, *doc = NULL;
	size_t cap = 0, len, over, dlen = 0;
	long lineno = 0, first = 0;
	int rc, multi = 0, ret = 0, seen = 0;

	if (r == NULL)
		return err_set(e, ERR_IO, "out of memory");
	r->f = f;
	lineage_import_file(li);
	while ((rc = li_getline(r, &line, &cap, &len, LINEAGE_EVENT_MAX, &over)) == 1) {
		lineno++;
		if (over == 0 && li_blank(line, len))
			continue;
		/* Only the first line that is not blank decides the format: parsing each line twice halves the rate. */
		if (!seen++ && over == 0 && len > 0 && line[0] == '{') {
			json_t *j = json_loadb(line, len, 0, NULL);

			if (j == NULL) {
				/* Not a whole event on its own: a pretty-printed document spans the file. */
				multi = 1;
				first = lineno;
			}
			json_decref(j);
		}
		if (multi) {
			char *g;

			if (dlen + len + 2 > LINEAGE_EVENT_MAX + 2) {
				char why[128];

				snprintf(why, sizeof why, "event is over the %d byte limit", LINEAGE_EVENT_MAX);
				lineage_import_reject(li, path, first, why);
				free(doc);
				doc = NULL;
				dlen = 0;
				multi = 2; /* skip the rest of the file */
				continue;
			}
			if (multi == 2)
				continue;
			g = realloc(doc, dlen + len + 2);
			if (g == NULL) {
				ret = err_set(e, ERR_IO, "out of memory");
				break;
			}
			doc = g;
			memcpy(doc + dlen, line, len);
			dlen += len;
			doc[dlen++] = '\n';
			continue;
		}
		if (over != 0) {
			char why[128];

			snprintf(why, sizeof why, "event of %zu bytes is over the %d byte limit", over, LINEAGE_EVENT_MAX);
			lineage_import_reject(li, path, lineno, why);
			continue;
		}
		if (lineage_import_event(li, path, lineno, line, len, e) != 0) {
			ret = -1;
			break;
		}
	}
	if (ret == 0 && rc < 0)
		ret = err_set(e, ERR_IO, "%s: %s", path, errno ? strerror(errno) : "read error");
	if (ret == 0 && multi == 1 && doc != NULL)
		ret = lineage_import_event(li, path, first, doc, dlen, e);
	free(doc);
	free(line);
	free(r);
	return ret;
}

static int li_dir_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int lineage_import_path(struct lineage_import *li, const char *path, struct err *e)
{
	struct stat sb;
	FILE *f;
	int r;

	if (strcmp(path, "-") == 0)
		return li_file(li, "-", stdin, e);
	if (stat(path, &sb) != 0)
		return err_set(e, ERR_NOTFOUND, "%s: %s", path, strerror(errno));
	if (S_ISDIR(sb.st_mode)) {
		struct dirent **names;
		int n, i;

		n = scandir(path, &names, li_dir_filter, alphasort);
		if (n < 0)
			return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
		for (i = 0, r = 0; i < n; i++) {
			char sub[4096];

			snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
			if (r == 0 && stat(sub, &sb) == 0 && S_ISREG(sb.st_mode))
				r = lineage_import_path(li, sub, e);
			free(names[i]);
		}
		free(names);
		return r;
	}
	if (!S_ISREG(sb.st_mode))
		return err_set(e, ERR_INVALID, "%s is not a regular file or a directory", path);
	f = fopen(path, "r");
	if (f == NULL)
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	r = li_file(li, path, f, e);
	fclose(f);
	return r;
}

