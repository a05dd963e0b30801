/* share: a store folder and files that the members of one Unix group share on one host. */
#ifndef STEWARD_SHARE_H
#define STEWARD_SHARE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"

struct store;

struct share_group {
	gid_t gid;
	char name[64];
};

/* Looks the group up by name (or number); refused when it does not exist. */
int share_group_lookup(const char *name, struct share_group *g, struct err *e);

/* Before the store is created: the folder that will hold path becomes
 * the group's, setgid and 2770, so every file made in it (the store, its
 * -wal and -shm, checkpoints) is the group's. A missing folder is made so;
 * an existing one is changed when this account owns it, and accepted as
 * it is when it is already the group's, setgid and group-writable. */
int share_prepare_dir(const char *path, const struct share_group *g, struct err *e);

/* After init: the store file and its -wal and -shm belong to the group,
 * mode 0660; the log key stays 0600 for the account that signs
 * checkpoints, or with logkey_group is 0640 so any member signs them.
 * Records the group in the store's meta table. */
int share_apply(struct store *st, const struct share_group *g, int logkey_group, struct err *e);

/* The group a store is shared with ("" when it is one account's): the
 * meta row written by share_apply. Returns 1 when shared, 0 when not. */
int share_store_group(struct store *st, char *name, size_t n);

/* Whether a log key file with these stat bits may be used: 0600, or 0640
 * owned by the store's recorded group. Fills e and returns -1 when not. */
int share_logkey_mode_ok(struct store *st, const char *path, const struct stat *sb, struct err *e);

/* The mode for files any member must read (the witness): 0640 when the
 * store is shared with a group, else 0600. */
mode_t share_read_mode(struct store *st);

/* The login of the account running this process ("uid:N" without one),
 * which the ledger records beside the signing key. */
const char *share_account(void);

#endif
