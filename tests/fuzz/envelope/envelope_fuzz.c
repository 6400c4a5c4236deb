/*
 * Fuzzes envelope decoding, the first thing a daemon does with bytes from
 * the network. Beyond not crashing, whatever decodes must encode again
 * and decode to an equal message, so the codec loses nothing it accepts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "bus/bus.h"
#include "core/mem.h"

/* Re-encoding may differ in size from the input (defaults left out,
 * varints shortened, empty sub-messages added), so allow room. */
#define REENCODE_MAX (2 * BUS_MSG_MAX)

static void
check_round_trip(const struct bus_msg *m)
{
	struct err err = ERR_INIT;
	struct arena *a = arena_new();
	struct bus_msg again;
	uint8_t *data = NULL;
	size_t len = 0;

	if (bus_msg_encode(&data, &len, m, REENCODE_MAX, &err) == -1)
		BUG("a decoded message does not encode: %s", err.msg);
	if (bus_msg_decode(&again, a, data, len, REENCODE_MAX, &err) == -1)
		BUG("a re-encoded message does not decode: %s", err.msg);
	if (!bus_msg_equal(m, &again))
		BUG("the round trip changed a %s message",
		    bus_type_name(m->type));
	free(data);
	arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err = ERR_INIT;
	struct arena *a = arena_new();
	struct bus_msg m;

	if (bus_msg_decode(&m, a, data, size, BUS_MSG_MAX, &err) == 0)
		check_round_trip(&m);
	else if (err.code != ERR_INVALID && err.code != ERR_UNSUPPORTED &&
	    err.code != ERR_LIMIT)
		BUG("decode failed with code %s", err_code_name(err.code));
	arena_free(a);
	return 0;
}
