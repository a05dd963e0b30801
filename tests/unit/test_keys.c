/* test_keys: the console's action table (no duplicate keys or commands, all documented in steward.1), scripts and the list filter. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "draw.h"
#include "tkey.h"
#include "list.h"
#include "script.h"
#include "silence.h"

/* Two bindings of one key may share it when at most one applies
 * everywhere and no view is named by both: action_for_key_in then picks
 * the view's own (s silences in :alerts, sorts elsewhere). */
static int views_apart(const struct action *a, const struct action *b)
{
	size_t i;

	if (a->where[0] == NULL && b->where[0] == NULL)
		return 0;
	for (i = 0; i < ACTION_MAX_WHERE && a->where[i] != NULL; i++)
		if (action_where(b, a->where[i]))
			return 0;
	return 1;
}

static void test_no_duplicates(void **state)
{
	size_t i, j, k, m;

	(void)state;
	assert_true(action_count > 0);
	for (i = 0; i < action_count; i++) {
		const struct action *a = &action_table[i];

		assert_non_null(a->help);
		assert_non_null(a->run);
		/* Something must reach every action. */
		assert_true(a->keys[0] != 0 || a->cmds[0] != NULL);
		if (a->mode == ACTION_LINE)
			assert_null(a->cmds[0]);
		for (k = 0; k < ACTION_MAX_KEYS && a->keys[k] != 0; k++)
			for (j = i; j < action_count; j++) {
				const struct action *b = &action_table[j];

				if (b->mode != a->mode)
					continue;
				for (m = (j == i ? k + 1 : 0); m < ACTION_MAX_KEYS && b->keys[m] != 0; m++)
					if (a->keys[k] == b->keys[m] && (i == j || !views_apart(a, b))) {
						char name[16];

						fail_msg("key %s is bound twice",
							 tkey_name(a->keys[k], name, sizeof name));
					}
			}
		for (k = 0; k < ACTION_MAX_CMDS && a->cmds[k] != NULL; k++)
			for (j = i; j < action_count; j++) {
				const struct action *b = &action_table[j];

				for (m = (j == i ? k + 1 : 0); m < ACTION_MAX_CMDS && b->cmds[m] != NULL; m++)
					if (strcmp(a->cmds[k], b->cmds[m]) == 0)
						fail_msg("command :%s is defined twice", a->cmds[k]);
			}
	}
}

