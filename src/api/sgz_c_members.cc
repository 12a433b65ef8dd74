// The C ABI, archives of several members: listing them, opening one, and
// packing many files, unpacking them from a stream (sgz_c.cc has the shared
// rules).
#include <string>
#include <vector>

#include "api/sgz_c_internal.h"
#include "sgz/sgz.h"
#include "sgz/sgz_c.h"

using namespace sgz::internal::capi;  // NOLINT: the C ABI's shared helpers

namespace {

// Copies the C array of input paths into *in; refuses a null path or none
// (SGZ_INVALID_ARGUMENT, the message naming `function`), else SGZ_OK.
int InputPaths(const char* function, const char* const* inputs, size_t count, std::vector<std::string>* in) {
  for (size_t i = 0; i < count; ++i) {
    if (inputs[i] == nullptr) return InvalidArgument((std::string(function) + ": null input").c_str());
    in->emplace_back(inputs[i]);
  }
  if (in->empty()) return InvalidArgument((std::string(function) + ": no inputs").c_str());
  return SGZ_OK;
}

}  // namespace

extern "C" {

size_t sgz_reader_member_count(const sgz_reader* reader) {
  return reader == nullptr ? 0 : reader->reader.members().size();
}

int sgz_reader_member_info(const sgz_reader* reader, size_t i, sgz_member_info* out) {
  if (reader == nullptr || out == nullptr) return InvalidArgument("sgz_reader_member_info: null argument");
  const std::vector<sgz::MemberInfo>& members = reader->reader.members();
  if (i >= members.size()) return InvalidArgument("sgz_reader_member_info: index out of range");
  const sgz::MemberInfo& m = members[i];
  *out = sgz_member_info();
  out->name = m.name.c_str();
  out->original_size = m.original_size;
  out->stored_size = m.stored_size;
  out->chunks = m.chunks;
  out->is_gguf = m.gguf ? 1 : 0;
  out->checksum = m.checksum;
  return SGZ_OK;
}

int sgz_reader_open_member(const sgz_reader* reader, const char* name, sgz_reader** out) {
  if (out == nullptr) return InvalidArgument("sgz_reader_open_member: null out");
  *out = nullptr;
  if (reader == nullptr || name == nullptr) return InvalidArgument("sgz_reader_open_member: null argument");
  return Guarded([&]() -> int {
    sgz::ErrorOr<sgz::Reader> member = reader->reader.OpenMember(name);
    if (!member.ok()) return Report(member.error());
    *out = new sgz_reader(std::move(member).value());
    return SGZ_OK;
  });
}

int sgz_pack_files(const char* const* inputs, size_t count, const char* out, const sgz_pack_options* options) {
  if (out == nullptr || (inputs == nullptr && count != 0)) return InvalidArgument("sgz_pack_files: null argument");
  return Guarded([&]() -> int {
    std::vector<std::string> in;
    if (const int rc = InputPaths("sgz_pack_files", inputs, count, &in); rc != SGZ_OK) return rc;
    return Report(sgz::PackFiles(in, out, ToPackFileOptions(options)));
  });
}

int sgz_append_files(const char* archive, const char* const* inputs, size_t count, const sgz_pack_options* options,
                     int replace) {
  if (archive == nullptr || (inputs == nullptr && count != 0)) return InvalidArgument("sgz_append_files: null argument");
  return Guarded([&]() -> int {
    std::vector<std::string> in;
    if (const int rc = InputPaths("sgz_append_files", inputs, count, &in); rc != SGZ_OK) return rc;
    sgz::AppendOptions o;
    o.pack = ToPackFileOptions(options);
    o.pack.progress = nullptr;
    o.replace = replace != 0;
    return Report(sgz::AppendFiles(archive, in, o));
  });
}

int sgz_unpack_stream_members(const char* in, const char* dir, const char* const* members, size_t count,
                              const sgz_unpack_options* options) {
  if (in == nullptr || dir == nullptr || (members == nullptr && count != 0)) {
    return InvalidArgument("sgz_unpack_stream_members: null argument");
  }
  return Guarded([&]() -> int {
    std::vector<std::string> wanted;
    for (size_t i = 0; i < count; ++i) {
      if (members[i] == nullptr) return InvalidArgument("sgz_unpack_stream_members: null member");
      wanted.emplace_back(members[i]);
    }
    sgz::UnpackOptions o;
    if (options != nullptr) {
      o.threads = options->threads;
      o.overwrite = options->overwrite != 0;
    }
    return Report(sgz::UnpackStreamMembers(in, dir, wanted, o));
  });
}

}  // extern "C"
