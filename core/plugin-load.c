/* plugin-load: reads the plugin config (inih), refuses files others could change, and loads plugins with dlopen from the configured directories only. */
#include "plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "check.h"
#include "file.h"

#ifndef STEWARD_PLUGINDIR
#define STEWARD_PLUGINDIR "/usr/local/lib/steward/plugins"
#endif

/* ---- trust: who could change what steward reads or loads ---- */

/* Refuses path (what sb says of it) when anyone but its owner could change
 * it: writable by its group or by anyone, or owned by someone other than
 * this user or root. file is the file named in messages, dir is set when
 * path is that file's directory. */
static int plugin_check_owner(const char *what, const char *file, const char *dir,
			      const struct stat *sb, struct err *e)
{
	char whose[4200];
	const char *target = dir != NULL ? dir : file;

	if (dir != NULL)
		snprintf(whose, sizeof whose, "its directory %s is", dir);
	else
		snprintf(whose, sizeof whose, "it is");
	if (sb->st_mode & S_IWOTH)
		return err_set(e, ERR_DENIED, "refusing %s %s: %s writable by anyone; run chmod go-w %s", what,
			       file, whose, target);
	if (sb->st_mode & S_IWGRP)
		return err_set(e, ERR_DENIED, "refusing %s %s: %s writable by its group; run chmod g-w %s", what,
			       file, whose, target);
	if (sb->st_uid != getuid() && sb->st_uid != 0)
		return err_set(e, ERR_DENIED, "refusing %s %s: %s owned by uid %u, neither you nor root", what,
			       file, whose, (unsigned)sb->st_uid);
	return 0;
}

/* Resolves path (symlinks and all) into real, then checks the file it
 * leads to and that file's directory: a safe link to a file in a
 * directory anyone can write is no safer than the file itself. */
static int plugin_trusted(const char *what, const char *path, char *real, size_t n, struct err *e)
{
	char buf[PATH_MAX], dir[PATH_MAX], *slash;
	struct stat sb;

	if (realpath(path, buf) == NULL)
		return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "cannot read %s %s: %s", what, path,
			       strerror(errno));
	if (strlen(buf) >= n)
		return err_set(e, ERR_INVALID, "%s path %s is too long", what, buf);
	snprintf(real, n, "%s", buf);
	if (stat(real, &sb) != 0)
		return err_set(e, ERR_IO, "cannot read %s %s: %s", what, real, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return err_set(e, ERR_DENIED, "refusing %s %s: it is %s, not a regular file", what, real,
			       file_kind(sb.st_mode));
	if (plugin_check_owner(what, real, NULL, &sb, e) != 0)
		goto named;
	snprintf(dir, sizeof dir, "%s", real);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(dir, &sb) != 0)
		return err_set(e, ERR_IO, "cannot read the directory of %s %s: %s", what, real, strerror(errno));
	if (plugin_check_owner(what, real, dir, &sb, e) != 0)
		goto named;
	return 0;
named:
	if (strcmp(path, real) != 0)
		err_prefix(e, "%s %s %s", path,
			   lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode) ? "is a symbolic link to" : "resolves to",
			   real);
	return -1;
}

/* ---- configuration ---- */