static void test_lookup(void **state)
{
	(void)state;
	assert_int_equal(action_for_key(ACTION_BROWSE, 'j')->id, ACT_DOWN);
	assert_int_equal(action_for_key(ACTION_BROWSE, TKEY_DOWN)->id, ACT_DOWN);
	assert_int_equal(action_for_key(ACTION_BROWSE, TKEY_ENTER)->id, ACT_OPEN);
	assert_int_equal(action_for_key(ACTION_LINE, TKEY_ENTER)->id, ACT_LINE_ENTER);
	assert_null(action_for_key(ACTION_LINE, 'j'));
	assert_int_equal(action_for_command("q")->id, ACT_QUIT);
	assert_int_equal(action_for_command("quit")->id, ACT_QUIT);
	assert_int_equal(action_for_command("models")->id, ACT_MODELS);
	assert_int_equal(action_for_command("help")->id, ACT_HELP);
	assert_null(action_for_command("foo"));
	assert_null(action_for_command(""));
	/* s silences in :alerts and sorts everywhere else; help hides the sort there. */
	assert_int_equal(action_for_key(ACTION_BROWSE, 's')->id, ACT_SORT);
	assert_int_equal(action_for_key_in(ACTION_BROWSE, 's', "models")->id, ACT_SORT);
	assert_int_equal(action_for_key_in(ACTION_BROWSE, 's', "alerts")->id, ACT_SILENCE);
	assert_int_equal(action_for_key_in(ACTION_BROWSE, 'u', "alerts")->id, ACT_UNSILENCE);
	assert_int_equal(action_for_key_in(ACTION_BROWSE, 'S', "alerts")->id, ACT_SORT_REVERSE);
	assert_true(action_shadowed(action_by_id(ACT_SORT), "alerts"));
	assert_false(action_shadowed(action_by_id(ACT_SORT), "monitor"));
	assert_false(action_shadowed(action_by_id(ACT_SILENCE), "alerts"));
	assert_int_equal(action_for_command("monitor")->id, ACT_MONITOR);
	assert_int_equal(action_for_command("alerts")->id, ACT_ALERTS);
	/* a, A, N and R act on incidents in their views; a approves and R rolls back elsewhere. */
	assert_int_equal(action_for_command("incidents")->id, ACT_INCIDENTS);
	assert_int_equal(action_for_key_in(ACTION_BROWSE, 'a', "incidents")->id, ACT_INCIDENTS_ALL);
	assert_int_equal(action_for_key_in(ACTION_BROWSE, 'a', "approvals")->id, ACT_APPROVE);
	assert_int_equal(action_for_key_in(ACTION_BROWSE, 'A', "incident")->id, ACT_INCIDENT_ACK);
	assert_int_equal(action_for_key_in(ACTION_BROWSE, 'N', "incidents")->id, ACT_INCIDENT_NOTE);
	assert_int_equal(action_for_key_in(ACTION_BROWSE, 'R', "incident")->id, ACT_INCIDENT_RESOLVE);
	assert_int_equal(action_for_key_in(ACTION_BROWSE, 'R', "models")->id, ACT_ROLLBACK);
	assert_true(action_by_id(ACT_INCIDENT_ACK)->flags & ACTION_SIGNED);
	assert_true(action_by_id(ACT_INCIDENT_RESOLVE)->flags & ACTION_DANGEROUS);
}

/* s's questions: how long a silence lasts. */
static void test_silence_duration(void **state)
{
	char why[160];
	int64_t d = 0;

	(void)state;
	assert_int_equal(silence_duration_parse("", &d, why, sizeof why), 0);
	assert_int_equal(d, SILENCE_DEFAULT);
	assert_int_equal(silence_duration_parse("2h", &d, why, sizeof why), 0);
	assert_int_equal(d, 7200);
	assert_int_equal(silence_duration_parse(" 1h30m ", &d, why, sizeof why), 0);
	assert_int_equal(d, 5400);
	assert_int_equal(silence_duration_parse("1d", &d, why, sizeof why), 0);
	assert_int_equal(d, 86400);
	assert_int_equal(silence_duration_parse("90s", &d, why, sizeof why), 0);
	assert_int_equal(d, 90);
	/* Too short, too long, not a duration: refused, saying so. */
	assert_int_equal(silence_duration_parse("30s", &d, why, sizeof why), -1);
	assert_non_null(strstr(why, "from 1m to 30d"));
	assert_int_equal(silence_duration_parse("31d", &d, why, sizeof why), -1);
	assert_int_equal(silence_duration_parse("99999999999h", &d, why, sizeof why), -1);
	assert_int_equal(silence_duration_parse("2", &d, why, sizeof why), -1);
	assert_non_null(strstr(why, "not a duration"));
	assert_int_equal(silence_duration_parse("h", &d, why, sizeof why), -1);
	assert_int_equal(silence_duration_parse("2h 3", &d, why, sizeof why), -1);
	assert_int_equal(silence_duration_parse("-2h", &d, why, sizeof why), -1);
	assert_int_equal(silence_duration_parse("2h\x1b", &d, why, sizeof why), -1);
}

/* The CONSOLE KEYS section of the man page, with roff font escapes and
 * punctuation removed, as a list of words between spaces. */
