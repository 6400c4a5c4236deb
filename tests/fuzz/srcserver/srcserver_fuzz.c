/*
 * Fuzzes the artifact server's request-line parser. Beyond not crashing,
 * what it accepts must be what the server relies on to stay inside its
 * root: a path that starts with '/', has no ".." segment, and holds no
 * NUL before its end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "server.h"

static void
check_path(const char *p)
{
	if (p[0] != '/')
		BUG("accepted a path not rooted at '/': %s", p);
	for (const char *s = p; *s != '\0';) {
		const char *e = strchr(s, '/');
		size_t n = e != NULL ? (size_t)(e - s) : strlen(s);

		if (n == 2 && s[0] == '.' && s[1] == '.')
			BUG("accepted a '..' segment: %s", p);
		s += n + (e != NULL ? 1 : 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the server hands over the line up to the first CR or LF, NUL-
	 * terminated; bytes after a NUL are invisible to it as well */
	char *line = xmalloc(size + 1);
	struct server_request rq;
	int status;

	memcpy(line, data, size);
	line[size] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	status = server_request_parse(&rq, line);
	if (status == 0)
		check_path(rq.path);
	else if (status != 400 && status != 405)
		BUG("unexpected status %d", status);
	free(line);
	return 0;
}
