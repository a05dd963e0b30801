/* cmd-key: `steward key gen|show`: creating passphrase-sealed Ed25519 key pairs and showing their public half. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "file.h"
#include "keys.h"
#include "passphrase.h"

#define CMD_KEY_PATH_MAX 4000 /* leaves room for ".pub" and the temporary suffix keys.c adds */

/* $XDG_CONFIG_HOME/steward/keys/NAME.key (XDG default: ~/.config),
 * creating the directories 0700. */
static int cmd_key_default_path(const char *name, char *buf, size_t n, struct err *e)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char dir[CMD_KEY_PATH_MAX];
	int w;

	if (xdg != NULL && xdg[0] == '/')
		w = snprintf(dir, sizeof dir, "%s/steward/keys", xdg);
	else if (home != NULL && home[0] == '/')
		w = snprintf(dir, sizeof dir, "%s/.config/steward/keys", home);
	else
		return err_set(e, ERR_INVALID,
			       "no place for keys: give --out FILE, or set XDG_CONFIG_HOME or HOME");
	if (w < 0 || (size_t)w >= sizeof dir)
		return err_set(e, ERR_INVALID, "key directory path is too long");
	if (file_mkdirs(dir, e) != 0)
		return -1;
	w = snprintf(buf, n, "%s/%s.key", dir, name);
	if (w < 0 || (size_t)w >= n)
		return err_set(e, ERR_INVALID, "key path is too long");
	return 0;
}

/* --out FILE: its directory must exist already; steward does not guess
 * where a secret belongs. */
static int cmd_key_check_dir(const char *path, struct err *e)
{
	char dir[CMD_KEY_PATH_MAX], q[160], qd[160];
	struct stat sb;
	char *slash;

	if (path[0] == '\0')
		return err_set(e, ERR_INVALID, "--out needs a file name");
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return err_set(e, ERR_INVALID, "key path %s is too long", cli_quote(path, q, sizeof q));
	if (dir[strlen(dir) - 1] == '/')
		return err_set(e, ERR_INVALID, "--out %s names a directory; give a file name",
			       cli_quote(path, q, sizeof q));
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return 0; /* the current directory */
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) != 0) {
		int saved = errno;

		if (saved == ENOENT)
			return err_set(e, ERR_NOTFOUND,
				       "cannot create key %s: directory %s does not exist",
				       cli_quote(path, q, sizeof q), cli_quote(dir, qd, sizeof qd));
		return err_set(e, ERR_IO, "cannot create key %s: directory %s: %s",
			       cli_quote(path, q, sizeof q), cli_quote(dir, qd, sizeof qd),
			       strerror(saved));
	}
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, ERR_INVALID, "cannot create key %s: %s is not a directory",
			       cli_quote(path, q, sizeof q), cli_quote(dir, qd, sizeof qd));
	return 0;
}

/* Refuses before the passphrase is asked for, so nobody types one for nothing. */
static int cmd_key_check_free(const char *path, const char *pubpath, struct err *e)
{
	char q[160];
	struct stat sb;

	if (lstat(path, &sb) == 0)
		return err_set(e, ERR_EXISTS, "%s already exists (keys are never overwritten)",
			       cli_quote(path, q, sizeof q));
	if (lstat(pubpath, &sb) == 0)
		return err_set(e, ERR_EXISTS, "%s already exists (keys are never overwritten)",
			       cli_quote(pubpath, q, sizeof q));
	return 0;
}

static void cmd_key_b64(const struct key_public *k, char *out, size_t n)
{
	sodium_bin2base64(out, n, k->pk, KEYS_PK_BYTES, sodium_base64_VARIANT_ORIGINAL);
}

int cli_key_create(struct cli_ctx *c, const char *name, const char *out, char *path, size_t n,
		   struct key_secret **loaded)
{
	char pubpath[CMD_KEY_PATH_MAX + 8], prompt[160];
	struct passphrase pass = { 0 };
	int w, rc;

	if (loaded != NULL)
		*loaded = NULL;
	if (check_name("key name", name, KEYS_NAME_MAX, &c->e) != 0)
		return CLI_FAIL;
	if (out != NULL) {
		if (cmd_key_check_dir(out, &c->e) != 0)
			return CLI_FAIL;
		w = snprintf(path, n, "%s", out);
		if (w < 0 || (size_t)w >= n || (size_t)w >= CMD_KEY_PATH_MAX)
			return err_set(&c->e, ERR_INVALID, "key path is too long");
	} else if (cmd_key_default_path(name, path, n, &c->e) != 0) {
		return CLI_FAIL;
	}
	w = snprintf(pubpath, sizeof pubpath, "%s.pub", path);
	if (w < 0 || (size_t)w >= sizeof pubpath)
		return err_set(&c->e, ERR_INVALID, "key path is too long");
	if (cmd_key_check_free(path, pubpath, &c->e) != 0)
		return CLI_FAIL;

