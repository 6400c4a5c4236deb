/*
 * Sprig's date functions over a time.Time host object, with Go's
 * reference-layout formatting ("2006-01-02 15:04:05 -0700 MST") and
 * parsing, and Go's Duration printing. The clock is the execution's, so
 * tests can fix it (tmpl_opts.now_unix_ns). Zones are UTC and the
 * process's local zone; other zone names fall back to UTC as Sprig does
 * when a zone cannot be loaded.
 */
#include "template/tmpl_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/str.h"

struct gotime {
	int64_t sec; /* Unix seconds */
	int32_t nsec;
	int32_t off; /* seconds east of UTC */
	char zone[16];
};

static const char *const months[] = { "January", "February", "March", "April",
	"May", "June", "July", "August", "September", "October", "November",
	"December" };
static const char *const days[] = { "Sunday", "Monday", "Tuesday", "Wednesday",
	"Thursday", "Friday", "Saturday" };

static void time_format(struct buf *b, const struct gotime *t,
    const char *layout, size_t n);

static void
time_print(struct buf *b, const struct tmpl_obj *o)
{
	static const char layout[] = "2006-01-02 15:04:05.999999999 -0700 MST";

	time_format(b, o->data, layout, sizeof(layout) - 1);
}

static void
time_plain(struct tmpl_val *out, const struct tmpl_obj *o, struct arena *a)
{
	static const char layout[] = "2006-01-02T15:04:05.999999999Z07:00";
	struct buf b;

	buf_init(&b, 256);
	time_format(&b, o->data, layout, sizeof(layout) - 1);
	*out = tmpl_str_dup(a, b.data, b.len);
	buf_release(&b);
}

static int
time_member(struct tmpl_val *out, const struct tmpl_obj *o, const char *name,
    size_t n, size_t argc, const struct tmpl_val *argv, struct arena *a,
    struct err *err)
{
	const struct gotime *t = o->data;

	(void)argv;
	(void)err;
	if (argc == 0 && n == 4 && memcmp(name, "Unix", 4) == 0) {
		*out = tmpl_int(t->sec);
		out->type = TMPL_T_INT64;
		return 0;
	}
	if (argc == 0 && n == 6 && memcmp(name, "String", 6) == 0) {
		struct buf b;

		buf_init(&b, 256);
		time_print(&b, o);
		*out = tmpl_str_dup(a, b.data, b.len);
		buf_release(&b);
		return 0;
	}
	return 1;
}

static const struct tmpl_class time_class = {
	.type_name = "time.Time",
	.kind_name = "struct",
	.member = time_member,
	.plain = time_plain,
	.print = time_print,
};

/* t in the local zone (TZ or /etc/localtime), or UTC. */
static void
time_in(struct gotime *t, bool local)
{
	struct tm tm;
	time_t s = (time_t)t->sec;

	if (local && localtime_r(&s, &tm) != NULL) {
		t->off = (int32_t)tm.tm_gmtoff;
		(void)snprintf(t->zone, sizeof(t->zone), "%s",
		    tm.tm_zone != NULL ? tm.tm_zone : "UTC");
		return;
	}
	t->off = 0;
	(void)snprintf(t->zone, sizeof(t->zone), "UTC");
}

static struct tmpl_val
time_value(struct arena *a, const struct gotime *t)
{
	struct gotime *p = arena_alloc(a, sizeof(*p));

	*p = *t;
	return tmpl_obj_new(a, &time_class, p);
}

static struct gotime
time_now(struct call *c)
{
	int64_t ns = exec_now_ns(c->s->x);
	struct gotime t = { ns / 1000000000, (int32_t)(ns % 1000000000), 0,
		"UTC" };

	time_in(&t, true);
	return t;
}

/* Sprig's date arguments: a time, or Unix seconds; else now. */
static struct gotime
time_arg(struct call *c, const struct tmpl_val *v)
{
	struct gotime t;

	if (v->kind == TMPL_OBJ && v->u.o->cls == &time_class)
		return *(const struct gotime *)v->u.o->data;
	if (v->kind == TMPL_INT) {
		t.sec = v->u.i;
		t.nsec = 0;
		time_in(&t, true);
		return t;
	}
	return time_now(c);
}

