/* test_playbook: every step kind parses into the right fields, bad files fail with their exact FILE:LINE:COL message, and lint, trigger matching, placeholders, descriptions and directory loading do what steward-playbook(5) says. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "playbook.h"

#define ALPHA_SHA256 "da6c22a07e3be34fc08f243602152bc5793b29db6d80cfaa76d47084597fe556"

static const char full_text[] =
	"# every kind of step\n"
	"playbook every-kind   # trailing comment\n"
	"description \"All the kinds: \\\"quoted\\\" and a backslash \\\\ here\"\n"
	"trigger alert ModelDriftCritical severity=critical team!=ops env=\"prod eu\"\n"
	"\n"
	"step firing:   check firing\n"
	"step other:    check firing \"Other:Alert\"\n"
	"step drift:    check drift any >= 0.2\n"
	"step age:      check drift age < 0.1\n"
	"step errors:   check live error_rate > 0.05\n"
	"step lat:      check live latency_p99 <= 250\n"
	"step eq:       check live traffic == -1.5e2\n"
	"step incident: incident open critical \"Critical drift on {model}\"\n"
	"step rollback: rollback production \"critical drift on {model} v{version}\"\n"
	"step rb2:      rollback \"default alias\"\n"
	"step rb3:      rollback staging \"{{literal}} {alert} {severity} {playbook}\"\n"
	"step degrade:  shift previous 100 \"latency over budget\"\n"
	"step cur:      shift current 0 \"drain it\"\n"
	"step fixed:    shift 7 35 \"pin\"\r\n"
	"step silence:  silence 2h \"rolled back; drift should clear\"\n"
	"step s90:      silence 90s \"short\"\n"
	"step note:     incident note \"traffic back on {version}\"\n"
	"step close:    incident resolve \"rolled back by playbook\"\n"
	"step annotate: annotate \"text\"";

static struct playbook pb;

static int parse(const char *text, struct err *e)
{
	return playbook_parse(text, strlen(text), "t.playbook", &pb, e);
}

static const struct playbook_step *step(const char *name)
{
	for (size_t i = 0; i < pb.nsteps; i++)
		if (strcmp(pb.steps[i].name, name) == 0)
			return &pb.steps[i];
	fail_msg("no step %s", name);
	return NULL;
}

static void test_kinds(void **state)
{
	const struct playbook_step *s;
	struct err e = { 0 };

	(void)state;
	if (parse(full_text, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(pb.name, "every-kind");
	assert_string_equal(pb.description, "All the kinds: \"quoted\" and a backslash \\ here");
	assert_string_equal(pb.alert, "ModelDriftCritical");
	assert_int_equal(pb.nm, 3);
	assert_string_equal(pb.m[0].name, "severity");
	assert_int_equal(pb.m[0].neg, 0);
	assert_string_equal(pb.m[0].value, "critical");
	assert_string_equal(pb.m[1].name, "team");
	assert_int_equal(pb.m[1].neg, 1);
	assert_string_equal(pb.m[1].value, "ops");
	assert_string_equal(pb.m[2].value, "prod eu");
	assert_int_equal(pb.nsteps, 19);
	assert_string_equal(pb.path, "");
	assert_string_equal(pb.digest, "");

	s = step("firing");
	assert_int_equal(s->kind, PB_CHECK_FIRING);
	assert_string_equal(s->a, "ModelDriftCritical"); /* the trigger's alert by default */
	assert_int_equal(s->line, 6);
	assert_string_equal(step("other")->a, "Other:Alert");

	s = step("drift");
	assert_int_equal(s->kind, PB_CHECK_DRIFT);
	assert_string_equal(s->a, "any");
	assert_int_equal(s->op, OP_GE);
	assert_true(s->value == 0.2);
	s = step("age");
	assert_string_equal(s->a, "age");
	assert_int_equal(s->op, OP_LT);

	s = step("errors");
	assert_int_equal(s->kind, PB_CHECK_LIVE);
	assert_string_equal(s->a, "error_rate");
	assert_int_equal(s->op, OP_GT);
	assert_true(s->value == 0.05);
	assert_int_equal(step("lat")->op, OP_LE);
	assert_int_equal(step("eq")->op, OP_EQ);
	assert_true(step("eq")->value == -150);

	s = step("incident");
	assert_int_equal(s->kind, PB_INCIDENT_OPEN);
	assert_string_equal(s->a, "critical");
	assert_string_equal(s->text, "Critical drift on {model}");

	s = step("rollback");
	assert_int_equal(s->kind, PB_ROLLBACK);
	assert_string_equal(s->a, "production");
	assert_string_equal(s->text, "critical drift on {model} v{version}");
	assert_string_equal(step("rb2")->a, "production");
	assert_string_equal(step("rb2")->text, "default alias");
	assert_string_equal(step("rb3")->a, "staging");

	s = step("degrade");
	assert_int_equal(s->kind, PB_SHIFT);
	assert_string_equal(s->a, "previous");
	assert_int_equal(s->version, 0);
	assert_int_equal(s->share, 100);
	assert_string_equal(step("cur")->a, "current");
	assert_int_equal(step("cur")->share, 0);
	s = step("fixed"); /* CRLF line end */
	assert_string_equal(s->a, "");
	assert_int_equal(s->version, 7);
	assert_int_equal(s->share, 35);
	assert_string_equal(s->text, "pin");

	s = step("silence");
	assert_int_equal(s->kind, PB_SILENCE);
	assert_int_equal(s->duration, 7200);
	assert_string_equal(s->text, "rolled back; drift should clear");
	assert_int_equal(step("s90")->duration, 90);

	assert_int_equal(step("note")->kind, PB_INCIDENT_NOTE);
	assert_string_equal(step("note")->text, "traffic back on {version}");
	assert_int_equal(step("close")->kind, PB_INCIDENT_RESOLVE);
	assert_int_equal(step("annotate")->kind, PB_ANNOTATE);
	assert_string_equal(step("annotate")->text, "text");
	assert_int_equal(step("annotate")->line, 24);

	assert_false(playbook_is_action(PB_CHECK_FIRING));
	assert_false(playbook_is_action(PB_CHECK_DRIFT));
	assert_true(playbook_is_action(PB_ROLLBACK));
	assert_true(playbook_is_action(PB_ANNOTATE));
	assert_string_equal(playbook_kind_name(PB_CHECK_LIVE), "check live");
	assert_string_equal(playbook_kind_name(PB_INCIDENT_RESOLVE), "incident resolve");
	assert_string_equal(playbook_kind_name(0), "?");
}

