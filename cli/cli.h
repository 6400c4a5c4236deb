/* The flint tool's subcommands, one file each; private to cli/. */
#ifndef FLINT_CLI_H
#define FLINT_CLI_H

/* flint build DIR (cli/build.c). */
int cmd_build(int argc, char **argv);

/* flint template [NAME] CHART (cli/template.c). */
int cmd_template(int argc, char **argv);

#endif /* FLINT_CLI_H */
