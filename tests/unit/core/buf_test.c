/* Buffers: growth, the cap and its sticky failure. */
#include <stdlib.h>

#include "core/buf.h"
#include "t.h"

T_TEST(test_append_grows_and_terminates)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	for (int i = 0; i < 1000; i++)
		buf_puts(&b, "ab");
	buf_printf(&b, "%d", 7);
	T_EQ(b.len, 2001);
	T_EQ(b.data[b.len], '\0');
	T_EQ(b.data[2000], '7');
	buf_release(&b);
	buf_release(&b); /* releasing twice is harmless */
}

T_TEST(test_cap_fails_and_sticks_until_reset)
{
	struct err err = ERR_INIT;
	struct buf b;

	buf_init(&b, 4);
	T_EQ(buf_puts(&b, "abc"), 0);
	T_EQ(buf_puts(&b, "de"), -1);
	T_EQ(buf_putc(&b, 'x'), -1); /* sticky, even though one byte fits */
	T_STREQ(b.data, "abc");
	T_ERR(buf_check(&b, &err), &err, ERR_LIMIT);
	buf_reset(&b);
	T_EQ(buf_putc(&b, 'x'), 0);
	T_OK(buf_check(&b, &err), &err);
	buf_release(&b);
}

/* The inline appends check only the allocation, so it must end at the
 * cap even when growth would round past it. */
T_TEST(test_fast_appends_stop_at_the_cap)
{
	struct err err = ERR_INIT;
	struct buf b;

	buf_init(&b, 10);
	T_EQ(buf_putc(&b, 'a'), 0);
	T_EQ(buf_append_fast(&b, "123456789", 9), 0);
	T_EQ(buf_putc(&b, 'x'), -1);
	T_EQ(b.len, 10);
	T_ERR(buf_check(&b, &err), &err, ERR_LIMIT);
	buf_reset(&b);
	T_EQ(buf_append_fast(&b, "12345678901", 11), -1);
	buf_release(&b);
}

T_TEST(test_detach_hands_over_data)
{
	struct buf b;
	size_t len;
	char *s;

	buf_init(&b, 100);
	s = buf_detach(&b, &len);
	T_STREQ(s, "");
	T_EQ(len, 0);
	free(s);
	buf_append(&b, "xyz", 3);
	s = buf_detach(&b, &len);
	T_STREQ(s, "xyz");
	T_TRUE(b.data == NULL);
	free(s);
}