int plugin_config_path(char *buf, size_t n, struct err *e)
{
	const char *env = getenv("STEWARD_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int w;

	if (env != NULL && env[0] != '\0')
		w = snprintf(buf, n, "%s", env);
	else if (xdg != NULL && xdg[0] == '/')
		w = snprintf(buf, n, "%s/steward/config", xdg);
	else if (home != NULL && home[0] == '/')
		w = snprintf(buf, n, "%s/.config/steward/config", home);
	else
		return err_set(e, ERR_INVALID, "no config location: set XDG_CONFIG_HOME or HOME, or give --config");
	return w < 0 || (size_t)w >= n ? err_set(e, ERR_INVALID, "config path is too long") : 0;
}

static const char *plugin_strdup(struct plugin_instance *in, const char *s)
{
	size_t len = strlen(s) + 1;
	char *ns;

	/* Offsets, not pointers, while the buffer grows: fixed up at the end. */
	if (in->slen + len > in->scap) {
		size_t cap = (in->slen + len) * 2;

		ns = realloc(in->strings, cap);
		if (ns == NULL)
			return NULL;
		in->strings = ns;
		in->scap = cap;
	}
	memcpy(in->strings + in->slen, s, len);
	in->slen += len;
	return (const char *)(uintptr_t)(in->slen - len + 1); /* offset + 1, never NULL */
}

struct plugin_parse {
	struct plugin_config *c;
	struct err *e;
	const char *file;
	int failed;
	FILE *f;
	int line; /* counted by our reader: this inih build does not pass line numbers */
};

static char *plugin_ini_reader(char *str, int num, void *stream)
{
	struct plugin_parse *pp = stream;
	char *r = fgets(str, num, pp->f);

	if (r != NULL)
		pp->line++;
	return r;
}

static int plugin_ini_fail(struct plugin_parse *pp, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int plugin_ini_fail(struct plugin_parse *pp, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	err_set(pp->e, ERR_INVALID, "%s:%d: %s", pp->file, line, msg);
	pp->failed = 1;
	return 0;
}

static int plugin_is_secret(const char *key)
{
	static const char *const secrets[] = { "token", "password", "secret", "api_key", "apikey", "bearer", "auth" };
	size_t i;

	for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		if (strcmp(key, secrets[i]) == 0)
			return 1;
	return 0;
}

/* [steward] db: where the store is, for commands given neither --db nor
 * STEWARD_DB. A password never goes in this file: libpq reads ~/.pgpass. */
static int plugin_ini_db(struct plugin_parse *pp, int line, const char *value)
{
	struct plugin_config *c = pp->c;
	const char *at, *colon, *auth;
	char qv[64];

	check_excerpt(value, qv, sizeof qv);
	if (strncmp(value, "postgresql://", 13) == 0 || strncmp(value, "postgres://", 11) == 0) {
		auth = strstr(value, "://") + 3;
		at = strchr(auth, '@');
		colon = strchr(auth, ':');
		if (at != NULL && colon != NULL && colon < at)
			return plugin_ini_fail(pp, line,
					       "db: the URI holds a password; put it in ~/.pgpass (or PGPASSFILE), not in this file");
		if (strstr(value, "password=") != NULL)
			return plugin_ini_fail(pp, line,
					       "db: the URI holds a password; put it in ~/.pgpass (or PGPASSFILE), not in this file");
	} else if (value[0] != '/') {
		return plugin_ini_fail(pp, line, "db: '%s' is neither an absolute path nor a postgresql:// URI", qv);
	}
	if (strlen(value) >= sizeof c->db)
		return plugin_ini_fail(pp, line, "db: longer than %zu bytes", sizeof c->db - 1);
	snprintf(c->db, sizeof c->db, "%s", value);
	return 1;
}

static int plugin_ini(void *user, const char *section, const char *name, const char *value)
{
	struct plugin_parse *pp = user;
	int line = pp->line;
	struct plugin_config *c = pp->c;
	struct plugin_instance *in;
	char q1[64], q2[64];

	if (pp->failed)
		return 0;
	if (name == NULL) /* a new section */
		return 1;
	check_excerpt(section, q1, sizeof q1);
	check_excerpt(name, q2, sizeof q2);
	if (strcmp(section, "steward") == 0) {
		char buf[PLUGIN_MAX_DIRS * 512], *tok, *save = NULL;

		if (strcmp(name, "playbooks") == 0) {
			if (value[0] != '/') {
				char qv[64];

				check_excerpt(value, qv, sizeof qv);
				return plugin_ini_fail(pp, line, "playbooks: '%s' is not an absolute path", qv);
			}
			if (strlen(value) >= sizeof c->playbooks)
				return plugin_ini_fail(pp, line, "playbooks: the path is longer than %zu bytes", sizeof c->playbooks - 1);
			snprintf(c->playbooks, sizeof c->playbooks, "%s", value);
			return 1;
		}
		if (strcmp(name, "db") == 0)
			return plugin_ini_db(pp, line, value);
		if (strcmp(name, "plugin_dirs") != 0)
			return plugin_ini_fail(pp, line, "unknown key '%s' in [steward] (known: db, plugin_dirs, playbooks)", q2);
		snprintf(buf, sizeof buf, "%s", value);
		c->ndirs = 0;
		for (tok = strtok_r(buf, ":", &save); tok != NULL; tok = strtok_r(NULL, ":", &save)) {
			if (tok[0] != '/')
				return plugin_ini_fail(pp, line, "plugin_dirs: '%s' is not an absolute path", tok);
			if (c->ndirs == PLUGIN_MAX_DIRS)
				return plugin_ini_fail(pp, line, "plugin_dirs: more than %d directories", PLUGIN_MAX_DIRS);
			snprintf(c->dirs[c->ndirs++], sizeof c->dirs[0], "%s", tok);
		}
		return 1;
	}
	if (strncmp(section, "plugin ", 7) != 0)
		return plugin_ini_fail(pp, line, "unknown section [%s] (sections: [steward], [plugin NAME])", q1);
	in = plugin_find(c, section + 7);
	if (in == NULL) {
		struct err ig;

		if (check_name("plugin name", section + 7, 64, &ig) != 0)
			return plugin_ini_fail(pp, line, "[%s]: the plugin name must be [A-Za-z0-9][A-Za-z0-9._-]*", q1);
		if (c->ninst == PLUGIN_MAX_INSTANCES)
			return plugin_ini_fail(pp, line, "[%s]: more than %d plugin sections", q1, PLUGIN_MAX_INSTANCES);
		in = &c->inst[c->ninst++];
		memset(in, 0, sizeof *in);
		snprintf(in->name, sizeof in->name, "%s", section + 7);
		in->interval = 300;
		in->full_every = 3600;
		in->line = line;
	}
	if (strcmp(name, "type") == 0) {
		struct err ig;

		if (check_name("plugin type", value, 64, &ig) != 0)
			return plugin_ini_fail(pp, line, "[%s] type: '%s' is not a plugin type name", q1, value);
		snprintf(in->type, sizeof in->type, "%s", value);
		return 1;
	}
	if (strcmp(name, "interval") == 0) {
		char *end;
		long v = strtol(value, &end, 10);

		if (*end != '\0' || v < 10 || v > 86400)
			return plugin_ini_fail(pp, line, "[%s] interval: '%s' is not 10 to 86400 seconds", q1, value);
		in->interval = (int)v;
		return 1;
	}
	if (strcmp(name, "full_sync") == 0) {
		char *end;
		long v = strtol(value, &end, 10);

		if (*end != '\0' || v < 0 || v > 604800)
			return plugin_ini_fail(pp, line, "[%s] full_sync: '%s' is not 0 to 604800 seconds", q1, value);
		in->full_every = (int)v;
		return 1;
	}
	if (plugin_is_secret(name))
		return plugin_ini_fail(pp, line,
				       "[%s] %s: secrets never go in the config file; name an environment variable instead (%s_env = VARIABLE)",
				       q1, q2, q2);
	if (strncmp(name, "steward.", 8) == 0)
		return plugin_ini_fail(pp, line, "[%s] %s: keys beginning 'steward.' are steward's own", q1, q2);
	/* One place is kept for the host's steward.sink_revision. */
	if (in->nkv == PLUGIN_MAX_KV - 1)
		return plugin_ini_fail(pp, line, "[%s]: more than %d keys", q1, PLUGIN_MAX_KV - 1);
	in->kv[in->nkv].key = plugin_strdup(in, name);
	in->kv[in->nkv].value = plugin_strdup(in, value);
	if (in->kv[in->nkv].key == NULL || in->kv[in->nkv].value == NULL)
		return plugin_ini_fail(pp, line, "out of memory");
	in->nkv++;
	return 1;
}

/* Turns the stored offsets into pointers once the strings stop moving. */
static void plugin_fix_strings(struct plugin_instance *in)
{
	size_t i;

	for (i = 0; i < in->nkv; i++) {
		in->kv[i].key = in->strings + ((uintptr_t)in->kv[i].key - 1);
		in->kv[i].value = in->strings + ((uintptr_t)in->kv[i].value - 1);
	}
}

/* build/plugins beside a binary in build/ (or build/san/) of a source
 * tree, then the install's plugin directory. */
static void plugin_default_dirs(struct plugin_config *c)
{
	char exe[3800], probe[4096], *slash;
	struct stat sb;
	ssize_t len;

	/* A binary in a build tree uses the plugins built with it, before any
	 * installed ones. */
	c->ndirs = 0;
	len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(probe, sizeof probe, "%s/plugins", exe);
			if (stat(probe, &sb) == 0 && S_ISDIR(sb.st_mode))
				snprintf(c->dirs[c->ndirs++], sizeof c->dirs[0], "%s", probe);
		}
	}
	snprintf(c->dirs[c->ndirs++], sizeof c->dirs[0], "%s", STEWARD_PLUGINDIR);
}

