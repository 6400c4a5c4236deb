/*
 * flint template [RELEASE] CHART: prints what `helm template` prints for
 * a chart directory or .tgz archive, with Helm's flags: -n/--namespace,
 * -f/--values (repeatable; "-" reads standard input), --set, --set-string,
 * --set-file, --set-json,
 * --set-literal, --kube-version,
 * --api-versions (repeatable), --include-crds, --skip-tests,
 * --skip-schema-validation. Errors go to stderr as "Error: ..." with exit
 * status 1, as Helm's do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart/chart.h"
#include "cli.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"

struct strs {
	const char **v;
	size_t n;
};

struct targs {
	const char *pos[2];
	size_t npos;
	const char *ns, *kube;
	struct strs files, set, set_string, set_file, set_json, set_literal,
	    apis;
	char **copies; /* split flag values, freed at the end */
	size_t ncopies;
	bool crds, skip_tests, skip_schema, help;
};

static void
strs_add(struct strs *s, const char *v)
{
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = v;
}

/* A pflag string slice (-f, -a): "a,b" is two values. Quoted fields
 * are not supported. */
static void
strs_add_split(struct targs *t, struct strs *s, const char *v)
{
	char *p = xstrdup(v), *comma;

	t->copies = xreallocarray(t->copies, t->ncopies + 1,
	    sizeof(*t->copies));
	t->copies[t->ncopies++] = p;
	for (;;) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		strs_add(s, p);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

static int
usage(FILE *f)
{
	(void)fprintf(f,
	    "Usage: flint template [NAME] CHART [flags]\n\n"
	    "Renders CHART (a chart directory or .tgz archive) as 'helm "
	    "template'\ndoes.\n\n"
	    "Flags:\n"
	    "  -n, --namespace string      namespace of the release\n"
	    "  -f, --values file           values file (repeatable)\n"
	    "      --set key=value         set values (repeatable)\n"
	    "      --set-string key=value  set string values (repeatable)\n"
	    "      --set-file key=path     set values from files (repeatable)\n"
	    "      --set-json key=json     set JSON values (repeatable)\n"
	    "      --set-literal key=value set one literal string "
	    "(repeatable)\n"
	    "      --kube-version string   Kubernetes version for Capabilities\n"
	    "      --api-versions string   extra API versions (repeatable)\n"
	    "      --include-crds          include CRDs in the output\n"
	    "      --skip-tests            leave out test hooks\n"
	    "      --skip-schema-validation  do not check values.schema.json\n");
	return f == stdout ? EXIT_SUCCESS : 2;
}

/* The value of a flag: "--x=v", "-xv" or "-x=v" (pflag's shorthand
 * forms), or the next argument. */
static const char *
flag_value(int argc, char **argv, int *i, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (arg[1] == '-' && eq != NULL)
		return eq + 1;
	if (arg[1] != '-' && arg[2] != '\0')
		return arg[2] == '=' ? arg + 3 : arg + 2;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static bool
flag_is(const char *arg, const char *lng, const char *shrt)
{
	size_t n = strlen(lng);

	if (shrt != NULL && strncmp(arg, shrt, 2) == 0 && arg[1] != '-')
		return true;
	return strncmp(arg, lng, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int
take_value(struct targs *t, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = flag_value(argc, argv, i, a);

	if (v == NULL) {
		(void)fprintf(stderr, "Error: flag needs an argument: %s\n", a);
		return -1;
	}
	if (flag_is(a, "--namespace", "-n"))
		t->ns = v;
	else if (flag_is(a, "--values", "-f"))
		strs_add_split(t, &t->files, v);
	else if (flag_is(a, "--set-string", NULL))
		strs_add(&t->set_string, v);
	else if (flag_is(a, "--set-file", NULL))
		strs_add(&t->set_file, v);
	else if (flag_is(a, "--set-json", NULL))
		strs_add(&t->set_json, v);
	else if (flag_is(a, "--set-literal", NULL))
		strs_add(&t->set_literal, v);
	else if (flag_is(a, "--set", NULL))
		strs_add(&t->set, v);
	else if (flag_is(a, "--kube-version", NULL))
		t->kube = v;
	else
		strs_add_split(t, &t->apis, v);
	return 0;
}

static int
parse_args(struct targs *t, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			t->help = true;
		} else if (strcmp(a, "--include-crds") == 0) {
			t->crds = true;
		} else if (strcmp(a, "--skip-tests") == 0) {
			t->skip_tests = true;
		} else if (strcmp(a, "--skip-schema-validation") == 0) {
			t->skip_schema = true;
		} else if (flag_is(a, "--namespace", "-n") ||
		    flag_is(a, "--values", "-f") ||
		    flag_is(a, "--set-string", NULL) ||
		    flag_is(a, "--set-file", NULL) ||
		    flag_is(a, "--set-json", NULL) ||
		    flag_is(a, "--set-literal", NULL) ||
		    flag_is(a, "--set", NULL) ||
		    flag_is(a, "--kube-version", NULL) ||
		    flag_is(a, "--api-versions", "-a")) {
			if (take_value(t, argc, argv, &i) == -1)
				return -1;
		} else if (a[0] == '-' && a[1] != '\0') {
			(void)fprintf(stderr, "Error: unknown flag: %s\n", a);
			return -1;
		} else if (t->npos < 2) {
			t->pos[t->npos++] = a;
		} else {
			(void)fprintf(stderr,
			    "Error: expected at most 2 arguments\n");
			return -1;
		}
	}
	return 0;
}

static int
write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads all of standard input when a -f file is "-" (Helm's readFile
 * trims the name first); *in stays empty otherwise. */
static int
read_stdin(struct buf *in, const struct targs *t, struct err *err)
{
	const char *ws = " \t\n\r\v\f";
	char chunk[65536];
	bool want = false;
	ssize_t got;

	for (size_t i = 0; i < t->files.n; i++) {
		const char *p = t->files.v[i] + strspn(t->files.v[i], ws);

		want = want ||
		    (p[0] == '-' && p[1 + strspn(p + 1, ws)] == '\0');
	}
	while (want && (got = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return err_errno(err, errno, "read standard input");
		buf_append(in, chunk, (size_t)got);
	}
	return buf_check(in, err);
}

static int
render(const struct targs *t)
{
	struct err err = ERR_INIT;
	struct chart *c = NULL;
	struct buf out, in;
	struct chart_values v = { .files = t->files.v,
		.nfiles = t->files.n,
		.set = t->set.v,
		.nset = t->set.n,
		.set_string = t->set_string.v,
		.nset_string = t->set_string.n,
		.set_file = t->set_file.v,
		.nset_file = t->set_file.n,
		.set_json = t->set_json.v,
		.nset_json = t->set_json.n,
		.set_literal = t->set_literal.v,
		.nset_literal = t->set_literal.n };
	struct chart_opts o = { 0 };
	bool render_failed = false;
	int rv = 1;

	o.release = t->npos == 2 ? t->pos[0] : "release-name";
	o.namespace = t->ns != NULL ? t->ns : "default";
	o.kube_version = t->kube;
	o.api_versions = t->apis.v;
	o.napi_versions = t->apis.n;
	o.include_crds = t->crds;
	o.skip_tests = t->skip_tests;
	o.skip_schema = t->skip_schema;
	o.render_failed = &render_failed;
	buf_init(&out, BUF_MAX_DEFAULT);
	buf_init(&in, BUF_MAX_DEFAULT);
	if (read_stdin(&in, t, &err) == -1) {
		(void)fprintf(stderr, "Error: %s\n", err.msg);
		goto out;
	}
	v.stdin_data = in.data;
	v.stdin_len = in.len;
	if (chart_load(&c, t->pos[t->npos - 1], NULL, &err) == -1 ||
	    chart_render(&out, c, &v, &o, &err) == -1) {
		/* as helm template, which has no --debug here */
		(void)fprintf(stderr, "Error: %s\n%s", err.msg,
		    render_failed ? "\nUse --debug flag to render out invalid "
		                    "YAML\n"
		                  : "");
		goto out;
	}
	if (write_all(out.data != NULL ? out.data : "", out.len) == -1) {
		perror("flint template: write");
		goto out;
	}
	rv = 0;
out:
	chart_free(c);
	buf_release(&out);
	buf_release(&in);
	return rv;
}

int
cmd_template(int argc, char **argv)
{
	struct targs t = { 0 };
	int rv;

	if (parse_args(&t, argc, argv) == -1) {
		rv = usage(stderr);
		goto out;
	}
	if (t.help) {
		rv = usage(stdout);
		goto out;
	}
	if (t.npos == 0) {
		(void)fprintf(stderr,
		    "Error: requires at least 1 arg(s), only "
		    "received 0\n");
		rv = 1;
		goto out;
	}
	rv = render(&t);
out:
	free(t.files.v);
	free(t.set.v);
	free(t.set_string.v);
	free(t.set_file.v);
	free(t.set_json.v);
	free(t.set_literal.v);
	free(t.apis.v);
	for (size_t i = 0; i < t.ncopies; i++)
		free(t.copies[i]);
	free(t.copies);
	return rv;
}