/* ---- Go's layout formatting ---------------------------------------------- */

static void
civil(const struct gotime *t, struct tm *tm)
{
	time_t s = (time_t)(t->sec + t->off);

	gmtime_r(&s, tm);
}

static void
put_zone(struct buf *b, int32_t off, bool colon, bool secs, bool hours_only,
    bool z)
{
	int32_t a = off < 0 ? -off : off;

	if (z && off == 0) {
		buf_putc(b, 'Z');
		return;
	}
	buf_printf(b, "%c%02d", off < 0 ? '-' : '+', a / 3600);
	if (hours_only)
		return;
	buf_printf(b, colon ? ":%02d" : "%02d", (a / 60) % 60);
	if (secs)
		buf_printf(b, colon ? ":%02d" : "%02d", a % 60);
}

static void
put_frac(struct buf *b, int32_t nsec, size_t digits, bool trim, char sep)
{
	char d[10];

	(void)snprintf(d, sizeof(d), "%09d", nsec);
	if (trim) {
		size_t n = digits;

		while (n > 0 && d[n - 1] == '0')
			n--;
		if (n == 0)
			return;
		digits = n;
	}
	buf_putc(b, sep);
	buf_append(b, d, digits);
}

struct layout_elem {
	const char *lit;
	int id;
};

enum {
	L_JANUARY = 1,
	L_JAN,
	L_MONDAY,
	L_MON,
	L_MST,
	L_2006,
	L_06,
	L_01,
	L_1,
	L_002,
	L_02,
	L__2,
	L_2,
	L_15,
	L_03,
	L_3,
	L_04,
	L_4,
	L_05,
	L_5,
	L_PM,
	L_pm,
	L_TZ
};

/* Longest-first table of Go's layout elements. */
static const struct layout_elem tokens[] = {
	{ "January", L_JANUARY },
	{ "Monday", L_MONDAY },
	{ "2006", L_2006 },
	{ "Jan", L_JAN },
	{ "Mon", L_MON },
	{ "MST", L_MST },
	{ "002", L_002 },
	{ "_2", L__2 },
	{ "06", L_06 },
	{ "01", L_01 },
	{ "02", L_02 },
	{ "15", L_15 },
	{ "03", L_03 },
	{ "04", L_04 },
	{ "05", L_05 },
	{ "PM", L_PM },
	{ "pm", L_pm },
	{ "1", L_1 },
	{ "2", L_2 },
	{ "3", L_3 },
	{ "4", L_4 },
	{ "5", L_5 },
};

/* A numeric element's width and padding ('\0': no padding). */
static const struct {
	int id;
	int width;
	char pad;
} num_elems[] = {
	{ L_2006, 4, '0' },
	{ L_06, 2, '0' },
	{ L_01, 2, '0' },
	{ L_1, 0, '\0' },
	{ L_002, 3, '0' },
	{ L_02, 2, '0' },
	{ L__2, 2, ' ' },
	{ L_2, 0, '\0' },
	{ L_15, 2, '0' },
	{ L_03, 2, '0' },
	{ L_3, 0, '\0' },
	{ L_04, 2, '0' },
	{ L_4, 0, '\0' },
	{ L_05, 2, '0' },
	{ L_5, 0, '\0' },
};

static int
elem_value(int id, const struct tm *tm)
{
	switch (id) {
	case L_2006:
		return tm->tm_year + 1900;
	case L_06:
		return (tm->tm_year + 1900) % 100;
	case L_01:
	case L_1:
		return tm->tm_mon + 1;
	case L_002:
		return tm->tm_yday + 1;
	case L_02:
	case L__2:
	case L_2:
		return tm->tm_mday;
	case L_15:
		return tm->tm_hour;
	case L_03:
	case L_3:
		return tm->tm_hour % 12 == 0 ? 12 : tm->tm_hour % 12;
	case L_04:
	case L_4:
		return tm->tm_min;
	default:
		return tm->tm_sec;
	}
}

