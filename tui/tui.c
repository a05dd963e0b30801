/* tui: the console's entry point: terminal set-up, layout, the non-blocking input loop and the headless script mode. */
#include "tui.h"
#include "sync.h"

#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <sodium.h>

#include "act.h"
#include "action.h"
#include "app.h"
#include "draw.h"
#include "keyring.h"
#include "keys.h"
#include "link.h"
#include "tkey.h"
#include "worker.h"
#include "script.h"

#define TUI_TIMEOUT_MS 250
/* While a view's work is under way: its result shows within this. */
#define TUI_BUSY_MS 10
#define TUI_ESCDELAY_MS 25
#define TUI_QUIT_WAIT_S 1 /* the longest a quit waits for plugin workers */

static volatile sig_atomic_t tui_signalled;

struct tui_term {
	SCREEN *scr;
	FILE *out, *in;
	struct sigaction old_int, old_term, old_hup;
	int signals;
};

static void tui_on_signal(int sig)
{
	tui_signalled = sig;
}

static int tui_term_script(struct tui_term *t, const struct tui_opts *o, struct err *e)
{
	const char *term = getenv("TERM");
	int cols = o->cols > 0 ? o->cols : 80, rows = o->rows > 0 ? o->rows : 24;

	/* Script mode never touches the real terminal: output goes to /dev/null
	 * and the screen is read back from curses' own copy of it. */
	t->out = fopen("/dev/null", "w");
	/* Two streams on /dev/null, one each way, are what newterm takes; nothing is ever read back. */
	/* cppcheck-suppress incompatibleFileOpen */
	t->in = fopen("/dev/null", "r");
	if (t->out == NULL || t->in == NULL)
		return err_set(e, ERR_IO, "cannot open /dev/null: %s", strerror(errno));
	if (term != NULL && term[0] != '\0')
		t->scr = newterm(term, t->out, t->in);
	if (t->scr == NULL)
		t->scr = newterm("xterm", t->out, t->in);
	if (t->scr == NULL)
		return err_set(e, ERR_IO, "cannot set up a screen for --script: no terminfo entry "
					  "for TERM or for xterm");
	set_term(t->scr);
	if (resizeterm(rows, cols) != OK)
		return err_set(e, ERR_IO, "cannot size the script screen to %dx%d", cols, rows);
	return 0;
}

static int tui_term_real(struct tui_term *t, struct err *e)
{
	const char *term = getenv("TERM");
	struct sigaction sa;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return err_set(e, ERR_IO, "the console needs a terminal on stdin and stdout "
					  "(for a headless run use --script KEYS --dump SCREEN)");
	if (term == NULL || term[0] == '\0')
		return err_set(e, ERR_IO, "TERM is not set; cannot start the console");
	t->scr = newterm(NULL, stdout, stdin);
	if (t->scr == NULL)
		return err_set(e, ERR_IO, "cannot start the console on terminal type '%s'", term);
	set_term(t->scr);
	/* No SA_RESTART: a signal must wake get_wch so the loop can restore the terminal. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tui_on_signal;
	sigemptyset(&sa.sa_mask);
	tui_signalled = 0;
	if (sigaction(SIGINT, &sa, &t->old_int) == 0 && sigaction(SIGTERM, &sa, &t->old_term) == 0 &&
	    sigaction(SIGHUP, &sa, &t->old_hup) == 0)
		t->signals = 1;
	/* Presses, not clicks: a click waits out the double-click interval. A
	 * terminal without a mouse simply reports nothing. */
	mouseinterval(0);
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
			  | BUTTON5_PRESSED
#endif
		  ,
		  NULL);
	return 0;
}

static void tui_term_close(struct tui_term *t)
{
	if (t->scr != NULL) {
		endwin();
		delscreen(t->scr);
		t->scr = NULL;
	}
	if (t->signals) {
		sigaction(SIGINT, &t->old_int, NULL);
		sigaction(SIGTERM, &t->old_term, NULL);
		sigaction(SIGHUP, &t->old_hup, NULL);
		t->signals = 0;
	}
	if (t->out != NULL)
		fclose(t->out);
	if (t->in != NULL)
		fclose(t->in);
	t->out = t->in = NULL;
}