#define HEAD "playbook t\ntrigger alert A\n"

static void expect_error(const char *text, size_t len, const char *msg)
{
	struct err e = { 0 };

	if (playbook_parse(text, len, "t.playbook", &pb, &e) == 0)
		fail_msg("parsed, expected: %s", msg);
	assert_string_equal(e.msg, msg);
	assert_int_equal(e.kind, ERR_INVALID);
}

#define BAD(text, msg) expect_error(text, sizeof text - 1, msg)

static void test_errors(void **state)
{
	(void)state;
	BAD(HEAD "stpe a: annotate \"x\"\n",
	    "t.playbook:3:1: found 'stpe', expected a statement (description, trigger, step)");
	BAD("  trigger alert A\n", "t.playbook:1:3: found 'trigger', expected 'playbook NAME' (the first statement)");
	BAD("playbook t\nstep a: annotate \"x\"\n",
	    "t.playbook:2:1: found 'step', expected 'trigger alert NAME ...' before the first step");
	BAD("playbook t\n# nothing else\n", "t.playbook:3:1: found the end of the file, expected a 'trigger alert NAME' line");
	BAD(HEAD, "t.playbook:3:1: found the end of the file, expected at least one 'step NAME: ...' line");
	BAD("", "t.playbook:1:1: found the end of the file, expected 'playbook NAME' (the first statement)");
	BAD(HEAD "step a: annotate \"x\"\nstep a: annotate \"y\"\n",
	    "t.playbook:4:6: found 'a', expected a step name not used before (line 3 has it)");
	BAD(HEAD "step s: silence 3x \"c\"\n",
	    "t.playbook:3:17: found '3x', expected a duration from 1s to 7d (90s, 30m, 2h, 7d)");
	BAD(HEAD "step s: silence 8d \"c\"\n",
	    "t.playbook:3:17: found '8d', expected a duration from 1s to 7d (90s, 30m, 2h, 7d)");
	BAD(HEAD "step s: silence 0s \"c\"\n",
	    "t.playbook:3:17: found '0s', expected a duration from 1s to 7d (90s, 30m, 2h, 7d)");
	BAD(HEAD "step s: shift previous 101 \"r\"\n",
	    "t.playbook:3:24: found '101', expected a share of traffic (a whole number from 0 to 100)");
	BAD(HEAD "step s: shift newest 10 \"r\"\n",
	    "t.playbook:3:15: found 'newest', expected a version: 'previous', 'current' or a version number");
	BAD(HEAD "step s: annotate \"never closed\n",
	    "t.playbook:3:31: found the end of the line inside a string, expected '\"' to close the string (strings end on their line)");
	BAD(HEAD "step s: annotate \"bad \\n escape\"\n",
	    "t.playbook:3:23: found '\\n' in a string, expected \\\" or \\\\ after a backslash (the only escapes)");
	BAD(HEAD "step s: annotate \"a\x01z\"\n", "t.playbook:3:20: found the control character U+0001, expected text");
	BAD(HEAD "step s: annotate \"tab\there\"\n",
	    "t.playbook:3:22: found a tab in a string, expected text without control characters (spaces instead of tabs)");
	BAD(HEAD "# comment \x1b[2J\n", "t.playbook:3:11: found the control character U+001B, expected text");
	BAD(HEAD "step s: annotate \"\xe2\x80\xae\"\n",
	    "t.playbook:3:19: found the bidirectional control character U+202E, expected text");
	BAD(HEAD "step s: annotate \"caf\xc3\"\n", "t.playbook:3:22: found the byte \\xc3, expected UTF-8 text");
	BAD(HEAD "step s: annotate \"\xff\"\n", "t.playbook:3:19: found the byte \\xff, expected UTF-8 text");
	BAD(HEAD "step s: annotate \"x\"\x00\n", "t.playbook:3:21: found a NUL byte, expected text");
	BAD(HEAD "step s: annotate \"on {modle}\"\n",
	    "t.playbook:3:22: found the placeholder '{modle}', expected {model}, {version}, {alert}, {severity}, {playbook} or {{ for a '{'");
	BAD(HEAD "step s: rollback \"{model} on {\"\n",
	    "t.playbook:3:30: found the placeholder '{', expected {model}, {version}, {alert}, {severity}, {playbook} or {{ for a '{'");
	BAD(HEAD "step s: annotate \"\"\n",
	    "t.playbook:3:18: found \"\", expected a text (a quoted text of 1 to 600 bytes)");
	BAD(HEAD "step s: rollback\n",
	    "t.playbook:3:17: found the end of the line, expected a reason (a quoted text of 1 to 600 bytes)");
	BAD(HEAD "step s: rollback Prod \"r\"\n",
	    "t.playbook:3:18: found 'Prod', expected an alias ([a-z][a-z0-9_-]*) or a quoted reason");
	BAD(HEAD "step s: check live error_rate => 1\n",
	    "t.playbook:3:31: found '=', expected a comparison (>= > <= < ==)");
	BAD(HEAD "step s: check live error_rate > high\n", "t.playbook:3:33: found 'high', expected a number");
	BAD(HEAD "step s: check errors\n", "t.playbook:3:15: found 'errors', expected what to check (firing, live, drift)");
	BAD(HEAD "step s: incident close \"x\"\n", "t.playbook:3:18: found 'close', expected open, note or resolve");
	BAD(HEAD "step s: incident open severe \"x\"\n",
	    "t.playbook:3:23: found 'severe', expected a severity (info, warning, critical)");
	BAD(HEAD "step s: reboot\n",
	    "t.playbook:3:9: found 'reboot', expected a step kind (check, incident, rollback, shift, silence, annotate)");
	BAD(HEAD "step s annotate \"x\"\n", "t.playbook:3:8: found 'annotate', expected ':' after the step name");
	BAD(HEAD "step s: annotate \"x\" extra\n", "t.playbook:3:22: found 'extra', expected the end of the line");
	BAD("playbook Upper\n", "t.playbook:1:10: found 'Upper', expected a playbook name ([a-z0-9][a-z0-9._-]*, at most 64 bytes)");
	BAD("playbook t\nplaybook u\n", "t.playbook:2:1: found 'playbook', expected one 'playbook' line");
	BAD(HEAD "trigger alert B\n", "t.playbook:3:1: found 'trigger', expected one 'trigger' line");
	BAD(HEAD "step a: annotate \"x\"\ndescription \"late\"\n",
	    "t.playbook:4:1: found 'description', expected the description before the steps");
	BAD("playbook t\ntrigger alert A sev==x\n",
	    "t.playbook:2:20: found '==', expected '=' or '!=' after the label name");
	BAD("playbook t\ntrigger alert A 9x=y\n",
	    "t.playbook:2:17: found '9x', expected a label matcher NAME=VALUE or NAME!=VALUE (NAME as [A-Za-z_][A-Za-z0-9_]*) or the end of the line");
	BAD("playbook t\ntrigger alert A a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9\n",
	    "t.playbook:2:49: found 'i', expected at most 8 label matchers");
	BAD("playbook t\ntrigger A\n", "t.playbook:2:9: found 'A', expected 'alert'");
	BAD("playbook t\ndescription \"{model} is fine here\" x\n", "t.playbook:2:36: found 'x', expected the end of the line");
}

