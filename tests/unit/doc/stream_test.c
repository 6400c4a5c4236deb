/* The stream container holds roots in order and frees them whole. */
#include "doc/doc.h"
#include "t.h"

T_TEST(test_new_doc_is_empty_and_grows_in_order)
{
	struct doc *d = doc_new();
	struct doc_node *nodes[10];

	T_EQ(doc_count(d), 0);
	T_TRUE(doc_root(d, 0) == NULL);
	for (int i = 0; i < 10; i++) {
		nodes[i] = arena_calloc(doc_arena(d), 1, sizeof(*nodes[i]));
		doc_add_root(d, nodes[i]);
	}
	T_EQ(doc_count(d), 10);
	T_TRUE(doc_root(d, 0) == nodes[0]);
	T_TRUE(doc_root(d, 9) == nodes[9]);
	T_TRUE(doc_root(d, 10) == NULL);
	doc_free(d);
	doc_free(NULL);
}
