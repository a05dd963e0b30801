/* lex: the line tokenizer the policy and playbook languages share: words, strings, operators, located FILE:LINE:COL errors. */
#ifndef STEWARD_LEX_H
#define STEWARD_LEX_H

#include <stddef.h>

#include "err.h"

enum lex_type { LEX_END, LEX_WORD, LEX_STRING, LEX_OP, LEX_ARROW, LEX_COLON, LEX_COMMA, LEX_BAD };

/* Where the two languages differ, as bits of struct lexer's opts. */
enum lex_opt {
	/* "->" is one token (policy transitions); otherwise '-' starts a word. */
	LEX_OPT_ARROW = 1u << 0,
	/* '=' and '!=' are operators and '=' ends a word (playbook label
	 * matchers NAME=VALUE); otherwise '=' belongs in words (slices region=EU). */
	LEX_OPT_MATCH = 1u << 1,
	/* Strings take \" and \\ and a bad string is reported where it goes
	 * wrong (a tab, an unknown escape, the end of the line); otherwise a
	 * string is its bytes up to the next '"'. */
	LEX_OPT_ESCAPES = 1u << 2,
	/* An unexpected character is shown whole, not only its first byte. */
	LEX_OPT_WHOLE_CHARS = 1u << 3,
};

struct lex_token {
	enum lex_type type;
	char text[1024];    /* a word, an operator, or a string's text with escapes undone */
	int col;            /* where the token starts; for a bad string, where it went wrong */
	int too_long;       /* longer than text holds */
	const char *raw;    /* a string: its opening quote in the line */
	size_t rawlen;      /* a string: bytes from the opening to the closing quote */
	char why[120];      /* a bad token: what was found, as the message says it */
	const char *expect; /* a bad token: what was expected instead of what the caller wanted */
};

struct lexer {
	const char *fname;
	int line;                    /* of this line, from 1; the number of lines read */
	const char *p, *end, *start; /* this line: the next byte, its end, its first byte */
	const char *next, *last;     /* the lines not read yet */
	unsigned opts;               /* LEX_OPT_* */
	struct err *e;
};

void lex_init(struct lexer *lx, const char *text, size_t len, const char *fname, unsigned opts, struct err *e);
/* Moves to the next line with a token (blank and comment-only lines are
 * passed over; "\r\n" ends a line as "\n" does) and reads that first
 * token into t: 0 at the end of the text. */
int lex_statement(struct lexer *lx, struct lex_token *t);
void lex_next(struct lexer *lx, struct lex_token *t);
/* "FILE:LINE:COL: found T, expected EXPECTED" into lx->e; returns -1. A
 * bad token that says what it expected overrides the caller's word. */
int lex_fail(struct lexer *lx, const struct lex_token *t, const char *expected);
/* Each reads one token and fails with a message naming what was expected. */
int lex_word(struct lexer *lx, const char *expected, char *out, size_t n);
int lex_keyword(struct lexer *lx, const char *kw);
int lex_eol(struct lexer *lx);
/* A token of this type: a colon, an arrow. */
int lex_expect(struct lexer *lx, enum lex_type type, const char *expected);
/* A comparison among allowed ("<= <"), its text into op. */
int lex_op(struct lexer *lx, const char *allowed, char op[3]);
/* A finite decimal number starting with a digit, '-' or '.'. */
int lex_number(struct lexer *lx, const char *expected, double *v);

#endif
