/* The C interface of the sgz library: open .sgz archives of GGUF files, list
 * tensors, read tensors and byte ranges, pack and unpack files.
 *
 * Every fallible function returns an int code: SGZ_OK (0) or one of the
 * SGZ_* error codes below (the same values as sgz::ErrorCode in sgz.h). On
 * failure, sgz_last_error() describes what went wrong. No C++ exception ever
 * leaves these functions.
 *
 * An sgz_reader is not safe for concurrent use; open one per thread.
 *
 * The library is C++: when linking it statically without CMake, link the
 * C++ runtime too (with a C++ compiler driver, or -lstdc++ / -lc++).
 */
#ifndef SGZ_PUBLIC_SGZ_C_H_
#define SGZ_PUBLIC_SGZ_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  SGZ_OK = 0,
  SGZ_INVALID_ARGUMENT = 1,   /* the caller asked for something impossible */
  SGZ_CORRUPT = 2,            /* the archive is damaged or violates the format */
  SGZ_CHECKSUM_MISMATCH = 3,  /* well formed, but decoded bytes hash differently */
  SGZ_NOT_SUPPORTED = 4,      /* a format version or feature this library lacks */
  SGZ_IO_ERROR = 5,           /* the operating system failed */
  SGZ_RESOURCE_EXHAUSTED = 6, /* a hard limit or memory would be exceeded */
  SGZ_NOT_FOUND = 7           /* a named tensor does not exist */
};

typedef struct sgz_reader sgz_reader;

/* The library version, "MAJOR.MINOR.PATCH". */
const char* sgz_version(void);

/* The message of the last failed sgz_* call on the calling thread ("" if
 * none). Valid until the next failing call on that thread. */
const char* sgz_last_error(void);

/* Opens the archive at `path` and validates its header, footer and manifest.
 * On success *out is a reader to release with sgz_reader_close; on failure
 * *out is set to NULL. */
int sgz_reader_open(const char* path, sgz_reader** out);

/* The same for an archive in memory. REQUIRES: data[0, size) outlives the
 * reader. */
int sgz_reader_open_memory(const void* data, size_t size, sgz_reader** out);

/* Releases the reader; NULL is ignored. */
void sgz_reader_close(sgz_reader* reader);

/* Bytes of the original file (0 for a NULL reader). */
uint64_t sgz_reader_original_size(const sgz_reader* reader);

/* Number of tensors (0 when the archived file is not GGUF). */
size_t sgz_reader_tensor_count(const sgz_reader* reader);

/* Name of tensor i, in GGUF header order; NULL when i is out of range. The
 * string lives as long as the reader. */
const char* sgz_reader_tensor_name(const sgz_reader* reader, size_t i);

/* Payload bytes of the tensor called `name`; SGZ_NOT_FOUND if none. */
int sgz_reader_tensor_size(const sgz_reader* reader, const char* name, uint64_t* size);

/* Offset of the tensor's payload in the original file; SGZ_NOT_FOUND if
 * none. */
int sgz_reader_tensor_offset(const sgz_reader* reader, const char* name, uint64_t* offset);

/* Copies the payload of tensor `name` into dst[0, size).
 * SGZ_INVALID_ARGUMENT when capacity is smaller than the tensor. */
int sgz_reader_read_tensor(sgz_reader* reader, const char* name, void* dst, size_t capacity);

/* Copies original bytes [offset, offset + length) into dst.
 * SGZ_INVALID_ARGUMENT when the range is not inside the original file. */
int sgz_reader_read_range(sgz_reader* reader, uint64_t offset, uint64_t length, void* dst);

/* Decodes everything and checks every checksum, discarding the bytes. */
int sgz_reader_verify(sgz_reader* reader);

/* Packs file `in` into archive `out` with zstd `level` (1..22) and
 * `threads` workers (0 = all cores). Unless `overwrite` is non-zero an
 * existing `out` is an error and is left alone. "-" means standard
 * input/output. */
int sgz_pack_file(const char* in, const char* out, int level, unsigned threads, int overwrite);

/* Unpacks archive `in` into `out`, verifying checksums. "-" means standard
 * input/output. */
int sgz_unpack_file(const char* in, const char* out, int overwrite);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* SGZ_PUBLIC_SGZ_C_H_ */
