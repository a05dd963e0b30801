/* playbook: the playbook file format (a trigger and ordered check and action steps, one statement per line, file:line:col errors), its lint, trigger matching, placeholders and step descriptions. */
#include "playbook.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "file.h"
#include "gate.h"
#include "lex.h"

#define PLAYBOOK_MAX_FILES 256 /* per directory: a struct playbook is ~35 KiB */
#define PLAYBOOK_LINT_SILENCE (24 * 3600)

/* ---- names, numbers and texts over core/lex.c's tokens ---- */

/* [a-z0-9][a-z0-9._-]*, at most 64 bytes: playbook names end up in file
 * names, ledger subjects and `:` commands. */
static int pb_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > PLAYBOOK_NAME_MAX || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' ||
		      s[i] == '-'))
			return 0;
	return 1;
}

/* A Prometheus label name: [A-Za-z_][A-Za-z0-9_]*. */
static int pb_label_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > PLAYBOOK_NAME_MAX ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_'))
			return 0;
	return 1;
}

/* An alert name: a word, or a quoted string for names with other characters. */
static int pb_alert_name(struct lexer *lx, char *out, size_t n)
{
	struct lex_token t;

	lex_next(lx, &t);
	if ((t.type != LEX_WORD && t.type != LEX_STRING) || t.too_long || t.text[0] == '\0' || strlen(t.text) >= n)
		return lex_fail(lx, &t, "an alert name (a word or a quoted name of at most 128 bytes)");
	snprintf(out, n, "%s", t.text);
	return 0;
}

/* A whole number from lo to hi written in decimal digits only. */
static int pb_whole(const char *s, int64_t lo, int64_t hi, int64_t *v)
{
	char *end;
	long long x;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || x < lo || x > hi)
		return -1;
	*v = (int64_t)x;
	return 0;
}

static const char *const pb_placeholders[] = { "model", "version", "alert", "severity", "playbook" };

/* Length of the placeholder name at s ("model}" -> 5), 0 when s does not
 * start with a known name followed by '}'. */
static size_t pb_placeholder(const char *s, size_t n, size_t *which)
{
	size_t i, k;

	for (i = 0; i < sizeof pb_placeholders / sizeof pb_placeholders[0]; i++) {
		k = strlen(pb_placeholders[i]);
		if (k < n && memcmp(s, pb_placeholders[i], k) == 0 && s[k] == '}') {
			*which = i;
			return k;
		}
	}
	return 0;
}

/* Checks the placeholders of a string token against its bytes in the
 * line, so the column is the one of the '{' as written. */
static int pb_check_placeholders(struct lexer *lx, const struct lex_token *t)
{
	const char *s = t->raw + 1, *end = t->raw + t->rawlen - 1;
	size_t which;

	while (s < end) {
		if (*s == '\\') {
			s += 2;
			continue;
		}
		if (*s == '{') {
			size_t k;

			if (s + 1 < end && s[1] == '{') {
				s += 2;
				continue;
			}
			k = pb_placeholder(s + 1, (size_t)(end - s - 1), &which);
			if (k == 0) {
				struct lex_token bad = { .type = LEX_BAD, .col = (int)(s - lx->start) + 1 };
				const char *close = memchr(s, '}', (size_t)(end - s));
				size_t len = close != NULL && close - s < 40 ? (size_t)(close - s) + 1 : 1;
				char ex[64], frag[48];

				snprintf(frag, sizeof frag, "%.*s", (int)len, s);
				check_excerpt(frag, ex, sizeof ex);
				snprintf(bad.why, sizeof bad.why, "the placeholder '%s'", ex);
				return lex_fail(lx, &bad, "{model}, {version}, {alert}, {severity}, {playbook} or {{ for a '{'");
			}
			s += k + 2;
			continue;
		}
		s++;
	}
	return 0;
}

/* A quoted, non-empty text of at most max bytes; placeholders checked when asked. */
static int pb_text(struct lexer *lx, const char *what, size_t max, int placeholders, char *out, size_t n)
{
	struct lex_token t;
	char want[120];

	lex_next(lx, &t);
	snprintf(want, sizeof want, "%s (a quoted text of 1 to %zu bytes)", what, max);
	if (t.type != LEX_STRING || t.text[0] == '\0')
		return lex_fail(lx, &t, want);
	if (t.too_long || strlen(t.text) > max) {
		struct lex_token big = t;

		big.type = LEX_BAD;
		snprintf(big.why, sizeof big.why, "a text of %s%zu bytes", t.too_long ? "more than " : "",
			 strlen(t.text));
		return lex_fail(lx, &big, want);
	}
	if (placeholders && pb_check_placeholders(lx, &t) != 0)
		return -1;
	snprintf(out, n, "%s", t.text);
	return 0;
}