static int plugin_config_read(FILE *f, const char *path, struct plugin_config *c, struct err *e);

int plugin_config_load(const char *path, int required, struct plugin_config *c, struct err *e)
{
	char real[PATH_MAX];
	struct stat sb;
	FILE *f;
	int fd;

	memset(c, 0, sizeof *c);
	plugin_default_dirs(c);
	if (stat(path, &sb) != 0 && errno == ENOENT && !required)
		return 0;
	/* The config names the directories plugins load from: whoever can
	 * change it can run code as this user. */
	if (plugin_trusted("config", path, real, sizeof real, e) != 0)
		return -1;
	/* The resolved file itself, without following a link swapped in since,
	 * and never waiting on a FIFO. */
	fd = file_open(real, "config", FILE_NOFOLLOW, &sb, e);
	if (fd < 0)
		return -1;
	if (plugin_check_owner("config", real, NULL, &sb, e) != 0) {
		close(fd);
		return -1;
	}
	snprintf(c->path, sizeof c->path, "%s", path);
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return err_set(e, ERR_IO, "cannot read config %s: %s", path, strerror(errno));
	}
	return plugin_config_read(f, path, c, e);
}

int plugin_config_parse(const char *text, size_t len, const char *name, struct plugin_config *c, struct err *e)
{
	FILE *f;

	memset(c, 0, sizeof *c);
	plugin_default_dirs(c);
	snprintf(c->path, sizeof c->path, "%s", name);
	/* fmemopen refuses a zero-length buffer; an empty text is an empty configuration. */
	if (len == 0)
		return 0;
	f = fmemopen((void *)(uintptr_t)text, len, "r");
	if (f == NULL)
		return err_set(e, ERR_IO, "cannot read config %s: %s", name, strerror(errno));
	return plugin_config_read(f, name, c, e);
}

