/* script: parsing of the headless mode's key scripts (syntax in script.h). */
#include "script.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "file.h"
#include "tkey.h"

static int script_push(struct script *s, int key, int cols, int rows, int line, struct err *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct script_ev *ev = realloc(s->ev, cap * sizeof *ev);

		if (ev == NULL)
			return err_set(e, ERR_IO, "out of memory reading the script");
		s->ev = ev;
		s->cap = cap;
	}
	s->ev[s->n].key = key;
	s->ev[s->n].cols = cols;
	s->ev[s->n].rows = rows;
	s->ev[s->n].line = line;
	s->n++;
	return 0;
}

/* Decodes one UTF-8 character strictly; returns its length, 0 when invalid. */
static size_t script_utf8(const unsigned char *p, size_t n, int *cp)
{
	size_t len, i;
	unsigned v;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	} else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		v = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		v = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		v = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = (int)v;
	return len;
}

/* Parses two numbers 1..1000 joined by one of the characters in seps
 * ("xX" for a size COLSxROWS, "," for a place COL,ROW); 0 when
 * well-formed and in range. */
static int script_pair(const char *s, size_t len, const char *seps, int *first, int *second)
{
	char buf[32], *end;
	long c, r;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	c = strtol(buf, &end, 10);
	if (errno || *end == '\0' || strchr(seps, *end) == NULL || end[1] < '0' || end[1] > '9')
		return -1;
	r = strtol(end + 1, &end, 10);
	if (errno || *end != '\0' || c < 1 || c > 1000 || r < 1 || r > 1000)
		return -1;
	*first = (int)c;
	*second = (int)r;
	return 0;
}

static int script_token(const char *tok, size_t len, const char *fname, int line,
			struct script *out, struct err *e)
{
	int key, cols, rows;

	if (len == 2 && strncasecmp(tok, "lt", 2) == 0)
		return script_push(out, '<', 0, 0, line, e);
	if (len == 4 && strncasecmp(tok, "wait", 4) == 0)
		return script_push(out, TKEY_WAIT, 0, 0, line, e);
	if (len > 7 && strncasecmp(tok, "resize ", 7) == 0) {
		if (script_pair(tok + 7, len - 7, "xX", &cols, &rows) != 0)
			return err_set(e, ERR_INVALID,
				       "%s:%d: bad size in <%.*s>: want <resize COLSxROWS>, "
				       "each 1..1000",
				       fname, line, (int)(len > 60 ? 60 : len), tok);
		return script_push(out, TKEY_RESIZE, cols, rows, line, e);
	}
	if (len > 6 && strncasecmp(tok, "click ", 6) == 0) {
		if (script_pair(tok + 6, len - 6, ",", &cols, &rows) != 0)
			return err_set(e, ERR_INVALID,
				       "%s:%d: bad place in <%.*s>: want <click COL,ROW>, "
				       "each 1..1000 from the top left",
				       fname, line, (int)(len > 60 ? 60 : len), tok);
		/* Stored 0-based, as curses reports a click. */
		return script_push(out, TKEY_CLICK, cols - 1, rows - 1, line, e);
	}
	key = tkey_by_name(tok, len);
	if (key == TKEY_NONE)
		return err_set(e, ERR_INVALID,
			       "%s:%d: unknown key <%.*s> (known: <Enter> <Esc> <Up> <Down> "
			       "<Left> <Right> <PgUp> <PgDn> <Home> <End> <Tab> <BS> <Del> "
			       "<WheelUp> <WheelDown> <lt> <wait> <resize COLSxROWS> <click COL,ROW>)",
			       fname, line, (int)(len > 60 ? 60 : len), tok);
	return script_push(out, key, 0, 0, line, e);
}

int script_parse(const char *text, size_t len, const char *fname, struct script *out,
		 struct err *e)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0;
	int line = 1, bol = 1;

	out->ev = NULL;
	out->n = out->cap = 0;
	while (i < len) {
		if (bol && p[i] == '#') {
			while (i < len && p[i] != '\n')
				i++;
			continue;
		}
		bol = 0;
		if (p[i] == '\n') {
			line++;
			bol = 1;
			i++;
		} else if (p[i] == '\r') {
			i++;
		} else if (p[i] == '<') {
			size_t j = i + 1;

			while (j < len && p[j] != '>' && p[j] != '\n')
				j++;
			if (j >= len || p[j] != '>') {
				script_free(out);
				return err_set(e, ERR_INVALID,
					       "%s:%d: '<' without a closing '>' (type <lt> for a "
					       "literal '<')",
					       fname, line);
			}
			if (script_token(text + i + 1, j - i - 1, fname, line, out, e) != 0) {
				script_free(out);
				return -1;
			}
			i = j + 1;
		} else {
			int cp;
			size_t n = script_utf8(p + i, len - i, &cp);

			if (n == 0) {
				script_free(out);
				return err_set(e, ERR_INVALID, "%s:%d: not valid UTF-8", fname,
					       line);
			}
			if (cp == '\t')
				cp = TKEY_TAB;
			else if (cp < 0x20 || cp == 0x7f) {
				script_free(out);
				return err_set(e, ERR_INVALID,
					       "%s:%d: control character 0x%02x; write named keys "
					       "as <Name>",
					       fname, line, cp);
			}
			if (script_push(out, cp, 0, 0, line, e) != 0) {
				script_free(out);
				return -1;
			}
			i += n;
		}
	}
	return 0;
}

int script_load(const char *path, struct script *out, struct err *e)
{
	char *buf;
	size_t n;
	int rc;

	out->ev = NULL;
	out->n = out->cap = 0;
	if (file_read(path, "script", SCRIPT_MAX_BYTES, &buf, &n, e) != 0)
		return -1;
	rc = script_parse(buf, n, path, out, e);
	free(buf);
	return rc;
}

void script_free(struct script *s)
{
	if (s == NULL)
		return;
	free(s->ev);
	s->ev = NULL;
	s->n = s->cap = 0;
}
