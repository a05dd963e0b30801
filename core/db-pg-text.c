/* db-pg-text: the PostgreSQL engine's text work: SQLite's placeholders as $N, URIs told from file paths, passwords kept out of messages. */
#include "db-pg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

/* SQLite's limit on parameter numbers, so both engines refuse the same SQL. */
#define DBPG_MAX_PARAM 32766

/* ---- URIs ---- */

static int pg_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int dbpg_is_uri(const char *s)
{
	PQconninfoOption *opts;
	const char *p = s;

	if (s == NULL)
		return 0;
	if (pg_starts(s, "postgresql://") || pg_starts(s, "postgres://"))
		return 1;
	/* A conninfo string starts with a keyword and '='; a file path may
	 * hold '=' too, so libpq must also accept every keyword in it. */
	while (isspace((unsigned char)*p))
		p++;
	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '=')
		return 0;
	opts = PQconninfoParse(s, NULL);
	if (opts == NULL)
		return 0;
	PQconninfoFree(opts);
	return 1;
}

static void pg_put(char *buf, size_t n, size_t *o, const char *s, size_t len)
{
	while (len-- > 0 && *o + 1 < n)
		buf[(*o)++] = *s++;
	buf[*o < n ? *o : n - 1] = '\0';
}

/* key=value pairs: a URI's query or a conninfo string. */
static int pg_is_password_key(const char *k, size_t len)
{
	return len == 8 && strncmp(k, "password", 8) == 0;
}

static void pg_redact_conninfo(const char *s, char *buf, size_t n, size_t *o)
{
	const char *k, *v;
	size_t kl;

	while (*s != '\0') {
		if (isspace((unsigned char)*s)) {
			pg_put(buf, n, o, s++, 1);
			continue;
		}
		k = s;
		while (*s != '\0' && *s != '=' && !isspace((unsigned char)*s))
			s++;
		kl = (size_t)(s - k);
		pg_put(buf, n, o, k, kl);
		while (isspace((unsigned char)*s))
			pg_put(buf, n, o, s++, 1);
		if (*s != '=')
			continue;
		pg_put(buf, n, o, s++, 1);
		while (isspace((unsigned char)*s))
			pg_put(buf, n, o, s++, 1);
		v = s;
		if (*s == '\'') {
			for (s++; *s != '\0' && *s != '\''; s++)
				if (*s == '\\' && s[1] != '\0')
					s++;
			if (*s == '\'')
				s++;
		} else {
			while (*s != '\0' && !isspace((unsigned char)*s))
				s++;
		}
		if (pg_is_password_key(k, kl))
			pg_put(buf, n, o, "***", 3);
		else
			pg_put(buf, n, o, v, (size_t)(s - v));
	}
}

void dbpg_redact(const char *uri, char *buf, size_t n)
{
	const char *s = uri, *auth, *end, *at, *colon, *q, *k, *eq;
	size_t o = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	if (uri == NULL)
		return;
	if (!pg_starts(s, "postgresql://") && !pg_starts(s, "postgres://")) {
		pg_redact_conninfo(s, buf, n, &o);
		return;
	}
	auth = strstr(s, "://") + 3;
	pg_put(buf, n, &o, s, (size_t)(auth - s));
	end = auth + strcspn(auth, "/?");
	/* user:password@host: the last '@' ends the user part. */
	at = NULL;
	for (q = auth; q < end; q++)
		if (*q == '@')
			at = q;
	if (at != NULL) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon != NULL) {
			pg_put(buf, n, &o, auth, (size_t)(colon - auth) + 1);
			pg_put(buf, n, &o, "***", 3);
			auth = at;
		}
	}
	q = strchr(end, '?');
	if (q == NULL) {
		pg_put(buf, n, &o, auth, strlen(auth));
		return;
	}
	pg_put(buf, n, &o, auth, (size_t)(q + 1 - auth));
	for (k = q + 1; *k != '\0';) {
		end = k + strcspn(k, "&");
		eq = memchr(k, '=', (size_t)(end - k));
		if (eq != NULL && pg_is_password_key(k, (size_t)(eq - k))) {
			pg_put(buf, n, &o, k, (size_t)(eq + 1 - k));
			pg_put(buf, n, &o, "***", 3);
		} else {
			pg_put(buf, n, &o, k, (size_t)(end - k));
		}
		if (*end == '&')
			pg_put(buf, n, &o, end++, 1);
		k = end;
	}
}

/* ---- placeholders ---- */

static int pg_ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '$' || (unsigned char)ch >= 0x80;
}