/* Parses the INI text f holds (closing it) into c, whose directories and path are set. */
static int plugin_config_read(FILE *f, const char *path, struct plugin_config *c, struct err *e)
{
	struct plugin_parse pp = { .c = c, .e = e, .file = path, .f = f };
	size_t i;
	int rc;

	rc = ini_parse_stream(plugin_ini_reader, &pp, plugin_ini, &pp);
	fclose(pp.f);
	for (i = 0; i < c->ninst; i++)
		plugin_fix_strings(&c->inst[i]);
	if (pp.failed) {
		plugin_config_free(c);
		return -1;
	}
	if (rc < 0) {
		plugin_config_free(c);
		return err_set(e, ERR_IO, "cannot read config %s", path);
	}
	if (rc > 0) {
		plugin_config_free(c);
		return err_set(e, ERR_INVALID, "%s:%d: not an INI line (expected [section] or key = value)", path, rc);
	}
	for (i = 0; i < c->ninst; i++)
		if (c->inst[i].type[0] == '\0') {
			err_set(e, ERR_INVALID, "%s:%d: [plugin %s] has no 'type = ...'", path, c->inst[i].line, c->inst[i].name);
			plugin_config_free(c);
			return -1;
		}
	return 0;
}

void plugin_config_free(struct plugin_config *c)
{
	size_t i;

	for (i = 0; i < c->ninst; i++) {
		plugin_close(&c->inst[i]);
		free(c->inst[i].strings);
		c->inst[i].strings = NULL;
	}
	c->ninst = 0;
}

struct plugin_instance *plugin_find(struct plugin_config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ninst; i++)
		if (strcmp(c->inst[i].name, name) == 0)
			return &c->inst[i];
	return NULL;
}

struct plugin_instance *plugin_for_source(struct plugin_config *c, const char *source)
{
	if (source == NULL || strcmp(source, "local") == 0)
		return NULL;
	return plugin_find(c, source);
}

