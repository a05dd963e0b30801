/* card: model cards as named sections parsed from "## Heading" Markdown blocks. */
#ifndef STEWARD_CARD_H
#define STEWARD_CARD_H

#include <stddef.h>

#include "err.h"

#define CARD_MAX_BYTES (1024 * 1024)
#define CARD_TITLE_MAX 100

struct card_section {
	char *title;
	char *body; /* text under the heading, trailing blank lines removed */
};

struct card {
	struct card_section *s;
	size_t n;
};

/* Sections every card is expected to have; NULL-terminated. Missing ones
 * are shown as missing, and later policies can require them. */
extern const char *const card_required_sections[];

/* Parses Markdown: each "## Heading" starts a section; a "# Title" line
 * before the first section is skipped; other text before it becomes
 * "Summary". fname is used in messages ("card.md:12: duplicate section").
 * Refuses non-UTF-8, control characters (check_is_control; tab is fine),
 * empty or duplicate headings. */
int card_parse(const char *text, size_t len, const char *fname, struct card *out, struct err *e);
/* Appends a section (copies title and body) in amortised constant time.
 * It does not look for duplicates: card_parse refuses them, and the store
 * keeps one row per title. */
int card_add(struct card *c, const char *title, const char *body, struct err *e);
/* Finds a section by title, case-insensitively; NULL when missing. */
const struct card_section *card_find(const struct card *c, const char *title);
void card_free(struct card *c);

#endif
