/*
 * flint: the command-line tool. Subcommands that are not built yet say so
 * and fail, so nobody mistakes them for working.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	const char *summary;
	int issue; /* the issue that builds it; 0 when it exists */
	int (*run)(int argc, char **argv);
};

static int
cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("flint %s\n", FLINT_VERSION);
	return EXIT_SUCCESS;
}

static const struct command commands[] = {
	{ "build", "Print what 'kustomize build DIR' prints", 0, cmd_build },
	{ "template", "Render a Helm chart as 'helm template' does", 0,
	    cmd_template },
	{ "version", "Print the version", 0, cmd_version },
};

static void
usage(FILE *f)
{
	fprintf(f, "Usage: flint <command> [flags]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s%s\n", commands[i].name,
		    commands[i].summary,
		    commands[i].run == NULL ? " (not implemented yet)" : "");
}

int
main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : EXIT_SUCCESS;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];

		if (strcmp(argv[1], c->name) != 0)
			continue;
		if (c->run != NULL)
			return c->run(argc - 1, argv + 1);
		fprintf(stderr, "flint %s: not implemented yet (issue #%d)\n",
		    c->name, c->issue);
		return 2;
	}
	fprintf(stderr, "flint: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