static int tui_term_open(struct tui_term *t, const struct tui_opts *o, struct err *e)
{
	int rc = o->script != NULL ? tui_term_script(t, o, e) : tui_term_real(t, e);

	if (rc != 0) {
		tui_term_close(t);
		return -1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(TUI_ESCDELAY_MS);
	wtimeout(stdscr, TUI_TIMEOUT_MS);
	curs_set(0);
	return 0;
}

/* Narrower than this, the header leaves the incidents out. */
#define TUI_HEADER_INCIDENTS_COLS 60

/* The identity half of the header's second line, and its style. */
static int tui_identity_text(const struct app *a, char *buf, size_t n)
{
	const struct app_identity *id = &a->id;
	char roles[128];

	if (!id->loaded) {
		snprintf(buf, n, " identity: none (start with --key FILE to sign)");
		return DRAW_DIM;
	}
	if (!id->checked) {
		snprintf(buf, n, " %s: proving key %s against the ledger%s", id->pub.name, id->pub.id,
			 draw_glyphs()->ellipsis);
		return DRAW_DIM;
	}
	if (!id->known) {
		snprintf(buf, n, " %s: %s", id->pub.name, id->why);
		return DRAW_WARN;
	}
	snprintf(buf, n, " %s (%s) key %s", id->who.name,
		 keyring_roles_text(id->who.roles, roles, sizeof roles), id->pub.id);
	return DRAW_NORMAL;
}

/* The ledger half: verified, or in red where it failed. */
static int tui_ledger_text(const struct app *a, char *buf, size_t n)
{
	const struct app_ledger *l = &a->ledger;

	/* Until the worker reports on the store as it is now; a failure stays
	 * on screen while it re-checks, so it never flickers away. */
	if (l->verifying && l->state != APP_LEDGER_FAILED && l->state != APP_LEDGER_ERROR) {
		if (l->total > 0)
			snprintf(buf, n, "ledger verifying %lld/%lld%s ", (long long)l->done, (long long)l->total,
				 draw_glyphs()->ellipsis);
		else
			snprintf(buf, n, "ledger verifying%s ", draw_glyphs()->ellipsis);
		return DRAW_DIM;
	}
	switch (l->state) {
	case APP_LEDGER_OK:
		if (l->r.entries == 0)
			snprintf(buf, n, "ledger empty ");
		else if (l->r.verified == l->r.entries && l->resumed > 0)
			/* Only what came after the checkpoint the last check ended at was read. */
			snprintf(buf, n, "ledger verified to #%lld (%lld new) ", (long long)l->r.entries,
				 (long long)l->checked);
		else if (l->r.verified == l->r.entries)
			snprintf(buf, n, "ledger verified to #%lld ", (long long)l->r.entries);
		else if (l->resumed > 0)
			/* Entries past the newest checkpoint only have the chain hash behind them. */
			snprintf(buf, n, "ledger verified to #%lld (signed to #%lld, %lld new) ",
				 (long long)l->r.entries, (long long)l->r.verified, (long long)l->checked);
		else
			snprintf(buf, n, "ledger verified to #%lld (signed to #%lld) ",
				 (long long)l->r.entries, (long long)l->r.verified);
		return DRAW_OK;
	case APP_LEDGER_FAILED:
		snprintf(buf, n, "ledger FAILED at #%lld: %s ", (long long)l->r.bad_seq, l->r.reason);
		return DRAW_ERROR;
	case APP_LEDGER_ERROR:
		snprintf(buf, n, "ledger cannot be verified: %s ", l->msg);
		return DRAW_ERROR;
	case APP_LEDGER_NONE:
		break;
	}
	snprintf(buf, n, "no ledger yet ");
	return DRAW_DIM;
}

/* Says why nothing here writes: asked for, or the account may not. */
static const char *tui_readonly_tag(const struct app *a)
{
	if (a->opts->readonly == 2)
		return "[read-only: no write permission]  ";
	return a->opts->readonly ? "[--readonly]  " : "";
}

static void tui_draw_header(struct app *a)
{
	unsigned bar = draw_attr(DRAW_BAR, 0);
	char left[1024], right[1024];
	int rw, ls, rs;

	char plugins[300], ptext[320], waiting[64] = "", incidents[64] = "", link[64];
	int pbad, pw;

	draw_fill(0, 0, COLS, bar);
	draw_fill(1, 0, COLS, draw_attr(DRAW_NORMAL, 0));
	/* Plugin health on the top line too: a degraded backend is news. */
	tui_sync_text(a->syncs, plugins, sizeof plugins, &pbad);
	/* What waits for the signed-in principal, counted with the ledger check. */
	if (a->ledger.counted)
		snprintf(waiting, sizeof waiting, "%zu wait%s for you  ", a->ledger.waiting,
			 a->ledger.waiting == 1 ? "s" : "");
	/* Incidents someone is working on (or should be): news, like a degraded
	 * plugin, but on a narrow screen the store's name comes first. */
	if (a->incident_count > 0 && COLS >= TUI_HEADER_INCIDENTS_COLS)
		snprintf(incidents, sizeof incidents, "%lld incident%s open  ", (long long)a->incident_count,
			 a->incident_count == 1 ? "" : "s");
	/* A dropped connection first: everything after it is as last loaded. */
	link_tag(a, link, sizeof link);
	/* On the top line, where a long identity or ledger failure cannot push it off. */
	if (a->model_count >= 0)
		snprintf(right, sizeof right, "%s%s%s%s%s%lld model%s ", plugins[0] ? "  " : "", link,
			 tui_readonly_tag(a), incidents, waiting, (long long)a->model_count,
			 a->model_count == 1 ? "" : "s");
	else
		snprintf(right, sizeof right, "%s%s%s? models ", plugins[0] ? "  " : "", link,
			 tui_readonly_tag(a));
	/* Each instance by name with how its last sync went; red when one is degraded. */
	snprintf(ptext, sizeof ptext, "%s%s", plugins[0] ? "plugins: " : "", plugins);
	pw = draw_width(ptext);
	rw = draw_width(right);
	if (pw > COLS - rw - 12)
		pw = COLS - rw - 12 > 0 ? COLS - rw - 12 : 0;
	snprintf(left, sizeof left, " steward %s store: %s", draw_glyphs()->vline,
		 store_path(a->st));
	draw_text(0, 0, COLS - rw - pw - 1, bar, left);
	draw_text(0, COLS - rw - pw, pw, pbad ? draw_attr(DRAW_ERROR, 1) : bar, ptext);
	draw_text_right(0, COLS - rw, rw, bar, right);
	/* The ledger's state gets the room it needs first: a failure must never be cut for a name. */
	ls = tui_identity_text(a, left, sizeof left);
	rs = tui_ledger_text(a, right, sizeof right);
	rw = draw_width(right);
	if (rw > COLS - 1)
		rw = COLS - 1;
	draw_text(1, 0, COLS - rw - 1, draw_attr(ls, 0), left);
	draw_text_right(1, COLS - rw, rw, draw_attr(rs, 0), right);
}

/* The breadcrumbs in at most w columns: when the path is too long, its
 * oldest views give way to an ellipsis, so where you are stays in sight. */
static void tui_crumbs(const struct app *a, int w, char *buf, size_t n)
{
	const char *sep = draw_glyphs()->crumb, *p;
	char all[1024];

	app_crumbs(a, all, sizeof all);
	p = all;
	while (draw_width(p) > w) {
		const char *next = strstr(p, sep);

		if (next == NULL)
			break;
		p = next + strlen(sep);
		/* Room for the ellipsis that says something was dropped. */
		if (draw_width(p) + draw_width(draw_glyphs()->ellipsis) + (int)strlen(sep) <= w)
			break;
	}
	if (p == all)
		snprintf(buf, n, "%s", all);
	else
		snprintf(buf, n, "%s%s%s", draw_glyphs()->ellipsis, sep, p);
}

/* Returns 1 when the message did not fit and must be shown in full below.
 * Without with_msg only the position and path are drawn (over a block). */
static int tui_draw_status(struct app *a, struct view *v, int y, int with_msg)
{
	unsigned bar = draw_attr(DRAW_BAR, 0);
	char crumbs[1100], pos[LIST_FILTER_MAX + 128], buf[300];
	const struct list *l = &v->list;
	int used, room, width = a->msg[0] && with_msg ? COLS / 2 : COLS;

	draw_fill(y, 0, COLS, bar);
	/* The position and filter always show; the path through the stack
	 * gets what is left (a message gets at least half the line). */
	if (l->filter[0] != '\0' && l->pending)
		/* No count yet: not 0/0, which would say nothing matches. */
		snprintf(pos, sizeof pos, "] %s of %zu %s filter: %s ", draw_glyphs()->ellipsis,
			 list_total(l), draw_glyphs()->vline, l->filter);
	else if (l->filter[0] != '\0')
		snprintf(pos, sizeof pos, "] %zu/%zu of %zu %s filter: %s ", l->nvis ? l->sel + 1 : 0,
			 l->nvis, list_total(l), draw_glyphs()->vline, l->filter);
	else
		snprintf(pos, sizeof pos, "] %zu/%zu ", l->nvis ? l->sel + 1 : 0, l->nvis);
	room = width - 2 - draw_width(pos);
	if (room < 8)
		room = 8;
	tui_crumbs(a, room, crumbs, sizeof crumbs);
	used = draw_text(y, 0, 2, bar, " [");
	used += draw_text(y, used, room, bar, crumbs);
	used += draw_text(y, used, width - used, bar, pos);
	if (a->msg[0] == '\0' || !with_msg)
		return 0;
	snprintf(buf, sizeof buf, " %s ", a->msg);
	draw_text(y, used + 1, COLS - used - 1, a->msg_error ? draw_attr(DRAW_ERROR, 1) : bar, buf);
	return a->msg_error && draw_width(buf) > COLS - used - 1;
}

#define TUI_BLOCK_LINES 4

struct tui_wrapped {
	const char *s[TUI_BLOCK_LINES];
	int len[TUI_BLOCK_LINES];
	int n;
};

static int tui_wrap_collect(void *ctx, const char *s, size_t n)
{
	struct tui_wrapped *w = ctx;

	if (w->n == TUI_BLOCK_LINES)
		return 0;
	w->s[w->n] = s;
	w->len[w->n++] = (int)n;
	return 0;
}

/* A y/n question may name a 71-character digest, and an error a long
 * path: such text is wrapped upwards from the bottom line rather than cut
 * (the status line is drawn again above it). Returns the lines it took. */
static int tui_draw_block(const char *text, unsigned attr, int y)
{
	struct tui_wrapped w;
	char buf[1024];
	int i;

	memset(&w, 0, sizeof w);
	if (draw_wrap(text, COLS - 1, tui_wrap_collect, &w) != 0 || w.n == 0)
		return 0;
	for (i = 0; i < w.n; i++) {
		int row = y - (w.n - 1) + i;

		snprintf(buf, sizeof buf, "%.*s", w.len[i], w.s[i]);
		draw_fill(row, 0, COLS, draw_attr(DRAW_NORMAL, 0));
		draw_text(row, 0, COLS, attr, buf);
	}
	curs_set(0);
	return w.n;
}

/* Shows the end of a long line, where the typing happens. */
static const char *tui_line_tail(const char *p, int w)
{
	while (*p != '\0' && draw_width(p) > w) {
		p++;
		while ((*p & 0xc0) == 0x80)
			p++;
	}
	return p;
}

#define TUI_PALETTE_MAX 8

/* While a `:` command's name is typed, the commands that can run here and
 * start with it, drawn over the bottom of the view (k9s' and VS Code's
 * palettes): what can be typed is never a guess. */
static void tui_draw_palette(const struct app *a, int bottom)
{
	struct action_match m[TUI_PALETTE_MAX];
	size_t n, i, shown;
	int room = bottom - 4, w = 0;
	unsigned attr = draw_attr(DRAW_BAR, 0);

	if (a->mode != APP_COMMAND || strchr(a->line, ' ') != NULL || room < 1)
		return;
	n = action_commands_matching(a, a->line, m, TUI_PALETTE_MAX);
	/* A whole name typed: nothing left to choose. */
	if (n == 1 && strcmp(m[0].cmd, a->line) == 0)
		return;
	/* Above the status line, so the breadcrumbs stay in sight. */
	bottom--;
	shown = n < TUI_PALETTE_MAX ? n : TUI_PALETTE_MAX;
	if (shown > (size_t)room)
		shown = (size_t)room;
	for (i = 0; i < shown; i++)
		if (draw_width(m[i].cmd) > w)
			w = draw_width(m[i].cmd);
	for (i = 0; i < shown; i++) {
		int y = bottom - (int)shown + (int)i;
		char cmd[64];

		draw_fill(y, 0, COLS, attr);
		snprintf(cmd, sizeof cmd, " :%s", m[i].cmd);
		draw_text(y, 0, w + 3, draw_attr(DRAW_ALIAS, 1), cmd);
		draw_text(y, w + 4, COLS - w - 5, attr, m[i].act->help);
	}
	if (n > shown && shown > 0) {
		char more[64];

		snprintf(more, sizeof more, "%zu more: keep typing ", n - shown);
		draw_text_right(bottom - 1, COLS / 2, COLS / 2, attr, more);
	}
}

/* Returns how many lines it took from the bottom. */
static int tui_draw_line(struct app *a, int y, int long_msg)
{
	char hints[256];
	const char *p = a->line;
	int used;

	switch (a->mode) {
	case APP_NORMAL:
		if (long_msg)
			return tui_draw_block(a->msg, draw_attr(DRAW_ERROR, 0), y);
		action_hints(a, hints, sizeof hints);
		draw_text(y, 1, COLS - 1, draw_attr(DRAW_DIM, 0), hints);
		curs_set(0);
		return 1;
	case APP_CONFIRM:
		return tui_draw_block(a->ask, draw_attr(DRAW_WARN, 0), y);
	case APP_HOLD:
		snprintf(hints, sizeof hints, "wrong passphrase: the next try in %u s (Esc cancels)",
			 (keys_wrong_wait_left_ms() + 999) / 1000);
		used = tui_draw_block(hints, draw_attr(DRAW_WARN, 0), y);
		curs_set(0);
		return used;
	case APP_SECRET:
		/* Only the question: not the passphrase, not stars, not its length. */
		used = draw_text(y, 0, COLS - 1, draw_attr(DRAW_WARN, 0), a->ask);
		move(y, used);
		curs_set(1);
		return 1;
	case APP_PROMPT:
		used = draw_text(y, 0, COLS / 2, draw_attr(DRAW_WARN, 0), a->ask);
		p = tui_line_tail(p, COLS - used - 1);
		draw_text(y, used, COLS - used, draw_attr(DRAW_NORMAL, 0), p);
		move(y, used + draw_width(p));
		curs_set(1);
		return 1;
	case APP_FILTER:
	case APP_COMMAND:
		break;
	}
	tui_draw_palette(a, y);
	p = tui_line_tail(p, COLS - 2);
	draw_text(y, 0, 1, draw_attr(DRAW_NORMAL, 0), a->mode == APP_FILTER ? "/" : ":");
	draw_text(y, 1, COLS - 1, draw_attr(DRAW_NORMAL, 0), p);
	move(y, 1 + draw_width(p));
	curs_set(1);
	return 1;
}

static void tui_draw(struct app *a)
{
	struct view *v = app_top(a);
	int long_msg = 0, lines;

	erase();
	if (COLS < APP_MIN_COLS || LINES < APP_MIN_ROWS) {
		char need[64];

		snprintf(need, sizeof need, "need %dx%d", APP_MIN_COLS, APP_MIN_ROWS);
		draw_text(0, 0, COLS, draw_attr(DRAW_WARN, 0), "terminal too small");
		draw_text(1, 0, COLS, draw_attr(DRAW_NORMAL, 0), need);
		curs_set(0);
		refresh();
		return;
	}
	tui_draw_header(a);
	if (v != NULL) {
		v->ops->draw(a, v, 2, 0, LINES - 4, COLS);
		long_msg = tui_draw_status(a, v, LINES - 2, 1);
	}
	lines = tui_draw_line(a, LINES - 1, long_msg);
	/* A block that took the status line's place: where the user is, and
	 * the filter, stay in sight above it. */
	if (v != NULL && lines > 1 && LINES - 1 - lines >= 2) {
		int x, y;

		getyx(stdscr, y, x);
		tui_draw_status(a, v, LINES - 1 - lines, 0);
		move(y, x);
	}
	refresh();
}

/* Writes curses' copy of the screen as UTF-8 text, trailing spaces trimmed. */
static int tui_dump(const char *path, struct err *e)
{
	size_t cap = (size_t)COLS * (MB_LEN_MAX * (CCHARW_MAX + 1)) + 2;
	char *line = malloc(cap);
	FILE *f;
	int y, x, bad = 0;

	if (line == NULL)
		return err_set(e, ERR_IO, "out of memory writing %s", path);
	f = fopen(path, "w");
	if (f == NULL) {
		free(line);
		return err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(errno));
	}
	for (y = 0; y < LINES; y++) {
		size_t n = 0;

		for (x = 0; x < COLS; x++) {
			wchar_t wch[CCHARW_MAX + 1];
			cchar_t cc;
			attr_t at;
			short pair;
			int i, w;

			if (mvwin_wch(stdscr, y, x, &cc) == ERR ||
			    getcchar(&cc, wch, &at, &pair, NULL) == ERR || wch[0] == L'\0') {
				line[n++] = ' ';
				continue;
			}
			for (i = 0; i <= CCHARW_MAX && wch[i] != L'\0'; i++) {
				mbstate_t ms;
				size_t k;

				memset(&ms, 0, sizeof ms);
				k = wcrtomb(line + n, wch[i], &ms);
				if (k == (size_t)-1)
					line[n++] = '?';
				else
					n += k;
			}
			/* A wide character's second cell repeats it; skip it. */
			w = wcwidth(wch[0]);
			if (w == 2)
				x++;
		}
		while (n > 0 && line[n - 1] == ' ')
			n--;
		line[n++] = '\n';
		if (fwrite(line, 1, n, f) != n)
			bad = errno ? errno : EIO;
	}
	free(line);
	if (fclose(f) != 0 && bad == 0)
		bad = errno ? errno : EIO;
	if (bad != 0)
		return err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(bad));
	return 0;
}