static char *man_console_keys(void)
{
	const char *top = getenv("STEWARD_TOP");
	char path[4096], line[1024];
	size_t cap = 1 << 16, n = 0;
	int in = 0;
	char *out;
	FILE *f;

	snprintf(path, sizeof path, "%s/man/steward.1", top && top[0] ? top : ".");
	f = fopen(path, "r");
	if (f == NULL) {
		print_error("cannot read %s (set STEWARD_TOP to the source tree)\n", path);
		return NULL;
	}
	out = calloc(1, cap);
	assert_non_null(out);
	out[n++] = ' ';
	while (fgets(line, sizeof line, f) != NULL) {
		char *p = line;

		if (strncmp(line, ".SH", 3) == 0) {
			in = strstr(line, "CONSOLE KEYS") != NULL;
			continue;
		}
		if (!in)
			continue;
		/* The macro name itself (".TP", ".BR") is not a key. */
		if (*p == '.')
			while (*p != '\0' && *p != ' ' && *p != '\n')
				p++;
		while (*p != '\0' && n + 2 < cap) {
			if (p[0] == '\\' && p[1] == 'f' && p[2] == '(' && p[3] && p[4]) {
				p += 5;
			} else if (p[0] == '\\' && p[1] == 'f' && p[2] != '\0') {
				p += 3;
			} else if (p[0] == '\\' && p[1] == '-') {
				out[n++] = '-';
				p += 2;
			} else if (p[0] == '\\' && p[1] == '&') {
				p += 2;
			} else if (*p == '"' || *p == ',' || *p == '\n' || *p == '\t') {
				out[n++] = ' ';
				p++;
			} else {
				out[n++] = *p++;
			}
		}
		out[n++] = ' ';
	}
	fclose(f);
	out[n] = '\0';
	return out;
}

static int man_has_word(const char *text, const char *word)
{
	char needle[128];

	snprintf(needle, sizeof needle, " %s ", word);
	return strstr(text, needle) != NULL;
}

/* The man page entry for an action, as the lead can paste it. */
static void print_roff(const struct action *a)
{
	size_t k, n = 0;

	for (k = 0; k < ACTION_MAX_KEYS && a->keys[k] != 0; k++)
		n++;
	for (k = 0; k < ACTION_MAX_CMDS && a->cmds[k] != NULL; k++)
		n++;
	print_error(".TP\n%s", n > 1 ? ".BR" : ".B");
	for (k = 0; k < ACTION_MAX_KEYS && a->keys[k] != 0; k++) {
		char name[16];

		print_error("%s %s", k ? " \", \"" : "", tkey_name(a->keys[k], name, sizeof name));
	}
	for (k = 0; k < ACTION_MAX_CMDS && a->cmds[k] != NULL; k++)
		print_error("%s :%s", k || a->keys[0] ? " \", \"" : "", a->cmds[k]);
	print_error("\n%s\n", a->help);
}

static void test_documented(void **state)
{
	char *man = man_console_keys();
	size_t i, k;
	int missing = 0;

	(void)state;
	/* Carry on without it, so the failure lists every entry to write. */
	if (man == NULL) {
		man = strdup(" ");
		assert_non_null(man);
	}
	for (i = 0; i < action_count; i++) {
		const struct action *a = &action_table[i];
		int ok = 1;

		for (k = 0; k < ACTION_MAX_KEYS && a->keys[k] != 0; k++) {
			char name[16];

			if (!man_has_word(man, tkey_name(a->keys[k], name, sizeof name)))
				ok = 0;
		}
		for (k = 0; k < ACTION_MAX_CMDS && a->cmds[k] != NULL; k++) {
			char cmd[64];

			snprintf(cmd, sizeof cmd, ":%s", a->cmds[k]);
			if (!man_has_word(man, cmd))
				ok = 0;
		}
		if (!ok) {
			if (!missing)
				print_error("man/steward.1 CONSOLE KEYS lacks these entries:\n");
			print_roff(a);
			missing++;
		}
	}
	free(man);
	if (missing)
		fail_msg("%d console actions are not documented in man/steward.1", missing);
}

/* Sorting: numbers as numbers ("#9" before "#10"), text ignoring case,
 * reversed on S, the selection kept, the view's order back after the last column. */
