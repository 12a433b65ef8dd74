// The C ABI: each function translates onto the public C++ API (sgz/sgz.h),
// records failures for sgz_last_error(), and lets no exception escape. This
// file: errors, the version, opening a reader and reading bytes;
// sgz_c_info.cc: what a reader tells about the archive; sgz_c_files.cc:
// packing and unpacking whole files.
#include "sgz/sgz_c.h"

#include <string>
#include <utility>

#include "api/sgz_c_internal.h"
#include "sgz/sgz.h"

static_assert(SGZ_OK == static_cast<int>(sgz::ErrorCode::kOk), "C and C++ codes differ");
static_assert(SGZ_INVALID_ARGUMENT == static_cast<int>(sgz::ErrorCode::kInvalidArgument), "C and C++ codes differ");
static_assert(SGZ_CORRUPT == static_cast<int>(sgz::ErrorCode::kCorrupt), "C and C++ codes differ");
static_assert(SGZ_CHECKSUM_MISMATCH == static_cast<int>(sgz::ErrorCode::kChecksumMismatch), "C and C++ codes differ");
static_assert(SGZ_NOT_SUPPORTED == static_cast<int>(sgz::ErrorCode::kNotSupported), "C and C++ codes differ");
static_assert(SGZ_IO_ERROR == static_cast<int>(sgz::ErrorCode::kIoError), "C and C++ codes differ");
static_assert(SGZ_RESOURCE_EXHAUSTED == static_cast<int>(sgz::ErrorCode::kResourceExhausted), "C and C++ codes differ");
static_assert(SGZ_NOT_FOUND == static_cast<int>(sgz::ErrorCode::kNotFound), "C and C++ codes differ");

namespace sgz::internal::capi {

namespace {

thread_local std::string last_error;

}  // namespace

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
    // C has no Error::path(): the message names the file unless it already
    // starts with it.
    const std::string& path = e.path();
    if (!path.empty() && e.message().compare(0, path.size() + 2, path + ": ") != 0) {
      last_error = path + ": " + e.message();
    } else {
      last_error = e.message();
    }
  } catch (...) {
    last_error.clear();
  }
  return static_cast<int>(e.code());
}

}  // namespace sgz::internal::capi

using namespace sgz::internal::capi;  // NOLINT: the C ABI's shared helpers

namespace {

// A C write callback as a WriteCallback: its non-zero return stops the read
// and comes back to the caller as the code.
sgz::WriteCallback ToWriteCallback(sgz_write_fn write, void* user) {
  return [write, user](const void* data, size_t n) -> sgz::Error {
    const int rc = write(user, data, n);
    if (rc == 0) return sgz::Error();
    return sgz::Error(static_cast<sgz::ErrorCode>(rc), "write callback returned " + std::to_string(rc));
  };
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

int sgz_reader_verify_all(sgz_reader* reader, sgz_damage_fn damaged, void* user, uint64_t* damaged_count) {
  if (reader == nullptr) return InvalidArgument("sgz_reader_verify_all: null reader");
  if (damaged_count != nullptr) *damaged_count = 0;
  return Guarded([&] {
    uint64_t count = 0;
    const sgz::Error e = reader->reader.VerifyAll([&](const sgz::Damage& d) -> sgz::Error {
      ++count;
      if (damaged == nullptr) return sgz::Error();
      std::vector<const char*> names;
      for (const std::string& t : d.tensors) names.push_back(t.c_str());
      sgz_damage c = sgz_damage();
      c.chunk = d.chunk;
      c.offset = d.offset;
      c.length = d.length;
      c.code = static_cast<int>(d.code);
      c.message = d.message.c_str();
      c.tensor_count = names.size();
      c.tensors = names.data();
      c.metadata = d.metadata ? 1 : 0;
      const int rc = damaged(user, &c);
      if (rc == SGZ_OK) return sgz::Error();
      return sgz::Error(static_cast<sgz::ErrorCode>(rc), "sgz_reader_verify_all: damage callback returned " +
                                                             std::to_string(rc));
    });
    if (damaged_count != nullptr) *damaged_count = count;
    return Report(e);
  });
}

void sgz_reader_set_threads(sgz_reader* reader, unsigned threads) {
  if (reader != nullptr) reader->reader.set_threads(threads);
}

const char* sgz_reader_tensor_type(const sgz_reader* reader, size_t i) {
  if (reader == nullptr || i >= reader->reader.tensors().size()) return nullptr;
  return reader->reader.tensors()[i].type.c_str();
}

int sgz_reader_tensor_shape(const sgz_reader* reader, size_t i, size_t* n_dims, int64_t* dims, size_t capacity) {
  if (reader == nullptr || n_dims == nullptr) return InvalidArgument("sgz_reader_tensor_shape: null argument");
  const std::vector<sgz::TensorInfo>& tensors = reader->reader.tensors();
  if (i >= tensors.size()) return InvalidArgument("sgz_reader_tensor_shape: tensor index out of range");
  const std::vector<int64_t>& shape = tensors[i].shape;
  *n_dims = shape.size();
  if (capacity < shape.size() || (dims == nullptr && !shape.empty())) {
    return InvalidArgument("sgz_reader_tensor_shape: dims capacity smaller than the tensor's dimensions");
  }
  for (size_t d = 0; d < shape.size(); ++d) dims[d] = shape[d];
  return SGZ_OK;
}

int sgz_reader_read_range_to(sgz_reader* reader, uint64_t offset, uint64_t length, sgz_write_fn write, void* user) {
  if (reader == nullptr || write == nullptr) return InvalidArgument("sgz_reader_read_range_to: null argument");
  return Guarded([&] { return Report(reader->reader.ReadRangeTo(offset, length, ToWriteCallback(write, user))); });
}

int sgz_reader_read_tensor_to(sgz_reader* reader, const char* name, sgz_write_fn write, void* user) {
  if (reader == nullptr || name == nullptr || write == nullptr) {
    return InvalidArgument("sgz_reader_read_tensor_to: null argument");
  }
  return Guarded([&] { return Report(reader->reader.ReadTensorTo(name, ToWriteCallback(write, user))); });
}

}  // extern "C"
