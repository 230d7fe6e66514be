/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays a corpus through a fuzz target without libFuzzer, so every build
 * (gcc, sanitizers, valgrind) runs the seed corpus as an ordinary test.
 *
 * Usage: fuzz-xxx-replay PATH...   (files, or directories of files)
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

static gint compare_strings(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int replay_file(const char *path) {
        g_autoptr(GError) error = NULL;
        g_autofree char *data = NULL;
        gsize size;

        if (!g_file_get_contents(path, &data, &size, &error)) {
                fprintf(stderr, "%s\n", error->message);
                return -1;
        }
        printf("%s (%zu bytes)\n", path, (size_t) size);
        fflush(stdout);
        (void) LLVMFuzzerTestOneInput((const uint8_t *) data, size);
        return 0;
}

static int replay_path(const char *path, unsigned *count) {
        g_autoptr(GPtrArray) files = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GDir) dir = NULL;
        const char *name;

        if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
                if (replay_file(path) < 0)
                        return -1;
                (*count)++;
                return 0;
        }

        dir = g_dir_open(path, 0, &error);
        if (!dir) {
                fprintf(stderr, "%s\n", error->message);
                return -1;
        }
        files = g_ptr_array_new_with_free_func(g_free);
        while ((name = g_dir_read_name(dir)))
                g_ptr_array_add(files, g_build_filename(path, name, NULL));
        g_ptr_array_sort(files, compare_strings);

        for (guint i = 0; i < files->len; i++)
                if (replay_path(g_ptr_array_index(files, i), count) < 0)
                        return -1;
        return 0;
}

int main(int argc, char *argv[]) {
        unsigned count = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: %s PATH...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++)
                if (replay_path(argv[i], &count) < 0)
                        return 1;
        if (count == 0) {
                fprintf(stderr, "no inputs found\n");
                return 1;
        }
        printf("%u inputs replayed\n", count);
        return 0;
}