/* The letter --dump-colours writes for a cell's foreground colour. */
static char tui_colour_letter(short pair)
{
	static const char letters[8] = { 'k', 'r', 'g', 'y', 'b', 'm', 'c', 'w' };
	short fg = -1, bg = -1;

	if (pair <= 0 || pair_content(pair, &fg, &bg) == ERR || fg < 0 || fg > 7)
		return '.';
	return letters[fg];
}

/* Writes the colour of every cell of curses' copy of the screen: tests
 * read what is red without parsing terminal escapes. */
static int tui_dump_colours(const char *path, struct err *e)
{
	FILE *f = fopen(path, "w");
	int y, x, bad = 0;

	if (f == NULL)
		return err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(errno));
	for (y = 0; y < LINES && !bad; y++) {
		for (x = 0; x < COLS; x++) {
			wchar_t wch[CCHARW_MAX + 1];
			cchar_t cc;
			attr_t at;
			short pair = 0;

			wch[0] = L'\0';
			if (mvwin_wch(stdscr, y, x, &cc) == ERR || getcchar(&cc, wch, &at, &pair, NULL) == ERR)
				pair = 0;
			if (fputc(tui_colour_letter(pair), f) == EOF)
				bad = 1;
			/* A wide character's second cell is part of it. */
			if (wch[0] != L'\0' && wcwidth(wch[0]) == 2)
				x++;
		}
		if (fputc('\n', f) == EOF)
			bad = 1;
	}
	if (fclose(f) != 0)
		bad = 1;
	if (bad)
		return err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
	return 0;
}

