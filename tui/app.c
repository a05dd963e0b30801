/* app: the view stack, store-change detection and status messages shared by the console. */
#include "app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

struct view *app_top(struct app *a)
{
	return a->depth > 0 ? a->stack[a->depth - 1] : NULL;
}

const struct view *app_top_const(const struct app *a)
{
	return a->depth > 0 ? a->stack[a->depth - 1] : NULL;
}

static void app_view_free(struct view *v)
{
	if (v == NULL)
		return;
	if (v->ops->close != NULL)
		v->ops->close(v);
	list_free(&v->list);
	free(v);
}

int app_push(struct app *a, const struct view_ops *ops, const struct view_arg *arg)
{
	struct view *v;
	struct err e;

	err_clear(&e);
	if (a->depth >= APP_STACK_MAX) {
		app_error(a, "too many views open; press Esc to go back");
		return -1;
	}
	v = calloc(1, sizeof *v);
	if (v == NULL) {
		app_error(a, "out of memory opening %s", ops->name);
		return -1;
	}
	v->ops = ops;
	v->seen_version = a->data_version;
	if (ops->open(a, v, arg, &e) != 0) {
		app_error(a, "%s", e.msg[0] ? e.msg : "cannot open the view");
		app_view_free(v);
		return -1;
	}
	a->stack[a->depth++] = v;
	return 0;
}

static void app_reload(struct app *a, struct view *v)
{
	struct err e;

	err_clear(&e);
	v->seen_version = a->data_version;
	if (v->ops->refresh != NULL && v->ops->refresh(a, v, &e) != 0)
		app_error(a, "reloading %s: %s", v->ops->name, e.msg);
}

void app_pop(struct app *a)
{
	struct view *v;

	if (a->depth <= 1)
		return;
	app_view_free(a->stack[--a->depth]);
	a->stack[a->depth] = NULL;
	v = app_top(a);
	if (v != NULL && v->seen_version != a->data_version)
		app_reload(a, v);
}

void app_pop_to_root(struct app *a)
{
	while (a->depth > 1)
		app_pop(a);
}

void app_close_all(struct app *a)
{
	while (a->depth > 0) {
		app_view_free(a->stack[--a->depth]);
		a->stack[a->depth] = NULL;
	}
}

void app_check_store(struct app *a)
{
	int64_t dv = store_data_version(a->st);
	struct view *v;

	if (dv == a->data_version)
		return;
	a->data_version = dv;
	a->model_count = registry_model_count(a->st);
	v = app_top(a);
	if (v != NULL)
		app_reload(a, v);
}

static void app_vmessage(struct app *a, int error, const char *fmt, va_list ap)
{
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	a->msg_error = error;
}

void app_message(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	app_vmessage(a, 0, fmt, ap);
	va_end(ap);
}

void app_error(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	app_vmessage(a, 1, fmt, ap);
	va_end(ap);
}

void app_clear_message(struct app *a)
{
	a->msg[0] = '\0';
	a->msg_error = 0;
}