static void
put_number(struct buf *b, int id, const struct tm *tm)
{
	char tmp[16];
	int n;

	for (size_t k = 0; k < sizeof(num_elems) / sizeof(num_elems[0]); k++) {
		if (num_elems[k].id != id)
			continue;
		n = snprintf(tmp, sizeof(tmp), "%d", elem_value(id, tm));
		for (; n < num_elems[k].width; n++)
			buf_putc(b, num_elems[k].pad);
		buf_puts(b, tmp);
		return;
	}
}

static void
put_field(struct buf *b, int id, const struct tm *tm, const struct gotime *t)
{
	switch (id) {
	case L_JANUARY:
	case L_JAN:
		buf_append(b, months[tm->tm_mon],
		    id == L_JAN ? 3 : strlen(months[tm->tm_mon]));
		return;
	case L_MONDAY:
	case L_MON:
		buf_append(b, days[tm->tm_wday],
		    id == L_MON ? 3 : strlen(days[tm->tm_wday]));
		return;
	case L_MST:
		buf_puts(b, t->zone);
		return;
	case L_PM:
		buf_puts(b, tm->tm_hour >= 12 ? "PM" : "AM");
		return;
	case L_pm:
		buf_puts(b, tm->tm_hour >= 12 ? "pm" : "am");
		return;
	default:
		put_number(b, id, tm);
	}
}

/* Zone layouts: -0700 -07:00 -07 -070000 -07:00:00, and the Z forms. */
static size_t
zone_token(const char *p, size_t n, bool *colon, bool *secs, bool *hours,
    bool *z)
{
	static const char *const forms[] = { "-07:00:00", "-070000", "-07:00",
		"-0700", "-07", "Z07:00:00", "Z070000", "Z07:00", "Z0700",
		"Z07" };

	for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
		size_t l = strlen(forms[k]);

		if (n >= l && memcmp(p, forms[k], l) == 0) {
			*z = forms[k][0] == 'Z';
			*colon = strchr(forms[k], ':') != NULL;
			*secs = l == 9 || l == 7;
			*hours = l == 3;
			return l;
		}
	}
	return 0;
}

/* ".000", ",999": fractional seconds; 0 when p does not start one. */
static size_t
frac_token(const char *p, size_t n, bool after_secs)
{
	size_t k = 1;

	if (n < 2 || (p[0] != '.' && p[0] != ',') ||
	    (p[1] != '0' && p[1] != '9'))
		return 0;
	while (k < n && p[k] == p[1])
		k++;
	if (k < n && ascii_isdigit((unsigned char)p[k]))
		return 0;
	return after_secs ? k : 0;
}

static void
time_format(struct buf *b, const struct gotime *t, const char *layout, size_t n)
{
	struct tm tm;
	bool after_secs = false;

	civil(t, &tm);
	for (size_t i = 0; i < n;) {
		bool colon, secs, hours, z;
		size_t l, k;

		if ((l = zone_token(layout + i, n - i, &colon, &secs, &hours,
		         &z)) > 0) {
			put_zone(b, t->off, colon, secs, hours, z);
			i += l;
			continue;
		}
		if ((l = frac_token(layout + i, n - i, after_secs)) > 0) {
			put_frac(b, t->nsec, l - 1, layout[i + 1] == '9',
			    layout[i]);
			i += l;
			continue;
		}
		for (k = 0; k < sizeof(tokens) / sizeof(tokens[0]); k++) {
			l = strlen(tokens[k].lit);
			if (n - i >= l &&
			    memcmp(layout + i, tokens[k].lit, l) == 0)
				break;
		}
		if (k == sizeof(tokens) / sizeof(tokens[0])) {
			buf_putc(b, layout[i++]);
			continue;
		}
		put_field(b, tokens[k].id, &tm, t);
		after_secs = tokens[k].id == L_05 || tokens[k].id == L_5;
		i += l;
	}
}