/* --timings: what bench/run holds against the design's budgets (DESIGN 9). */
struct tui_timings {
	FILE *f;
	struct timespec start; /* tui_run was entered */
	long long first_paint; /* microseconds from start to the first screen */
	long long *keys;       /* microseconds from each key's dispatch to its redraw */
	size_t n;
};

static long long tui_us_since(const struct timespec *t0)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return -1;
	return (long long)(t.tv_sec - t0->tv_sec) * 1000000LL + (t.tv_nsec - t0->tv_nsec) / 1000;
}

/* The process's peak resident set (VmHWM) in kB; -1 when /proc cannot say. */
static long long tui_peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmHWM: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* First paint, each key, then the peak resident set: one number a line. */
static int tui_timings_write(struct tui_timings *tm, const char *path, struct err *e)
{
	long long rss = tui_peak_rss_kb();
	size_t i;
	int bad;

	if (rss < 0)
		return err_set(e, ERR_IO, "--timings %s: cannot read VmHWM from /proc/self/status", path);
	bad = fprintf(tm->f, "%lld\n", tm->first_paint) < 0;
	for (i = 0; i < tm->n && !bad; i++)
		bad = fprintf(tm->f, "%lld\n", tm->keys[i]) < 0;
	if (!bad)
		bad = fprintf(tm->f, "%lld\n", rss) < 0;
	if (fclose(tm->f) != 0)
		bad = 1;
	tm->f = NULL;
	if (bad)
		return err_set(e, ERR_IO, "cannot write --timings %s: %s", path, strerror(errno));
	return 0;
}

