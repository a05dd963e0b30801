/* check: input validation whose messages name the field and show a safe excerpt of the value, and escaping of text for terminals. */
#include "check.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

size_t check_utf8_char(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c;
	size_t len, k;
	uint32_t v;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[k] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

int check_utf8(const char *s, size_t n)
{
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = check_utf8_char(s + i, n - i, &cp);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

int check_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || check_is_bidi(cp);
}

int check_is_bidi(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

size_t check_control(const char *s, size_t n, int multiline, uint32_t *cp)
{
	size_t i = 0, k;
	uint32_t c;

	while (i < n) {
		k = check_utf8_char(s + i, n - i, &c);
		if (k == 0)
			k = 1; /* not UTF-8: check_utf8 is the judge of that */
		else if (check_is_control(c) && !(multiline && (c == '\t' || c == '\n'))) {
			*cp = c;
			return i;
		}
		i += k;
	}
	return n;
}

/* Appends the escape of one character to out (at least 7 bytes free). */
static size_t check_escape_one(char *out, uint32_t cp, int bad_byte)
{
	if (bad_byte || cp < 0x80)
		return (size_t)snprintf(out, 7, "\\x%02x", (unsigned)cp);
	return (size_t)snprintf(out, 7, "\\u%04x", (unsigned)cp);
}

char *check_escape(const char *s, int multiline)
{
	size_t n = strlen(s), i = 0, o = 0, k;
	uint32_t cp;
	char *out;

	/* At worst every byte becomes a four-byte \xNN. */
	if (n > (SIZE_MAX - 1) / 4)
		return NULL;
	out = malloc(4 * n + 1);
	if (out == NULL)
		return NULL;
	while (i < n) {
		k = check_utf8_char(s + i, n - i, &cp);
		if (k == 0) {
			o += check_escape_one(out + o, (unsigned char)s[i], 1);
			i++;
			continue;
		}
		if (check_is_control(cp) && !(multiline && (cp == '\n' || cp == '\t'))) {
			o += check_escape_one(out + o, cp, 0);
		} else {
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	out[o] = '\0';
	return out;
}

int check_needs_escape(const char *s, int multiline)
{
	size_t n = strlen(s), i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = check_utf8_char(s + i, n - i, &cp);
		if (k == 0 || (check_is_control(cp) && !(multiline && (cp == '\n' || cp == '\t'))))
			return 1;
		i += k;
	}
	return 0;
}

/* A printable excerpt for messages: at most 40 bytes, bytes outside
 * printable ASCII as \xNN, so hostile input cannot garble a terminal. */
void check_excerpt(const char *s, char *buf, size_t n)
{
	size_t o = 0, i;

	if (n == 0)
		return;
	for (i = 0; s[i] != '\0' && o + 5 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= 40) {
			snprintf(buf + o, n - o, "...");
			return;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
	}
	buf[o] = '\0';
}

static int check_common(const char *what, const char *s, size_t max, struct err *e)
{
	char ex[200];
	size_t len;

	if (s == NULL || s[0] == '\0')
		return err_set(e, ERR_INVALID, "%s is empty", what);
	len = strlen(s);
	if (len > max) {
		check_excerpt(s, ex, sizeof ex);
		return err_set(e, ERR_INVALID, "%s \"%s\" is too long (%zu bytes; at most %zu)", what,
			       ex, len, max);
	}
	return 0;
}

static int check_chars(const char *what, const char *s, const char *extra, const char *rule,
		       struct err *e)
{
	char ex[200];
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		int okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (i > 0 && !okc && c != '\0' && strchr(extra, c) != NULL)
			okc = 1;
		if (!okc) {
			check_excerpt(s, ex, sizeof ex);
			if (c >= 0x20 && c < 0x7f)
				return err_set(e, ERR_INVALID,
					       "%s \"%s\" has '%c' at position %zu; %s", what, ex,
					       c, i + 1, rule);
			return err_set(e, ERR_INVALID, "%s \"%s\" has byte 0x%02x at position %zu; %s",
				       what, ex, c, i + 1, rule);
		}
	}
	return 0;
}

int check_name(const char *what, const char *s, size_t max, struct err *e)
{
	if (check_common(what, s, max, e) != 0)
		return -1;
	return check_chars(what, s, "._-",
			   "names start with a letter or digit and use letters, digits, '.', '_' and '-'",
			   e);
}

/* Free text on one line, as registries allow in names: no control or
 * bidirectional characters, no leading or trailing space. */
int check_label(const char *what, const char *s, size_t max, struct err *e)
{
	char ex[200];
	size_t len;

	if (check_text(what, s, max, 0, 0, e) != 0)
		return -1;
	len = strlen(s);
	if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1])) {
		check_excerpt(s, ex, sizeof ex);
		return err_set(e, ERR_INVALID, "%s \"%s\" starts or ends with a space", what, ex);
	}
	return 0;
}

/* What MLflow accepts, less what would make a subject ambiguous:
 * "models:/NAME/VERSION" splits on '/', and ':' separates schemes. */
int check_model_name(const char *s, struct err *e)
{
	char ex[200];
	const char *bad;

	if (check_label("model name", s, CHECK_NAME_MAX, e) != 0)
		return -1;
	if ((bad = strpbrk(s, "/:")) != NULL) {
		check_excerpt(s, ex, sizeof ex);
		return err_set(e, ERR_INVALID, "model name \"%s\" has '%c' at position %zu; model names cannot contain '/' or ':'",
			       ex, *bad, (size_t)(bad - s) + 1);
	}
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return err_set(e, ERR_INVALID, "model name \"%s\" is a path, not a name", s);
	return 0;
}

