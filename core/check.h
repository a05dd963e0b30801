/* check: validation of names, free text, digests and other user input, with messages naming the field; escaping text for terminals. */
#ifndef STEWARD_CHECK_H
#define STEWARD_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CHECK_NAME_MAX 100   /* model, dataset, metric and slice names */
#define CHECK_ALIAS_MAX 64
#define CHECK_TEXT_MAX 4096  /* owner, author, description, comment */
#define CHECK_URI_MAX 2048

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
int check_utf8(const char *s, size_t n);
/* Decodes the character at s (n bytes left): its length in bytes, or 0
 * when the bytes there are not well-formed UTF-8; *cp gets the code point. */
size_t check_utf8_char(const char *s, size_t n, uint32_t *cp);

/* Characters that must never reach a terminal raw: C0 controls and DEL,
 * C1 controls (U+0080-U+009F), and the bidirectional controls that
 * reorder the text after them (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069), with which a comment could draw a fake table. */
int check_is_control(uint32_t cp);
int check_is_bidi(uint32_t cp);
/* Offset of the first such character in s[0..n) (tab and newline are
 * fine when multiline), n when there is none; *cp gets it. */
size_t check_control(const char *s, size_t n, int multiline, uint32_t *cp);
/* Text for a terminal, whatever the store holds: each control character
 * (check_is_control) and each byte that is not UTF-8 written as \xNN
 * (below U+0080, and bad bytes) or \uNNNN; newlines and tabs kept when
 * multiline. A malloc'd string, NULL without memory. */
char *check_escape(const char *s, int multiline);
/* 1 when check_escape would change s. */
int check_needs_escape(const char *s, int multiline);

/* Writes a printable excerpt of s (at most 40 bytes, others as \xNN) for
 * messages, so hostile input cannot garble the terminal. */
void check_excerpt(const char *s, char *buf, size_t n);

/* A name: [A-Za-z0-9][A-Za-z0-9._-]*, at most max bytes. `what` names
 * the field in the message ("model name"). */
int check_name(const char *what, const char *s, size_t max, struct err *e);
/* One line of printable text without leading or trailing space (dataset names). */
int check_label(const char *what, const char *s, size_t max, struct err *e);
/* A registered model's name: a label without '/' or ':' (spaces and dots allowed, as in MLflow). */
int check_model_name(const char *s, struct err *e);
/* A metric slice: like a name but '=' ',' ':' '/' and '+' are allowed
 * too ("region=EU", "age:18-25"). */
int check_slice(const char *what, const char *s, struct err *e);
/* An alias: [a-z][a-z0-9_-]*, at most CHECK_ALIAS_MAX bytes. */
int check_alias(const char *s, struct err *e);
/* Free text: valid UTF-8, at most max bytes, no control character of
 * check_is_control (tab and newline allowed when multiline); the message
 * names the field and the code point. Empty allowed only if allow_empty. */
int check_text(const char *what, const char *s, size_t max, int multiline,
	       int allow_empty, struct err *e);
/* An artifact digest: "sha256:" followed by 64 lowercase hex digits. */
int check_digest(const char *s, struct err *e);
/* An artifact URI: scheme ":" then printable ASCII, at most CHECK_URI_MAX. */
int check_uri(const char *s, struct err *e);

/* RFC 3339 UTC, "2026-01-01T00:00:00Z": the one time format of ledger
 * entries, statements and evidence. */
void check_time_text(int64_t t, char *buf, size_t n);
/* An age or a duration in two units at most: "45s", "12m", "3h05m", "2d04h" (0 for negatives). */
void check_duration_text(int64_t s, char *buf, size_t n);
/* Parses exactly that form; -1 for anything else. */
int64_t check_time_parse(const char *s);

/* A list filter typed in the console, as the paged views search with it. */
#define CHECK_FILTER_MAX 128
/* The LIKE pattern matching filter anywhere, its %, _ and \ escaped (for
 * ESCAPE '\'); out holds 2 * CHECK_FILTER_MAX + 3 bytes. -1 when the
 * filter is longer than CHECK_FILTER_MAX. */
int check_like_pattern(const char *filter, char out[2 * CHECK_FILTER_MAX + 3], struct err *e);
/* "123" (prefix 0), or "#123", "v3" with that prefix character: the
 * number, or 0 for anything else. */
int64_t check_filter_number(const char *s, int prefix);

#endif
