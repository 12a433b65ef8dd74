#include "container/member_names.h"

#include <algorithm>
#include <vector>

namespace sgz::internal {
namespace {

// Names go into messages quoted; a hostile one must not bring control
// bytes to the terminal, nor a megabyte of text.
std::string Quoted(const std::string& name) {
  std::string out = "'";
  for (size_t i = 0; i < name.size() && i < 200; ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + (name.size() > 200 ? "...'" : "'");
}

}  // namespace

Status CheckMemberName(const std::string& name) {
  if (name.empty()) return Status::Corruption("is empty");
  if (name.size() > kMaxNameBytes) {
    return Status::Corruption("is longer than " + std::to_string(kMaxNameBytes) + " bytes");
  }
  if (name.find('\0') != std::string::npos) return Status::Corruption("holds a NUL byte");
  if (name[0] == '/') return Status::Corruption("is an absolute path (starts with '/')");
  for (size_t at = 0; at <= name.size();) {
    size_t end = name.find('/', at);
    if (end == std::string::npos) end = name.size();
    const std::string component = name.substr(at, end - at);
    if (component.empty()) return Status::Corruption("has an empty component ('//' or a trailing '/')");
    if (component == "." || component == "..") return Status::Corruption("has a '" + component + "' component");
    at = end + 1;
  }
  return Status::Ok();
}

Status CheckMemberNames(const Manifest& manifest) {
  const std::vector<FileEntry>& files = manifest.files;
  if (files.size() == 1 && files[0].name.empty()) return Status::Ok();
  std::vector<const std::string*> names;
  names.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    Status s = CheckMemberName(files[i].name);
    if (!s.ok()) {
      return Status::Corruption("file entry " + std::to_string(i) + ": member name " + Quoted(files[i].name) + " " +
                                s.message());
    }
    names.push_back(&files[i].name);
  }
  std::sort(names.begin(), names.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
  for (size_t i = 1; i < names.size(); ++i) {
    if (*names[i] == *names[i - 1]) {
      return Status::Corruption("file table: member name " + Quoted(*names[i]) + " appears more than once");
    }
  }
  return Status::Ok();
}

}  // namespace sgz::internal