/* The end of the quoted or commented span starting at s[i], or i when none starts there. */
static size_t pg_skip(const char *s, size_t i)
{
	size_t j, tl;
	int depth, esc;

	if (s[i] == '\'') {
		/* E'...' takes backslash escapes; standard strings do not. */
		esc = i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') && (i < 2 || !pg_ident_char(s[i - 2]));
		for (j = i + 1; s[j] != '\0'; j++) {
			if (esc && s[j] == '\\' && s[j + 1] != '\0')
				j++;
			else if (s[j] == '\'' && s[j + 1] == '\'')
				j++;
			else if (s[j] == '\'')
				return j + 1;
		}
		return j;
	}
	if (s[i] == '"') {
		for (j = i + 1; s[j] != '\0'; j++) {
			if (s[j] == '"' && s[j + 1] == '"')
				j++;
			else if (s[j] == '"')
				return j + 1;
		}
		return j;
	}
	if (s[i] == '-' && s[i + 1] == '-') {
		for (j = i + 2; s[j] != '\0' && s[j] != '\n'; j++)
			;
		return j;
	}
	if (s[i] == '/' && s[i + 1] == '*') {
		/* PostgreSQL's block comments nest. */
		for (depth = 1, j = i + 2; s[j] != '\0' && depth > 0; j++) {
			if (s[j] == '/' && s[j + 1] == '*') {
				depth++;
				j++;
			} else if (s[j] == '*' && s[j + 1] == '/') {
				depth--;
				j++;
			}
		}
		return j;
	}
	if (s[i] == '$' && (i == 0 || !pg_ident_char(s[i - 1]))) {
		/* $$...$$ or $tag$...$tag$ */
		for (j = i + 1; s[j] != '\0' && s[j] != '$'; j++)
			if (!(isalpha((unsigned char)s[j]) || s[j] == '_' ||
			      (j > i + 1 && isdigit((unsigned char)s[j]))))
				return i;
		if (s[j] != '$')
			return i;
		tl = j + 1 - i;
		for (j = j + 1; s[j] != '\0'; j++)
			if (strncmp(s + j, s + i, tl) == 0)
				return j + tl;
		return j;
	}
	return i;
}

int dbpg_translate(const char *sql, char **out, int *nparams, unsigned char **used, struct err *e)
{
	size_t len = strlen(sql), nq = 0, i, j, o = 0, k = 0;
	int *nums = NULL, maxp = 0, v;
	char *buf;
	unsigned char *u = NULL;

	*out = NULL;
	*nparams = 0;
	if (used != NULL)
		*used = NULL;
	for (i = 0; i < len; i++)
		nq += sql[i] == '?';
	/* A bare ? becomes $ and at most five digits. */
	buf = malloc(len + nq * 5 + 1);
	if (buf == NULL || (nums = malloc((nq > 0 ? nq : 1) * sizeof *nums)) == NULL) {
		free(buf);
		return err_set(e, ERR_STORE, "out of memory");
	}
	for (i = 0; i < len;) {
		j = pg_skip(sql, i);
		if (j > i) {
			memcpy(buf + o, sql + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		if (sql[i] != '?') {
			buf[o++] = sql[i++];
			continue;
		}
		if (isdigit((unsigned char)sql[i + 1])) {
			for (v = 0, j = i + 1; isdigit((unsigned char)sql[j]); j++)
				if ((v = v * 10 + (sql[j] - '0')) > DBPG_MAX_PARAM)
					break;
			if (v < 1 || v > DBPG_MAX_PARAM) {
				free(buf);
				free(nums);
				return err_set(e, ERR_STORE, "parameter ?%.*s is out of range (1 to %d)",
					       (int)(j - i - 1 > 10 ? 10 : j - i - 1), sql + i + 1, DBPG_MAX_PARAM);
			}
			i = j;
		} else {
			/* As in SQLite: one past the largest number so far. */
			v = maxp + 1;
			if (v > DBPG_MAX_PARAM) {
				free(buf);
				free(nums);
				return err_set(e, ERR_STORE, "too many parameters (more than %d)", DBPG_MAX_PARAM);
			}
			i++;
		}
		o += (size_t)snprintf(buf + o, 7, "$%d", v);
		nums[k++] = v;
		if (v > maxp)
			maxp = v;
	}
	buf[o] = '\0';
	if (used != NULL && maxp > 0) {
		u = calloc((size_t)maxp, 1);
		if (u == NULL) {
			free(buf);
			free(nums);
			return err_set(e, ERR_STORE, "out of memory");
		}
		for (j = 0; j < k; j++)
			u[nums[j] - 1] = 1;
		*used = u;
	}
	free(nums);
	*out = buf;
	*nparams = maxp;
	return 0;
}
