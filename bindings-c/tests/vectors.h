/* The shared test vectors, run through the C API (see vectors.c). */
#ifndef SA_TEST_VECTORS_H
#define SA_TEST_VECTORS_H

/* Runs every case of every *.json file in `dir`, one test per case; returns the number of
   cases found, or -1 if the directory or a file could not be read. */
int run_vector_files(const char *dir);

#endif
