/* The C interface of the sgz library: open .sgz archives of GGUF files, list
 * tensors and metadata, read tensors and byte ranges, pack and unpack files.
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

/* A chunk that failed its checks, and what of the original file it held.
 * Valid during the callback only. Fields are only ever appended. */
typedef struct sgz_damage {
  uint64_t chunk;          /* index in the archive's chunk table */
  uint64_t offset;         /* original bytes [offset, offset + length) */
  uint64_t length;
  int code;                /* SGZ_CHECKSUM_MISMATCH or SGZ_CORRUPT */
  const char* message;     /* what failed */
  size_t tensor_count;     /* tensors whose payload overlaps the range */
  const char* const* tensors;
  int metadata;            /* non-zero: the range overlaps the GGUF header */
} sgz_damage;

/* Receives a damaged chunk. Return 0 to go on; any other value stops the
 * verification, which then returns that value. */
typedef int (*sgz_damage_fn)(void* user, const sgz_damage* damage);

/* Like sgz_reader_verify, but goes on past chunks that fail their checks:
 * each is handed to `damaged` (may be NULL), in file order, and counted in
 * *damaged_count (may be NULL). Returns SGZ_OK when everything is intact,
 * else, after the whole pass, the first damaged chunk's code (its message in
 * sgz_last_error()); I/O errors stop the pass. */
int sgz_reader_verify_all(sgz_reader* reader, sgz_damage_fn damaged, void* user, uint64_t* damaged_count);

/* Worker threads used to decode (0 = all cores, 1 = the calling thread).
 * NULL is ignored. */
void sgz_reader_set_threads(sgz_reader* reader, unsigned threads);

/* ggml type name of tensor i ("F32", "Q4_K", "type#<id>" for an id this
 * library does not know); NULL when i is out of range. Lives as long as the
 * reader. */
const char* sgz_reader_tensor_type(const sgz_reader* reader, size_t i);

/* Largest number of dimensions a tensor has (GGUF's limit). */
#define SGZ_MAX_DIMS 4

/* Shape of tensor i: *n_dims dimensions, innermost first (as GGUF), into
 * dims[0, *n_dims). SGZ_INVALID_ARGUMENT when i is out of range or
 * capacity < *n_dims (*n_dims is still set); SGZ_MAX_DIMS always fits. */
int sgz_reader_tensor_shape(const sgz_reader* reader, size_t i, size_t* n_dims, int64_t* dims, size_t capacity);

/* Receives decoded bytes in order (n > 0; data valid during the call only).
 * Return 0 to go on; any other value stops the read, which then returns
 * that value (use an SGZ_* code, e.g. SGZ_IO_ERROR). */
typedef int (*sgz_write_fn)(void* user, const void* data, size_t n);

/* Hands original bytes [offset, offset + length) to `write`, one chunk's
 * worth at a time (memory stays bounded by the chunk size).
 * SGZ_INVALID_ARGUMENT, before `write` is called, when the range is not
 * inside the original file. */
int sgz_reader_read_range_to(sgz_reader* reader, uint64_t offset, uint64_t length, sgz_write_fn write, void* user);

/* The same for the payload of tensor `name`; SGZ_NOT_FOUND if none. */
int sgz_reader_read_tensor_to(sgz_reader* reader, const char* name, sgz_write_fn write, void* user);

/* Facts of the archive and of the archived file. Fields are only ever
 * appended. */
typedef struct sgz_archive_info {
  unsigned format_major; /* format version of the archive */
  unsigned format_minor;
  uint64_t archive_size; /* bytes */
  uint64_t chunks;
  uint64_t checksum;     /* XXH3-64 of the whole original file */
  uint64_t original_size;
  int is_gguf;           /* 0: packed as opaque bytes; the GGUF fields are 0 */
  uint32_t gguf_version;
  int big_endian;
  uint64_t alignment;
  uint64_t data_offset;
  uint64_t kv_count;
  uint64_t tensor_count;
  uint64_t ignored_bytes; /* after the last valid footer: an interrupted add (sgz_append_files) */
} sgz_archive_info;

