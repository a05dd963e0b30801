/* app: the console's state shared by the loop, the dispatcher and the views: store, view stack, modes, questions, identity, ledger state, messages. */
#ifndef STEWARD_TUI_APP_H
#define STEWARD_TUI_APP_H

#include <stdint.h>

#include "err.h"
#include "keyring.h"
#include "keys.h"
#include "ledger.h"
#include "link.h"
#include "store.h"
#include "tui.h"
#include "view.h"

#define APP_STACK_MAX 16
#define APP_LINE_MAX 256
#define APP_MIN_COLS 40
#define APP_MIN_ROWS 12
#define APP_SECRET_MAX 1024 /* longest passphrase, in bytes, as the CLI accepts */
#define APP_HISTORY_MAX 32  /* `:` lines remembered for Up and Down */

enum app_mode {
	APP_NORMAL,
	APP_FILTER,  /* typing a `/` filter, applied as it is typed */
	APP_COMMAND, /* typing a `:` command */
	APP_CONFIRM, /* answering a y/n question */
	APP_PROMPT,  /* typing the answer to a question (a reason), shown as typed */
	APP_SECRET,  /* typing a passphrase: nothing of it is ever drawn */
	APP_HOLD,    /* a passphrase question held back until the wrong-passphrase wait is over */
};

/* Who the console acts as: the key given with --key, looked up in the
 * keyring again whenever the store changes, so a revocation shows. */
struct app_identity {
	int loaded;           /* --key given and its public half read */
	char path[4096];      /* the secret key file */
	struct key_public pub;
	int checked;          /* the keyring was asked (after the first paint: see tui.c) */
	int known;            /* the key is in the keyring and not revoked */
	struct principal who; /* when known: the principal and the roles held now */
	char why[512];        /* when not known */
};

enum app_ledger_state {
	APP_LEDGER_NONE,   /* the store has no ledger yet (no log key) */
	APP_LEDGER_OK,     /* verified */
	APP_LEDGER_FAILED, /* an entry or checkpoint does not verify */
	APP_LEDGER_ERROR,  /* verification could not run */
};

/* The header's ledger line, from the last verification. */
struct app_ledger {
	enum app_ledger_state state;
	struct ledger_report r;
	char msg[512]; /* for APP_LEDGER_NONE and APP_LEDGER_ERROR */
	int verifying; /* a check of the store as it is now has not reported yet */
	/* The check's own figures: entries it read, the checkpoint it picked
	 * up from (0: it read the whole ledger), and while it runs how far
	 * it is (done of total, total 0 until it says). */
	int64_t checked, resumed;
	int64_t done, total;
	/* The requests waiting for the console's principal, counted with the
	 * check (it evaluates every open request: never on the key path). */
	int counted;
	size_t waiting, open;
};

/* The background ledger check: a worker thread with its own read-only
 * connection (defined in app.c). */
struct app_verifier;

/* A decision on a promotion request, between `a`/`r` and the passphrase. */
struct app_decision {
	int64_t request;
	int approve;
	char comment[APP_LINE_MAX];
};

struct app;
/* Gets the answer to a question: "y" for a confirmation, the line typed,
 * or the passphrase, which the answer should wipe as soon as it has used
 * it; app wipes and frees it again when the answer returns. */
typedef void (*app_answer_fn)(struct app *a, char *text, size_t len);

struct tui_sync;

struct app {
	const struct tui_opts *opts;
	struct store *st;
	struct view *stack[APP_STACK_MAX];
	int depth;
	int quit;
	enum app_mode mode;
	char line[APP_LINE_MAX]; /* the filter or command being typed, UTF-8 */
	char msg[256];
	int msg_error;
	int64_t data_version;
	int64_t model_count;
	int64_t incident_count; /* not resolved; -1 when it cannot be read */
	/* The question asked in APP_CONFIRM, APP_PROMPT and APP_SECRET. */
	char ask[APP_LINE_MAX * 2];
	app_answer_fn answer;
	char *secret; /* sodium_malloc'd, APP_SECRET_MAX + 1 bytes, only while in APP_SECRET */
	size_t secret_len;
	struct app_identity id;
	struct app_ledger ledger;
	struct app_verifier *verifier; /* NULL until the first check is asked for */
	struct tui_sync *syncs;        /* background plugin syncs, NULL without plugins */
	struct app_decision decision;
	/* `:` lines run, oldest first; hpos is the one Up/Down shows, nhistory
	 * while typing a new one (kept in draft meanwhile). */
	char history[APP_HISTORY_MAX][APP_LINE_MAX];
	int nhistory, hpos;
	char draft[APP_LINE_MAX];
	int mouse_y, mouse_x; /* where the last click or wheel event happened */
	struct link link;     /* the store's connection, when it can drop */
	/* A script's screens are compared: views do what they would do on a
	 * worker (a row's evaluation) in place, so each screen is whole. */
	int in_place;
};

