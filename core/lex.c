/* lex: the line tokenizer the policy and playbook languages share: words, strings, operators, located FILE:LINE:COL errors. */
#include "lex.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

void lex_init(struct lexer *lx, const char *text, size_t len, const char *fname, unsigned opts, struct err *e)
{
	memset(lx, 0, sizeof *lx);
	lx->fname = fname;
	lx->next = text;
	lx->last = text + len;
	lx->opts = opts;
	lx->e = e;
}

static int lex_line(struct lexer *lx)
{
	const char *nl;

	if (lx->next >= lx->last)
		return 0;
	nl = memchr(lx->next, '\n', (size_t)(lx->last - lx->next));
	lx->line++;
	lx->start = lx->p = lx->next;
	lx->end = nl != NULL ? nl : lx->last;
	if (lx->end > lx->start && lx->end[-1] == '\r')
		lx->end--;
	lx->next = nl != NULL ? nl + 1 : lx->last;
	return 1;
}

int lex_statement(struct lexer *lx, struct lex_token *t)
{
	while (lex_line(lx)) {
		lex_next(lx, t);
		if (t->type != LEX_END)
			return 1;
	}
	return 0;
}

static int lex_word_char(const struct lexer *lx, int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-' || c == '/' || c == '+' || c == '*' || (c == '=' && !(lx->opts & LEX_OPT_MATCH));
}

/* Appends c to the text (kept terminated), or marks it too long. */
static void lex_put(struct lex_token *t, size_t *n, char c)
{
	if (*n + 1 < sizeof t->text) {
		t->text[(*n)++] = c;
		t->text[*n] = '\0';
	} else {
		t->too_long = 1;
	}
}

/* A bad string: the column and both halves of the message are where and
 * what went wrong, not the caller's. */
static void lex_bad_string(struct lexer *lx, struct lex_token *t, const char *at, const char *expect)
{
	t->type = LEX_BAD;
	t->col = (int)(at - lx->start) + 1;
	t->expect = expect;
}

static void lex_string(struct lexer *lx, struct lex_token *t)
{
	size_t n = 0;
	int escapes = (lx->opts & LEX_OPT_ESCAPES) != 0;

	t->type = LEX_STRING;
	t->raw = lx->p;
	lx->p++;
	while (lx->p < lx->end && *lx->p != '"') {
		char c = *lx->p;

		if (escapes && c == '\\') {
			if (lx->p + 1 >= lx->end || (lx->p[1] != '"' && lx->p[1] != '\\')) {
				lex_bad_string(lx, t, lx->p, "\\\" or \\\\ after a backslash (the only escapes)");
				if (lx->p + 1 < lx->end && lx->p[1] > 0x20 && lx->p[1] < 0x7f)
					snprintf(t->why, sizeof t->why, "'\\%c' in a string", lx->p[1]);
				else
					snprintf(t->why, sizeof t->why, "a backslash in a string");
				lx->p = lx->end;
				return;
			}
			c = lx->p[1];
			lx->p++;
		} else if (escapes && c == '\t') {
			/* The playbook's pre-pass let tabs through as blanks; inside a text they are control characters. */
			lex_bad_string(lx, t, lx->p, "text without control characters (spaces instead of tabs)");
			snprintf(t->why, sizeof t->why, "a tab in a string");
			lx->p = lx->end;
			return;
		} else if (!escapes && (unsigned char)c < 0x20) {
			/* Shown as the text before it, the control byte skipped. */
			t->type = LEX_BAD;
			break;
		}
		lex_put(t, &n, c);
		lx->p++;
	}
	if (lx->p >= lx->end) {
		if (escapes) {
			lex_bad_string(lx, t, lx->end, "'\"' to close the string (strings end on their line)");
			snprintf(t->why, sizeof t->why, "the end of the line inside a string");
		} else {
			t->type = LEX_BAD;
			snprintf(t->why, sizeof t->why, "an unterminated string");
		}
		return;
	}
	lx->p++;
	t->rawlen = (size_t)(lx->p - t->raw);
}

