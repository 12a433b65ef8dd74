// The C ABI: each function translates onto the public C++ API (sgz/sgz.h),
// records failures for sgz_last_error(), and lets no exception escape.
#include "sgz/sgz_c.h"

#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

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
  // Filled by the first successful sgz_reader_metadata_count /
  // sgz_reader_stream_count; the C strings point into them.
  bool metadata_loaded = false;
  std::vector<sgz::MetadataEntry> metadata;
  std::vector<std::string> metadata_text;
  bool streams_loaded = false;
  std::vector<sgz::StreamStat> streams;
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

// A C write callback as a WriteCallback: its non-zero return stops the read
// and comes back to the caller as the code.
sgz::WriteCallback ToWriteCallback(sgz_write_fn write, void* user) {
  return [write, user](const void* data, size_t n) -> sgz::Error {
    const int rc = write(user, data, n);
    if (rc == 0) return sgz::Error();
    return sgz::Error(static_cast<sgz::ErrorCode>(rc), "write callback returned " + std::to_string(rc));
  };
}

sgz::ProgressCallback ToProgressCallback(sgz_progress_fn progress, void* user) {
  if (progress == nullptr) return nullptr;
  return [progress, user](const sgz::Progress& p) { progress(user, p.done, p.total); };
}

int LoadMetadata(sgz_reader* r) {
  if (r->metadata_loaded) return SGZ_OK;
  // As `sgz info` shows it: 8 array items, strings cut after 256 bytes.
  sgz::MetadataLimits limits;
  limits.max_items = 8;
  limits.max_string = 256;
  sgz::ErrorOr<std::vector<sgz::MetadataEntry>> m = r->reader.Metadata(limits);
  if (!m.ok()) return Report(m.error());
  r->metadata = std::move(m).value();
  r->metadata_text.clear();
  for (const sgz::MetadataEntry& e : r->metadata) r->metadata_text.push_back(sgz::MetadataValueText(e.value, 8));
  r->metadata_loaded = true;
  return SGZ_OK;
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

int sgz_reader_info(const sgz_reader* reader, sgz_archive_info* out) {
  if (reader == nullptr || out == nullptr) return InvalidArgument("sgz_reader_info: null argument");
  const sgz::ArchiveInfo a = reader->reader.archive_info();
  const sgz::GgufInfo& g = reader->reader.gguf();
  *out = sgz_archive_info();
  out->format_major = a.format.major;
  out->format_minor = a.format.minor;
  out->archive_size = a.archive_size;
  out->chunks = a.chunks;
  out->checksum = a.checksum;
  out->original_size = reader->reader.original_size();
  out->is_gguf = reader->reader.is_gguf() ? 1 : 0;
  out->gguf_version = g.version;
  out->big_endian = g.big_endian ? 1 : 0;
  out->alignment = g.alignment;
  out->data_offset = g.data_offset;
  out->kv_count = g.kv_count;
  out->tensor_count = g.tensor_count;
  return SGZ_OK;
}

int sgz_reader_stats(const sgz_reader* reader, sgz_read_stats* out) {
  if (reader == nullptr || out == nullptr) return InvalidArgument("sgz_reader_stats: null argument");
  const sgz::ReadStats s = reader->reader.stats();
  out->archive_size = s.archive_size;
  out->bytes_read = s.bytes_read;
  out->read_calls = s.read_calls;
  out->chunks_decoded = s.chunks_decoded;
  out->chunks_total = s.chunks_total;
  return SGZ_OK;
}

int sgz_reader_metadata_count(sgz_reader* reader, size_t* count) {
  if (reader == nullptr || count == nullptr) return InvalidArgument("sgz_reader_metadata_count: null argument");
  return Guarded([&]() -> int {
    const int rc = LoadMetadata(reader);
    if (rc == SGZ_OK) *count = reader->metadata.size();
    return rc;
  });
}

const char* sgz_reader_metadata_key(const sgz_reader* reader, size_t i) {
  if (reader == nullptr || !reader->metadata_loaded || i >= reader->metadata.size()) return nullptr;
  return reader->metadata[i].key.c_str();
}

const char* sgz_reader_metadata_type(const sgz_reader* reader, size_t i) {
  if (reader == nullptr || !reader->metadata_loaded || i >= reader->metadata.size()) return nullptr;
  return sgz::MetadataTypeName(reader->metadata[i].value.type);
}

const char* sgz_reader_metadata_text(const sgz_reader* reader, size_t i) {
  if (reader == nullptr || !reader->metadata_loaded || i >= reader->metadata_text.size()) return nullptr;
  return reader->metadata_text[i].c_str();
}

int sgz_reader_metadata_find(sgz_reader* reader, const char* key, size_t* index) {
  if (reader == nullptr || key == nullptr || index == nullptr) {
    return InvalidArgument("sgz_reader_metadata_find: null argument");
  }
  return Guarded([&]() -> int {
    const int rc = LoadMetadata(reader);
    if (rc != SGZ_OK) return rc;
    for (size_t i = 0; i < reader->metadata.size(); ++i) {
      if (reader->metadata[i].key == key) {
        *index = i;
        return SGZ_OK;
      }
    }
    return Fail(SGZ_NOT_FOUND, ("no metadata key '" + std::string(key) + "'").c_str());
  });
}

int sgz_reader_stream_count(sgz_reader* reader, size_t* count) {
  if (reader == nullptr || count == nullptr) return InvalidArgument("sgz_reader_stream_count: null argument");
  return Guarded([&]() -> int {
    if (!reader->streams_loaded) {
      sgz::ErrorOr<std::vector<sgz::StreamStat>> s = reader->reader.StreamStats();
      if (!s.ok()) return Report(s.error());
      reader->streams = std::move(s).value();
      reader->streams_loaded = true;
    }
    *count = reader->streams.size();
    return SGZ_OK;
  });
}

const char* sgz_reader_stream_name(const sgz_reader* reader, size_t i) {
  if (reader == nullptr || !reader->streams_loaded || i >= reader->streams.size()) return nullptr;
  return reader->streams[i].name.c_str();
}

int sgz_reader_stream_sizes(const sgz_reader* reader, size_t i, uint64_t* original, uint64_t* stored) {
  if (reader == nullptr || original == nullptr || stored == nullptr) {
    return InvalidArgument("sgz_reader_stream_sizes: null argument");
  }
  if (!reader->streams_loaded || i >= reader->streams.size()) {
    return InvalidArgument("sgz_reader_stream_sizes: index out of range (call sgz_reader_stream_count first)");
  }
  *original = reader->streams[i].original;
  *stored = reader->streams[i].stored;
  return SGZ_OK;
}

void sgz_pack_options_init(sgz_pack_options* options) {
  if (options == nullptr) return;
  const sgz::PackFileOptions defaults;
  *options = sgz_pack_options();
  options->level = defaults.level;
  options->meta_level = defaults.meta_level;
  options->chunk_size = defaults.chunk_size;
  options->threads = defaults.threads;
  options->overwrite = defaults.overwrite ? 1 : 0;
}

int sgz_pack_file_with(const char* in, const char* out, const sgz_pack_options* options) {
  if (in == nullptr || out == nullptr) return InvalidArgument("sgz_pack_file_with: null path");
  return Guarded([&] {
    sgz::PackFileOptions o;
    if (options != nullptr) {
      o.level = options->level;
      o.meta_level = options->meta_level;
      o.chunk_size = options->chunk_size;
      o.threads = options->threads;
      o.overwrite = options->overwrite != 0;
      o.progress = ToProgressCallback(options->progress, options->progress_user);
    }
    return Report(sgz::PackFile(in, out, o));
  });
}

void sgz_unpack_options_init(sgz_unpack_options* options) {
  if (options != nullptr) *options = sgz_unpack_options();
}

int sgz_unpack_file_with(const char* in, const char* out, const sgz_unpack_options* options) {
  if (in == nullptr || out == nullptr) return InvalidArgument("sgz_unpack_file_with: null path");
  return Guarded([&] {
    sgz::UnpackOptions o;
    if (options != nullptr) {
      o.threads = options->threads;
      o.overwrite = options->overwrite != 0;
      o.progress = ToProgressCallback(options->progress, options->progress_user);
    }
    return Report(sgz::UnpackFile(in, out, o));
  });
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
