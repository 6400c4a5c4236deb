/* Error values: wrapping builds Flux-like messages, codes classify. */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "t.h"

T_TEST(test_wrap_prefixes_context_outermost_first)
{
	struct err err = ERR_INIT;

	T_EQ(err_set(&err, ERR_AUTH, "authentication required"), -1);
	err_wrap(&err, "fetch '%s'", "ssh://example/repo");
	err_wrap(&err, "checkout '%s'", "main");
	T_STREQ(err.msg,
	    "checkout 'main': fetch 'ssh://example/repo': authentication required");
	T_EQ(err.code, ERR_AUTH);
}

T_TEST(test_wrap_keeps_outer_context_when_message_is_full)
{
	struct err err = ERR_INIT;
	char long_msg[2000];

	memset(long_msg, 'x', sizeof(long_msg) - 1);
	long_msg[sizeof(long_msg) - 1] = '\0';
	err_set(&err, ERR_IO, "%s", long_msg);
	err_wrap(&err, "outer");
	T_TRUE(strncmp(err.msg, "outer: xxx", 10) == 0);
	T_EQ(strlen(err.msg), ERR_MSG_MAX - 1);
}

T_TEST(test_reason_is_set_once)
{
	struct err err = ERR_INIT;

	err_set(&err, ERR_NETWORK, "down");
	err_reason(&err, "GitOperationFailed");
	err_reason(&err, "Other");
	T_STREQ(err.reason, "GitOperationFailed");
	err_reset(&err);
	T_EQ(err.code, ERR_OK);
	T_TRUE(err.reason == NULL);
	T_STREQ(err.msg, "");
}

T_TEST(test_errno_maps_enoent_to_notfound)
{
	struct err err = ERR_INIT;

	err_errno(&err, ENOENT, "open '%s'", "/x");
	T_EQ(err.code, ERR_NOTFOUND);
	T_STREQ(err.msg, "open '/x': No such file or directory");
	err_errno(&err, EACCES, "open");
	T_EQ(err.code, ERR_IO);
}

T_TEST(test_invalid_and_unsupported_stall)
{
	T_TRUE(err_is_stalling(ERR_INVALID));
	T_TRUE(err_is_stalling(ERR_UNSUPPORTED));
	T_TRUE(!err_is_stalling(ERR_NETWORK));
	T_STREQ(err_code_name(ERR_LIMIT), "limit exceeded");
}