int check_slice(const char *what, const char *s, struct err *e)
{
	if (check_common(what, s, CHECK_NAME_MAX, e) != 0)
		return -1;
	return check_chars(what, s, "._-=,:/+",
			   "slices use letters, digits and . _ - = , : / +", e);
}

int check_alias(const char *s, struct err *e)
{
	char ex[200];

	if (check_common("alias", s, CHECK_ALIAS_MAX, e) != 0)
		return -1;
	if (!(s[0] >= 'a' && s[0] <= 'z')) {
		check_excerpt(s, ex, sizeof ex);
		return err_set(e, ERR_INVALID,
			       "alias \"%s\" must start with a lowercase letter (aliases match [a-z][a-z0-9_-]*)",
			       ex);
	}
	for (size_t i = 1; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
			check_excerpt(s, ex, sizeof ex);
			return err_set(e, ERR_INVALID,
				       "alias \"%s\" has a character not allowed at position %zu (aliases match [a-z][a-z0-9_-]*)",
				       ex, i + 1);
		}
	}
	return 0;
}

int check_text(const char *what, const char *s, size_t max, int multiline, int allow_empty,
	       struct err *e)
{
	char ex[200];
	size_t len, at;
	uint32_t cp;

	if (s == NULL || s[0] == '\0') {
		if (allow_empty)
			return 0;
		return err_set(e, ERR_INVALID, "%s is empty", what);
	}
	len = strlen(s);
	if (len > max) {
		check_excerpt(s, ex, sizeof ex);
		return err_set(e, ERR_INVALID, "%s \"%s\" is too long (%zu bytes; at most %zu)", what,
			       ex, len, max);
	}
	if (!check_utf8(s, len)) {
		check_excerpt(s, ex, sizeof ex);
		return err_set(e, ERR_INVALID, "%s \"%s\" is not valid UTF-8", what, ex);
	}
	at = check_control(s, len, multiline, &cp);
	if (at < len) {
		check_excerpt(s, ex, sizeof ex);
		if (cp == '\n')
			return err_set(e, ERR_INVALID,
				       "%s \"%s\" has a newline (U+000A) at position %zu; it must be one line",
				       what, ex, at + 1);
		return err_set(e, ERR_INVALID, "%s \"%s\" has %s U+%04X at position %zu", what, ex,
			       check_is_bidi(cp) ? "bidirectional control" : "control character",
			       (unsigned)cp, at + 1);
	}
	return 0;
}

int check_digest(const char *s, struct err *e)
{
	char ex[200];
	size_t i;

	if (s == NULL || s[0] == '\0')
		return err_set(e, ERR_INVALID, "digest is empty (expected sha256:<64 hex digits>)");
	check_excerpt(s, ex, sizeof ex);
	if (strncmp(s, "sha256:", 7) != 0)
		return err_set(e, ERR_INVALID,
			       "digest \"%s\" must start with \"sha256:\" (expected sha256:<64 hex digits>)",
			       ex);
	for (i = 7; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return err_set(e, ERR_INVALID,
				       "digest \"%s\" has '%c' at position %zu; expected lowercase hex digits",
				       ex, (c >= 0x20 && c < 0x7f) ? c : '?', i + 1);
	}
	if (i != 7 + 64)
		return err_set(e, ERR_INVALID, "digest \"%s\" has %zu hex digits; sha256 needs 64",
			       ex, i - 7);
	return 0;
}

int check_uri(const char *s, struct err *e)
{
	char ex[200];
	size_t i;

	if (check_common("artifact URI", s, CHECK_URI_MAX, e) != 0)
		return -1;
	check_excerpt(s, ex, sizeof ex);
	for (i = 0; s[i] != '\0' && s[i] != ':'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-'))))
			break;
	}
	if (i == 0 || s[i] != ':')
		return err_set(e, ERR_INVALID,
			       "artifact URI \"%s\" has no scheme (expected e.g. s3://bucket/path or models:/name/1)",
			       ex);
	for (; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return err_set(e, ERR_INVALID,
				       "artifact URI \"%s\" has a space or non-ASCII byte at position %zu (percent-encode it)",
				       ex, i + 1);
	}
	return 0;
}

void check_time_text(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "%" PRId64, t);
}

void check_duration_text(int64_t s, char *buf, size_t n)
{
	long long v = s < 0 ? 0 : (long long)s;

	if (v < 60)
		snprintf(buf, n, "%llds", v);
	else if (v < 3600)
		snprintf(buf, n, "%lldm", v / 60);
	else if (v < 86400)
		snprintf(buf, n, "%lldh%02lldm", v / 3600, v % 3600 / 60);
	else
		snprintf(buf, n, "%lldd%02lldh", v / 86400, v % 86400 / 3600);
}

int64_t check_time_parse(const char *s)
{
	struct tm tm;
	const char *end;

	if (s == NULL || strlen(s) != 20)
		return -1;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	return (int64_t)timegm(&tm);
}

int check_like_pattern(const char *filter, char out[2 * CHECK_FILTER_MAX + 3], struct err *e)
{
	size_t i, k = 0, n = strlen(filter);

	if (n > CHECK_FILTER_MAX)
		return err_set(e, ERR_INVALID, "filter too long (%zu characters, at most %d)", n, CHECK_FILTER_MAX);
	out[k++] = '%';
	for (i = 0; i < n; i++) {
		if (filter[i] == '%' || filter[i] == '_' || filter[i] == '\\')
			out[k++] = '\\';
		out[k++] = filter[i];
	}
	out[k++] = '%';
	out[k] = '\0';
	return 0;
}

int64_t check_filter_number(const char *s, int prefix)
{
	int64_t v = 0;

	if (prefix && *s == (char)prefix)
		s++;
	else if (prefix)
		return 0;
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v;
}