/* Built texts: too many steps, too long, too big. */
static void test_limits(void **state)
{
	char *buf = malloc(PLAYBOOK_MAX_BYTES + 100);
	struct err e = { 0 };
	size_t o;
	int i;

	(void)state;
	assert_non_null(buf);
	o = (size_t)snprintf(buf, 200, HEAD);
	for (i = 1; i <= 32; i++)
		o += (size_t)snprintf(buf + o, 100, "step s%d: annotate \"x\"\n", i);
	assert_int_equal(playbook_parse(buf, o, "t.playbook", &pb, &e), 0);
	assert_int_equal(pb.nsteps, 32);
	o += (size_t)snprintf(buf + o, 100, "  step s33: annotate \"x\"\n");
	expect_error(buf, o, "t.playbook:35:3: found step 33, expected at most 32 steps");

	/* A text of 601 bytes; 600 parses. */
	o = (size_t)snprintf(buf, 200, HEAD "step s: annotate \"");
	memset(buf + o, 'x', 600);
	o += 600;
	o += (size_t)snprintf(buf + o, 10, "\"\n");
	assert_int_equal(playbook_parse(buf, o, "t.playbook", &pb, &e), 0);
	assert_int_equal(strlen(pb.steps[0].text), 600);
	o = (size_t)snprintf(buf, 200, HEAD "step s: annotate \"");
	memset(buf + o, 'x', 601);
	o += 601;
	o += (size_t)snprintf(buf + o, 10, "\"\n");
	expect_error(buf, o, "t.playbook:3:18: found a text of 601 bytes, expected a text (a quoted text of 1 to 600 bytes)");
	o = (size_t)snprintf(buf, 200, HEAD "step s: annotate \"");
	memset(buf + o, 'x', 2000);
	o += 2000;
	o += (size_t)snprintf(buf + o, 10, "\"\n");
	expect_error(buf, o, "t.playbook:3:18: found a text of more than 1023 bytes, expected a text (a quoted text of 1 to 600 bytes)");

	/* 64 KiB parses (comments fill it); one byte more fails where it starts. */
	o = (size_t)snprintf(buf, 200, HEAD "step s: annotate \"x\"\n");
	while (o < PLAYBOOK_MAX_BYTES) {
		size_t line = PLAYBOOK_MAX_BYTES - o < 100 ? PLAYBOOK_MAX_BYTES - o : 100;

		memset(buf + o, '#', line - 1);
		buf[o + line - 1] = '\n';
		o += line;
	}
	assert_int_equal(o, PLAYBOOK_MAX_BYTES);
	assert_int_equal(playbook_parse(buf, o, "t.playbook", &pb, &e), 0);
	buf[o++] = '#';
	/* 3 lines of 11+16+21 = 48 bytes, 654 lines of 100 and one of 88: byte 65537 starts line 659. */
	expect_error(buf, o, "t.playbook:659:1: found byte 65537 of the file, expected the end of the file (at most 65536 bytes)");
	free(buf);
}