/* ---- functions ----------------------------------------------------------- */

static int
fn_now(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct gotime t = time_now(c);

	(void)err;
	*out = time_value(c->a, &t);
	return 0;
}

static int
format_in_zone(struct tmpl_val *out, struct call *c, const char *layout,
    size_t n, const struct tmpl_val *date, const char *zone, size_t zn)
{
	struct gotime t = time_arg(c, date);
	struct buf b;

	time_in(&t, zn == 5 && memcmp(zone, "Local", 5) == 0);
	buf_init(&b, 4096);
	time_format(&b, &t, layout, n);
	*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&b);
	return 0;
}

static int
fn_date(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return format_in_zone(out, c, c->argv[0].u.s.p, c->argv[0].u.s.n,
	    &c->argv[1], "Local", 5);
}

static int
fn_date_in_zone(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return format_in_zone(out, c, c->argv[0].u.s.p, c->argv[0].u.s.n,
	    &c->argv[1], c->argv[2].u.s.p, c->argv[2].u.s.n);
}

static int
fn_html_date(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	if (c->argc > 1)
		return format_in_zone(out, c, "2006-01-02", 10, &c->argv[0],
		    c->argv[1].u.s.p, c->argv[1].u.s.n);
	return format_in_zone(out, c, "2006-01-02", 10, &c->argv[0], "Local",
	    5);
}

static int
fn_unix_epoch(struct tmpl_val *out, struct call *c, struct err *err)
{
	if (c->argv[0].kind != TMPL_OBJ || c->argv[0].u.o->cls != &time_class)
		return err_set(err, ERR_INVALID,
		    "wrong type for value; expected time.Time; got %s",
		    val_type_name(&c->argv[0]));
	*out = val_printf(c->a, "%" PRId64,
	    ((const struct gotime *)c->argv[0].u.o->data)->sec);
	return 0;
}

/* ".fraction" of digits (zero-padded to width), trailing zeros cut. */
static void
put_fraction(struct buf *b, uint64_t v, int width)
{
	char frac[24];
	int fl;

	if (v == 0)
		return;
	fl = snprintf(frac, sizeof(frac), "%0*" PRIu64, width, v);
	while (fl > 0 && frac[fl - 1] == '0')
		fl--;
	buf_printf(b, ".%.*s", fl, frac);
}

/* Under a second: ns, µs or ms with a fraction. */
static void
small_duration(struct buf *b, uint64_t u)
{
	if (u < 1000) {
		buf_printf(b, "%" PRIu64 "ns", u);
		return;
	}
	if (u < 1000000) {
		buf_printf(b, "%" PRIu64, u / 1000);
		put_fraction(b, u % 1000, 3);
		buf_puts(b, "µs");
		return;
	}
	buf_printf(b, "%" PRIu64, u / 1000000);
	put_fraction(b, u % 1000000, 6);
	buf_puts(b, "ms");
}

/* Go's time.Duration.String for nanoseconds. */
static void
duration_string(struct buf *b, int64_t ns)
{
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	const uint64_t sec = 1000000000, min = 60 * sec, hour = 60 * min;

	if (ns == 0) {
		buf_puts(b, "0s");
		return;
	}
	if (ns < 0)
		buf_putc(b, '-');
	if (u < sec) {
		small_duration(b, u);
		return;
	}
	if (u >= hour)
		buf_printf(b, "%" PRIu64 "h", u / hour);
	if (u >= min)
		buf_printf(b, "%" PRIu64 "m", (u / min) % 60);
	buf_printf(b, "%" PRIu64, (u / sec) % 60);
	put_fraction(b, u % sec, 9);
	buf_putc(b, 's');
}

static int
fn_duration(struct tmpl_val *out, struct call *c, struct err *err)
{
	const struct tmpl_val *v = &c->argv[0];
	int64_t sec = 0;
	struct buf b;

	(void)err;
	if (v->kind == TMPL_STR &&
	    conv_parse_int(&sec, v->u.s.p, v->u.s.n, 10) == -1)
		sec = 0;
	else if (v->kind == TMPL_INT && v->type == TMPL_T_INT64)
		sec = v->u.i;
	buf_init(&b, 64);
	duration_string(&b, sec * 1000000000);
	*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&b);
	return 0;
}

