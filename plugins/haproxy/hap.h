/* hap.h: what the HAProxy plugin's parts share (not an ABI): its configuration, the runtime API's one-command exchanges, and show stat's CSV. */
#ifndef STEWARD_HAP_H
#define STEWARD_HAP_H

#include <stddef.h>
#include <stdint.h>

#include "plugins/steward-plugin.h"

#define HAP_NAME_MAX 128            /* a backend or server name, with its NUL */
#define HAP_MODEL_MAX 101           /* a model name (steward's 100 bytes), with its NUL */
#define HAP_MAX_SERVERS 512         /* configured servers, live and shadow, of one instance */
#define HAP_MAX_REPLY (16u << 20)   /* one answer: show stat of a few thousand servers is well under */
#define HAP_MAX_FIELDS 1024         /* columns of one show stat line */
#define HAP_WEIGHT_MAX 256          /* HAProxy's largest server weight */

/* Only steward_plugin_entry leaves the shared object. */
#pragma GCC visibility push(hidden)

/* One configured server: which version of which model it serves. */
struct hap_server {
	size_t model; /* index into hap_config.models */
	char backend[HAP_NAME_MAX];
	char name[HAP_NAME_MAX];
	int64_t version;
	int shadow; /* 1: from shadow.MODEL (gets a mirrored copy, answers dropped) */
};

struct hap_model {
	char name[HAP_MODEL_MAX];
	char live[HAP_NAME_MAX];   /* the backend of model.NAME, "" when only a shadow is configured */
	char shadow[HAP_NAME_MAX]; /* the backend of shadow.NAME, "" when none */
};

struct hap_config {
	char socket[256]; /* as configured, for messages */
	int tcp;          /* 0: a Unix socket at socket; 1: host:port */
	char host[64];
	char port[8];
	long timeout; /* seconds for connect and for each command */
	struct hap_model *models;
	size_t nmodels;
	struct hap_server *servers;
	size_t nservers;
};

/* One server row of show stat: pointers into the parsed copy's buffer. */
struct hap_row {
	const char *px, *sv, *status;
	int64_t weight; /* uweight when HAProxy has it (the weight set server sets), else weight */
	int64_t stot;
	long line;
};

struct hap_stat {
	char *buf;
	struct hap_row *rows;
	size_t n;
};

/* util (in haproxy.c) */
int hap_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Always -1: clang's analyser does not follow variadic calls, so it would
 * take a `return hap_err(...)` for a success with the outputs unset
 * (haproxy.c's definition names it in parentheses to escape the macro). */
#ifdef __clang_analyzer__
#define hap_err(...) (hap_err(__VA_ARGS__), -1)
#endif
/* s[0..len) with control and non-ASCII bytes as \xNN, cut to fit n: text
 * from HAProxy or a configuration on its way into a message. */
const char *hap_clean(const char *s, size_t len, char *buf, size_t n);

/* config.c */
/* The instance's configuration from its [plugin] section's keys (keys
 * beginning "steward." are the host's and skipped). -1 with err naming
 * the key and what is wrong with it. */
int hap_config_parse(const struct steward_kv *kv, size_t n, struct hap_config *c, char *err, size_t errn);
void hap_config_free(struct hap_config *c);
/* The index of model name, or -1. */
long hap_config_model(const struct hap_config *c, const char *name);

/* stat.c */
/* Parses the CSV show stat answers (its "# pxname,..." header names the
 * columns), keeping server rows only. -1 with err saying which line or
 * column is wrong; text need not be NUL-terminated. */
int hap_stat_parse(const char *text, size_t len, struct hap_stat *st, char *err, size_t errn);
void hap_stat_free(struct hap_stat *st);
/* The row of backend/server, NULL when absent; *twice set when listed more than once. */
const struct hap_row *hap_stat_find(const struct hap_stat *st, const char *px, const char *sv, int *twice);
/* A server's status column as "ready", "drain", "maint" or "down"; NULL
 * for a status this plugin does not know. */
const char *hap_status_state(const char *status);

/* sock.c */
/* Sends one command to the runtime API (non-interactive: one connection,
 * one command, the answer until HAProxy closes). *out is the answer,
 * NUL-terminated, for the caller to free. -1 with err naming the socket
 * when it is missing, refuses, times out or answers too much. */
int hap_command(const struct hap_config *c, const char *cmd, char **out, size_t *outlen, char *err, size_t errn);

#pragma GCC visibility pop

#endif