static void test_list_sort(void **state)
{
	static const struct list_col cols[] = {{.title = "REQ", .width = 5},
					       {.title = "MODEL", .min = 4, .weight = 1}};
	struct list l;
	struct err e = {0};
	const char *ids[] = {"#10", "#9", "#100", "#2"};
	const char *names[] = {"beta", "Alpha", "gamma", "alpha"};
	size_t i;

	(void)state;
	list_init(&l, cols, 2, 1, "");
	for (i = 0; i < 4; i++) {
		struct list_row *r = list_add(&l, ids[i], 0, &e);

		assert_non_null(r);
		assert_int_equal(list_set(r, 0, 0, &e, "%s", ids[i]), 0);
		assert_int_equal(list_set(r, 1, 0, &e, "%s", names[i]), 0);
	}
	assert_int_equal(list_finish(&l, NULL, &e), 0);
	assert_true(list_sortable(&l));
	/* Widths follow the content: the widest name is 5, the title "MODEL" 5. */
	assert_int_equal(l.natural[0], 4);
	assert_int_equal(l.natural[1], 5);
	list_move(&l, 1); /* "#9" */
	assert_int_equal(list_sort_next(&l, &e), 0);
	assert_int_equal(l.sort_col, 0);
	assert_string_equal(l.rows[l.vis[0]].key, "#2");
	assert_string_equal(l.rows[l.vis[1]].key, "#9");
	assert_string_equal(l.rows[l.vis[2]].key, "#10");
	assert_string_equal(l.rows[l.vis[3]].key, "#100");
	assert_string_equal(list_selected(&l)->key, "#9");
	assert_int_equal(list_sort_reverse(&l, &e), 0);
	assert_string_equal(l.rows[l.vis[0]].key, "#100");
	assert_string_equal(list_selected(&l)->key, "#9");
	assert_int_equal(list_sort_next(&l, &e), 0);
	assert_int_equal(l.sort_col, 1);
	assert_false(l.sort_desc);
	/* Alpha and alpha tie; the view's order breaks it. */
	assert_string_equal(l.rows[l.vis[0]].key, "#9");
	assert_string_equal(l.rows[l.vis[1]].key, "#2");
	assert_string_equal(l.rows[l.vis[2]].key, "#10");
	/* A filter keeps the order. */
	assert_int_equal(list_set_filter(&l, "a", &e), 0);
	assert_string_equal(l.rows[l.vis[0]].key, "#9");
	assert_int_equal(list_set_filter(&l, "", &e), 0);
	assert_int_equal(list_sort_next(&l, &e), 0);
	assert_int_equal(l.sort_col, -1);
	assert_string_equal(l.rows[l.vis[0]].key, "#10");
	/* A page of text is not a table. */
	assert_non_null(list_add(&l, NULL, LIST_SPAN, &e));
	assert_false(list_sortable(&l));
	assert_int_equal(list_sort_next(&l, &e), 0);
	assert_int_equal(l.sort_col, -1);
	list_free(&l);
}

/* A click selects the row drawn there; a second click on it says so. */
static void test_list_click(void **state)
{
	static const struct list_col cols[] = {{.title = "A", .min = 4, .weight = 1}};
	struct list l;
	struct err e = {0};
	size_t i;

	(void)state;
	list_init(&l, cols, 1, 1, "");
	for (i = 0; i < 30; i++) {
		struct list_row *r = list_add(&l, NULL, 0, &e);

		assert_non_null(r);
		assert_int_equal(list_set(r, 0, 0, &e, "row %zu", i), 0);
	}
	assert_int_equal(list_finish(&l, NULL, &e), 0);
	/* As a draw at y 3 with a title row and 10 data rows would leave it. */
	l.drawn_y = 4;
	l.height = 10;
	l.top = 5;
	assert_int_equal(list_click(&l, 3), 0);
	assert_int_equal(list_click(&l, 14), 0);
	assert_int_equal(list_click(&l, 6), 1);
	assert_int_equal(l.sel, 7);
	assert_int_equal(list_click(&l, 6), 2);
	assert_int_equal(l.sel, 7);
	list_free(&l);
}

static struct script parse_ok(const char *text)
{
	struct script s;
	struct err e = {0};