	w = snprintf(prompt, sizeof prompt, "Passphrase for the new key %s: ", name);
	if (w < 0 || (size_t)w >= sizeof prompt)
		return err_set(&c->e, ERR_INVALID, "key name is too long");
	if (passphrase_get(c->pass_file, PASSPHRASE_CREATE, prompt, &pass, &c->e) != 0)
		return CLI_FAIL;
	rc = keys_generate_open(name, path, pass.buf, pass.len, loaded, &c->e);
	passphrase_free(&pass);
	return rc == 0 ? 0 : CLI_FAIL;
}

int cmd_key_gen(struct cli_ctx *c)
{
	const char *name = c->pos[0];
	char path[CMD_KEY_PATH_MAX], pubpath[CMD_KEY_PATH_MAX + 8];
	struct key_public pub;

	if (cli_key_create(c, name, cli_opt(c, "out"), path, sizeof path, NULL) != 0)
		return CLI_FAIL;
	snprintf(pubpath, sizeof pubpath, "%s.pub", path);
	if (keys_load_public(pubpath, &pub, &c->e) != 0)
		return CLI_FAIL;

	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "name", pub.name) ||
		    cli_json_str(o, "key_id", pub.id) || cli_json_str(o, "secret_key", path) ||
		    cli_json_str(o, "public_key", pubpath)) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("created key %s\n", pub.name);
	printf("  key id:     %s\n", pub.id);
	printf("  secret key: %s (mode 0600, sealed with the passphrase)\n", path);
	printf("  public key: %s\n", pubpath);
	return 0;
}

int cmd_key_show(struct cli_ctx *c)
{
	const char *file = c->pos[0];
	char pubpath[CMD_KEY_PATH_MAX + 8], name[KEYS_NAME_MAX + 1], q[160], q2[160];
	char b64[sodium_base64_ENCODED_LEN(KEYS_PK_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	const char *secret = NULL, *public = file;
	struct key_public pub;
	struct stat sb;
	unsigned mode;
	int kind, w;

	if (sodium_init() < 0)
		return err_set(&c->e, ERR_IO, "libsodium failed to initialise");
	kind = keys_file_kind(file, &c->e);
	if (kind < 0)
		return CLI_FAIL;
	if (kind == KEYS_KIND_SECRET) {
		/* The public key is sealed with the seed: without the passphrase it
		 * comes from the .pub written beside the secret key. */
		if (keys_inspect_secret(file, name, &mode, &c->e) != 0)
			return CLI_FAIL;
		w = snprintf(pubpath, sizeof pubpath, "%s.pub", file);
		if (w < 0 || (size_t)w >= sizeof pubpath)
			return err_set(&c->e, ERR_INVALID, "key path is too long");
		if (stat(pubpath, &sb) != 0) {
			int saved = errno;

			return err_set(&c->e, ERR_NOTFOUND,
				       "%s is the secret key of '%s'; its public half is in %s, which is "
				       "missing (%s), and the sealed file does not show it without the passphrase",
				       cli_quote(file, q, sizeof q), name, cli_quote(pubpath, q2, sizeof q2),
				       strerror(saved));
		}
		if (keys_load_public(pubpath, &pub, &c->e) != 0)
			return CLI_FAIL;
		if (strcmp(pub.name, name) != 0)
			return err_set(&c->e, ERR_INVALID,
				       "%s is for key '%s' but %s is the secret key of '%s': they are not a pair",
				       cli_quote(pubpath, q2, sizeof q2), pub.name,
				       cli_quote(file, q, sizeof q), name);
		if (mode & 077)
			fprintf(stderr, "steward: warning: secret key file %s has mode %04o; run chmod 600 %s\n",
				cli_quote(file, q, sizeof q), mode, q);
		secret = file;
		public = pubpath;
	} else if (keys_load_public(file, &pub, &c->e) != 0) {
		return CLI_FAIL;
	}
	cmd_key_b64(&pub, b64, sizeof b64);

	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "name", pub.name) ||
		    cli_json_str(o, "key_id", pub.id) || cli_json_str(o, "ed25519", b64) ||
		    cli_json_str(o, "public_key", public) ||
		    (secret != NULL ? cli_json_str(o, "secret_key", secret)
				    : json_object_set_new(o, "secret_key", json_null()))) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("name:       %s\n", pub.name);
	printf("key id:     %s\n", pub.id);
	printf("ed25519:    %s\n", b64);
	printf("public key: %s\n", public);
	if (secret != NULL)
		printf("secret key: %s\n", secret);
	return 0;
}