/* ---- statements ---- */

static int pb_trigger(struct lexer *lx, struct playbook *p)
{
	struct lex_token t;

	if (lex_keyword(lx, "alert") != 0 || pb_alert_name(lx, p->alert, sizeof p->alert) != 0)
		return -1;
	for (;;) {
		struct playbook_matcher *m;
		struct lex_token name, op;

		lex_next(lx, &name);
		if (name.type == LEX_END)
			return 0;
		if (name.type != LEX_WORD || name.too_long || !pb_label_ok(name.text))
			return lex_fail(lx, &name, "a label matcher NAME=VALUE or NAME!=VALUE "
						  "(NAME as [A-Za-z_][A-Za-z0-9_]*) or the end of the line");
		if (p->nm == PLAYBOOK_MAX_MATCHERS)
			return lex_fail(lx, &name, "at most 8 label matchers");
		m = &p->m[p->nm];
		memset(m, 0, sizeof *m);
		snprintf(m->name, sizeof m->name, "%.64s", name.text);
		lex_next(lx, &op);
		if (op.type != LEX_OP || (strcmp(op.text, "=") != 0 && strcmp(op.text, "!=") != 0))
			return lex_fail(lx, &op, "'=' or '!=' after the label name");
		m->neg = op.text[0] == '!';
		lex_next(lx, &t);
		if ((t.type != LEX_WORD && t.type != LEX_STRING) || t.too_long || strlen(t.text) >= sizeof m->value)
			return lex_fail(lx, &t, "a label value (a word or a quoted value of at most 256 bytes)");
		snprintf(m->value, sizeof m->value, "%.256s", t.text);
		p->nm++;
	}
}

static int pb_step_args(struct lexer *lx, const struct playbook *p, struct playbook_step *s)
{
	struct lex_token t;
	const char *save;
	char op[3];

	switch (s->kind) {
	case PB_CHECK_FIRING:
		save = lx->p;
		lex_next(lx, &t);
		if (t.type == LEX_END) {
			snprintf(s->a, sizeof s->a, "%s", p->alert);
			break;
		}
		lx->p = save;
		if (pb_alert_name(lx, s->a, sizeof s->a) != 0)
			return -1;
		break;
	case PB_CHECK_LIVE:
	case PB_CHECK_DRIFT:
		lex_next(lx, &t);
		if (t.type != LEX_WORD || t.too_long || strlen(t.text) > PLAYBOOK_NAME_MAX ||
		    check_name("name", t.text, PLAYBOOK_NAME_MAX, lx->e) != 0)
			return lex_fail(lx, &t, s->kind == PB_CHECK_LIVE ? "a signal name (latency_p99, error_rate, ...)"
								   : "a feature name or 'any'");
		snprintf(s->a, sizeof s->a, "%.128s", t.text);
		if (lex_op(lx, ">= > <= < ==", op) != 0 || lex_number(lx, "a number", &s->value) != 0)
			return -1;
		s->op = policy_op_parse(op);
		break;
	case PB_INCIDENT_OPEN:
		lex_next(lx, &t);
		if (t.type != LEX_WORD || policy_severity(t.text) == 0)
			return lex_fail(lx, &t, "a severity (info, warning, critical)");
		snprintf(s->a, sizeof s->a, "%.128s", t.text);
		if (pb_text(lx, "a title", PLAYBOOK_TEXT_MAX, 1, s->text, sizeof s->text) != 0)
			return -1;
		break;
	case PB_INCIDENT_NOTE:
	case PB_INCIDENT_RESOLVE:
	case PB_ANNOTATE:
		if (pb_text(lx, "a text", PLAYBOOK_TEXT_MAX, 1, s->text, sizeof s->text) != 0)
			return -1;
		break;
	case PB_ROLLBACK: {
		struct err ig;

		save = lx->p;
		lex_next(lx, &t);
		if (t.type == LEX_WORD) {
			if (t.too_long || check_alias(t.text, &ig) != 0)
				return lex_fail(lx, &t, "an alias ([a-z][a-z0-9_-]*) or a quoted reason");
			snprintf(s->a, sizeof s->a, "%.128s", t.text);
		} else {
			lx->p = save;
			snprintf(s->a, sizeof s->a, "production");
		}
		if (pb_text(lx, "a reason", PLAYBOOK_TEXT_MAX, 1, s->text, sizeof s->text) != 0)
			return -1;
		break;
	}
	case PB_SHIFT:
		lex_next(lx, &t);
		if (t.type == LEX_WORD && (strcmp(t.text, "previous") == 0 || strcmp(t.text, "current") == 0))
			snprintf(s->a, sizeof s->a, "%.128s", t.text);
		else if (t.type != LEX_WORD || pb_whole(t.text, 1, INT64_C(1000000000000000), &s->version) != 0)
			return lex_fail(lx, &t, "a version: 'previous', 'current' or a version number");
		lex_next(lx, &t);
		if (t.type != LEX_WORD || pb_whole(t.text, 0, 100, &s->share) != 0)
			return lex_fail(lx, &t, "a share of traffic (a whole number from 0 to 100)");
		if (pb_text(lx, "a reason", PLAYBOOK_TEXT_MAX, 1, s->text, sizeof s->text) != 0)
			return -1;
		break;
	case PB_SILENCE:
		lex_next(lx, &t);
		if (t.type != LEX_WORD || (s->duration = policy_duration(t.text)) <= 0 ||
		    s->duration > PLAYBOOK_SILENCE_MAX)
			return lex_fail(lx, &t, "a duration from 1s to 7d (90s, 30m, 2h, 7d)");
		if (pb_text(lx, "a comment", PLAYBOOK_TEXT_MAX, 1, s->text, sizeof s->text) != 0)
			return -1;
		break;
	}
	return lex_eol(lx);
}

