// The C ABI, whole files: packing and unpacking (sgz_c.cc has the shared
// rules).
#include "api/sgz_c_internal.h"
#include "sgz/sgz.h"
#include "sgz/sgz_c.h"

using namespace sgz::internal::capi;  // NOLINT: the C ABI's shared helpers

namespace {

sgz::ProgressCallback ToProgressCallback(sgz_progress_fn progress, void* user) {
  if (progress == nullptr) return nullptr;
  return [progress, user](const sgz::Progress& p) { progress(user, p.done, p.total); };
}

}  // namespace

sgz::PackFileOptions sgz::internal::capi::ToPackFileOptions(const sgz_pack_options* options) {
  sgz::PackFileOptions o;
  if (options != nullptr) {
    o.level = options->level;
    o.meta_level = options->meta_level;
    o.chunk_size = options->chunk_size;
    o.threads = options->threads;
    o.overwrite = options->overwrite != 0;
    o.progress = ToProgressCallback(options->progress, options->progress_user);
    o.predict = options->predict != 0;
    o.predict_scales = options->predict_scales != 0;
    if (options->parent != nullptr) o.parent = options->parent;
    if (options->imatrix != nullptr) o.imatrix = options->imatrix;
    o.format_minor = options->format_minor;
  }
  return o;
}

extern "C" {

void sgz_pack_options_init(sgz_pack_options* options) {
  if (options == nullptr) return;
  const sgz::PackFileOptions defaults;
  *options = sgz_pack_options();
  options->level = defaults.level;
  options->meta_level = defaults.meta_level;
  options->chunk_size = defaults.chunk_size;
  options->threads = defaults.threads;
  options->overwrite = defaults.overwrite ? 1 : 0;
  options->predict = defaults.predict ? 1 : 0;
  options->predict_scales = defaults.predict_scales ? 1 : 0;
  options->format_minor = defaults.format_minor;
}

int sgz_pack_file_with(const char* in, const char* out, const sgz_pack_options* options) {
  if (in == nullptr || out == nullptr) return InvalidArgument("sgz_pack_file_with: null path");
  return Guarded([&] { return Report(sgz::PackFile(in, out, ToPackFileOptions(options))); });
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
