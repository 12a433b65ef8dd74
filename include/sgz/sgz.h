// The public C++ interface of the sgz library: read tensors, byte ranges and
// GGUF metadata out of .sgz archives of GGUF files without unpacking them,
// unpack, verify, and pack. The sgz command-line tool is built on this
// header alone: anything it does, a program can do.
//
// Nothing here throws: every fallible call returns an Error (or an
// ErrorOr<T> holding a value or an Error). Codes are coarse; the message
// names the structure, field, value and limit that failed.
//
// A Reader is not safe for concurrent use; open one Reader per thread (they
// may share the same archive file).
//
// For C, see sgz/sgz_c.h.
#ifndef SGZ_PUBLIC_SGZ_H_
#define SGZ_PUBLIC_SGZ_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sgz/error_code.h"

namespace sgz {

// The library version, "MAJOR.MINOR.PATCH".
const char* Version();

// The newest format version this library writes (it reads every 1.x and
// 2.x archive): 2.1; an archive that records no file mode or time (packed
// from standard input or memory) is written as 2.0, which 2.0 readers read.
struct FormatVersion {
  unsigned major = 0;
  unsigned minor = 0;
};
FormatVersion WrittenFormatVersion();

// zstd levels PackFileOptions accepts, and the library's defaults.
constexpr int kMinLevel = 1;
constexpr int kMaxLevel = 22;
constexpr int kDefaultLevel = 1;                       // tensor and opaque data
constexpr int kMaxPresetLevel = 19;                    // PackFileOptions::Max()
constexpr uint64_t kDefaultChunkSize = 4ull << 20;     // original bytes per chunk
constexpr uint64_t kMinChunkSize = 4096;               // smallest chunk size accepted

// The byte-shuffle code chosen for this CPU at run time: "avx2", "sse2" or
// "generic" (for diagnostics: it changes speed, never the archive).
const char* ShuffleImplementation();

// "ok", "invalid_argument", "corrupt", "checksum_mismatch", "not_supported",
// "io_error", "resource_exhausted", "not_found".
const char* ErrorCodeName(ErrorCode code);

// The outcome of an operation: ok, or a code and a message.
class Error {
 public:
  Error() = default;
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Error Ok() { return Error(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>", or "ok".
  std::string ToString() const;

  // The file the error concerns, as the caller named it ("-" for standard
  // input, "<stdout>" for the output "-"), for calls given paths:
  // Reader::Open(path), and for
  // PackFile, UnpackFile and VerifyFile the output when creating or writing
  // it failed, VerifyOptions::against when opening or reading it failed,
  // otherwise the input. Empty for bad options and for errors of other
  // calls. Not part of ToString().
  const std::string& path() const { return path_; }
  Error& set_path(std::string path) {
    path_ = std::move(path);
    return *this;
  }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::string path_;
};

// A value, or the Error that prevented it.
template <typename T>
class ErrorOr {
 public:
  ErrorOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  // REQUIRES: !error.ok(). An ok Error is stored as kInvalidArgument so that
  // ok() and value() stay consistent.
  ErrorOr(Error error)  // NOLINT: implicit by design
      : v_(error.ok() ? Error(ErrorCode::kInvalidArgument, "ErrorOr built from an ok Error") : std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  // Error::Ok() when a value is held.
  Error error() const { return ok() ? Error() : std::get<1>(v_); }
  // REQUIRES: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

// Random-access bytes of an archive: implement it to read archives from
// anywhere (an HTTP server with range requests, a database, ...).
class Source {
 public:
  virtual ~Source() = default;
  // Total bytes; must not change while a Reader uses the source.
  virtual uint64_t Size() const = 0;
  // Reads exactly n bytes at offset into dst (the library asks only for
  // ranges inside [0, Size())). A short read is an error: return a non-ok
  // Error, normally kIoError; its code and message reach the caller.
  // Exceptions thrown here are caught and reported as kIoError.
  virtual Error Read(uint64_t offset, uint64_t n, void* dst) = 0;
};

// Progress of a long operation (PackFile, UnpackFile, Reader::Unpack,
// Reader::Verify, VerifyFile), reported on the calling thread after each
// chunk: `done` original bytes processed of `total` (0 when unknown, e.g.
// packing from a pipe or unpacking one); `archive_bytes` archive bytes
// written so far (PackFile) or 0. The callback must not throw.
struct Progress {
  uint64_t done = 0;
  uint64_t total = 0;
  uint64_t archive_bytes = 0;
};
using ProgressCallback = std::function<void(const Progress&)>;

// Receives decoded bytes in order, n > 0 each time; data is valid only during
// the call. A non-ok return stops the operation, which returns that Error
// unchanged. The callback must not throw.
using WriteCallback = std::function<Error(const void* data, size_t n)>;

// One tensor of the archived GGUF file.
struct TensorInfo {
  std::string name;
  std::string type;            // ggml type name: "F32", "Q4_K", ...
  std::vector<int64_t> shape;  // ne[0], ne[1], ... (innermost first, as GGUF)
  uint64_t offset = 0;         // of the payload in the original file
  uint64_t size = 0;           // payload bytes in the original file
  uint64_t stored_size = 0;    // compressed bytes of the chunks holding it (a chunk shared
                               // with other tensors: in proportion to its bytes there)
  uint64_t first_chunk = 0;    // the chunks holding it: [first_chunk, first_chunk + chunks)
  uint64_t chunks = 0;         // in the file's order; 0 for an empty tensor
};

// How much of the archive the Reader has touched so far.
struct ReadStats {
  uint64_t archive_size = 0;
  uint64_t bytes_read = 0;
  uint64_t read_calls = 0;
  uint64_t chunks_decoded = 0;
  uint64_t chunks_total = 0;
};

// Facts of the archive itself, from its header and manifest.
struct ArchiveInfo {
  FormatVersion format;       // of this archive
  uint64_t archive_size = 0;  // bytes
  uint64_t chunks = 0;        // chunks in the archive
  uint64_t checksum = 0;      // XXH3-64 of the whole original file
};

// The archived file's permission bits and modification time as recorded at
// pack time (format 2.1; PackFile records them from the input file, nothing
// for standard input or a pipe). Each is absent (has_* false) when not
// recorded, as in every archive of format 2.0 or earlier.
struct FileAttributes {
  bool has_mode = false;
  uint32_t mode = 0;        // permission bits, at most 07777 (as in st_mode)
  bool has_mtime = false;
  int64_t mtime_sec = 0;    // seconds since 1970-01-01T00:00:00Z (may be negative)
  uint32_t mtime_nsec = 0;  // 0..999999999
};

// Facts of the GGUF header of the archived file (recorded in the manifest;
// reading them decodes nothing).
struct GgufInfo {
  uint32_t version = 0;      // GGUF version, 2 or 3
  bool big_endian = false;
  uint64_t alignment = 0;    // of the tensor data
  uint64_t data_offset = 0;  // where the tensor data section starts
  uint64_t kv_count = 0;     // metadata key/value pairs
  uint64_t tensor_count = 0;
  // Tensor count per ggml type name, sorted by name.
  std::vector<std::pair<std::string, uint64_t>> tensors_by_type;
};

// Original and stored bytes of one kind of stream over all chunks. Names:
// "<type>.<field>" ("Q4_K.qs"), "<type>.<field>.b<k>" for byte plane k
// ("F32.value.b3"), "<type>.tail" (bytes after the last whole block), "meta"
// (untransformed GGUF metadata) and "raw" (any other untransformed bytes).
struct StreamStat {
  std::string name;
  uint64_t original = 0;
  uint64_t stored = 0;
};

// GGUF metadata value types, numbered as in GGUF.
enum class MetadataType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
// GGUF's names: "UINT8", "INT8", ..., "STRING", "ARRAY", ..., "FLOAT64".
const char* MetadataTypeName(MetadataType type);

// One decoded GGUF metadata value. Exactly the fields of its type are set.
struct MetadataValue {
  MetadataType type = MetadataType::kU8;
  uint64_t u = 0;    // kU8, kU16, kU32, kU64; kBool: 0 or 1
  int64_t i = 0;     // kI8, kI16, kI32, kI64
  double f = 0;      // kF32, kF64 (may be NaN or infinite)
  // kString: the bytes (not necessarily UTF-8, may hold NULs), at most
  // MetadataLimits::max_string of them; string_size is the full length.
  std::string str;
  uint64_t string_size = 0;
  // kArray: element type, element count, and the first
  // min(count, MetadataLimits::max_items) elements.
  MetadataType element_type = MetadataType::kU8;
  uint64_t count = 0;
  std::vector<MetadataValue> items;
};

struct MetadataEntry {
  std::string key;
  MetadataValue value;
};

// How much of each value Reader::Metadata decodes (also inside nested arrays).
struct MetadataLimits {
  size_t max_items = 16;          // array elements kept
  size_t max_string = SIZE_MAX;   // string bytes kept
};

// The value as `sgz info` shows it, in the style of gguf-dump: numbers in
// decimal (floats "%.9g"), bools true/false, strings single-quoted with
// control bytes escaped and "..." after a cut string, arrays as
// "[a, b, ...] (COUNT TYPE)" with at most `max_items` elements (nested
// arrays alike).
std::string MetadataValueText(const MetadataValue& value, size_t max_items = 8);

// A chunk of an archive that failed its checks (Reader::VerifyAll,
// VerifyFile), and what of the original file it held.
struct Damage {
  uint64_t chunk = 0;   // index in the archive's chunk table ("chunk N" in messages)
  uint64_t offset = 0;  // the original bytes [offset, offset + length) it holds
  uint64_t length = 0;
  ErrorCode code = ErrorCode::kCorrupt;  // kChecksumMismatch or kCorrupt
  std::string message;                   // what failed (without the chunk's name)
  std::vector<std::string> tensors;      // tensors whose payload overlaps the range, in header order
  bool metadata = false;                 // the range overlaps the GGUF header, [0, data_offset)
};
// Receives damaged chunks; a non-ok return stops the operation, which
// returns that Error unchanged. The callback must not throw.
using DamageCallback = std::function<Error(const Damage& damage)>;

// An open archive. Opening validates the header, footer and manifest
// (checksum first) and reads no chunk; every later read decodes only the
// chunks it needs and checks their checksums.
class Reader {
 public:
  // Opens the archive file at `path` ("-" is not standard input: an archive
  // is read at its end first, so it must be seekable; see UnpackTo and
  // VerifyFile for reading a stream). Errors carry `path` in path(); their
  // message names it only where the operating system's does ("x.sgz: No
  // such file or directory"), so "<path>: <message>" reads well for all.
  static ErrorOr<Reader> Open(const std::string& path);
  // Opens an archive held in memory. REQUIRES: data[0, size) outlives the
  // Reader.
  static ErrorOr<Reader> OpenMemory(const void* data, size_t size);
  // Opens an archive read through `source` (kInvalidArgument if null).
  static ErrorOr<Reader> Open(std::unique_ptr<Source> source);

  Reader(Reader&& other) noexcept;
  Reader& operator=(Reader&& other) noexcept;
  ~Reader();
  // A moved-from Reader may only be destroyed or assigned to.

  // Worker threads used to decode (0 = all cores, 1 = the calling thread).
  void set_threads(unsigned threads);

  // False when the archived file was packed as opaque bytes (it was not a
  // GGUF file the packer could parse); note() then says why, and tensors()
  // is empty. Byte ranges, Unpack and Verify work either way.
  bool is_gguf() const;
  const std::string& note() const;
  // The name recorded at pack time (the input's base name), may be empty.
  const std::string& file_name() const;
  // Bytes of the original file.
  uint64_t original_size() const;
  // Mode and modification time recorded at pack time (none before 2.1).
  const FileAttributes& file_attributes() const;
  // Format version, size, chunk count and checksum of the archive.
  ArchiveInfo archive_info() const;
  // GGUF header facts; all zero and empty when !is_gguf().
  const GgufInfo& gguf() const;
  // Tensors in the order of the GGUF header.
  const std::vector<TensorInfo>& tensors() const;
  // The tensor called `name`, or kNotFound whose message suggests close
  // names. The pointer lives as long as the Reader.
  ErrorOr<const TensorInfo*> FindTensor(const std::string& name) const;

  // The GGUF metadata key/value pairs in file order, decoded from the
  // chunks holding the GGUF header (read on the first call and kept: a few
  // small reads, memory the size of the header). kInvalidArgument when
  // !is_gguf().
  ErrorOr<std::vector<MetadataEntry>> Metadata(const MetadataLimits& limits = MetadataLimits());
  // Original and stored bytes per stream name, sorted by name, from every
  // chunk header (one small read per chunk; no payload is decoded). Names
  // whose streams held no bytes (an empty tail) are listed too.
  ErrorOr<std::vector<StreamStat>> StreamStats();

  // Copies the payload of tensor `name`, byte for byte as it stands in the
  // original file, into dst[0, size). kNotFound for an unknown name,
  // kInvalidArgument when capacity < the tensor's size.
  Error ReadTensor(const std::string& name, void* dst, size_t capacity);
  // Copies original bytes [offset, offset + length) into dst.
  // kInvalidArgument when the range is not inside the original file.
  Error ReadRange(uint64_t offset, uint64_t length, void* dst);
  // The same, handed to `write` in order, one chunk's worth at a time, so
  // memory stays bounded by the chunk size whatever the length. The range
  // is checked before `write` is first called.
  Error ReadRangeTo(uint64_t offset, uint64_t length, const WriteCallback& write);
  Error ReadTensorTo(const std::string& name, const WriteCallback& write);
  // Writes the original file to `out_path` ("-" is standard output). The
  // file appears only when complete and verified, with the recorded
  // file_attributes() (as UnpackOptions::restore_attributes); without `overwrite` an
  // existing file is an error (kInvalidArgument) and is left alone. The
  // file this reader was opened from (Open(path)) is refused as `out_path`,
  // whatever `overwrite` says (CheckOutputNotInput).
  Error Unpack(const std::string& out_path, bool overwrite, const ProgressCallback& progress = nullptr);
  // Hands the whole original file to `write` in order, verifying every
  // chunk checksum and, at the end, the whole-file checksum (so the bytes
  // already handed over are only known good when this returns ok).
  Error Unpack(const WriteCallback& write, const ProgressCallback& progress = nullptr);
  // Decodes the whole archive, checking every chunk checksum and the
  // whole-file checksum, and discards the bytes.
  Error Verify(const ProgressCallback& progress = nullptr);
  // Decodes the whole file like Unpack(write) (`write` may be null: the bytes
  // are discarded) but does not stop at a chunk that fails its checks
  // (corrupt or checksum mismatch): the chunk goes to `damaged` (may be
  // null), its bytes are not handed to `write`, and the pass goes on, so one
  // call finds every damaged chunk. `write` and `damaged` are called in file
  // order, on the calling thread. Returns ok when every chunk and the
  // whole-file checksum are intact; else, after the whole pass, the first
  // damaged chunk's error (the whole-file checksum is checked only when no
  // chunk was damaged). Errors of the source (I/O), of `write` or of
  // `damaged` stop the pass and are returned.
  Error VerifyAll(const DamageCallback& damaged, const WriteCallback& write = nullptr,
                  const ProgressCallback& progress = nullptr);

  ReadStats stats() const;

 private:
  struct Impl;
  explicit Reader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct PackFileOptions {
  int level = kDefaultLevel;              // zstd level of tensor (and opaque) data, 1..22
  int meta_level = 0;                     // zstd level of GGUF metadata; 0: max(level, 9)
  uint64_t chunk_size = kDefaultChunkSize;  // original bytes per chunk (target)
  unsigned threads = 0;                   // worker threads, 0 = all cores
  bool overwrite = false;                 // replace an existing output
  ProgressCallback progress;              // optional

  // Presets: level 1 everywhere (fastest), level 19 everywhere (smallest).
  static PackFileOptions Fast();
  static PackFileOptions Max();
};

struct PackSummary {
  uint64_t original_size = 0;
  uint64_t archive_size = 0;
  uint64_t chunks = 0;
  bool gguf = false;   // false: packed as opaque bytes; notice says why
  std::string notice;
  std::vector<StreamStat> streams;  // as Reader::StreamStats() reports them
};

// kInvalidArgument, with the limit in the message, for options PackFile
// would refuse (level, meta_level, chunk_size out of range).
Error ValidatePackOptions(const PackFileOptions& options);

// kInvalidArgument ("refusing to write over an input", path() the output)
// when writing `out` would replace or append to the file `in`: both are the
// same regular file (same device and inode, so a hard link or a path through
// a symlink counts). "-" stands for the file open on standard input (`in`)
// or standard output (`out`). Ok otherwise, also when either does not
// exist. PackFile and UnpackFile check this before anything is written,
// whatever `overwrite` says; callers writing an OutputFile from a Reader
// (one tensor, a range) call it themselves.
Error CheckOutputNotInput(const std::string& in, const std::string& out);

// Packs the file `in` ("-" is standard input) into the archive `out` ("-" is
// standard output). The input is read once, in order (a pipe is fine); the
// output appears only when complete. Checks, in order: options
// (kInvalidArgument), the output is not the input (CheckOutputNotInput), the
// input opens, the output does not exist unless overwrite. *summary, when
// given, is filled on success. The mode and modification time of a regular
// input file (from fstat of the open file) are recorded in the archive
// (Reader::file_attributes()); standard input and pipes record none.
Error PackFile(const std::string& in, const std::string& out, const PackFileOptions& options = PackFileOptions(),
               PackSummary* summary = nullptr);

struct UnpackOptions {
  bool overwrite = false;  // replace an existing output
  unsigned threads = 0;    // worker threads, 0 = all cores
  ProgressCallback progress;
  // Gives an output file (not standard output, not a device) the recorded
  // file_attributes(): the rwx bits of the mode, applied exactly (no umask;
  // setuid, setgid and sticky are not restored, nor is the owner) and the
  // modification time, set after the last write. Archives without them
  // (format 2.0 and earlier, input packed from a pipe) leave the file as
  // created: mode 0666 less the umask, mtime now.
  bool restore_attributes = true;
};

struct UnpackSummary {
  bool streamed = false;  // read in one pass from standard input
  // Archive reads (streamed: archive_size and read_calls are 0, bytes_read
  // is what was read in order, chunks_total == chunks_decoded).
  ReadStats reads;
  uint64_t original_size = 0;  // bytes written
  FileAttributes attributes;   // recorded in the archive (restored or not)
};

// Unpacks the archive `in` into `out`. "-" as `in` reads standard input in
// one pass (the archive need not be seekable); "-" as `out` is standard
// output. Checksums are verified; a file `out` appears only when complete.
// An `out` that is the file `in` is refused first (CheckOutputNotInput); a
// file `in` is opened before `out` is created. *summary, when given, is
// filled on success.
Error UnpackFile(const std::string& in, const std::string& out, const UnpackOptions& options,
                 UnpackSummary* summary = nullptr);
Error UnpackFile(const std::string& in, const std::string& out, bool overwrite, unsigned threads = 0);
// Hands the original file of the archive `in` to `write` in order ("-" reads
// standard input in one pass, as UnpackFile does), verifying every chunk
// checksum as it goes and the whole-file checksum at the end: the bytes
// already handed over are only known good when this returns ok.
// options.overwrite is unused. An Error returned by `write` comes back
// unchanged; other errors carry `in` in path(). *summary, when given, is
// filled on success.
Error UnpackTo(const std::string& in, const WriteCallback& write, const UnpackOptions& options,
               UnpackSummary* summary = nullptr);

struct VerifyOptions {
  std::string against;  // a file to compare the original with ("-": standard input); empty: none
  unsigned threads = 0;
  ProgressCallback progress;
};

struct VerifyResult {
  bool against_opened = false;  // VerifyOptions::against opened (it is opened first)
  bool opened = false;          // the archive opened (original_size is known)
  uint64_t original_size = 0;
  uint64_t chunks_checked = 0;  // chunks decoded and checked, also on failure
  uint64_t archive_bytes = 0;   // the archive's size (streamed: the bytes read), once known
  // With `against`: whether the decoded bytes equal the file's, and where
  // they first differ (the shorter length when one is a prefix of the other).
  bool matches = true;
  uint64_t first_difference = UINT64_MAX;
  // With `against`: the tensors with a byte that differs or that the file
  // lacks, in header order, and whether bytes outside every tensor differ.
  // Bytes of damaged chunks are not compared.
  std::vector<std::string> differing_tensors;
  bool differs_outside_tensors = false;
  // Every chunk that failed its checks, in file order: VerifyFile goes on
  // past them (Reader::VerifyAll) and returns the first one's error.
  std::vector<Damage> damaged;
};

// Decodes the archive `archive` ("-": standard input, read once in order as
// UnpackFile does; `against` may then not be "-" too), checking every
// checksum, and compares it with options.against (opened first, read once
// in order). A difference is not an error: the call returns ok with
// matches == false. A damaged chunk of an archive file does not stop the
// pass (Reader::VerifyAll): every one is listed in result->damaged and the
// first one's error is returned (from standard input, the first damage
// ends the pass). *result is filled as far as the call got, also on error.
Error VerifyFile(const std::string& archive, const VerifyOptions& options, VerifyResult* result);

// What a file is, by its first bytes.
enum class FileKind {
  kArchive,  // starts with the sgz header magic
  kGguf,     // starts with "GGUF" (either byte order)
  kOther,    // neither, or shorter than a magic
};
// Reads the first bytes of the file at `path` (kIoError, path() set, when it
// cannot be opened or read).
ErrorOr<FileKind> IdentifyFile(const std::string& path);

// A plain GGUF file (not an archive) as the packer parses it: what `sgz ls`
// and `sgz info` show for a GGUF file.
struct GgufFileInfo {
  uint64_t size = 0;                    // bytes of the file
  GgufInfo gguf;
  std::vector<TensorInfo> tensors;      // in header order; stored_size is 0
  std::vector<MetadataEntry> metadata;  // in file order, cut by `limits`
};
// Reads and checks the header (magic through tensor infos; at most the
// 64 MiB the packer parses) of the GGUF file at `path` against the file's
// size; the tensor data is not read. kCorrupt or kNotSupported (a GGUF
// version other than 2 and 3) naming the rule broken; kResourceExhausted for
// a larger header; kIoError when the file cannot be read. Errors carry
// `path` in path().
ErrorOr<GgufFileInfo> ReadGgufFile(const std::string& path, const MetadataLimits& limits = MetadataLimits());

// An output file that appears only when complete: bytes go to a temporary
// file beside `path`, renamed into place by Commit(). Without `overwrite`
// an existing file is an error (kInvalidArgument, at Create and again
// atomically at Commit; the message is "PATH: already exists", the same
// from PackFile, UnpackFile and Reader::Unpack) and is left alone. An OutputFile destroyed without
// Commit removes its temporary. "-" writes to standard output; an existing
// device or FIFO (/dev/null) is written directly.
class OutputFile {
 public:
  static ErrorOr<OutputFile> Create(const std::string& path, bool overwrite);
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  ~OutputFile();

  Error Write(const void* data, size_t n);
  // Flushes and renames into place. REQUIRES: called at most once.
  Error Commit();
  const std::string& path() const;

 private:
  struct Impl;
  explicit OutputFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Makes SIGINT, SIGTERM and SIGHUP remove the temporaries of every output in
// progress (PackFile, UnpackFile, Reader::Unpack, OutputFile) before the
// process dies of the signal, and ignores SIGXFSZ so that a file-size limit
// is reported as an I/O error. Replaces the handlers of those signals: call
// it once, early, in programs that want this.
void InstallOutputCleanup();

}  // namespace sgz

#endif  // SGZ_PUBLIC_SGZ_H_
