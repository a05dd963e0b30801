/* card: parsing Markdown model cards into named sections. */
#include "card.h"

#include <search.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"

const char *const card_required_sections[] = {
	"Intended use",
	"Training data",
	"Evaluation",
	"Limitations",
	"Ethical considerations",
	NULL,
};

void card_free(struct card *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->s[i].title);
		free(c->s[i].body);
	}
	free(c->s);
	c->s = NULL;
	c->n = 0;
}

const struct card_section *card_find(const struct card *c, const char *title)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcasecmp(c->s[i].title, title) == 0)
			return &c->s[i];
	return NULL;
}

static char *card_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int card_add(struct card *c, const char *title, const char *body, struct err *e)
{
	struct card_section *ns;

	/* The array doubles whenever n reaches a power of two, so a card of
	 * 40,000 sections is 17 reallocations, not 40,000. */
	if (c->n == 0 || (c->n & (c->n - 1)) == 0) {
		if (c->n > SIZE_MAX / 2 / sizeof *ns)
			return err_set(e, ERR_IO, "out of memory");
		ns = realloc(c->s, (c->n == 0 ? 1 : 2 * c->n) * sizeof *ns);
		if (ns == NULL)
			return err_set(e, ERR_IO, "out of memory");
		c->s = ns;
	}
	ns = c->s;
	ns[c->n].title = strdup(title);
	ns[c->n].body = strdup(body);
	if (ns[c->n].title == NULL || ns[c->n].body == NULL) {
		free(ns[c->n].title);
		free(ns[c->n].body);
		return err_set(e, ERR_IO, "out of memory");
	}
	c->n++;
	return 0;
}

static int card_title_cmp(const void *a, const void *b)
{
	return strcasecmp(a, b);
}

/* Empties the tree of titles seen; the titles themselves belong to the card. */
static void card_seen_free(void **seen)
{
	while (*seen != NULL)
		tdelete(*(void **)*seen, seen, card_title_cmp);
}

/* Trims blank lines at both ends of a body, adds it as a section, and
 * files its title in seen: a tree, so that duplicate headings are found
 * in O(log n) each rather than by scanning every earlier section. */
static int card_flush(struct card *c, void **seen, const char *title, const char *body, size_t len,
		      struct err *e)
{
	char *b;
	int r;

	while (len > 0 && (body[0] == '\n' || body[0] == ' ' || body[0] == '\t')) {
		const char *nl = memchr(body, '\n', len);
		size_t k;

		if (nl == NULL)
			break;
		for (k = 0; body + k < nl && (body[k] == ' ' || body[k] == '\t'); k++)
			;
		if (body + k != nl)
			break;
		len -= (size_t)(nl - body) + 1;
		body = nl + 1;
	}
	while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == ' ' || body[len - 1] == '\t'))
		len--;
	b = card_strndup(body, len);
	if (b == NULL)
		return err_set(e, ERR_IO, "out of memory");
	r = card_add(c, title, b, e);
	free(b);
	if (r == 0 && tsearch(c->s[c->n - 1].title, seen, card_title_cmp) == NULL)
		return err_set(e, ERR_IO, "out of memory");
	return r;
}

int card_parse(const char *text, size_t len, const char *fname, struct card *out, struct err *e)
{
	char *buf = NULL, title[CARD_TITLE_MAX + 1] = "Summary";
	void *seen = NULL;
	size_t blen = 0, line = 0, pos = 0;
	int in_fence = 0, have_section = 0;

	out->s = NULL;
	out->n = 0;
	if (len > CARD_MAX_BYTES)
		return err_set(e, ERR_INVALID, "%s: card is %zu bytes; at most %d", fname, len,
			       CARD_MAX_BYTES);
	if (memchr(text, '\0', len) != NULL)
		return err_set(e, ERR_INVALID, "%s: card contains a NUL byte (not a text file)",
			       fname);
	buf = malloc(len + 1);
	if (buf == NULL)
		return err_set(e, ERR_IO, "out of memory");

	while (pos < len) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos, at;
		uint32_t cp;

		pos += ll + (nl ? 1 : 0);
		line++;
		if (ll > 0 && l[ll - 1] == '\r')
			ll--;
		if (!check_utf8(l, ll)) {
			err_set(e, ERR_INVALID, "%s:%zu: not valid UTF-8", fname, line);
			goto fail;
		}
		at = check_control(l, ll, 1, &cp); /* a line: tabs are fine, no newline in it */
		if (at < ll) {
			err_set(e, ERR_INVALID, "%s:%zu:%zu: %s U+%04X", fname, line, at + 1,
				check_is_bidi(cp) ? "bidirectional control" : "control character",
				(unsigned)cp);
			goto fail;
		}
		/* "## " inside a fenced code block is an example, not a heading. */
		if (ll >= 3 && strncmp(l, "```", 3) == 0)
			in_fence = !in_fence;
		if (!in_fence && ll >= 2 && l[0] == '#' && l[1] == '#' && (ll == 2 || l[2] == ' ' || l[2] == '\t')) {
			size_t a = 2, b = ll;

			while (a < b && (l[a] == ' ' || l[a] == '\t'))
				a++;
			while (b > a && (l[b - 1] == ' ' || l[b - 1] == '\t' || l[b - 1] == '#'))
				b--;
			if (have_section || blen > 0) {
				if (card_flush(out, &seen, title, buf, blen, e) != 0) {
					err_prefix(e, "%s:%zu", fname, line);
					goto fail;
				}
			}
			if (a == b) {
				err_set(e, ERR_INVALID, "%s:%zu: empty section heading", fname, line);
				goto fail;
			}
			if (b - a > CARD_TITLE_MAX) {
				err_set(e, ERR_INVALID, "%s:%zu: section heading is %zu bytes; at most %d",
					fname, line, b - a, CARD_TITLE_MAX);
				goto fail;
			}
			memcpy(title, l + a, b - a);
			title[b - a] = '\0';
			if (tfind(title, &seen, card_title_cmp) != NULL) {
				err_set(e, ERR_INVALID, "%s:%zu: duplicate section \"%s\"", fname, line,
					title);
				goto fail;
			}
			have_section = 1;
			blen = 0;
			continue;
		}
		/* The document title before the first section is not content. */
		if (!have_section && ll >= 2 && l[0] == '#' && l[1] == ' ')
			continue;
		if (!have_section && blen == 0 && ll == 0)
			continue;
		memcpy(buf + blen, l, ll);
		blen += ll;
		buf[blen++] = '\n';
	}
	if (in_fence) {
		err_set(e, ERR_INVALID, "%s:%zu: code block opened with ``` is never closed", fname,
			line);
		goto fail;
	}
	if (have_section || blen > 0) {
		if (card_flush(out, &seen, title, buf, blen, e) != 0) {
			err_prefix(e, "%s", fname);
			goto fail;
		}
	}
	free(buf);
	card_seen_free(&seen);
	if (out->n == 0)
		return err_set(e, ERR_INVALID, "%s: no sections (a card is '## Heading' blocks)",
			       fname);
	return 0;
fail:
	free(buf);
	card_seen_free(&seen);
	card_free(out);
	return -1;
}
