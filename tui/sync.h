/* sync: the console's background plugin syncs: each instance on its own worker, on its interval, never blocking a key. */
#ifndef STEWARD_TUI_SYNC_H
#define STEWARD_TUI_SYNC_H

#include <stddef.h>
#include <time.h>

#include "err.h"

struct tui_sync;

/* Loads the plugin configuration (a missing file means no plugins) and
 * schedules every instance's first sync for the first poll. */
struct tui_sync *tui_sync_start(const char *db_path, const char *config_path, struct err *e);
/* Starts syncs that are due and collects finished ones; 1 when one finished. */
int tui_sync_poll(struct tui_sync *s);
/* The header's summary ("mlflow ok", "mlflow syncing", "fk degraded");
 * *bad is set when an instance is degraded. Empty with no plugins. */
void tui_sync_text(const struct tui_sync *s, char *buf, size_t n, int *bad);
/* 1 when the configuration the console loaded has [plugin name]: a model
 * synced from it can be moved through it. */
int tui_sync_configured(const struct tui_sync *s, const char *name);
/* The names of the configured instances whose data :monitor (alerts 0:
 * series and alerts) or :alerts (alerts 1) shows: of type prometheus or
 * alertmanager, or whose plugin, once loaded, says it has alerts
 * (STEWARD_CAP_ALERTS) or metrics without a registry. Returns how many
 * there are; names holds at most max (borrowed from s). */
size_t tui_sync_sources(const struct tui_sync *s, int alerts, const char **names, size_t max);
/* Asks running syncs to stop (the sink's cancelled()) and waits for them
 * until deadline (CLOCK_MONOTONIC) at most: a plugin that ignores the
 * request is left running, with everything it uses, until the process
 * ends. Frees the rest. */
void tui_sync_stop(struct tui_sync *s, const struct timespec *deadline);

#endif
