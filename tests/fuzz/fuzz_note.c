/* fuzz_note: libFuzzer target for signed notes (the ledger's checkpoints) and verifier keys: a first line taken as the key, the rest as the note; any bytes must verify or be refused with a reason, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/note";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[KEYS_NAME_MAX + 1], *note;
	uint8_t pk[KEYS_PK_BYTES];
	size_t len, text_len = 0;
	struct err e;

	if (fuzz_vkey_split(data, size, name, pk, &note, &len) < 0)
		return 0;
	/* An unparsable key still checks the note against an all-zero one. */
	if (note_verify(note, name[0] ? name : "fuzz", pk, &text_len, &e) == 0) {
		/* The signed text is a prefix of the note ending in a newline. */
		if (text_len == 0 || text_len > len || note[text_len - 1] != '\n')
			__builtin_trap();
	} else if (e.msg[0] == '\0') {
		__builtin_trap();
	}
	free(note);
	return 0;
}