	if (script_parse(text, strlen(text), "keys", &s, &e) != 0)
		fail_msg("script_parse failed: %s", e.msg);
	return s;
}

static void test_script(void **state)
{
	struct script s;
	struct err e = {0};

	(void)state;
	s = parse_ok("# a comment <Bad>\nj<Enter>\n<lt>x<resize 40x12><pgdn><Esc>\xc3\xa9");
	assert_int_equal(s.n, 8);
	assert_int_equal(s.ev[0].key, 'j');
	assert_int_equal(s.ev[0].line, 2);
	assert_int_equal(s.ev[1].key, TKEY_ENTER);
	assert_int_equal(s.ev[2].key, '<');
	assert_int_equal(s.ev[3].key, 'x');
	assert_int_equal(s.ev[4].key, TKEY_RESIZE);
	assert_int_equal(s.ev[4].cols, 40);
	assert_int_equal(s.ev[4].rows, 12);
	assert_int_equal(s.ev[5].key, TKEY_PGDN);
	assert_int_equal(s.ev[6].key, TKEY_ESC);
	assert_int_equal(s.ev[7].key, 0xe9);
	assert_int_equal(s.ev[7].line, 3);
	script_free(&s);

	s = parse_ok("");
	assert_int_equal(s.n, 0);
	script_free(&s);

	assert_int_equal(script_parse("j\n\n<Foo>", 8, "k.txt", &s, &e), -1);
	assert_non_null(strstr(e.msg, "k.txt:3"));
	assert_non_null(strstr(e.msg, "<Foo>"));
	assert_int_equal(script_parse("<Enter", 6, "k.txt", &s, &e), -1);
	assert_non_null(strstr(e.msg, "k.txt:1"));
	assert_int_equal(script_parse("<resize 0x12>", 13, "k", &s, &e), -1);
	assert_int_equal(script_parse("<resize 40x>", 12, "k", &s, &e), -1);
	assert_int_equal(script_parse("<resize 40x12x>", 15, "k", &s, &e), -1);
	assert_int_equal(script_parse("\xff", 1, "k", &s, &e), -1);
	assert_non_null(strstr(e.msg, "UTF-8"));
	assert_int_equal(script_parse("a\x01", 2, "k", &s, &e), -1);
	assert_int_equal(script_parse("<Resize>", 8, "k", &s, &e), -1);
}

static void test_list_filter(void **state)
{
	static const struct list_col cols[] = {{.title = "A", .min = 4, .weight = 1},
					       {.title = "B", .width = 4}};
	struct list l;
	struct err e = {0};
	const char *names[] = {"fraud-scoring", "credit-limit", "FRAUD-rules", "churn"};
	size_t i;

	(void)state;
	assert_true(list_match("Fraud-Scoring", "fRAUD"));
	assert_false(list_match("credit", "fraud"));
	assert_true(list_match("anything", ""));
	list_init(&l, cols, 2, 1, "");
	for (i = 0; i < 4; i++) {
		struct list_row *r = list_add(&l, names[i], 0, &e);

		assert_non_null(r);
		assert_int_equal(list_set(r, 0, 0, &e, "%s", names[i]), 0);
		assert_int_equal(list_set(r, 1, 0, &e, "%zu", i), 0);
	}
	assert_int_equal(list_finish(&l, NULL, &e), 0);
	assert_int_equal(l.nvis, 4);
	list_last(&l);
	assert_string_equal(list_selected(&l)->key, "churn");
	list_move(&l, 10);
	assert_int_equal(l.sel, 3);
	list_move(&l, -10);
	assert_int_equal(l.sel, 0);
	list_move(&l, 2);
	assert_int_equal(list_set_filter(&l, "Fraud", &e), 0);
	assert_int_equal(l.nvis, 2);
	/* The selected row stays selected when it still matches. */
	assert_string_equal(list_selected(&l)->key, "FRAUD-rules");
	assert_int_equal(list_set_filter(&l, "nothing", &e), 0);
	assert_int_equal(l.nvis, 0);
	assert_null(list_selected(&l));
	list_move(&l, 1);
	list_page(&l, 1);
	assert_int_equal(list_set_filter(&l, "", &e), 0);
	assert_int_equal(l.nvis, 4);
	list_free(&l);
}