static const struct {
	const char *w1, *w2; /* "check" "live"; w2 NULL for one-word kinds */
	enum playbook_kind kind;
} pb_kinds[] = {
	{ "check", "firing", PB_CHECK_FIRING },
	{ "check", "live", PB_CHECK_LIVE },
	{ "check", "drift", PB_CHECK_DRIFT },
	{ "incident", "open", PB_INCIDENT_OPEN },
	{ "incident", "note", PB_INCIDENT_NOTE },
	{ "incident", "resolve", PB_INCIDENT_RESOLVE },
	{ "rollback", NULL, PB_ROLLBACK },
	{ "shift", NULL, PB_SHIFT },
	{ "silence", NULL, PB_SILENCE },
	{ "annotate", NULL, PB_ANNOTATE },
};

const char *playbook_kind_name(enum playbook_kind k)
{
	static const char *const names[] = { "?", "check firing", "check live", "check drift", "incident open",
					     "incident note", "incident resolve", "rollback", "shift", "silence",
					     "annotate" };

	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

int playbook_is_action(enum playbook_kind k)
{
	return k >= PB_INCIDENT_OPEN && k <= PB_ANNOTATE;
}

static int pb_step(struct lexer *lx, struct playbook *p, const struct lex_token *kw)
{
	struct playbook_step *s;
	struct lex_token t, name;
	size_t i;

	if (p->alert[0] == '\0')
		return lex_fail(lx, kw, "'trigger alert NAME ...' before the first step");
	if (p->nsteps == PLAYBOOK_MAX_STEPS) {
		struct lex_token many = *kw;

		many.type = LEX_BAD;
		snprintf(many.why, sizeof many.why, "step %d", PLAYBOOK_MAX_STEPS + 1);
		return lex_fail(lx, &many, "at most 32 steps");
	}
	s = &p->steps[p->nsteps];
	memset(s, 0, sizeof *s);
	s->line = lx->line;
	lex_next(lx, &name);
	if (name.type != LEX_WORD || name.too_long || check_name("step name", name.text, PLAYBOOK_NAME_MAX, lx->e) != 0)
		return lex_fail(lx, &name, "a step name ([A-Za-z0-9][A-Za-z0-9._-]*, at most 64 bytes)");
	for (i = 0; i < p->nsteps; i++)
		if (strcmp(p->steps[i].name, name.text) == 0) {
			char want[120];

			snprintf(want, sizeof want, "a step name not used before (line %d has it)", p->steps[i].line);
			return lex_fail(lx, &name, want);
		}
	snprintf(s->name, sizeof s->name, "%.64s", name.text);
	if (lex_expect(lx, LEX_COLON, "':' after the step name") != 0)
		return -1;
	lex_next(lx, &t);
	for (i = 0; i < sizeof pb_kinds / sizeof pb_kinds[0]; i++)
		if (t.type == LEX_WORD && strcmp(t.text, pb_kinds[i].w1) == 0)
			break;
	if (i == sizeof pb_kinds / sizeof pb_kinds[0])
		return lex_fail(lx, &t, "a step kind (check, incident, rollback, shift, silence, annotate)");
	if (pb_kinds[i].w2 != NULL) {
		const char *w1 = pb_kinds[i].w1;
		char want[80];

		lex_next(lx, &t);
		for (; i < sizeof pb_kinds / sizeof pb_kinds[0] && strcmp(pb_kinds[i].w1, w1) == 0; i++)
			if (t.type == LEX_WORD && strcmp(t.text, pb_kinds[i].w2) == 0)
				break;
		if (i == sizeof pb_kinds / sizeof pb_kinds[0] || strcmp(pb_kinds[i].w1, w1) != 0) {
			snprintf(want, sizeof want, "%s", strcmp(w1, "check") == 0 ? "what to check (firing, live, drift)"
										: "open, note or resolve");
			return lex_fail(lx, &t, want);
		}
	}
	s->kind = pb_kinds[i].kind;
	if (pb_step_args(lx, p, s) != 0)
		return -1;
	p->nsteps++;
	return 0;
}

/* Line and column (bytes, from 1) of offset off in text. */
static void pb_locate(const char *text, size_t off, int *line, int *col)
{
	const char *nl, *ls = text;

	*line = 1;
	while ((nl = memchr(ls, '\n', (size_t)(text + off - ls))) != NULL) {
		(*line)++;
		ls = nl + 1;
	}
	*col = (int)(text + off - ls) + 1;
}

/* Whole-file checks before the tokens: size, NUL bytes, UTF-8 and control
 * characters anywhere (comments included), each located. */
static int pb_scan(const char *text, size_t len, const char *fname, struct err *e)
{
	size_t i = 0;
	int line, col;

	if (len > PLAYBOOK_MAX_BYTES) {
		pb_locate(text, PLAYBOOK_MAX_BYTES, &line, &col);
		return err_set(e, ERR_INVALID, "%s:%d:%d: found byte %d of the file, expected the end of the file (at most %d bytes)",
			       fname, line, col, PLAYBOOK_MAX_BYTES + 1, PLAYBOOK_MAX_BYTES);
	}
	while (i < len) {
		uint32_t cp;
		size_t k;

		if (text[i] == '\0') {
			pb_locate(text, i, &line, &col);
			return err_set(e, ERR_INVALID, "%s:%d:%d: found a NUL byte, expected text", fname, line, col);
		}
		k = check_utf8_char(text + i, len - i, &cp);
		if (k == 0) {
			pb_locate(text, i, &line, &col);
			return err_set(e, ERR_INVALID, "%s:%d:%d: found the byte \\x%02x, expected UTF-8 text", fname, line,
				       col, (unsigned char)text[i]);
		}
		if (cp != '\n' && cp != '\t' && !(cp == '\r' && i + 1 < len && text[i + 1] == '\n') &&
		    (check_is_control(cp) || check_is_bidi(cp))) {
			pb_locate(text, i, &line, &col);
			return err_set(e, ERR_INVALID, "%s:%d:%d: found the %scontrol character U+%04" PRIX32 ", expected text",
				       fname, line, col, check_is_bidi(cp) ? "bidirectional " : "", cp);
		}
		i += k;
	}
	return 0;
}

static const char *const pb_statements = "a statement (description, trigger, step)";

int playbook_parse(const char *text, size_t len, const char *fname, struct playbook *out, struct err *e)
{
	struct lexer lx;
	struct lex_token t;

	memset(out, 0, sizeof *out);
	if (pb_scan(text, len, fname, e) != 0)
		return -1;
	lex_init(&lx, text, len, fname, LEX_OPT_MATCH | LEX_OPT_ESCAPES | LEX_OPT_WHOLE_CHARS, e);
	while (lex_statement(&lx, &t)) {
		int r = 0;

		if (out->name[0] == '\0') {
			struct lex_token name;

			if (t.type != LEX_WORD || strcmp(t.text, "playbook") != 0)
				r = lex_fail(&lx, &t, "'playbook NAME' (the first statement)");
			else {
				lex_next(&lx, &name);
				if (name.type != LEX_WORD || name.too_long || !pb_name_ok(name.text))
					r = lex_fail(&lx, &name, "a playbook name ([a-z0-9][a-z0-9._-]*, at most 64 bytes)");
				else if ((r = lex_eol(&lx)) == 0)
					snprintf(out->name, sizeof out->name, "%.64s", name.text);
			}
		} else if (t.type != LEX_WORD) {
			r = lex_fail(&lx, &t, pb_statements);
		} else if (strcmp(t.text, "step") == 0) {
			r = pb_step(&lx, out, &t);
		} else if (strcmp(t.text, "playbook") == 0) {
			r = lex_fail(&lx, &t, "one 'playbook' line");
		} else if (strcmp(t.text, "description") == 0 || strcmp(t.text, "trigger") == 0) {
			int desc = t.text[0] == 'd';

			if (out->nsteps > 0)
				r = lex_fail(&lx, &t, desc ? "the description before the steps" : "the trigger before the steps");
			else if (desc ? out->description[0] != '\0' : out->alert[0] != '\0')
				r = lex_fail(&lx, &t, desc ? "one 'description' line" : "one 'trigger' line");
			else if (desc)
				r = pb_text(&lx, "a description", PLAYBOOK_DESC_MAX, 0, out->description, sizeof out->description) ||
				    lex_eol(&lx);
			else
				r = pb_trigger(&lx, out);
		} else {
			r = lex_fail(&lx, &t, pb_statements);
		}
		if (r != 0)
			return -1;
	}
	if (out->name[0] == '\0' || out->alert[0] == '\0' || out->nsteps == 0)
		return err_set(e, ERR_INVALID, "%s:%d:1: found the end of the file, expected %s", fname, lx.line + 1,
			       out->name[0] == '\0' ? "'playbook NAME' (the first statement)"
			       : out->alert[0] == '\0' ? "a 'trigger alert NAME' line"
			       : "at least one 'step NAME: ...' line");
	return 0;
}

int playbook_load(const char *path, struct playbook *out, struct err *e)
{
	char *text;
	size_t len;
	int r;

	memset(out, 0, sizeof *out);
	if (strlen(path) >= sizeof out->path)
		return err_set(e, ERR_INVALID, "playbook file path is longer than %zu bytes", sizeof out->path - 1);
	/* A symlink could make `check` judge one file and `run` act on another
	 * the link points at later: playbooks are read as the files they are. */
	if (file_read_flags(path, "playbook file", FILE_NOFOLLOW, PLAYBOOK_MAX_BYTES, &text, &len, e) != 0)
		return -1;
	r = playbook_parse(text, len, path, out, e);
	if (r == 0) {
		gate_digest(text, len, out->digest);
		snprintf(out->path, sizeof out->path, "%s", path);
	}
	free(text);
	return r;
}

/* ---- lint ---- */

static void pb_warn(void (*fn)(void *arg, int line, const char *msg), void *arg, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void pb_warn(void (*fn)(void *arg, int line, const char *msg), void *arg, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fn(arg, line, msg);
}

static void pb_duration_text(int64_t d, char *buf, size_t n)
{
	if (d % 86400 == 0)
		snprintf(buf, n, "%" PRId64 "d", d / 86400);
	else if (d % 3600 == 0)
		snprintf(buf, n, "%" PRId64 "h", d / 3600);
	else if (d % 60 == 0)
		snprintf(buf, n, "%" PRId64 "m", d / 60);
	else
		snprintf(buf, n, "%" PRId64 "s", d);
}

void playbook_lint(const struct playbook *p, void (*fn)(void *arg, int line, const char *msg), void *arg)
{
	const struct playbook_step *rollback = NULL, *shift = NULL;
	int checked = 0, warned_order = 0;
	size_t i;

	if (p->path[0] != '\0') {
		const char *base = strrchr(p->path, '/');
		size_t n;

		base = base != NULL ? base + 1 : p->path;
		n = strlen(base);
		if (n <= 9 || strcmp(base + n - 9, ".playbook") != 0 || n - 9 != strlen(p->name) ||
		    strncmp(base, p->name, n - 9) != 0)
			pb_warn(fn, arg, 0, "the file is not named %s.playbook: playbooks are found by file and run by name",
				p->name);
	}
	for (i = 0; i < p->nsteps; i++) {
		const struct playbook_step *s = &p->steps[i];

		if (!playbook_is_action(s->kind)) {
			checked = 1;
			continue;
		}
		if (!checked && !warned_order) {
			warned_order = 1;
			pb_warn(fn, arg, s->line,
				"step '%s' (%s) acts before any check step: nothing confirms the alert still holds", s->name,
				playbook_kind_name(s->kind));
		}
		if (s->kind == PB_ROLLBACK && rollback == NULL)
			rollback = s;
		if (s->kind == PB_SHIFT && shift == NULL)
			shift = s;
		if (s->kind == PB_SILENCE && s->duration > PLAYBOOK_LINT_SILENCE) {
			char d[32];

			pb_duration_text(s->duration, d, sizeof d);
			pb_warn(fn, arg, s->line, "step '%s' silences the alert for %s: longer than 24h hides it if it comes back",
				s->name, d);
		}
	}
	if (rollback != NULL && shift != NULL) {
		const struct playbook_step *later = rollback->line > shift->line ? rollback : shift;
		const struct playbook_step *first = later == rollback ? shift : rollback;

		pb_warn(fn, arg, later->line, "step '%s' (%s) and step '%s' (%s, line %d) both move traffic: one undoes the other",
			later->name, playbook_kind_name(later->kind), first->name, playbook_kind_name(first->kind), first->line);
	}
}

/* ---- matching, placeholders, descriptions ---- */

int playbook_matches(const struct playbook *p, const char *alertname, const struct steward_kv *labels, size_t n)
{
	size_t i, k;

	if (alertname == NULL || strcmp(alertname, p->alert) != 0)
		return 0;
	for (i = 0; i < p->nm; i++) {
		const char *v = "";

		/* Alertmanager's reading: a label that is absent has the empty value. */
		for (k = 0; k < n; k++)
			if (labels[k].key != NULL && strcmp(labels[k].key, p->m[i].name) == 0) {
				v = labels[k].value != NULL ? labels[k].value : "";
				break;
			}
		if ((strcmp(v, p->m[i].value) == 0) == p->m[i].neg)
			return 0;
	}
	return 1;
}

static int pb_put(char *out, size_t n, size_t *o, const char *s, size_t len)
{
	int r = 0;

	if (*o + len >= n) {
		len = n - 1 - *o;
		r = -1;
	}
	memcpy(out + *o, s, len);
	*o += len;
	out[*o] = '\0';
	return r;
}

int playbook_expand(const char *text, const struct playbook_vars *v, char *out, size_t n)
{
	size_t o = 0, len = strlen(text), i = 0, which;
	int r = 0;

	if (n == 0)
		return -1;
	out[0] = '\0';
	while (i < len) {
		const char *brace = memchr(text + i, '{', len - i);
		size_t k, upto = brace != NULL ? (size_t)(brace - text) : len;

		if (pb_put(out, n, &o, text + i, upto - i) != 0)
			return -1;
		i = upto;
		if (i == len)
			break;
		if (i + 1 < len && text[i + 1] == '{') {
			if (pb_put(out, n, &o, "{", 1) != 0)
				return -1;
			i += 2;
			continue;
		}
		k = pb_placeholder(text + i + 1, len - i - 1, &which);
		if (k == 0) {
			r = -1; /* an unknown placeholder stays as written */
			if (pb_put(out, n, &o, "{", 1) != 0)
				return -1;
			i++;
			continue;
		}
		{
			const char *val = NULL;

			if (v != NULL)
				val = which == 0 ? v->model : which == 1 ? v->version : which == 2 ? v->alert
				    : which == 3 ? v->severity : v->playbook;
			if (val == NULL)
				val = "-";
			if (pb_put(out, n, &o, val, strlen(val)) != 0)
				return -1;
		}
		i += k + 2;
	}
	return r;
}

/* The shortest text that reads back as v: "0.05", not "0.050000000000000003". */
static void pb_number_text(double v, char *buf, size_t n)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static const char *pb_op_words(enum policy_op op)
{
	switch (op) {
	case OP_GE: return "at least";
	case OP_GT: return "above";
	case OP_LE: return "at most";
	case OP_LT: return "below";
	case OP_EQ: return "exactly";
	}
	return "?";
}

void playbook_describe(const struct playbook_step *s, const struct playbook_vars *v, char *out, size_t n)
{
	char text[PLAYBOOK_TEXT_MAX * 2 + 64], model[200], val[64], d[32];
	const char *alert;

	if (n == 0)
		return;
	/* Without vars the text is shown as the file writes it, placeholders and all. */
	if (v == NULL)
		snprintf(text, sizeof text, "%s", s->text);
	else
		(void)playbook_expand(s->text, v, text, sizeof text);
	if (v != NULL && v->model != NULL && v->version != NULL)
		snprintf(model, sizeof model, "%.100s v%.60s", v->model, v->version);
	else if (v != NULL && v->model != NULL)
		snprintf(model, sizeof model, "%.100s", v->model);
	else
		snprintf(model, sizeof model, "the model");
	alert = v != NULL && v->alert != NULL ? v->alert : NULL;
	pb_number_text(s->value, val, sizeof val);
	switch (s->kind) {
	case PB_CHECK_FIRING:
		snprintf(out, n, "check that alert %s is firing for %s", s->a, model);
		break;
	case PB_CHECK_LIVE:
		snprintf(out, n, "check that the live %s of %s is %s %s (%s)", s->a, model, pb_op_words(s->op), val,
			 policy_op_text(s->op));
		break;
	case PB_CHECK_DRIFT:
		if (strcmp(s->a, "any") == 0)
			snprintf(out, n, "check that the drift of some feature of %s is %s %s (%s)", model,
				 pb_op_words(s->op), val, policy_op_text(s->op));
		else
			snprintf(out, n, "check that the drift of feature %s of %s is %s %s (%s)", s->a, model,
				 pb_op_words(s->op), val, policy_op_text(s->op));
		break;
	case PB_INCIDENT_OPEN:
		snprintf(out, n, "open a %s incident for %s: \"%s\"", s->a, v != NULL && v->model ? v->model : "the model",
			 text);
		break;
	case PB_INCIDENT_NOTE:
		snprintf(out, n, "add to the timeline of the open incident of %s: \"%s\"",
			 v != NULL && v->model ? v->model : "the model", text);
		break;
	case PB_INCIDENT_RESOLVE:
		snprintf(out, n, "resolve the open incident of %s: \"%s\"", v != NULL && v->model ? v->model : "the model",
			 text);
		break;
	case PB_ROLLBACK:
		snprintf(out, n, "roll %s of %s back to the known-safe version, returning its traffic: \"%s\"", s->a,
			 v != NULL && v->model ? v->model : "the model", text);
		break;
	case PB_SHIFT:
		if (s->a[0] != '\0')
			snprintf(out, n, "send %" PRId64 "%% of the live traffic of %s to its %s version: \"%s\"", s->share,
				 v != NULL && v->model ? v->model : "the model", s->a, text);
		else
			snprintf(out, n, "send %" PRId64 "%% of the live traffic of %s to version %" PRId64 ": \"%s\"",
				 s->share, v != NULL && v->model ? v->model : "the model", s->version, text);
		break;
	case PB_SILENCE:
		pb_duration_text(s->duration, d, sizeof d);
		if (alert != NULL)
			snprintf(out, n, "silence alert %s for %s for %s: \"%s\"", alert,
				 v->model != NULL ? v->model : "the model", d, text);
		else
			snprintf(out, n, "silence the triggering alert for %s for %s: \"%s\"",
				 v != NULL && v->model ? v->model : "the model", d, text);
		break;
	case PB_ANNOTATE:
		snprintf(out, n, "write a note on %s in the ledger (and the open incident's timeline): \"%s\"",
			 v != NULL && v->model ? v->model : "the model", text);
		break;
	default:
		snprintf(out, n, "?");
	}
}

/* ---- where playbooks live ---- */

static int pb_is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int playbook_dir(const char *opt, const char *configured, char *out, size_t n, struct err *e)
{
	const char *env = getenv("STEWARD_PLAYBOOK_DIR"), *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char exe[3800], probe[4200], *slash;
	ssize_t len;

	if (opt != NULL && opt[0] != '\0') {
		snprintf(out, n, "%s", opt);
		return 0;
	}
	if (env != NULL && env[0] != '\0') {
		snprintf(out, n, "%s", env);
		return 0;
	}
	if (configured != NULL && configured[0] != '\0') {
		snprintf(out, n, "%s", configured);
		return 0;
	}
	/* Only absolute bases: a relative XDG_CONFIG_HOME or HOME would make the
	 * playbooks depend on the current directory. */
	if (xdg != NULL && xdg[0] == '/')
		snprintf(probe, sizeof probe, "%.4000s/steward/playbooks", xdg);
	else if (home != NULL && home[0] == '/')
		snprintf(probe, sizeof probe, "%.4000s/.config/steward/playbooks", home);
	else
		probe[0] = '\0';
	if (probe[0] != '\0' && pb_is_dir(probe)) {
		snprintf(out, n, "%s", probe);
		return 0;
	}
	/* A source tree: build/steward or build/san/steward beside policies/. */
	len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL)
			*slash = '\0';
		for (int up = 1; up <= 2; up++) {
			char real[PATH_MAX];

			snprintf(probe, sizeof probe, "%s/%s../policies/playbooks", exe, up == 2 ? "../" : "");
			if (pb_is_dir(probe)) {
				/* Named without the "build/.." a person would not write. */
				snprintf(out, n, "%s", realpath(probe, real) != NULL ? real : probe);
				return 0;
			}
		}
	}
	snprintf(probe, sizeof probe, "%s/policies/playbooks", STEWARD_DATADIR);
	if (pb_is_dir(probe)) {
		snprintf(out, n, "%s", probe);
		return 0;
	}
	return err_set(e, ERR_NOTFOUND,
		       "cannot find a playbook directory (looked for ~/.config/steward/playbooks, beside the binary and in %s); give --playbooks DIR or set STEWARD_PLAYBOOK_DIR",
		       probe);
}

