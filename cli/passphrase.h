/* passphrase: where a command's passphrase comes from (a 0600 file, STEWARD_PASSPHRASE, or a no-echo terminal prompt), held in wiped memory. */
#ifndef STEWARD_PASSPHRASE_H
#define STEWARD_PASSPHRASE_H

#include <stddef.h>

#include "err.h"

/* Longest passphrase accepted from any source, in bytes. */
#define PASSPHRASE_MAX 1024

enum passphrase_use {
	PASSPHRASE_UNLOCK = 0, /* opening an existing key: asked once */
	PASSPHRASE_CREATE = 1, /* sealing a new key: a prompt asks twice and compares */
};

/* A passphrase in sodium_malloc'd memory (guard pages, no swap where the
 * OS allows), NUL-terminated; len excludes the NUL. */
struct passphrase {
	char *buf;
	size_t len;
};

/* Obtains a passphrase, trying in order: file (when not NULL; its first
 * line, refused when group or others have any access to it, or when it
 * is empty), the environment variable STEWARD_PASSPHRASE, and a prompt
 * on /dev/tty with echo off when standard input is a terminal. prompt is
 * written to the terminal ("Passphrase for alice: "). Returns 0 with out
 * filled, or -1 with e naming the problem; out holds nothing then. */
int passphrase_get(const char *file, enum passphrase_use use, const char *prompt,
		   struct passphrase *out, struct err *e);

/* Wipes and releases the passphrase; safe on an empty one. */
void passphrase_free(struct passphrase *p);

#endif