static void tui_timings_close(struct tui_timings *tm)
{
	if (tm->f != NULL)
		fclose(tm->f);
	free(tm->keys);
	memset(tm, 0, sizeof *tm);
}

/* The top view's background work (a filter being applied): its result
 * taken, waited for with wait; 1 while it is still under way. */
static int tui_view_poll(struct app *a, int wait)
{
	struct view *v = app_top(a);

	return v != NULL && v->ops->poll != NULL ? v->ops->poll(a, v, wait) : 0;
}

/* Only the header shows the ledger: repainting it alone keeps the rest of
 * the dump as it was just before the script quit. */
static void tui_redraw_header(struct app *a)
{
	if (COLS < APP_MIN_COLS || LINES < APP_MIN_ROWS)
		return;
	tui_draw_header(a);
	refresh();
}

/* Once the first screen is out: the ledger check, which first proves who
 * the --key is (and then counts what waits for them). Proving the key
 * reads the keyring from the ledger and counts the ledger for gaps: on a
 * million entries read from a cold disk cache that takes 0.4-0.9 s. It
 * runs on the check's thread, so keys that browse are not held up; the
 * dispatcher waits for it before anything that acts as the key. A
 * script's screens must not depend on when it ends: it is waited for. */
static void tui_painted(struct app *a)
{
	app_ledger_check(a);
	if (a->in_place && a->id.loaded && !a->id.checked) {
		app_identity_wait(a);
		tui_draw(a);
	}
}