int sgz_reader_info(const sgz_reader* reader, sgz_archive_info* out);

/* The archived file's mode and modification time as recorded at pack time
 * (format 2.1). has_mode and has_mtime are 0 when not recorded: archives of
 * format 2.0 and earlier, input packed from standard input or a pipe.
 * sgz_unpack_file_with and sgz_unpack_file give an output file these. */
typedef struct sgz_file_attributes {
  int has_mode;
  uint32_t mode;       /* permission bits, at most 07777 (as in st_mode) */
  int has_mtime;
  int64_t mtime_sec;   /* seconds since 1970-01-01T00:00:00Z (may be negative) */
  uint32_t mtime_nsec; /* 0..999999999 */
} sgz_file_attributes;

int sgz_reader_file_attributes(const sgz_reader* reader, sgz_file_attributes* out);

/* The members (archived files) of the archive, in file table order; an
 * archive of one file has one. A reader opened by sgz_reader_open reads
 * member 0. name points into the reader and lives as long as it. */
typedef struct sgz_member_info {
  const char* name;       /* relative path, '/' between components */
  uint64_t original_size;
  uint64_t stored_size;   /* bytes of the chunks it references */
  uint64_t chunks;
  int is_gguf;
  uint64_t checksum;      /* XXH3-64 of the member */
} sgz_member_info;

size_t sgz_reader_member_count(const sgz_reader* reader);
int sgz_reader_member_info(const sgz_reader* reader, size_t i, sgz_member_info* out);
/* A reader of the member called `name` (SGZ_NOT_FOUND if none), to release
 * with sgz_reader_close. It shares `reader`'s archive source and cache: the
 * two must not be used concurrently, and either may be closed first. */
int sgz_reader_open_member(const sgz_reader* reader, const char* name, sgz_reader** out);

/* How much of the archive the reader has touched so far. */
typedef struct sgz_read_stats {
  uint64_t archive_size;
  uint64_t bytes_read;
  uint64_t read_calls;
  uint64_t chunks_decoded;
  uint64_t chunks_total;
} sgz_read_stats;

int sgz_reader_stats(const sgz_reader* reader, sgz_read_stats* out);

/* GGUF metadata. sgz_reader_metadata_count decodes the GGUF header (the
 * first call only) and sets *count to the number of key/value pairs;
 * SGZ_INVALID_ARGUMENT when the archived file is not GGUF. The accessors
 * below return NULL until it succeeded, and for i out of range; their
 * strings live as long as the reader. */
int sgz_reader_metadata_count(sgz_reader* reader, size_t* count);
/* Key i, in file order. */
const char* sgz_reader_metadata_key(const sgz_reader* reader, size_t i);
/* GGUF type name of value i: "UINT32", "STRING", "ARRAY", ... */
const char* sgz_reader_metadata_type(const sgz_reader* reader, size_t i);
/* Value i as `sgz info` shows it: numbers in decimal, strings quoted (cut
 * after 256 bytes, with "..."), arrays as "[a, b, ...] (COUNT TYPE)" with
 * at most 8 elements. */
const char* sgz_reader_metadata_text(const sgz_reader* reader, size_t i);
/* Index of `key`; SGZ_NOT_FOUND if absent. Loads the metadata as
 * sgz_reader_metadata_count does. */
int sgz_reader_metadata_find(sgz_reader* reader, const char* key, size_t* index);

/* Per-stream statistics (names such as "Q4_K.qs", "F32.value.b3", "meta",
 * "raw"), sorted by name. sgz_reader_stream_count reads every chunk header
 * (the first call only); the accessors fail (NULL, SGZ_INVALID_ARGUMENT)
 * until it succeeded and for i out of range. */
int sgz_reader_stream_count(sgz_reader* reader, size_t* count);
const char* sgz_reader_stream_name(const sgz_reader* reader, size_t i);
int sgz_reader_stream_sizes(const sgz_reader* reader, size_t i, uint64_t* original, uint64_t* stored);