/* A tree's rows: collapsed ones hidden, a filter shows each match with the rows above it. */
static void test_list_tree(void **state)
{
	static const struct list_col cols[] = {{.title = "NODE", .min = 4, .weight = 1},
					       {.title = "TIME", .width = 4}};
	/* root > a > a1, root > b > b1 > b11; b is collapsed. */
	static const struct {
		const char *name;
		size_t up;
		int hidden;
	} rows[] = {{"root", 0, 0}, {"a", 1, 0}, {"a1", 2, 0}, {"b", 1, 0}, {"b1", 4, 1}, {"b11", 5, 1}};
	struct list l;
	struct err e = {0};
	size_t i;

	(void)state;
	list_init(&l, cols, 2, 1, "");
	l.tree = 1;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct list_row *r = list_add(&l, rows[i].name, rows[i].hidden ? LIST_HIDDEN : 0, &e);

		assert_non_null(r);
		r->up = rows[i].up;
		assert_int_equal(list_set(r, 0, 0, &e, "%s", rows[i].name), 0);
		assert_int_equal(list_set(r, 1, 0, &e, "%zu", i), 0);
	}
	assert_int_equal(list_finish(&l, NULL, &e), 0);
	assert_int_equal(l.nvis, 4);
	/* A tree keeps its order: it is no table to sort. */
	assert_false(list_sortable(&l));
	/* A match under a collapsed branch shows, with its path. */
	assert_int_equal(list_set_filter(&l, "B11", &e), 0);
	assert_int_equal(l.nvis, 4);
	assert_string_equal(l.rows[l.vis[0]].key, "root");
	assert_string_equal(l.rows[l.vis[1]].key, "b");
	assert_string_equal(l.rows[l.vis[2]].key, "b1");
	assert_string_equal(l.rows[l.vis[3]].key, "b11");
	/* "a" matches a and a1, and a's path is the root. */
	assert_int_equal(list_set_filter(&l, "a", &e), 0);
	assert_int_equal(l.nvis, 3);
	assert_string_equal(l.rows[l.vis[2]].key, "a1");
	assert_int_equal(list_set_filter(&l, "zzz", &e), 0);
	assert_int_equal(l.nvis, 0);
	/* A broken link (up past the end, or a loop) ends the path instead of running on. */
	l.rows[1].up = 99;
	l.rows[0].up = 3;
	l.rows[2].up = 1;
	assert_int_equal(list_set_filter(&l, "a1", &e), 0);
	assert_int_equal(l.nvis, 2);
	assert_string_equal(l.rows[l.vis[0]].key, "root");
	assert_int_equal(list_set_filter(&l, "a", &e), 0);
	assert_int_equal(l.nvis, 3);
	assert_int_equal(list_set_filter(&l, "", &e), 0);
	assert_int_equal(l.nvis, 4);
	list_free(&l);
}

static int wrap_collect(void *ctx, const char *s, size_t n)
{
	char *buf = ctx;
	size_t len = strlen(buf);

	snprintf(buf + len, 256 - len, "[%.*s]", (int)n, s);
	return 0;
}

static void test_wrap(void **state)
{
	char buf[256] = "";

	(void)state;
	assert_int_equal(draw_wrap("one two three four", 9, wrap_collect, buf), 0);
	assert_string_equal(buf, "[one two][three][four]");
	buf[0] = '\0';
	assert_int_equal(draw_wrap("abcdefghij\n\nx", 4, wrap_collect, buf), 0);
	assert_string_equal(buf, "[abcd][efgh][ij][][x]");
	assert_int_equal(draw_width("abc\tx"), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_duplicates), cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_silence_duration),
		cmocka_unit_test(test_documented),    cmocka_unit_test(test_script),
		cmocka_unit_test(test_list_filter),   cmocka_unit_test(test_list_tree), cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_list_sort),     cmocka_unit_test(test_list_click),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
