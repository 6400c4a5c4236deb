/* Scratch files for the client's tests. */
#ifndef FLINT_TEST_TMPFILES_H
#define FLINT_TEST_TMPFILES_H

/* Writes text to dir/name; returns the path (free it). */
char *write_file(const char *dir, const char *name, const char *text);

/* Removes dir/<each name>, then dir. */
void remove_files(const char *dir, const char *const *names);

#endif /* FLINT_TEST_TMPFILES_H */
