// The public C++ interface of the sgz library: read tensors and byte ranges
// out of .sgz archives of GGUF files without unpacking them, unpack, verify,
// and pack.
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
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sgz/error_code.h"

namespace sgz {

// The library version, "MAJOR.MINOR.PATCH".
const char* Version();


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

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
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

// One tensor of the archived GGUF file.
struct TensorInfo {
  std::string name;
  std::string type;            // ggml type name: "F32", "Q4_K", ...
  std::vector<int64_t> shape;  // ne[0], ne[1], ... (innermost first, as GGUF)
  uint64_t offset = 0;         // of the payload in the original file
  uint64_t size = 0;           // payload bytes in the original file
  uint64_t stored_size = 0;    // compressed bytes of the chunks holding it
};

// How much of the archive the Reader has touched so far.
struct ReadStats {
  uint64_t archive_size = 0;
  uint64_t bytes_read = 0;
  uint64_t read_calls = 0;
  uint64_t chunks_decoded = 0;
  uint64_t chunks_total = 0;
};

// An open archive. Opening validates the header, footer and manifest
// (checksum first) and reads no chunk; every later read decodes only the
// chunks it needs and checks their checksums.
class Reader {
 public:
  // Opens the archive file at `path`.
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
  // Tensors in the order of the GGUF header.
  const std::vector<TensorInfo>& tensors() const;
  // The tensor called `name`, or kNotFound whose message suggests close
  // names. The pointer lives as long as the Reader.
  ErrorOr<const TensorInfo*> FindTensor(const std::string& name) const;

  // Copies the payload of tensor `name`, byte for byte as it stands in the
  // original file, into dst[0, size). kNotFound for an unknown name,
  // kInvalidArgument when capacity < the tensor's size.
  Error ReadTensor(const std::string& name, void* dst, size_t capacity);
  // Copies original bytes [offset, offset + length) into dst.
  // kInvalidArgument when the range is not inside the original file.
  Error ReadRange(uint64_t offset, uint64_t length, void* dst);
  // Writes the original file to `out_path` ("-" is standard output). The
  // file appears only when complete and verified; without `overwrite` an
  // existing file is an error (kInvalidArgument) and is left alone.
  Error Unpack(const std::string& out_path, bool overwrite);
  // Decodes the whole archive, checking every chunk checksum and the
  // whole-file checksum, and discards the bytes.
  Error Verify();

  ReadStats stats() const;

 private:
  struct Impl;
  explicit Reader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct PackFileOptions {
  int level = 1;                     // zstd level of tensor (and opaque) data, 1..22
  int meta_level = 0;                // zstd level of GGUF metadata; 0: max(level, 9)
  uint64_t chunk_size = 4ull << 20;  // original bytes per chunk (target)
  unsigned threads = 0;              // worker threads, 0 = all cores
  bool overwrite = false;            // replace an existing output
};

struct PackSummary {
  uint64_t original_size = 0;
  uint64_t archive_size = 0;
  uint64_t chunks = 0;
  bool gguf = false;   // false: packed as opaque bytes; notice says why
  std::string notice;
};

// Packs the file `in` ("-" is standard input) into the archive `out` ("-" is
// standard output). The output appears only when complete. Bad options are
// kInvalidArgument. *summary, when given, is filled on success.
Error PackFile(const std::string& in, const std::string& out, const PackFileOptions& options = PackFileOptions(),
               PackSummary* summary = nullptr);

// Unpacks the archive `in` into `out`. "-" as `in` reads standard input in
// one pass (the archive need not be seekable); "-" as `out` is standard
// output. Checksums are verified; a file `out` appears only when complete.
Error UnpackFile(const std::string& in, const std::string& out, bool overwrite, unsigned threads = 0);

}  // namespace sgz

#endif  // SGZ_PUBLIC_SGZ_H_
