/* Tests that API failures keep the Status reason, message and causes. */
#include <string.h>

#include "k8s/k8s_int.h"
#include "t.h"

static int
status(struct err *err, long http, const char *body)
{
	return k8s_status_err(err, http, body, strlen(body));
}

T_TEST(test_not_found_keeps_reason_and_message)
{
	struct err err = ERR_INIT;

	T_EQ(status(&err, 404,
	         "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":"
	         "\"Failure\",\"message\":\"configmaps \\\"x\\\" not found\","
	         "\"reason\":\"NotFound\",\"code\":404}"),
	    -1);
	T_EQ(err.code, ERR_NOTFOUND);
	T_STREQ(err.reason, "NotFound");
	T_STREQ(err.msg, "configmaps \"x\" not found");
}

T_TEST(test_already_exists_and_conflict_are_conflicts)
{
	struct err err = ERR_INIT;

	status(&err, 409,
	    "{\"kind\":\"Status\",\"reason\":\"AlreadyExists\",\"code\":409,"
	    "\"message\":\"exists\"}");
	T_EQ(err.code, ERR_CONFLICT);
	T_STREQ(err.reason, "AlreadyExists");
	err_reset(&err);
	status(&err, 409,
	    "{\"kind\":\"Status\",\"reason\":\"Conflict\",\"code\":409,"
	    "\"message\":\"the object has been modified\"}");
	T_EQ(err.code, ERR_CONFLICT);
	T_STREQ(err.reason, "Conflict");
}

T_TEST(test_invalid_names_fields_the_message_lacks)
{
	struct err err = ERR_INIT;

	status(&err, 422,
	    "{\"kind\":\"Status\",\"reason\":\"Invalid\",\"code\":422,"
	    "\"message\":\"ConfigMap \\\"x\\\" is invalid: data.a: bad\","
	    "\"details\":{\"causes\":[{\"field\":\"data.a\",\"message\":"
	    "\"bad\"},{\"field\":\"metadata.name\",\"message\":"
	    "\"too long\"}]}}");
	T_EQ(err.code, ERR_INVALID);
	T_STREQ(err.reason, "Invalid");
	T_STREQ(err.msg,
	    "ConfigMap \"x\" is invalid: data.a: bad; metadata.name: too long");
}

T_TEST(test_forbidden_and_unauthorized_are_auth)
{
	struct err err = ERR_INIT;

	status(&err, 403,
	    "{\"kind\":\"Status\",\"reason\":\"Forbidden\",\"code\":403,"
	    "\"message\":\"no\"}");
	T_EQ(err.code, ERR_AUTH);
	T_STREQ(err.reason, "Forbidden");
	err_reset(&err);
	status(&err, 401, "");
	T_EQ(err.code, ERR_AUTH);
	T_STREQ(err.reason, "Unauthorized");
}

T_TEST(test_timeouts_and_overload)
{
	struct err err = ERR_INIT;

	status(&err, 504,
	    "{\"kind\":\"Status\",\"reason\":\"Timeout\",\"code\":504}");
	T_EQ(err.code, ERR_TIMEOUT);
	T_STREQ(err.reason, "Timeout");
	err_reset(&err);
	status(&err, 429, "slow down");
	T_EQ(err.code, ERR_NETWORK);
	T_STREQ(err.reason, "TooManyRequests");
	T_TRUE(strstr(err.msg, "HTTP 429: slow down") != NULL);
	err_reset(&err);
	status(&err, 410,
	    "{\"kind\":\"Status\",\"reason\":\"Expired\",\"code\":410,"
	    "\"message\":\"too old resource version\"}");
	T_EQ(err.code, ERR_CONFLICT);
	T_STREQ(err.reason, "Expired");
}

T_TEST(test_non_status_body_uses_http_code)
{
	struct err err = ERR_INIT;

	status(&err, 502, "<html>\n bad gateway</html>");
	T_EQ(err.code, ERR_NETWORK);
	T_STREQ(err.reason, NULL);
	T_TRUE(strstr(err.msg, "HTTP 502") != NULL);
	T_TRUE(strchr(err.msg, '\n') == NULL);
	err_reset(&err);
	status(&err, 418, "{\"kind\":\"Teapot\"}");
	T_EQ(err.code, ERR_INVALID);
}