/* Progress of pack and unpack: `done` original bytes of `total` (0 when
 * unknown, e.g. reading a pipe). Called on the calling thread. */
typedef void (*sgz_progress_fn)(void* user, uint64_t done, uint64_t total);

typedef struct sgz_pack_options {
  int level;           /* zstd level of tensor data, 1..22 */
  int meta_level;      /* zstd level of GGUF metadata; 0: max(level, 9) */
  uint64_t chunk_size; /* original bytes per chunk */
  unsigned threads;    /* 0 = all cores */
  int overwrite;       /* non-zero: replace an existing output */
  sgz_progress_fn progress; /* may be NULL */
  void* progress_user;
  /* Since format 2.3 (several members): */
  int predict;         /* non-zero (the default): quantized tensors with a float
                        * parent in an earlier member stored as a prediction */
  int predict_scales;  /* non-zero: the K types' scales predicted too (sgz pack --max) */
  const char* parent;  /* NULL or "": found per tensor; else the member parents come from */
  const char* imatrix; /* NULL or "": found by tensor names; else the importance member */
  /* Since format 2.4: */
  int format_minor;    /* 5 (the default): as 4, and Q6_K scales estimated (2.5); 4: transform 5 and
                          codec 2; 3: readable by format 2.3 readers */
} sgz_pack_options;

/* Sets the library's defaults (level 1, 4 MiB chunks, all cores, no
 * overwrite, no progress, prediction on with scales stored). Call it before setting fields: later versions
 * may append fields. */
void sgz_pack_options_init(sgz_pack_options* options);

/* Packs `in` into `out` ("-": standard input/output) with `options` (NULL:
 * the defaults). Bad options are SGZ_INVALID_ARGUMENT and create nothing.
 * Here and in every pack and unpack function, an `out` that is the same file
 * as `in` (a hard link or a symlink to it too) is SGZ_INVALID_ARGUMENT,
 * whatever `overwrite` says, and nothing is written. */
int sgz_pack_file_with(const char* in, const char* out, const sgz_pack_options* options);

/* Packs files and directories into one archive, a member each (as
 * sgz::PackFiles: directories recursed, members named by their last path
 * component and the path below it, sorted; one file alone is exactly
 * sgz_pack_file_with). options->progress is not used here. */
int sgz_pack_files(const char* const* inputs, size_t count, const char* out, const sgz_pack_options* options);

/* Adds files and directories to the existing archive file `archive` (as
 * sgz::AppendFiles: members named as sgz_pack_files names them, chunks
 * appended without rewriting the archive's, a chunk already stored written
 * as a copy of it; safe against interruption). A member name already in
 * the archive is SGZ_INVALID_ARGUMENT, and nothing is written, unless
 * `replace` is non-zero: the new member then replaces the old. options:
 * NULL for the defaults; overwrite and progress are not used. */
int sgz_append_files(const char* archive, const char* const* inputs, size_t count, const sgz_pack_options* options,
                     int replace);

typedef struct sgz_unpack_options {
  unsigned threads; /* 0 = all cores */
  int overwrite;
  sgz_progress_fn progress; /* may be NULL */
  void* progress_user;
} sgz_unpack_options;

void sgz_unpack_options_init(sgz_unpack_options* options);

/* Unpacks archive `in` into `out` ("-": standard input, read in one pass,
 * or standard output) with `options` (NULL: the defaults). */
int sgz_unpack_file_with(const char* in, const char* out, const sgz_unpack_options* options);

/* Unpacks the members of archive `in`, read once, in order ("-": standard
 * input), under the existing directory `dir`: all of them (`count` 0) or
 * those `members` names (a member, or a directory of them), as
 * sgz::UnpackStreamMembers: names checked, nothing written outside `dir`,
 * every file renamed into place only once the whole archive has checked
 * out. options: NULL for the defaults; progress is not used. */
int sgz_unpack_stream_members(const char* in, const char* dir, const char* const* members, size_t count,
                              const sgz_unpack_options* options);

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