/* ---- loading ---- */

/* The kv list the plugin sees: NAME_env = VAR becomes NAME = $VAR. */
#define STEWARD_SINK_STR(x) #x
#define STEWARD_SINK_XSTR(x) STEWARD_SINK_STR(x)

static int plugin_resolve(const struct plugin_instance *in, struct steward_kv *out, size_t *n, struct err *e)
{
	size_t i;

	*n = 0;
	for (i = 0; i < in->nkv; i++) {
		size_t kl = strlen(in->kv[i].key);

		if (kl > 4 && strcmp(in->kv[i].key + kl - 4, "_env") == 0) {
			const char *v = getenv(in->kv[i].value);

			if (v == NULL)
				return err_set(e, ERR_INVALID, "[plugin %s] %s names %s, which is not set in the environment",
					       in->name, in->kv[i].key, in->kv[i].value);
			out[*n].key = in->kv[i].key; /* the plugin strips the suffix: it knows its keys */
			out[(*n)++].value = v;
			continue;
		}
		out[(*n)++] = in->kv[i];
	}
	out[*n].key = "steward.sink_revision";
	out[(*n)++].value = STEWARD_SINK_XSTR(STEWARD_SINK_REVISION);
	return 0;
}

int plugin_open(struct plugin_instance *in, const struct plugin_config *c, struct err *e)
{
	struct steward_kv kv[PLUGIN_MAX_KV];
	const struct steward_plugin *(*entry)(void);
	char err[512] = "", real[PATH_MAX];
	size_t i, nkv;
	struct stat sb;

	if (in->state != NULL)
		return 0;
	if (in->dl == NULL) {
		for (i = 0; i < c->ndirs; i++) {
			snprintf(in->path, sizeof in->path, "%s/steward-%s.so", c->dirs[i], in->type);
			if (stat(in->path, &sb) == 0)
				break;
		}
		if (i == c->ndirs)
			return err_set(e, ERR_NOTFOUND, "[plugin %s]: no steward-%s.so in the plugin directories (%s%s%s)",
				       in->name, in->type, c->dirs[0], c->ndirs > 1 ? ", " : "", c->ndirs > 1 ? c->dirs[1] : "");
		/* dlopen gets the checked file, not whatever the link points at by then. */
		if (plugin_trusted("plugin", in->path, real, sizeof real, e) != 0)
			return -1;
		in->dl = dlopen(real, RTLD_NOW | RTLD_LOCAL);
		if (in->dl == NULL)
			return err_set(e, ERR_INVALID, "cannot load plugin %s: %s", in->path, dlerror());
		*(void **)&entry = dlsym(in->dl, "steward_plugin_entry");
		if (entry == NULL) {
			dlclose(in->dl);
			in->dl = NULL;
			return err_set(e, ERR_INVALID, "plugin %s has no steward_plugin_entry", in->path);
		}
		in->p = entry();
		if (in->p == NULL || in->p->abi != STEWARD_PLUGIN_ABI) {
			unsigned abi = in->p ? in->p->abi : 0;

			dlclose(in->dl);
			in->dl = NULL;
			in->p = NULL;
			return err_set(e, ERR_INVALID, "plugin %s was built for plugin ABI %u; this steward speaks ABI %d",
				       in->path, abi, STEWARD_PLUGIN_ABI);
		}
		if (in->p->open == NULL || in->p->close == NULL || in->p->sync == NULL || in->p->health == NULL) {
			dlclose(in->dl);
			in->dl = NULL;
			in->p = NULL;
			return err_set(e, ERR_INVALID, "plugin %s leaves open, close, sync or health empty", in->path);
		}
	}
	if (plugin_resolve(in, kv, &nkv, e) != 0)
		return -1;
	if (in->p->open(kv, nkv, &in->state, err, sizeof err) != 0) {
		in->state = NULL;
		return err_set(e, ERR_INVALID, "[plugin %s]: %s", in->name, err[0] ? err : "open failed");
	}
	return 0;
}

void plugin_close(struct plugin_instance *in)
{
	if (in->state != NULL && in->p != NULL)
		in->p->close(in->state);
	in->state = NULL;
	/* The library stays mapped: a plugin's worker might still unwind. */
}

