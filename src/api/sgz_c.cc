// The C ABI: each function translates onto the public C++ API (sgz/sgz.h),
// records failures for sgz_last_error(), and lets no exception escape.
#include "sgz/sgz_c.h"

#include <exception>
#include <new>
#include <string>
#include <utility>

#include "sgz/sgz.h"

static_assert(SGZ_OK == static_cast<int>(sgz::ErrorCode::kOk), "C and C++ codes differ");
static_assert(SGZ_INVALID_ARGUMENT == static_cast<int>(sgz::ErrorCode::kInvalidArgument), "C and C++ codes differ");
static_assert(SGZ_CORRUPT == static_cast<int>(sgz::ErrorCode::kCorrupt), "C and C++ codes differ");
static_assert(SGZ_CHECKSUM_MISMATCH == static_cast<int>(sgz::ErrorCode::kChecksumMismatch), "C and C++ codes differ");
static_assert(SGZ_NOT_SUPPORTED == static_cast<int>(sgz::ErrorCode::kNotSupported), "C and C++ codes differ");
static_assert(SGZ_IO_ERROR == static_cast<int>(sgz::ErrorCode::kIoError), "C and C++ codes differ");
static_assert(SGZ_RESOURCE_EXHAUSTED == static_cast<int>(sgz::ErrorCode::kResourceExhausted), "C and C++ codes differ");
static_assert(SGZ_NOT_FOUND == static_cast<int>(sgz::ErrorCode::kNotFound), "C and C++ codes differ");

struct sgz_reader {
  explicit sgz_reader(sgz::Reader r) : reader(std::move(r)) {}
  sgz::Reader reader;
};

namespace {

thread_local std::string last_error;

// Records `message` for sgz_last_error() and returns `code`. Recording may
// fail for lack of memory; the code still gets out.
int Fail(int code, const char* message) noexcept {
  try {
    last_error = message;
  } catch (...) {
    last_error.clear();
  }
  return code;
}

int Report(const sgz::Error& e) noexcept {
  if (e.ok()) return SGZ_OK;
  try {
    last_error = e.message();
  } catch (...) {
    last_error.clear();
  }
  return static_cast<int>(e.code());
}

int InvalidArgument(const char* what) noexcept {
  return Fail(SGZ_INVALID_ARGUMENT, what);
}

// Runs f (returning an int code), mapping any exception to an error code.
template <typename F>
int Guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Fail(SGZ_RESOURCE_EXHAUSTED, "out of memory");
  } catch (const std::exception& e) {
    return Fail(SGZ_IO_ERROR, e.what());
  } catch (...) {
    return Fail(SGZ_IO_ERROR, "unexpected exception");
  }
}

int Adopt(sgz::ErrorOr<sgz::Reader> opened, sgz_reader** out) {
  if (!opened.ok()) return Report(opened.error());
  *out = new sgz_reader(std::move(opened).value());
  return SGZ_OK;
}

}  // namespace

extern "C" {

const char* sgz_version(void) { return sgz::Version(); }

const char* sgz_last_error(void) { return last_error.c_str(); }

int sgz_reader_open(const char* path, sgz_reader** out) {
  if (out == nullptr) return InvalidArgument("sgz_reader_open: null out");
  *out = nullptr;
  if (path == nullptr) return InvalidArgument("sgz_reader_open: null path");
  return Guarded([&] { return Adopt(sgz::Reader::Open(std::string(path)), out); });
}

int sgz_reader_open_memory(const void* data, size_t size, sgz_reader** out) {
  if (out == nullptr) return InvalidArgument("sgz_reader_open_memory: null out");
  *out = nullptr;
  return Guarded([&] { return Adopt(sgz::Reader::OpenMemory(data, size), out); });
}

void sgz_reader_close(sgz_reader* reader) { delete reader; }

uint64_t sgz_reader_original_size(const sgz_reader* reader) {
  return reader == nullptr ? 0 : reader->reader.original_size();
}

size_t sgz_reader_tensor_count(const sgz_reader* reader) {
  return reader == nullptr ? 0 : reader->reader.tensors().size();
}

const char* sgz_reader_tensor_name(const sgz_reader* reader, size_t i) {
  if (reader == nullptr || i >= reader->reader.tensors().size()) return nullptr;
  return reader->reader.tensors()[i].name.c_str();
}

int sgz_reader_tensor_size(const sgz_reader* reader, const char* name, uint64_t* size) {
  if (reader == nullptr || name == nullptr || size == nullptr) {
    return InvalidArgument("sgz_reader_tensor_size: null argument");
  }
  return Guarded([&]() -> int {
    sgz::ErrorOr<const sgz::TensorInfo*> t = reader->reader.FindTensor(name);
    if (!t.ok()) return Report(t.error());
    *size = (*t)->size;
    return SGZ_OK;
  });
}

int sgz_reader_tensor_offset(const sgz_reader* reader, const char* name, uint64_t* offset) {
  if (reader == nullptr || name == nullptr || offset == nullptr) {
    return InvalidArgument("sgz_reader_tensor_offset: null argument");
  }
  return Guarded([&]() -> int {
    sgz::ErrorOr<const sgz::TensorInfo*> t = reader->reader.FindTensor(name);
    if (!t.ok()) return Report(t.error());
    *offset = (*t)->offset;
    return SGZ_OK;
  });
}

int sgz_reader_read_tensor(sgz_reader* reader, const char* name, void* dst, size_t capacity) {
  if (reader == nullptr || name == nullptr) return InvalidArgument("sgz_reader_read_tensor: null argument");
  return Guarded([&] { return Report(reader->reader.ReadTensor(name, dst, capacity)); });
}

int sgz_reader_read_range(sgz_reader* reader, uint64_t offset, uint64_t length, void* dst) {
  if (reader == nullptr) return InvalidArgument("sgz_reader_read_range: null reader");
  return Guarded([&] { return Report(reader->reader.ReadRange(offset, length, dst)); });
}

int sgz_reader_verify(sgz_reader* reader) {
  if (reader == nullptr) return InvalidArgument("sgz_reader_verify: null reader");
  return Guarded([&] { return Report(reader->reader.Verify()); });
}

int sgz_pack_file(const char* in, const char* out, int level, unsigned threads, int overwrite) {
  if (in == nullptr || out == nullptr) return InvalidArgument("sgz_pack_file: null path");
  return Guarded([&] {
    sgz::PackFileOptions options;
    options.level = level;
    options.threads = threads;
    options.overwrite = overwrite != 0;
    return Report(sgz::PackFile(in, out, options));
  });
}

int sgz_unpack_file(const char* in, const char* out, int overwrite) {
  if (in == nullptr || out == nullptr) return InvalidArgument("sgz_unpack_file: null path");
  return Guarded([&] { return Report(sgz::UnpackFile(in, out, overwrite != 0)); });
}

}  // extern "C"
