/* silence: s and u in :alerts: silencing an alert and expiring a silence in the alert source, each asked for, confirmed and signed, then run on the act worker. */
#ifndef STEWARD_TUI_SILENCE_H
#define STEWARD_TUI_SILENCE_H

#include <stddef.h>
#include <stdint.h>

#include "monitor.h"

struct app;

#define SILENCE_DEFAULT (2 * 3600) /* what Enter at the duration question means */
#define SILENCE_MAX (30 * 86400) /* as core allows */

/* Parses a duration as "30m", "2h", "1d", "1h30m" (s, m, h, d, w), from a
 * minute to SILENCE_MAX; "" is SILENCE_DEFAULT. -1 with why filled. */
int silence_duration_parse(const char *s, int64_t *out, char *why, size_t n);

/* Starts silencing alert in the plugin it came from: asks for how long
 * (Enter: 2h) and a comment, confirms naming the alert, the labels it
 * will match, the plugin and when it ends, then asks for the passphrase.
 * The plugin's act runs on the act worker (tui/act.c); the ledger entry
 * follows once the backend confirmed. -1 (message set) when the alert
 * cannot be silenced from here. */
int silence_start(struct app *a, const struct monitor_alert *alert);

/* Starts expiring the silences that mute alert: a confirmation naming
 * each (who made it, its comment, when it would end), then the
 * passphrase. sil is the store's list of silences, for those details. */
int silence_expire_start(struct app *a, const struct monitor_alert *alert, const struct monitor_silence_row *sil,
			 size_t nsil);

#endif