static int tui_loop_script(struct app *a, const struct script *sc, struct tui_timings *tm)
{
	size_t i;

	a->in_place = tm->f == NULL;
	tui_draw(a);
	if (tm->f != NULL)
		tm->first_paint = tui_us_since(&tm->start);
	tui_painted(a);
	for (i = 0; i < sc->n && !a->quit; i++) {
		const struct script_ev *ev = &sc->ev[i];
		struct timespec t0;

		if (clock_gettime(CLOCK_MONOTONIC, &t0) != 0)
			memset(&t0, 0, sizeof t0);
		if (ev->key == TKEY_RESIZE)
			resizeterm(ev->rows, ev->cols);
		if (ev->key == TKEY_CLICK) {
			a->mouse_y = ev->rows;
			a->mouse_x = ev->cols;
		}
		if (ev->key == TKEY_WAIT)
			act_wait(a);
		else
			action_key(a, ev->key);
		/* The dump shows the screen as it was just before quitting. */
		if (a->quit)
			break;
		app_check_store(a);
		link_tick(a);
		app_ledger_poll(a);
		/* Screens are compared: a filter's rows are in before the next
		 * key. A timed run measures the key, not the filter's query. */
		tui_view_poll(a, tm->f == NULL);
		tui_sync_poll(a->syncs);
		act_poll(a);
		tui_draw(a);
		if (tm->f != NULL)
			tm->keys[tm->n++] = tui_us_since(&t0);
	}
	/* An act through a plugin is waited for, as a quit on a terminal
	 * does, and its outcome is part of the dump. */
	if (act_wait(a))
		tui_draw(a);
	/* So is the last filter typed (a timed run does not wait between keys). */
	tui_view_poll(a, 1);
	if (tm->f != NULL)
		tui_draw(a);
	/* How far the check got by now depends on the machine: the dump must
	 * not. A timed run measures keys, not the check: it stops it at quit. */
	if (tm->f == NULL)
		app_ledger_wait(a);
	tui_redraw_header(a);
	return 0;
}

