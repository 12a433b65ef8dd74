#include "members.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sgz::cli {
namespace {

// Why `name` cannot be a path below the target directory, or empty. The
// reader has refused such names already; this is the unpacker's own check,
// so that no archive, however it got past the reader, writes elsewhere.
std::string UnsafeName(const std::string& name) {
  if (name.empty()) return "is empty";
  if (name.find('\0') != std::string::npos) return "holds a NUL byte";
  if (name[0] == '/') return "is an absolute path";
  for (size_t at = 0; at <= name.size();) {
    size_t end = name.find('/', at);
    if (end == std::string::npos) end = name.size();
    const std::string part = name.substr(at, end - at);
    if (part.empty()) return "has an empty component";
    if (part == "." || part == "..") return "has a '" + part + "' component";
    at = end + 1;
  }
  return "";
}

// The directories between `dir` and the member: "zoo", "zoo/sub" for "zoo/sub/x".
std::vector<std::string> Parents(const std::string& name) {
  std::vector<std::string> out;
  for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
    out.push_back(name.substr(0, slash));
  }
  return out;
}

int Refuse(const std::string& path, ErrorCode code, const std::string& why) {
  return Fail(path, Error(code, why));
}

// An existing path on the way must be a real directory: following a
// symbolic link could lead out of the target directory.
int CheckParent(const std::string& path, bool* exists) {
  struct stat st;
  *exists = lstat(path.c_str(), &st) == 0;
  if (!*exists) {
    if (errno == ENOENT) return kExitOk;
    return Refuse(path, ErrorCode::kIoError, strerror(errno));
  }
  if (S_ISLNK(st.st_mode)) {
    return Refuse(path, ErrorCode::kInvalidArgument, "is a symbolic link; not following it to unpack members");
  }
  if (!S_ISDIR(st.st_mode)) return Refuse(path, ErrorCode::kInvalidArgument, "exists and is not a directory");
  return kExitOk;
}

}  // namespace

int OpenMemberOf(const std::string& in, const Reader& archive, const std::string& name, std::optional<Reader>* out) {
  ErrorOr<Reader> member = archive.OpenMember(name);
  if (!member.ok()) {
    const Error& e = member.error();
    const bool suggested = e.message().find("did you mean") != std::string::npos;
    return Fail(in, suggested ? e : Error(e.code(), e.message() + "; see 'sgz ls " + in + "'"));
  }
  out->emplace(std::move(member).value());
  return kExitOk;
}

int OnlyMember(const std::string& in, const Reader& archive, const std::string& command) {
  const size_t n = archive.members().size();
  if (n == 1) return kExitOk;
  fprintf(stderr, "sgz: %s: holds %zu members; %s needs the MEMBER to read (see 'sgz ls %s')\n", InName(in).c_str(), n,
          command.c_str(), InName(in).c_str());
  return kExitUsage;
}

int SelectMembers(const std::string& in, const Reader& archive, const std::vector<std::string>& wanted,
                  std::vector<size_t>* selected) {
  const std::vector<MemberInfo>& members = archive.members();
  std::vector<bool> chosen(members.size(), wanted.empty());
  int rc = kExitOk;
  for (std::string w : wanted) {
    while (w.size() > 1 && w.back() == '/') w.pop_back();
    bool hit = false;
    for (size_t i = 0; i < members.size(); ++i) {
      const std::string& n = members[i].name;
      if (n == w || (n.size() > w.size() && n.compare(0, w.size(), w) == 0 && n[w.size()] == '/')) {
        chosen[i] = true;
        hit = true;
      }
    }
    if (!hit) {
      std::optional<Reader> ignored;
      rc = OpenMemberOf(in, archive, w, &ignored);  // prints the error, with a close name
      if (rc == kExitOk) rc = kExitUsage;
    }
  }
  selected->clear();
  for (size_t i = 0; i < members.size(); ++i) {
    if (chosen[i]) selected->push_back(i);
  }
  return rc;
}

int UnpackMembers(const std::string& in, Reader& archive, const std::vector<size_t>& selected, const std::string& dir,
                  const Common& c, bool stats) {
  const std::vector<MemberInfo>& members = archive.members();
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Refuse(dir, ErrorCode::kInvalidArgument, errno == ENOENT ? "no such directory" : "not a directory");
  }
  const std::string base = dir.back() == '/' ? dir : dir + "/";
  // Everything that can be known before writing is checked before writing.
  std::vector<std::string> names;
  for (size_t i : selected) names.push_back(members[i].name);
  std::sort(names.begin(), names.end());
  for (size_t i = 1; i < names.size(); ++i) {
    if (names[i] == names[i - 1]) {
      return Refuse(in, ErrorCode::kCorrupt, "member name '" + names[i] + "' appears more than once; not unpacking");
    }
  }
  for (size_t i : selected) {
    const std::string& name = members[i].name;
    if (name.empty() && members.size() == 1) {
      return Refuse(in, ErrorCode::kInvalidArgument,
                    "the archive's file has no name (it was packed from standard input): give -o FILE");
    }
    const std::string why = UnsafeName(name);
    if (!why.empty()) {
      return Refuse(in, ErrorCode::kCorrupt, "member name '" + name + "' " + why + "; not unpacking it");
    }
    bool exists = true;
    for (const std::string& p : Parents(name)) {
      if (!exists) break;  // below a directory still to be made
      if (const int rc = CheckParent(base + p, &exists); rc != kExitOk) return rc;
    }
    if (!exists) continue;
    if (lstat((base + name).c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return Refuse(base + name, ErrorCode::kInvalidArgument, "is a directory");
      if (!c.force) return Refuse(base + name, ErrorCode::kInvalidArgument, "already exists");
    }
  }
  for (size_t i : selected) {
    const std::string& name = members[i].name;
    for (const std::string& p : Parents(name)) {
      const std::string path = base + p;
      if (mkdir(path.c_str(), 0777) != 0 && errno != EEXIST) {
        return Refuse(path, ErrorCode::kIoError, std::string("cannot create directory: ") + strerror(errno));
      }
      bool exists;  // again, now that it exists: nothing replaced it with a link
      if (const int rc = CheckParent(path, &exists); rc != kExitOk) return rc;
    }
    std::optional<Reader> member;
    if (const int rc = OpenMemberOf(in, archive, name, &member); rc != kExitOk) return rc;
    member->set_threads(c.threads);
    const std::string out = base + name;
    ProgressLine progress(c, "unpacking");
    const Error e = member->Unpack(out, c.force, progress.Callback());
    progress.Done();
    if (!e.ok()) {
      const bool names_out = e.message().compare(0, out.size() + 1, out + ":") == 0;
      return Fail(!e.path().empty() ? e.path() : names_out ? out : in, e);
    }
    if (c.verbose) fprintf(stderr, "%s\n", out.c_str());
  }
  if (stats) PrintReadStats(archive.stats());
  return kExitOk;
}

}  // namespace sgz::cli
