#include <dlfcn.h>

#include <mutex>
#include <string>

#include "container/curl_api.h"

namespace sgz::internal {
namespace {

CurlApi api;
Status loaded;

template <typename F>
bool Find(void* lib, const char* name, F* f) {
  *f = reinterpret_cast<F>(dlsym(lib, name));
  return *f != nullptr;
}

Status Load() {
  // The soname of every libcurl since 7.16; the unversioned name is the
  // development link, for a system that has only that.
  void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) lib = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    return Status::NotSupported(std::string("reading a URL needs libcurl (") + (why ? why : "libcurl.so.4 not found") +
                                ")");
  }
  if (!Find(lib, "curl_global_init", &api.global_init) || !Find(lib, "curl_easy_init", &api.easy_init) ||
      !Find(lib, "curl_easy_cleanup", &api.easy_cleanup) || !Find(lib, "curl_easy_reset", &api.easy_reset) ||
      !Find(lib, "curl_easy_setopt", &api.easy_setopt) || !Find(lib, "curl_easy_perform", &api.easy_perform) ||
      !Find(lib, "curl_easy_getinfo", &api.easy_getinfo) || !Find(lib, "curl_easy_strerror", &api.easy_strerror) ||
      !Find(lib, "curl_slist_append", &api.slist_append) || !Find(lib, "curl_slist_free_all", &api.slist_free_all)) {
    return Status::NotSupported("reading a URL needs libcurl: libcurl.so.4 lacks a function");
  }
  // Never unloaded: handles may be in use until exit.
  if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return Status::IOError("curl_global_init failed");
  return Status::Ok();
}

}  // namespace

Status LoadCurl() {
  static std::once_flag once;
  std::call_once(once, [] { loaded = Load(); });
  return loaded;
}

const CurlApi& Curl() { return api; }

}  // namespace sgz::internal