/* Sleeps until a key, another session's commit (PostgreSQL's notification
 * socket) or TUI_TIMEOUT_MS, when workers' results, the backoff of a
 * dropped connection and SQLite's data_version are looked at. */
static void tui_wait(struct app *a, int busy)
{
	struct pollfd p[3];
	nfds_t n = 1;
	int fd = store_notify_fd(a->st), wake = worker_wake_fd(), rc;

	if (fd >= 0) {
		/* A notification libpq read with a query's results is not on the
		 * socket any more: taken first, or it would wait for the timeout. */
		int64_t dv = a->data_version;

		app_check_store(a);
		/* Something to draw: a change, or the server gone (link_tick says so). */
		if (dv != a->data_version || link_down(a) || !store_connected(a->st))
			return;
		fd = store_notify_fd(a->st);
	}
	p[0].fd = STDIN_FILENO;
	p[0].events = POLLIN;
	if (fd >= 0) {
		p[n].fd = fd;
		p[n++].events = POLLIN;
	}
	/* A worker's result (a gate, a filter's rows, the ledger check) wakes
	 * it, so it is drawn when it comes, not at the next look. */
	if (wake >= 0) {
		p[n].fd = wake;
		p[n++].events = POLLIN;
	}
	/* A signal (a resize, a quit) ends it early, as it should. The busy
	 * timeout stays for work that does not wake it. */
	rc = poll(p, n, busy ? TUI_BUSY_MS : TUI_TIMEOUT_MS);
	if (rc < 0 && errno != EINTR)
		napms(busy ? TUI_BUSY_MS : TUI_TIMEOUT_MS);
	/* Emptied before the results are taken: a wake after this is kept. */
	if (rc > 0 && wake >= 0 && p[n - 1].revents != 0)
		worker_woken();
}

static int tui_loop_terminal(struct app *a)
{
	int painted = 0;

	/* Keys are read without waiting; tui_wait waits for them and for the store together. */
	wtimeout(stdscr, 0);
	/* A wrong passphrase's wait must not freeze the terminal: it falls
	 * before the next passphrase prompt, which is held back meanwhile. */
	keys_wrong_wait_defer();
	while (!a->quit && !tui_signalled) {
		wint_t ch;
		int rc, key, busy;

		app_hold_tick(a);
		link_tick(a);
		app_ledger_poll(a);
		busy = tui_view_poll(a, 0);
		/* A finished sync changed the store: show it now, not at the next key. */
		if (tui_sync_poll(a->syncs))
			app_store_written(a);
		/* An act the quit was waiting for has ended: quit now. */
		if (act_poll(a) && a->quit)
			break;
		tui_draw(a);
		if (!painted) {
			tui_painted(a);
			painted = 1;
		}
		rc = get_wch(&ch);
		if (rc == ERR) {
			/* No key waiting: sleep until one, another writer's commit or
			 * the timeout; then notice other writers and the ledger check's result. */
			tui_wait(a, busy);
			app_check_store(a);
			continue;
		}
		key = tkey_from_curses(rc, ch);
		if (tkey_is_mouse(key))
			tkey_mouse(&a->mouse_y, &a->mouse_x);
		action_key(a, key);
		/* An act through a plugin in flight: the quit waits for it. */
		if (a->quit && !act_may_quit(a))
			a->quit = 0;
	}
	return 0;
}

void tui_keys_roff(FILE *f)
{
	action_roff(f);
}

