/* app: the console's state shared by the loop, the dispatcher and the views: store, view stack, modes, messages. */
#ifndef STEWARD_TUI_APP_H
#define STEWARD_TUI_APP_H

#include <stdint.h>

#include "err.h"
#include "store.h"
#include "tui.h"
#include "view.h"

#define APP_STACK_MAX 16
#define APP_LINE_MAX 256
#define APP_MIN_COLS 40
#define APP_MIN_ROWS 12

enum app_mode {
	APP_NORMAL,
	APP_FILTER,  /* typing a `/` filter, applied as it is typed */
	APP_COMMAND, /* typing a `:` command */
};

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
};

struct view *app_top(struct app *a);
const struct view *app_top_const(const struct app *a);
/* Opens a view and pushes it; on failure leaves a message and returns -1. */
int app_push(struct app *a, const struct view_ops *ops, const struct view_arg *arg);
/* Pops the top view (never the root); reloads the one underneath when
 * the store changed while it was hidden. */
void app_pop(struct app *a);
void app_pop_to_root(struct app *a);
void app_close_all(struct app *a);
/* Reloads the top view and the header when the store changed. */
void app_check_store(struct app *a);

void app_message(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_error(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void app_clear_message(struct app *a);

#endif
