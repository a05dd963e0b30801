/* jspan: where a member's value lies in the bytes of a JSON text already parsed, so a digest can be taken of the bytes as stored. */
#include "jspan.h"

#include <string.h>

static size_t jspan_space(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* The index just past the string whose opening quote is at s[i], or len. */
static size_t jspan_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/* The index just past the value that starts at s[i], or len when it does
 * not end inside the text. */
static size_t jspan_value(const char *s, size_t len, size_t i)
{
	size_t depth = 0;

	if (i >= len)
		return len;
	if (s[i] != '{' && s[i] != '[' && s[i] != '"') {
		while (i < len && strchr(",}] \t\n\r", s[i]) == NULL)
			i++;
		return i;
	}
	while (i < len) {
		char c = s[i];

		if (c == '"') {
			i = jspan_string(s, len, i);
			if (depth == 0)
				return i;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return len;
}

int jspan_member(const char *text, size_t len, const char *key, const char **val, size_t *vlen)
{
	size_t klen = strlen(key), i = jspan_space(text, len, 0);

	if (i >= len || text[i] != '{')
		return -1;
	for (i = jspan_space(text, len, i + 1); i < len && text[i] == '"';) {
		size_t k = i + 1, kend = jspan_string(text, len, i), v;

		if (kend >= len)
			return -1;
		i = jspan_space(text, len, kend);
		if (i >= len || text[i] != ':')
			return -1;
		v = jspan_space(text, len, i + 1);
		i = jspan_value(text, len, v);
		if (i >= len)
			return -1;
		if (kend - 1 - k == klen && memcmp(text + k, key, klen) == 0) {
			*val = text + v;
			*vlen = i - v;
			return 0;
		}
		i = jspan_space(text, len, i);
		if (i >= len || text[i] != ',')
			return -1;
		i = jspan_space(text, len, i + 1);
	}
	return -1;
}