static int
fn_ago(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct gotime t = time_arg(c, &c->argv[0]);
	int64_t now = exec_now_ns(c->s->x);
	int64_t d = now - (t.sec * 1000000000 + t.nsec);
	struct buf b;

	(void)err;
	d = (d + (d >= 0 ? 500000000 : -500000000)) / 1000000000 * 1000000000;
	buf_init(&b, 64);
	duration_string(&b, d);
	*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&b);
	return 0;
}

static int
fn_date_modify(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct gotime t;
	char *spec = val_cstr(c->a, &c->argv[0]);
	int64_t ms;
	bool neg = spec[0] == '-';
	struct err perr = ERR_INIT;

	if (c->argv[1].kind != TMPL_OBJ || c->argv[1].u.o->cls != &time_class)
		return err_set(err, ERR_INVALID,
		    "wrong type for value; expected time.Time; got %s",
		    val_type_name(&c->argv[1]));
	t = *(const struct gotime *)c->argv[1].u.o->data;
	if (str_parse_duration_ms(&ms, spec + (neg || spec[0] == '+'), &perr) ==
	    -1) {
		if (strncmp(c->fn->name, "must", 4) == 0)
			return err_set(err, ERR_INVALID,
			    "time: invalid duration \"%s\"", spec);
		*out = c->argv[1];
		return 0;
	}
	t.sec += (neg ? -ms : ms) / 1000;
	t.nsec += (int32_t)(((neg ? -ms : ms) % 1000) * 1000000);
	if (t.nsec < 0) {
		t.nsec += 1000000000;
		t.sec--;
	}
	*out = time_value(c->a, &t);
	return 0;
}

static int
fn_duration_round(struct tmpl_val *out, struct call *c, struct err *err)
{
	static const struct {
		uint64_t ns;
		const char *unit;
	} units[] = { { 31536000000000000ULL, "y" },
		{ 2592000000000000ULL, "mo" }, { 86400000000000ULL, "d" },
		{ 3600000000000ULL, "h" }, { 60000000000ULL, "m" },
		{ 1000000000ULL, "s" } };
	const struct tmpl_val *v = &c->argv[0];
	struct err perr = ERR_INIT;
	int64_t d = 0, ms;
	uint64_t u;

	(void)err;
	if (v->kind == TMPL_STR) {
		char *s = val_cstr(c->a, v);

		if (str_parse_duration_ms(&ms, s, &perr) == 0)
			d = ms * 1000000;
	} else if (v->kind == TMPL_INT && v->type == TMPL_T_INT64) {
		d = v->u.i;
	} else if (v->kind == TMPL_OBJ && v->u.o->cls == &time_class) {
		const struct gotime *t = v->u.o->data;

		d = exec_now_ns(c->s->x) - (t->sec * 1000000000 + t->nsec);
	}
	u = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (u > units[i].ns) {
			*out = val_printf(c->a, "%" PRIu64 "%s",
			    u / units[i].ns, units[i].unit);
			return 0;
		}
	*out = tmpl_str("0s", 2);
	return 0;
}

/* Go's time.Parse for the numeric layout elements (names, zones and
 * fractions included); a layout it cannot follow yields the zero time. */
static bool
parse_num(const char **p, const char *end, int width, bool exact, int *out)
{
	int v = 0, k = 0;

	while (*p < end && k < width && ascii_isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		k++;
	}
	*out = v;
	return k > 0 && (!exact || k == width);
}

/* A number of up to width digits (exactly width when exact) within
 * [lo, hi], stored with offset added; false when it does not fit. */
static bool
parse_field(const char **p, const char *end, int width, bool exact, int lo,
    int hi, int *field, int offset)
{
	int v;

	if (!parse_num(p, end, width, exact, &v) || v < lo || v > hi)
		return false;
	*field = v + offset;
	return true;
}