static void test_matches(void **state)
{
	const struct steward_kv crit[] = { { "alertname", "ModelDriftCritical" }, { "severity", "critical" },
					   { "team", "ml" }, { "env", "prod eu" } };
	const struct steward_kv ops[] = { { "severity", "critical" }, { "team", "ops" }, { "env", "prod eu" } };
	const struct steward_kv warn[] = { { "severity", "warning" }, { "env", "prod eu" } };
	const struct steward_kv noteam[] = { { "severity", "critical" }, { "env", "prod eu" } };
	const struct steward_kv noenv[] = { { "severity", "critical" } };
	struct err e = { 0 };

	(void)state;
	if (parse(full_text, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(playbook_matches(&pb, "ModelDriftCritical", crit, 4), 1);
	assert_int_equal(playbook_matches(&pb, "ModelDriftHigh", crit, 4), 0);    /* another alert */
	assert_int_equal(playbook_matches(&pb, "modeldriftcritical", crit, 4), 0); /* names are exact */
	assert_int_equal(playbook_matches(&pb, NULL, crit, 4), 0);
	assert_int_equal(playbook_matches(&pb, "ModelDriftCritical", ops, 3), 0);    /* team!=ops fails */
	assert_int_equal(playbook_matches(&pb, "ModelDriftCritical", warn, 2), 0);   /* severity=critical fails */
	assert_int_equal(playbook_matches(&pb, "ModelDriftCritical", noteam, 2), 1); /* absent != ops holds */
	assert_int_equal(playbook_matches(&pb, "ModelDriftCritical", noenv, 1), 0);  /* absent = "prod eu" fails */
	assert_int_equal(playbook_matches(&pb, "ModelDriftCritical", NULL, 0), 0);

	/* No matchers: the alert name alone decides; an empty value matches an absent label. */
	assert_int_equal(parse("playbook t\ntrigger alert A x=\"\"\nstep a: annotate \"n\"\n", &e), 0);
	assert_int_equal(playbook_matches(&pb, "A", NULL, 0), 1);
	assert_int_equal(playbook_matches(&pb, "A", warn, 2), 1);
	assert_int_equal(playbook_matches(&pb, "A", (const struct steward_kv[]){ { "x", "1" } }, 1), 0);
}

static void test_expand(void **state)
{
	const struct playbook_vars v = { .model = "fraud-scoring", .version = "3", .alert = "ModelDriftCritical",
					 .severity = "critical", .playbook = "rollback-on-critical-drift" };
	const struct playbook_vars some = { .model = "m" };
	char out[200], small[8];

	(void)state;
	assert_int_equal(playbook_expand("{model} v{version}: {alert} ({severity}) by {playbook}", &v, out, sizeof out), 0);
	assert_string_equal(out, "fraud-scoring v3: ModelDriftCritical (critical) by rollback-on-critical-drift");
	assert_int_equal(playbook_expand("{model} v{version}", &some, out, sizeof out), 0);
	assert_string_equal(out, "m v-");
	assert_int_equal(playbook_expand("{model} {alert}", NULL, out, sizeof out), 0);
	assert_string_equal(out, "- -");
	assert_int_equal(playbook_expand("{{model}} {", &v, out, sizeof out), -1); /* a lone '{' is unknown */
	assert_string_equal(out, "{model}} {");
	assert_int_equal(playbook_expand("a {nope} b", &v, out, sizeof out), -1);
	assert_string_equal(out, "a {nope} b");
	assert_int_equal(playbook_expand("no placeholders", &v, out, sizeof out), 0);
	assert_string_equal(out, "no placeholders");
	assert_int_equal(playbook_expand("{model}", &v, small, sizeof small), -1);
	assert_string_equal(small, "fraud-s");
	assert_int_equal(playbook_expand("", &v, small, sizeof small), 0);
	assert_string_equal(small, "");
}

static void test_describe(void **state)
{
	const struct playbook_vars v = { .model = "fraud-scoring", .version = "3", .alert = "ModelDriftCritical",
					 .severity = "critical", .playbook = "p" };
	struct err e = { 0 };
	char out[800];

	(void)state;
	if (parse(full_text, &e) != 0)
		fail_msg("%s", e.msg);
	playbook_describe(step("rollback"), &v, out, sizeof out);
	assert_string_equal(out, "roll production of fraud-scoring back to the known-safe version, returning its traffic: "
				 "\"critical drift on fraud-scoring v3\"");
	playbook_describe(step("rollback"), NULL, out, sizeof out);
	assert_string_equal(out, "roll production of the model back to the known-safe version, returning its traffic: "
				 "\"critical drift on {model} v{version}\"");
	playbook_describe(step("firing"), &v, out, sizeof out);
	assert_string_equal(out, "check that alert ModelDriftCritical is firing for fraud-scoring v3");
	playbook_describe(step("errors"), &v, out, sizeof out);
	assert_string_equal(out, "check that the live error_rate of fraud-scoring v3 is above 0.05 (>)");
	playbook_describe(step("drift"), NULL, out, sizeof out);
	assert_string_equal(out, "check that the drift of some feature of the model is at least 0.2 (>=)");
	playbook_describe(step("age"), NULL, out, sizeof out);
	assert_string_equal(out, "check that the drift of feature age of the model is below 0.1 (<)");
	playbook_describe(step("incident"), &v, out, sizeof out);
	assert_string_equal(out, "open a critical incident for fraud-scoring: \"Critical drift on fraud-scoring\"");
	playbook_describe(step("degrade"), &v, out, sizeof out);
	assert_string_equal(out, "send 100% of the live traffic of fraud-scoring to its previous version: \"latency over budget\"");
	playbook_describe(step("fixed"), &v, out, sizeof out);
	assert_string_equal(out, "send 35% of the live traffic of fraud-scoring to version 7: \"pin\"");
	playbook_describe(step("silence"), &v, out, sizeof out);
	assert_string_equal(out, "silence alert ModelDriftCritical for fraud-scoring for 2h: \"rolled back; drift should clear\"");
	playbook_describe(step("s90"), NULL, out, sizeof out);
	assert_string_equal(out, "silence the triggering alert for the model for 90s: \"short\"");
	playbook_describe(step("note"), &v, out, sizeof out);
	assert_string_equal(out, "add to the timeline of the open incident of fraud-scoring: \"traffic back on 3\"");
	playbook_describe(step("close"), &v, out, sizeof out);
	assert_string_equal(out, "resolve the open incident of fraud-scoring: \"rolled back by playbook\"");
	playbook_describe(step("annotate"), &v, out, sizeof out);
	assert_string_equal(out, "write a note on fraud-scoring in the ledger (and the open incident's timeline): \"text\"");
	/* Cut short, still a string. */
	playbook_describe(step("annotate"), &v, out, 10);
	assert_string_equal(out, "write a n");
}

struct lint_seen {
	int n;
	int line[8];
	char msg[8][400];
};

static void lint_fn(void *arg, int line, const char *msg)
{
	struct lint_seen *l = arg;

	if (l->n < 8) {
		l->line[l->n] = line;
		snprintf(l->msg[l->n], sizeof l->msg[0], "%s", msg);
	}
	l->n++;
}

static void test_lint(void **state)
{
	struct lint_seen l = { 0 };
	struct err e = { 0 };

	(void)state;
	assert_int_equal(parse(HEAD "step c: check firing\nstep r: rollback \"r\"\nstep s: silence 24h \"ok\"\n", &e), 0);
	playbook_lint(&pb, lint_fn, &l);
	assert_int_equal(l.n, 0);

	assert_int_equal(parse(HEAD "step o: incident open info \"x\"\nstep c: check firing\nstep r: rollback \"r\"\n"
				    "step s: silence 25h \"long\"\nstep d: shift previous 100 \"r\"\n", &e), 0);
	playbook_lint(&pb, lint_fn, &l);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.line[0], 3);
	assert_string_equal(l.msg[0], "step 'o' (incident open) acts before any check step: nothing confirms the alert still holds");
	assert_int_equal(l.line[1], 6);
	assert_string_equal(l.msg[1], "step 's' silences the alert for 25h: longer than 24h hides it if it comes back");
	assert_int_equal(l.line[2], 7);
	assert_string_equal(l.msg[2], "step 'd' (shift) and step 'r' (rollback, line 5) both move traffic: one undoes the other");

	/* No check at all warns once, at the first action. */
	memset(&l, 0, sizeof l);
	assert_int_equal(parse(HEAD "step a: annotate \"x\"\nstep b: annotate \"y\"\n", &e), 0);
	playbook_lint(&pb, lint_fn, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.line[0], 3);

	/* Loaded from a file not named after it: a warning about the file (line 0). */
	memset(&l, 0, sizeof l);
	assert_int_equal(parse(HEAD "step c: check firing\n", &e), 0);
	snprintf(pb.path, sizeof pb.path, "/x/other.playbook");
	playbook_lint(&pb, lint_fn, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.line[0], 0);
	assert_string_equal(l.msg[0], "the file is not named t.playbook: playbooks are found by file and run by name");
	memset(&l, 0, sizeof l);
	snprintf(pb.path, sizeof pb.path, "/x/t.playbook");
	playbook_lint(&pb, lint_fn, &l);
	assert_int_equal(l.n, 0);
}

static char tmp[256];

static void write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmp, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

struct bad_seen {
	int n;
	char msg[4][512];
};

static void bad_fn(void *arg, const char *path, const struct err *e)
{
	struct bad_seen *b = arg;

	(void)path;
	if (b->n < 4)
		snprintf(b->msg[b->n], sizeof b->msg[0], "%s", e->msg);
	b->n++;
}

static void test_files(void **state)
{
	struct bad_seen b = { 0 };
	struct playbook *all = NULL;
	char path[512], link[512], want[1024], dir[600];
	struct err e = { 0 };
	size_t n = 0;

	(void)state;
	snprintf(tmp, sizeof tmp, "/tmp/test_playbook.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	write_file("zeta.playbook", "playbook zeta\ntrigger alert Z\nstep c: check firing\n");
	write_file("alpha.playbook", "playbook alpha\ntrigger alert A\nstep c: check firing\n");
	write_file("b-copy.playbook", "playbook zeta\ntrigger alert Z2\nstep c: check firing\n");
	write_file("broken.playbook", "playbook broken\ntrigger alert B\nstep c: chek firing\n");
	write_file("notes.txt", "not a playbook\n");
	write_file(".hidden.playbook", "garbage\n");

	snprintf(path, sizeof path, "%s/alpha.playbook", tmp);
	assert_int_equal(playbook_load(path, &pb, &e), 0);
	assert_string_equal(pb.path, path);
	/* sha256 of the file's bytes: "printf 'playbook alpha\ntrigger alert A\nstep c: check firing\n' | sha256sum". */
	assert_string_equal(pb.digest, "sha256:" ALPHA_SHA256);

	/* A symlink is refused, even to a good playbook. */
	snprintf(link, sizeof link, "%s/link.playbook", tmp);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(playbook_load(link, &pb, &e), -1);
	snprintf(want, sizeof want, "cannot read playbook file %s: it is a symbolic link", link);
	assert_string_equal(e.msg, want);
	/* A directory and a missing file. */
	assert_int_equal(playbook_load(tmp, &pb, &e), -1);
	snprintf(want, sizeof want, "cannot read playbook file %s: it is a directory, not a regular file", tmp);
	assert_string_equal(e.msg, want);
	snprintf(path, sizeof path, "%s/none.playbook", tmp);
	assert_int_equal(playbook_load(path, &pb, &e), -1);
	assert_int_equal(e.kind, ERR_NOTFOUND);

	assert_int_equal(playbook_load_dir(tmp, &all, &n, bad_fn, &b, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(all[0].name, "alpha");
	assert_string_equal(all[1].name, "zeta");
	snprintf(want, sizeof want, "%s/b-copy.playbook", tmp); /* the first zeta in file order */
	assert_string_equal(all[1].path, want);
	assert_string_equal(all[1].alert, "Z2");
	free(all);
	/* b-copy is loaded first (file order), so zeta.playbook is the second zeta. */
	assert_int_equal(b.n, 3);
	snprintf(want, sizeof want, "%s/broken.playbook:3:9: found 'chek', expected a step kind (check, incident, rollback, shift, silence, annotate)", tmp);
	assert_string_equal(b.msg[0], want);
	snprintf(want, sizeof want, "cannot read playbook file %s/link.playbook: it is a symbolic link", tmp);
	assert_string_equal(b.msg[1], want);
	snprintf(want, sizeof want, "%s/zeta.playbook: playbook zeta is already defined in %s/b-copy.playbook; this one is not loaded", tmp, tmp);
	assert_string_equal(b.msg[2], want);

	assert_int_equal(playbook_find(tmp, "alpha", &pb, &e), 0);
	assert_string_equal(pb.alert, "A");
	assert_int_equal(playbook_find(tmp, "broken", &pb, &e), -1);
	assert_int_equal(e.kind, ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "no playbook named broken in "));
	assert_non_null(strstr(e.msg, "(3 files there did not load: "));

	/* An empty directory loads nothing; a missing one is an error. */
	snprintf(dir, sizeof dir, "%s/empty", tmp);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(playbook_load_dir(dir, &all, &n, NULL, NULL, &e), 0);
	assert_int_equal(n, 0);
	free(all);
	snprintf(dir, sizeof dir, "%s/missing", tmp);
	assert_int_equal(playbook_load_dir(dir, &all, &n, NULL, NULL, &e), -1);
	assert_int_equal(e.kind, ERR_NOTFOUND);
}

static void test_dir(void **state)
{
	char out[4096], xdg[600], pbdir[700];
	struct err e = { 0 };

	(void)state;
	unsetenv("STEWARD_PLAYBOOK_DIR");
	assert_int_equal(playbook_dir("/given", "/configured", out, sizeof out, &e), 0);
	assert_string_equal(out, "/given");
	setenv("STEWARD_PLAYBOOK_DIR", "/from-env", 1);
	assert_int_equal(playbook_dir(NULL, "/configured", out, sizeof out, &e), 0);
	assert_string_equal(out, "/from-env");
	assert_int_equal(playbook_dir("/given", NULL, out, sizeof out, &e), 0);
	assert_string_equal(out, "/given");
	unsetenv("STEWARD_PLAYBOOK_DIR");
	assert_int_equal(playbook_dir(NULL, "/configured", out, sizeof out, &e), 0);
	assert_string_equal(out, "/configured");
	/* XDG_CONFIG_HOME/steward/playbooks when it exists. */
	snprintf(xdg, sizeof xdg, "%s/xdg", tmp);
	snprintf(pbdir, sizeof pbdir, "%s/steward", xdg);
	assert_int_equal(mkdir(xdg, 0700), 0);
	assert_int_equal(mkdir(pbdir, 0700), 0);
	snprintf(pbdir, sizeof pbdir, "%s/steward/playbooks", xdg);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	/* Not there yet: the shipped ones, found beside the binary's build tree
	 * (build/tests) but not from build/san/tests, nor installed here. */
	if (playbook_dir(NULL, "", out, sizeof out, &e) == 0) {
		assert_string_not_equal(out, pbdir);
	} else {
		assert_int_equal(e.kind, ERR_NOTFOUND);
		assert_non_null(strstr(e.msg, "give --playbooks DIR or set STEWARD_PLAYBOOK_DIR"));
	}
	assert_int_equal(mkdir(pbdir, 0700), 0);
	assert_int_equal(playbook_dir(NULL, "", out, sizeof out, &e), 0);
	assert_string_equal(out, pbdir);
	unsetenv("XDG_CONFIG_HOME");
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int cleanup(void **state)
{
	(void)state;
	return tmp[0] != '\0' ? nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS) : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),    cmocka_unit_test(test_errors), cmocka_unit_test(test_limits),
		cmocka_unit_test(test_matches),  cmocka_unit_test(test_expand), cmocka_unit_test(test_describe),
		cmocka_unit_test(test_lint),     cmocka_unit_test(test_files),  cmocka_unit_test(test_dir),
	};

	return cmocka_run_group_tests(tests, NULL, cleanup);
}
