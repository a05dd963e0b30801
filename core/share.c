/* share: a store folder and files that the members of one Unix group share on one host. */
#include "share.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "store.h"

int share_group_lookup(const char *name, struct share_group *g, struct err *e)
{
	struct group *gr;
	char *end;
	long v;

	if (name == NULL || name[0] == '\0')
		return err_set(e, ERR_INVALID, "--group needs a Unix group name");
	errno = 0;
	gr = getgrnam(name);
	if (gr == NULL && name[0] >= '0' && name[0] <= '9') {
		v = strtol(name, &end, 10);
		if (*end == '\0' && v >= 0)
			gr = getgrgid((gid_t)v);
	}
	if (gr == NULL)
		return err_set(e, ERR_NOTFOUND, "no Unix group '%s' on this host (create it with groupadd %s)",
			       name, name);
	if (snprintf(g->name, sizeof g->name, "%s", gr->gr_name) >= (int)sizeof g->name)
		return err_set(e, ERR_INVALID, "Unix group name '%s' is too long", gr->gr_name);
	g->gid = gr->gr_gid;
	return 0;
}

static int share_dir_of(const char *path, char *dir, size_t n, struct err *e)
{
	char *slash;

	if (snprintf(dir, n, "%s", path) >= (int)n)
		return err_set(e, ERR_INVALID, "path %s is too long", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, n, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

/* Every folder above the store's folder must let the group's members
 * pass through; checked before that folder is made, so a refusal leaves
 * nothing behind. */
static int share_reachable(const char *dir, const struct share_group *g, struct err *e)
{
	char p[4096], up[4096], *slash;
	struct stat sb;

	if (share_dir_of(dir, up, sizeof up, e) != 0)
		return -1;
	if (realpath(up, p) == NULL)
		return err_set(e, ERR_IO, "cannot use folder %s: %s%s", up, strerror(errno),
			       errno == ENOENT ? " (create it first)" : "");
	for (;;) {
		if (stat(p, &sb) != 0)
			return err_set(e, ERR_IO, "cannot use folder %s: %s", p, strerror(errno));
		if (!(sb.st_mode & S_IXOTH) && !(sb.st_gid == g->gid && (sb.st_mode & S_IXGRP)))
			return err_set(e, ERR_DENIED,
				       "members of group %s cannot reach the store: folder %s is mode %04o"
				       " (chmod o+x %s, or put the store elsewhere)",
				       g->name, p, (unsigned)(sb.st_mode & 07777), p);
		slash = strrchr(p, '/');
		if (slash == NULL || slash == p)
			return 0;
		*slash = '\0';
	}
}

int share_prepare_dir(const char *path, const struct share_group *g, struct err *e)
{
	char dir[4096];
	struct stat sb;

	if (share_dir_of(path, dir, sizeof dir, e) != 0)
		return -1;
	/* Only the store's own folder is made: folders above it made 0700 by
	 * mkdir -p would lock the other members out. */
	if (share_reachable(dir, g, e) != 0)
		return -1;
	if (mkdir(dir, 02770) != 0 && errno != EEXIST)
		return err_set(e, ERR_IO, "cannot create folder %s: %s", dir, strerror(errno));
	if (stat(dir, &sb) != 0)
		return err_set(e, ERR_IO, "cannot use folder %s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, ERR_INVALID, "%s is %s, not a folder", dir, file_kind(sb.st_mode));
	if (sb.st_gid == g->gid && (sb.st_mode & S_ISGID) && (sb.st_mode & 070) == 070)
		return 0;
	if (sb.st_uid != geteuid())
		return err_set(e, ERR_DENIED,
			       "folder %s is not this account's and not shared with group %s (setgid, group rwx):"
			       " ask its owner to run chgrp %s %s && chmod 2770 %s",
			       dir, g->name, g->name, dir, dir);
	/* chown first: changing the group clears the setgid bit on some systems. */
	if (chown(dir, (uid_t)-1, g->gid) != 0)
		return err_set(e, ERR_DENIED, "cannot give folder %s to group %s: %s%s", dir, g->name,
			       strerror(errno), errno == EPERM ? " (this account must be a member of the group)" : "");
	if (chmod(dir, 02770) != 0)
		return err_set(e, ERR_IO, "cannot make folder %s setgid and group-writable: %s", dir,
			       strerror(errno));
	return 0;
}

/* One file of the store to the group with mode; a missing optional file is fine. */
static int share_file(const char *path, const struct share_group *g, mode_t mode, int optional, struct err *e)
{
	struct stat sb;

	if (lstat(path, &sb) != 0) {
		if (optional && errno == ENOENT)
			return 0;
		return err_set(e, ERR_IO, "cannot share %s: %s", path, strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
		return err_set(e, ERR_INVALID, "cannot share %s: it is %s, not a regular file", path,
			       file_kind(sb.st_mode));
	if (chown(path, (uid_t)-1, g->gid) != 0)
		return err_set(e, ERR_DENIED, "cannot give %s to group %s: %s", path, g->name, strerror(errno));
	if (chmod(path, mode) != 0)
		return err_set(e, ERR_IO, "cannot set the mode of %s: %s", path, strerror(errno));
	return 0;
}

int share_apply(struct store *st, const struct share_group *g, int logkey_group, struct err *e)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	const char *path = store_path(st);
	char p[4200];
	size_t i;

	for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		if (share_file(p, g, 0660, i > 0, e) != 0)
			return -1;
	}
	/* The log key: only its signer reads it, unless the group signs. */
	snprintf(p, sizeof p, "%s.logkey", path);
	if (share_file(p, g, logkey_group ? 0640 : 0600, 1, e) != 0)
		return -1;
	snprintf(p, sizeof p, "%s.witness", path);
	if (share_file(p, g, 0640, 1, e) != 0)
		return -1;
	return store_meta_set(st, "group", g->name, e);
}

int share_store_group(struct store *st, char *name, size_t n)
{
	struct err e;

	if (store_meta_get(st, "group", name, n, &e) == 1 && name[0] != '\0')
		return 1;
	if (n > 0)
		name[0] = '\0';
	return 0;
}

int share_logkey_mode_ok(struct store *st, const char *path, const struct stat *sb, struct err *e)
{
	char name[64];
	struct group *gr;

	if ((sb->st_mode & 077) == 0)
		return 0;
	/* Group-readable only, only for the group the store was shared with. */
	if ((sb->st_mode & 077) == 040 && share_store_group(st, name, sizeof name) &&
	    (gr = getgrnam(name)) != NULL && gr->gr_gid == sb->st_gid)
		return 0;
	return err_set(e, ERR_DENIED, "log key %s is readable by others; run chmod 600 %s", path, path);
}

mode_t share_read_mode(struct store *st)
{
	char name[64];

	return share_store_group(st, name, sizeof name) ? 0640 : 0600;
}

const char *share_account(void)
{
	static char account[64];
	struct passwd *pw;

	if (account[0] != '\0')
		return account;
	pw = getpwuid(geteuid());
	if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0' &&
	    snprintf(account, sizeof account, "%s", pw->pw_name) < (int)sizeof account)
		return account;
	snprintf(account, sizeof account, "uid:%lu", (unsigned long)geteuid());
	return account;
}
