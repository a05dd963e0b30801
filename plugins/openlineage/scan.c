/* scan: where one JSON value ends in bytes read from an event file, by its grammar alone (strings, nesting, separators), without building it. */
#include <string.h>

#include "plugins/openlineage/ol.h"

/* What the scanner expects next. */
enum ol_want {
	W_VALUE,          /* a value (after ':' or ',' in an array, or at the top) */
	W_VALUE_OR_CLOSE, /* a value or ']' (after '[') */
	W_KEY_OR_CLOSE,   /* a key or '}' (after '{') */
	W_KEY,            /* a key (after ',' in an object) */
	W_COLON,
	W_NEXT, /* ',' or the container's close, after a member or element */
};

int ol_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int ol_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* p[*i] is the opening quote. A raw newline (any control byte) cannot be
 * inside a JSON string: that is what tells a line cut mid-string from a
 * document that goes on over several lines. */
static enum ol_scan ol_string(const char *p, size_t n, size_t *i)
{
	size_t k = *i + 1, h;

	while (k < n) {
		unsigned char c = (unsigned char)p[k];

		if (c == '"') {
			*i = k + 1;
			return OL_DONE;
		}
		if (c < 0x20) {
			*i = k;
			return OL_BAD;
		}
		if (c != '\\') {
			k++;
			continue;
		}
		if (k + 1 >= n)
			return OL_MORE;
		c = (unsigned char)p[k + 1];
		if (c == 'u') {
			for (h = 0; h < 4; h++) {
				if (k + 2 + h >= n)
					return OL_MORE;
				if (!ol_hex(p[k + 2 + h])) {
					*i = k + 2 + h;
					return OL_BAD;
				}
			}
			k += 6;
			continue;
		}
		if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
			*i = k + 1;
			return OL_BAD;
		}
		k += 2;
	}
	return OL_MORE;
}

/* A number by JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 * Input that ends in one could still get more digits. */
static enum ol_scan ol_number(const char *p, size_t n, size_t *i)
{
	size_t k = *i, d;

	if (k < n && p[k] == '-')
		k++;
	if (k >= n)
		return OL_MORE;
	if (p[k] == '0')
		k++;
	else if (p[k] >= '1' && p[k] <= '9')
		while (k < n && p[k] >= '0' && p[k] <= '9')
			k++;
	else
		goto bad;
	if (k < n && p[k] == '.') {
		for (d = ++k; k < n && p[k] >= '0' && p[k] <= '9'; k++)
			;
		if (k >= n)
			return OL_MORE;
		if (k == d)
			goto bad;
	}
	if (k < n && (p[k] == 'e' || p[k] == 'E')) {
		k++;
		if (k < n && (p[k] == '+' || p[k] == '-'))
			k++;
		for (d = k; k < n && p[k] >= '0' && p[k] <= '9'; k++)
			;
		if (k >= n)
			return OL_MORE;
		if (k == d)
			goto bad;
	}
	if (k >= n)
		return OL_MORE;
	*i = k;
	return OL_DONE;
bad:
	*i = k;
	return OL_BAD;
}

static enum ol_scan ol_literal(const char *p, size_t n, size_t *i)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t w, k;

	for (w = 0; w < sizeof words / sizeof words[0]; w++)
		if (p[*i] == words[w][0])
			break;
	if (w == sizeof words / sizeof words[0])
		return OL_BAD;
	for (k = 0; words[w][k] != '\0'; k++) {
		if (*i + k >= n)
			return OL_MORE;
		if (p[*i + k] != words[w][k]) {
			*i += k;
			return OL_BAD;
		}
	}
	*i += k;
	return OL_DONE;
}

enum ol_scan ol_scan_value(const char *p, size_t n, size_t *end)
{
	char stack[OL_DEPTH];
	size_t depth = 0, i = 0;
	enum ol_want want = W_VALUE;
	enum ol_scan r;

	*end = 0;
	while (i < n) {
		char c = p[i];

		if (ol_space(c)) {
			i++;
			continue;
		}
		switch (want) {
		case W_VALUE:
		case W_VALUE_OR_CLOSE:
			if (c == ']' && want == W_VALUE_OR_CLOSE) {
				depth--;
				i++;
				break;
			}
			if (c == '{' || c == '[') {
				if (depth == OL_DEPTH) {
					*end = i;
					return OL_BAD;
				}
				stack[depth++] = c;
				want = c == '{' ? W_KEY_OR_CLOSE : W_VALUE_OR_CLOSE;
				i++;
				continue;
			}
			if (c == '"')
				r = ol_string(p, n, &i);
			else if (c == '-' || (c >= '0' && c <= '9'))
				r = ol_number(p, n, &i);
			else
				r = ol_literal(p, n, &i);
			if (r != OL_DONE) {
				*end = r == OL_MORE ? n : i;
				return r;
			}
			break;
		case W_KEY_OR_CLOSE:
		case W_KEY:
			if (c == '}' && want == W_KEY_OR_CLOSE) {
				depth--;
				i++;
				break;
			}
			if (c != '"') {
				*end = i;
				return OL_BAD;
			}
			r = ol_string(p, n, &i);
			if (r != OL_DONE) {
				*end = r == OL_MORE ? n : i;
				return r;
			}
			want = W_COLON;
			continue;
		case W_COLON:
			if (c != ':') {
				*end = i;
				return OL_BAD;
			}
			want = W_VALUE;
			i++;
			continue;
		case W_NEXT:
			if (c == ',') {
				want = stack[depth - 1] == '{' ? W_KEY : W_VALUE;
				i++;
				continue;
			}
			if (c != (stack[depth - 1] == '{' ? '}' : ']')) {
				*end = i;
				return OL_BAD;
			}
			depth--;
			i++;
			break;
		}
		/* A value (a scalar, or a container just closed) is complete. */
		if (depth == 0) {
			*end = i;
			return OL_DONE;
		}
		want = W_NEXT;
	}
	*end = n;
	return OL_MORE;
}