struct view *app_top(struct app *a);
const struct view *app_top_const(const struct app *a);
/* Opens a view and pushes it; on failure leaves a message and returns -1. */
int app_push(struct app *a, const struct view_ops *ops, const struct view_arg *arg);
/* Pops the top view (never the root); reloads the one underneath when
 * the store changed while it was hidden. */
void app_pop(struct app *a);
void app_pop_to_root(struct app *a);
/* Opens a view from a `:` command: pushed on top of what is open, so Esc
 * comes back, unless the top view is already that view on the same thing.
 * A full stack forgets its oldest view above the root. */
int app_goto(struct app *a, const struct view_ops *ops, const struct view_arg *arg);
/* Writes the stack's titles, oldest first, joined by the breadcrumb
 * glyph; the root (the models list) only when it is the only view. */
void app_crumbs(const struct app *a, char *buf, size_t n);
/* Remembers a `:` line for Up and Down (not twice in a row). */
void app_history_add(struct app *a, const char *line);
void app_close_all(struct app *a);
/* Reads the header's counts again: models, and incidents not resolved. */
void app_counts(struct app *a);
/* Reloads the top view and the header when the store changed (not while
 * the connection is down: what was loaded stays on screen). */
void app_check_store(struct app *a);
/* After this console wrote through a connection of its own (a worker's):
 * reloads whether or not the change has been seen yet. PostgreSQL's
 * notification of it reaches the console's connection some time after the
 * commit, so the check above alone could draw the state before it. */
void app_store_written(struct app *a);
/* Reloads the top view, keeping its selection and filter. */
void app_reload_top(struct app *a);
/* The same, and the views under it reload when they are shown again. */
void app_reload_all(struct app *a);

/* Reads the public half of the --key secret key file (FILE.pub beside
 * it), refusing what could never sign; the keyring lookup is separate. */
int app_identity_open(struct app *a, const char *key_path, struct err *e);
/* Looks the key up in the keyring as it stands now. The first lookup is
 * the ledger worker's (app_ledger_check asks for it): until it reports,
 * this does nothing and id.checked stays 0. */
void app_identity_check(struct app *a);
/* Blocks until the worker's first lookup of the key has reported and
 * takes it: what acts as the key waits for this, browsing does not. */
void app_identity_wait(struct app *a);
/* Asks for the ledger to be verified for the header, on the worker
 * thread: a million entries take seconds, and keys must never wait for
 * them. Asked while a check runs, one more check follows it. */
void app_ledger_check(struct app *a);
/* Takes a finished check's result without blocking; 1 when the header
 * changed and wants a redraw. */
int app_ledger_poll(struct app *a);
/* Blocks until no check is pending, then takes the result: script mode
 * dumps a header that does not depend on timing. */
void app_ledger_wait(struct app *a);
/* Stops the worker after the check it is running and joins it. */
void app_ledger_stop(struct app *a);

/* Asks a question on the bottom line: mode APP_CONFIRM (y/n), APP_PROMPT
 * or APP_SECRET. answer runs on y or Enter; n and Esc cancel. Returns -1
 * (message set) when the passphrase memory cannot be had. */
int app_ask(struct app *a, enum app_mode mode, const char *question, app_answer_fn answer);
/* y, or Enter on a prompt or passphrase: hands the answer over. */
void app_ask_answer(struct app *a);
/* A passphrase asked for while the wait after a wrong one still runs
 * (keys_wrong_wait_defer) is held back in APP_HOLD, the status line
 * counting down; app_hold_tick, called by the input loop, asks it once
 * the wait is over. */
void app_hold_tick(struct app *a);
/* n or Esc: drops the question, wiping a passphrase typed so far. */
void app_ask_cancel(struct app *a);
/* Adds bytes to the passphrase (-1 when it is full) or drops its last character. */
int app_secret_add(struct app *a, const char *b, size_t n);
void app_secret_bs(struct app *a);

void app_message(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_error(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_clear_message(struct app *a);

#endif
