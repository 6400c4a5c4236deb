/* Flag table parsing and --help output. */
#include "core/flags.h"

#include <string.h>

#include "core/str.h"

static const struct flag *
find_flag(const struct flag *table, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq_n(name, len, table[i].name))
			return &table[i];
	return NULL;
}

static int
set_bool(const struct flag *f, const char *value, struct err *err)
{
	if (value == NULL || strcmp(value, "true") == 0)
		*f->p.b = true;
	else if (strcmp(value, "false") == 0)
		*f->p.b = false;
	else
		return err_set(err, ERR_INVALID,
		    "flag --%s: '%s' is not true or false", f->name, value);
	return 0;
}

static int
set_value(const struct flag *f, const char *value, struct err *err)
{
	int64_t v;

	switch (f->type) {
	case FLAG_T_BOOL:
		return set_bool(f, value, err);
	case FLAG_T_STR:
		*f->p.s = value;
		return 0;
	case FLAG_T_DURATION:
		if (str_parse_duration_ms(f->p.ms, value, err) == -1)
			return err_wrap(err, "flag --%s", f->name);
		return 0;
	case FLAG_T_INT:
		if (str_to_i64(&v, value, err) == -1)
			return err_wrap(err, "flag --%s", f->name);
		if (v < f->min || v > f->max)
			return err_set(err, ERR_INVALID,
			    "flag --%s: %lld is outside [%lld, %lld]", f->name,
			    (long long)v, f->min, f->max);
		*f->p.i = (int)v;
		return 0;
	}
	return err_set(err, ERR_INTERNAL, "flag --%s: unknown type", f->name);
}

/* Handles argv[*i], a "--name[=value]" argument; may consume the next. */
static int
parse_one(int *i, const struct flag *table, size_t n, int argc, char **argv,
    struct err *err)
{
	const char *arg = argv[*i] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	const struct flag *f = find_flag(table, n, arg, len);
	const char *value = eq != NULL ? eq + 1 : NULL;

	if (f == NULL)
		return err_set(err, ERR_INVALID, "unknown flag --%.*s",
		    (int)len, arg);
	if (value == NULL && f->type != FLAG_T_BOOL) {
		if (*i + 1 >= argc)
			return err_set(err, ERR_INVALID,
			    "flag --%s needs a value", f->name);
		value = argv[++*i];
	}
	return set_value(f, value, err);
}

int
flags_parse(int *rest_out, const struct flag *table, size_t n, int argc,
    char **argv, struct err *err)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return FLAGS_HELP;
		if (strncmp(a, "--", 2) != 0)
			break;
		if (parse_one(&i, table, n, argc, argv, err) == -1)
			return -1;
	}
	*rest_out = i;
	return FLAGS_OK;
}

static void
print_default(FILE *f, const struct flag *fl)
{
	char d[32];

	switch (fl->type) {
	case FLAG_T_INT:
		fprintf(f, " (default %d)", *fl->p.i);
		break;
	case FLAG_T_STR:
		if (*fl->p.s != NULL && **fl->p.s != '\0')
			fprintf(f, " (default \"%s\")", *fl->p.s);
		break;
	case FLAG_T_BOOL:
		if (*fl->p.b)
			fprintf(f, " (default true)");
		break;
	case FLAG_T_DURATION:
		fprintf(f, " (default %s)",
		    str_format_duration(d, sizeof(d), *fl->p.ms));
		break;
	}
}

void
flags_usage(FILE *f, const char *prog, const struct flag *table, size_t n)
{
	static const char *const types[] = { "int", "string", "", "duration" };

	fprintf(f, "Usage: %s [flags]\n\nFlags:\n", prog);
	for (size_t i = 0; i < n; i++) {
		const struct flag *fl = &table[i];

		fprintf(f, "      --%s %s\n\t%s", fl->name, types[fl->type],
		    fl->help);
		print_default(f, fl);
		fputc('\n', f);
	}
	fprintf(f, "  -h, --help\n\tPrint this help.\n");
}