/* One heap for every thread, set before the first one starts. glibc
 * gives each thread that allocates an arena of its own, and what a
 * thread frees stays in its arena: the ledger check's garbage (a million
 * bodies parsed) was never reused by the views, nor theirs by it. On
 * the bench estate the console's peak after every view fell from 61 to
 * 52 MB; the threads' allocations are small and short, and the keys'
 * latency did not change. */
static void tui_one_arena(void)
{
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
	/* 0 is glibc's failure; the console only keeps more memory then. */
	(void)mallopt(M_ARENA_MAX, 1);
#endif
}

int tui_run(const struct tui_opts *o, struct err *e)
{
	struct tui_timings tm;
	struct script sc = {0};
	struct tui_term t;
	struct timespec quit_by;
	struct app a;
	int rc = -1;

	memset(&tm, 0, sizeof tm);
	if (clock_gettime(CLOCK_MONOTONIC, &tm.start) != 0)
		return err_set(e, ERR_IO, "cannot read the monotonic clock: %s", strerror(errno));
	memset(&t, 0, sizeof t);
	memset(&a, 0, sizeof a);
	tui_one_arena();
	if (o == NULL || o->db_path == NULL)
		return err_set(e, ERR_INVALID, "no store given to the console");
	if (o->timings != NULL && o->script == NULL)
		return err_set(e, ERR_INVALID, "--timings only applies with --script");
	if (sodium_init() < 0)
		return err_set(e, ERR_IO, "libsodium failed to initialise");
	if (o->script != NULL && script_load(o->script, &sc, e) != 0)
		return -1;
	if (o->timings != NULL) {
		/* Opened now so a bad path is refused before the run, not after. */
		tm.keys = calloc(sc.n > 0 ? sc.n : 1, sizeof *tm.keys);
		if (tm.keys == NULL) {
			script_free(&sc);
			return err_set(e, ERR_IO, "out of memory for --timings");
		}
		tm.f = fopen(o->timings, "w");
		if (tm.f == NULL) {
			err_set(e, ERR_IO, "cannot write --timings %s: %s", o->timings, strerror(errno));
			tui_timings_close(&tm);
			script_free(&sc);
			return -1;
		}
	}
	a.opts = o;
	/* A key that could never sign is refused before the terminal is taken over. */
	if (o->key_path != NULL && app_identity_open(&a, o->key_path, e) != 0) {
		tui_timings_close(&tm);
		script_free(&sc);
		return -1;
	}
	a.st = store_open(o->db_path, o->readonly ? STORE_READONLY : 0, e);
	if (a.st == NULL) {
		tui_timings_close(&tm);
		script_free(&sc);
		return -1;
	}
	setlocale(LC_ALL, "");
	/* Text and glyphs follow the user's locale; numbers stay "0.9339" as
	 * in the CLI's output, whatever the locale's decimal comma. */
	setlocale(LC_NUMERIC, "C");
	if (tui_term_open(&t, o, e) != 0)
		goto out;
	draw_init();
	a.data_version = store_data_version(a.st);
	app_counts(&a);
	/* The check starts once the first screen is out: on two cores it
	 * must not compete with the first paint. The header says so meanwhile. */
	a.ledger.verifying = 1;
	if (app_push(&a, &view_models_ops, NULL) != 0) {
		err_set(e, ERR_STORE, "%s", a.msg);
		goto out_term;
	}
	/* Syncs write the store's caches: not for a console that may not write. */
	if (o->config_path != NULL && !o->readonly) {
		struct err se;

		err_clear(&se);
		a.syncs = tui_sync_start(o->db_path, o->config_path, &se);
		if (a.syncs == NULL)
			app_error(&a, "plugins: %s", se.msg);
	}
	if (o->script != NULL)
		rc = tui_loop_script(&a, &sc, &tm);
	else
		rc = tui_loop_terminal(&a);
	if (rc == 0 && o->dump != NULL)
		rc = tui_dump(o->dump, e);
	if (rc == 0 && o->dump_colours != NULL)
		rc = tui_dump_colours(o->dump_colours, e);
out_term:
	app_close_all(&a);
	tui_term_close(&t);
out:
	/* The workers read the store through their own connections: stop them
	 * first, waiting a second at most for plugins, whatever they do. */
	if (clock_gettime(CLOCK_MONOTONIC, &quit_by) != 0)
		memset(&quit_by, 0, sizeof quit_by);
	quit_by.tv_sec += TUI_QUIT_WAIT_S;
	tui_sync_stop(a.syncs, &quit_by);
	a.syncs = NULL;
	act_stop(&quit_by);
	app_ledger_stop(&a);
	if (rc == 0 && tm.f != NULL)
		rc = tui_timings_write(&tm, o->timings, e);
	tui_timings_close(&tm);
	store_close(a.st);
	script_free(&sc);
	return rc;
}
