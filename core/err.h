/* err: the error value every core call fills in, so callers can show why something failed. */
#ifndef STEWARD_ERR_H
#define STEWARD_ERR_H

#include <stddef.h>

/* Kinds let the CLI map failures to exit codes without parsing messages. */
enum err_kind {
	ERR_OK = 0,
	ERR_INVALID,   /* input refused: bad name, digest, tier, ... */
	ERR_NOTFOUND,  /* a named thing does not exist */
	ERR_EXISTS,    /* a named thing already exists */
	ERR_STORE,     /* the store failed or is unusable */
	ERR_IO,        /* a file could not be read or written */
	ERR_DENIED,    /* refused by policy, role or signature */
};

struct err {
	enum err_kind kind;
	char msg[512];
};

/* Sets kind and message; always returns -1 so callers can `return err_set(...)`. */
int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes the existing message with context ("loading card.md: ..."). */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void err_clear(struct err *e);
/* The same for checks that write their reason into a caller's buffer
 * (why, n bytes) rather than a struct err: always -1. */
int err_why(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* clang's static analyser (make analyze) sees one file at a time and cannot
 * know that these always return -1, so it would follow `return err_set(...)`
 * as a success with its outputs unset; under the analyser only, say so. */
#if defined(__clang_analyzer__) && !defined(STEWARD_ERR_IMPL)
#define err_set(...) (err_set(__VA_ARGS__), -1)
#define err_prefix(...) (err_prefix(__VA_ARGS__), -1)
#define err_why(...) (err_why(__VA_ARGS__), -1)
#endif

#endif