static bool
parse_elem(int id, const char **p, const char *end, struct tm *tm)
{
	switch (id) {
	case L_2006:
		return parse_field(p, end, 4, true, 0, 9999, &tm->tm_year,
		    -1900);
	case L_01:
	case L_1:
		return parse_field(p, end, 2, id == L_01, 1, 12, &tm->tm_mon,
		    -1);
	case L__2:
		if (*p < end && **p == ' ')
			(*p)++;
		return parse_field(p, end, 2, false, 1, 31, &tm->tm_mday, 0);
	case L_02:
	case L_2:
		return parse_field(p, end, 2, id == L_02, 1, 31, &tm->tm_mday,
		    0);
	case L_15:
		return parse_field(p, end, 2, false, 0, 23, &tm->tm_hour, 0);
	case L_04:
	case L_4:
		return parse_field(p, end, 2, id == L_04, 0, 59, &tm->tm_min,
		    0);
	case L_05:
	case L_5:
		return parse_field(p, end, 2, id == L_05, 0, 59, &tm->tm_sec,
		    0);
	default:
		return false;
	}
}

static int
fn_to_date(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *l = c->argv[0].u.s.p, *lend = l + c->argv[0].u.s.n;
	const char *p = c->argv[1].u.s.p, *end = p + c->argv[1].u.s.n;
	struct tm tm = { .tm_mday = 1 };
	struct gotime t = { 0, 0, 0, "UTC" };
	bool ok = true;

	while (l < lend && ok) {
		size_t k;

		for (k = 0; k < sizeof(tokens) / sizeof(tokens[0]); k++)
			if ((size_t)(lend - l) >= strlen(tokens[k].lit) &&
			    memcmp(l, tokens[k].lit, strlen(tokens[k].lit)) ==
			        0)
				break;
		if (k < sizeof(tokens) / sizeof(tokens[0])) {
			ok = parse_elem(tokens[k].id, &p, end, &tm);
			l += strlen(tokens[k].lit);
		} else {
			ok = p < end && *p == *l;
			p++;
			l++;
		}
	}
	ok = ok && p == end;
	if (!ok) {
		if (strncmp(c->fn->name, "must", 4) == 0)
			return err_set(err, ERR_INVALID,
			    "parsing time \"%.*s\" as \"%.*s\": cannot parse",
			    (int)c->argv[1].u.s.n, c->argv[1].u.s.p,
			    (int)c->argv[0].u.s.n, c->argv[0].u.s.p);
		t.sec = -62135596800; /* Go's zero time */
		*out = time_value(c->a, &t);
		return 0;
	}
	t.sec = (int64_t)timegm(&tm);
	time_in(&t, true);
	t.sec -= t.off; /* the fields were local time */
	time_in(&t, true);
	*out = time_value(c->a, &t);
	return 0;
}

static const struct tmpl_func fns[] = {
	{ "ago", "a", fn_ago, 0 },
	{ "date", "sa", fn_date, 0 },
	{ "dateInZone", "sas", fn_date_in_zone, 0 },
	{ "dateModify", "sa", fn_date_modify, 0 },
	{ "date_in_zone", "sas", fn_date_in_zone, 0 },
	{ "date_modify", "sa", fn_date_modify, 0 },
	{ "duration", "a", fn_duration, 0 },
	{ "durationRound", "a", fn_duration_round, 0 },
	{ "htmlDate", "a", fn_html_date, 0 },
	{ "htmlDateInZone", "as", fn_html_date, 0 },
	{ "mustDateModify", "sa", fn_date_modify, 0 },
	{ "mustToDate", "ss", fn_to_date, 0 },
	{ "must_date_modify", "sa", fn_date_modify, 0 },
	{ "now", "", fn_now, 0 },
	{ "toDate", "ss", fn_to_date, 0 },
	{ "unixEpoch", "a", fn_unix_epoch, 0 },
};

const struct func_table fn_date_table = { fns, sizeof(fns) / sizeof(fns[0]) };
