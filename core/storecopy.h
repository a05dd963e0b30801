/* storecopy: `steward store copy`: an estate, ledger and all, from one store to another (SQLite or PostgreSQL either way) in one transaction on the destination. */
#ifndef STEWARD_STORECOPY_H
#define STEWARD_STORECOPY_H

#include <stdint.h>

#include "err.h"
#include "progress.h"

/* What became of a file kept beside the source (its log key, its witness). */
enum storecopy_file {
	STORECOPY_NONE,   /* the source has none on this host: nothing to copy */
	STORECOPY_COPIED, /* copied beside the destination, with the source's mode */
	STORECOPY_SAME,   /* the destination already had the very same file */
};

struct storecopy_result {
	int tables;
	int64_t rows;        /* in every table */
	int64_t entries;     /* ledger entries */
	int64_t checkpoints; /* signed checkpoints; the newest covers `covered` entries */
	int64_t covered;
	char root[65];       /* the ledger's Merkle root over every entry, hex; "" when empty */
	char from[4200], to[4200]; /* labels: a URI's password is never here */
	enum storecopy_file logkey, witness;
	char logkey_path[4200], witness_path[4200]; /* beside the destination, when copied */
};

/* Copies the estate at from (a store file or a postgresql:// URI, opened
 * read-only and at this build's schema version) into to, which must be a
 * new file, an empty file, or a database without rows (its schema is
 * made first when missing, which on PostgreSQL needs the owner role).
 * Every table, in an order its foreign keys allow, row by row; then the
 * destination's ledger is verified and its root compared with the
 * source's before one commit. A new file is written beside to and renamed
 * at the end, so a failure or a kill leaves no store at to. The log key
 * and witness kept beside the source come along (see the man page). pr,
 * when not NULL, hears rows copied of all the rows, as "copying TABLE". 0 with r filled, or -1 with e naming
 * --from or --to and what was wrong; nothing is left written then. */
int storecopy_run(const char *from, const char *to, const struct progress *pr, struct storecopy_result *r,
		  struct err *e);

#endif