void lex_next(struct lexer *lx, struct lex_token *t)
{
	size_t n = 0;

	memset(t, 0, sizeof *t);
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
		lx->p++;
	t->col = (int)(lx->p - lx->start) + 1;
	if (lx->p >= lx->end || *lx->p == '#') {
		t->type = LEX_END;
		return;
	}
	if ((lx->opts & LEX_OPT_ARROW) && lx->end - lx->p >= 2 && lx->p[0] == '-' && lx->p[1] == '>') {
		t->type = LEX_ARROW;
		snprintf(t->text, sizeof t->text, "->");
		lx->p += 2;
		return;
	}
	if (*lx->p == '>' || *lx->p == '<' || *lx->p == '=' || (*lx->p == '!' && (lx->opts & LEX_OPT_MATCH))) {
		t->type = LEX_OP;
		t->text[n++] = *lx->p++;
		if (lx->p < lx->end && *lx->p == '=')
			t->text[n++] = *lx->p++;
		t->text[n] = '\0';
		/* A lone '=' is an operator only where label matchers take it. */
		if (strcmp(t->text, "!") == 0 || (strcmp(t->text, "=") == 0 && !(lx->opts & LEX_OPT_MATCH)))
			t->type = LEX_BAD;
		return;
	}
	/* A ',' where no list takes it reads as any stray character would: 'X'. */
	if (*lx->p == ':' || *lx->p == ',') {
		t->type = *lx->p == ':' ? LEX_COLON : LEX_COMMA;
		t->text[0] = *lx->p++;
		return;
	}
	if (*lx->p == '"') {
		lex_string(lx, t);
		return;
	}
	if (lex_word_char(lx, (unsigned char)*lx->p)) {
		t->type = LEX_WORD;
		while (lx->p < lx->end && lex_word_char(lx, (unsigned char)*lx->p))
			lex_put(t, &n, *lx->p++);
		return;
	}
	t->type = LEX_BAD;
	/* The byte, or all of its UTF-8 sequence; lex_show escapes what is not printable. */
	{
		uint32_t cp;
		size_t k = 1;

		if (lx->opts & LEX_OPT_WHOLE_CHARS) {
			k = check_utf8_char(lx->p, (size_t)(lx->end - lx->p), &cp);
			if (k == 0)
				k = 1;
		}
		memcpy(t->text, lx->p, k);
		t->text[k] = '\0';
		lx->p += k;
	}
}

static const char *lex_show(const struct lex_token *t, char *buf, size_t n)
{
	char ex[64];

	switch (t->type) {
	case LEX_END:
		snprintf(buf, n, "the end of the line");
		break;
	case LEX_STRING:
		check_excerpt(t->text, ex, sizeof ex);
		snprintf(buf, n, "\"%s\"", ex);
		break;
	case LEX_BAD:
		if (t->why[0] != '\0') {
			snprintf(buf, n, "%s", t->why);
			break;
		}
		/* fall through */
	default:
		check_excerpt(t->text, ex, sizeof ex);
		snprintf(buf, n, "'%s'", ex);
	}
	return buf;
}

int lex_fail(struct lexer *lx, const struct lex_token *t, const char *expected)
{
	char found[160];

	if (t->type == LEX_BAD && t->expect != NULL)
		expected = t->expect;
	return err_set(lx->e, ERR_INVALID, "%s:%d:%d: found %s, expected %s", lx->fname, lx->line, t->col,
		       lex_show(t, found, sizeof found), expected);
}

int lex_word(struct lexer *lx, const char *expected, char *out, size_t n)
{
	struct lex_token t;

	lex_next(lx, &t);
	if (t.type != LEX_WORD || t.too_long || strlen(t.text) >= n)
		return lex_fail(lx, &t, expected);
	snprintf(out, n, "%s", t.text);
	return 0;
}

int lex_keyword(struct lexer *lx, const char *kw)
{
	char want[64];
	struct lex_token t;

	lex_next(lx, &t);
	if (t.type == LEX_WORD && strcmp(t.text, kw) == 0)
		return 0;
	snprintf(want, sizeof want, "'%s'", kw);
	return lex_fail(lx, &t, want);
}

int lex_eol(struct lexer *lx)
{
	struct lex_token t;

	lex_next(lx, &t);
	return t.type == LEX_END ? 0 : lex_fail(lx, &t, "the end of the line");
}

int lex_expect(struct lexer *lx, enum lex_type type, const char *expected)
{
	struct lex_token t;

	lex_next(lx, &t);
	return t.type == type ? 0 : lex_fail(lx, &t, expected);
}

int lex_op(struct lexer *lx, const char *allowed, char op[3])
{
	struct lex_token t;
	char want[80], list[32];
	char *w, *save = NULL;

	lex_next(lx, &t);
	snprintf(want, sizeof want, "a comparison (%s)", allowed);
	if (t.type != LEX_OP)
		return lex_fail(lx, &t, want);
	snprintf(list, sizeof list, "%s", allowed);
	for (w = strtok_r(list, " ,", &save); w != NULL; w = strtok_r(NULL, " ,", &save))
		if (strcmp(w, t.text) == 0) {
			snprintf(op, 3, "%.2s", t.text);
			return 0;
		}
	return lex_fail(lx, &t, want);
}

int lex_number(struct lexer *lx, const char *expected, double *v)
{
	struct lex_token t;
	char *end;

	lex_next(lx, &t);
	if (t.type != LEX_WORD || t.too_long)
		return lex_fail(lx, &t, expected);
	errno = 0;
	*v = strtod(t.text, &end);
	if (end == t.text || *end != '\0' || errno != 0 || !isfinite(*v) ||
	    !((t.text[0] >= '0' && t.text[0] <= '9') || t.text[0] == '-' || t.text[0] == '.'))
		return lex_fail(lx, &t, expected);
	return 0;
}