static int pb_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int pb_cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct playbook *)a)->name, ((const struct playbook *)b)->name);
}

int playbook_load_dir(const char *dir, struct playbook **out, size_t *n,
		      void (*bad)(void *arg, const char *path, const struct err *e), void *arg, struct err *e)
{
	char **names = NULL, path[4200];
	struct playbook *pbs = NULL;
	size_t nnames = 0, cap = 0, np = 0, i, k;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	*out = NULL;
	*n = 0;
	d = opendir(dir);
	if (d == NULL)
		return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "cannot read playbook directory %s: %s", dir,
			       strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char *copy;

		if (de->d_name[0] == '.' || len <= 9 || strcmp(de->d_name + len - 9, ".playbook") != 0)
			continue;
		if (nnames == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nv = realloc(names, ncap * sizeof *names);

			if (nv == NULL) {
				rc = err_set(e, ERR_IO, "out of memory listing %s", dir);
				goto done;
			}
			names = nv;
			cap = ncap;
		}
		copy = strdup(de->d_name);
		if (copy == NULL) {
			rc = err_set(e, ERR_IO, "out of memory listing %s", dir);
			goto done;
		}
		names[nnames++] = copy;
	}
	/* File order decides which of two playbooks with one name is "the second". */
	if (nnames > 0)
		qsort(names, nnames, sizeof *names, pb_cmp_str);
	if (nnames > 0 && (pbs = calloc(nnames < PLAYBOOK_MAX_FILES ? nnames : PLAYBOOK_MAX_FILES, sizeof *pbs)) == NULL) {
		rc = err_set(e, ERR_IO, "out of memory loading %s", dir);
		goto done;
	}
	for (i = 0; i < nnames; i++) {
		struct err fe = { 0 };

		snprintf(path, sizeof path, "%s%s%s", dir, dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/",
			 names[i]);
		if (np == PLAYBOOK_MAX_FILES) {
			err_set(&fe, ERR_INVALID, "%s: more than %d playbooks in %s; this one is not loaded", path,
				PLAYBOOK_MAX_FILES, dir);
		} else if (playbook_load(path, &pbs[np], &fe) == 0) {
			for (k = 0; k < np; k++)
				if (strcmp(pbs[k].name, pbs[np].name) == 0)
					break;
			if (k == np) {
				np++;
				continue;
			}
			err_set(&fe, ERR_EXISTS, "%s: playbook %s is already defined in %s; this one is not loaded", path,
				pbs[np].name, pbs[k].path);
		}
		if (bad != NULL)
			bad(arg, path, &fe);
	}
	if (np > 0)
		qsort(pbs, np, sizeof *pbs, pb_cmp_name);
	*out = pbs;
	*n = np;
	pbs = NULL;
done:
	closedir(d);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(pbs);
	return rc;
}

struct pb_find_bad {
	int n;
	char first[sizeof ((struct err *)0)->msg];
};

static void pb_find_bad(void *arg, const char *path, const struct err *fe)
{
	struct pb_find_bad *b = arg;

	(void)path;
	if (b->n++ == 0)
		snprintf(b->first, sizeof b->first, "%s", fe->msg);
}

int playbook_find(const char *dir, const char *name, struct playbook *out, struct err *e)
{
	struct pb_find_bad b = { 0 };
	struct playbook *all;
	size_t n, i;

	if (playbook_load_dir(dir, &all, &n, pb_find_bad, &b, e) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(all[i].name, name) == 0) {
			*out = all[i];
			free(all);
			return 0;
		}
	free(all);
	{
		char ex[64];

		check_excerpt(name, ex, sizeof ex);
		if (b.n > 0)
			/* The one asked for may be in the file that did not load. */
			return err_set(e, ERR_NOTFOUND, "no playbook named %s in %s (%d file%s there did not load: %.300s)", ex,
				       dir, b.n, b.n == 1 ? "" : "s", b.first);
		return err_set(e, ERR_NOTFOUND, "no playbook named %s in %s", ex, dir);
	}
}
