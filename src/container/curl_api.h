// libcurl, loaded at run time (dlopen of libcurl.so.4) rather than linked:
// libsgz.a and programs linked statically against it need no libcurl and
// its dependencies at link time, and an archive at a URL is the only thing
// that needs it at run time. Only the HTTP files include this header; it
// makes the curl functions they call go through the loaded library.
#ifndef SGZ_CONTAINER_CURL_API_H_
#define SGZ_CONTAINER_CURL_API_H_

#include <curl/curl.h>

#include "common/status.h"

namespace sgz::internal {

struct CurlApi {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL* c);
  void (*easy_reset)(CURL* c);
  CURLcode (*easy_setopt)(CURL* c, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL* c);
  CURLcode (*easy_getinfo)(CURL* c, CURLINFO info, ...);
  const char* (*easy_strerror)(CURLcode code);
  curl_slist* (*slist_append)(curl_slist* list, const char* s);
  void (*slist_free_all)(curl_slist* list);
};

// Loads libcurl and runs curl_global_init, once per process (thread-safe).
// NotSupported, naming the library, when it cannot be loaded.
Status LoadCurl();
// REQUIRES: LoadCurl() returned ok.
const CurlApi& Curl();

}  // namespace sgz::internal

#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init(...) ::sgz::internal::Curl().global_init(__VA_ARGS__)
#define curl_easy_init() ::sgz::internal::Curl().easy_init()
#define curl_easy_cleanup(...) ::sgz::internal::Curl().easy_cleanup(__VA_ARGS__)
#define curl_easy_reset(...) ::sgz::internal::Curl().easy_reset(__VA_ARGS__)
#define curl_easy_setopt(...) ::sgz::internal::Curl().easy_setopt(__VA_ARGS__)
#define curl_easy_perform(...) ::sgz::internal::Curl().easy_perform(__VA_ARGS__)
#define curl_easy_getinfo(...) ::sgz::internal::Curl().easy_getinfo(__VA_ARGS__)
#define curl_easy_strerror(...) ::sgz::internal::Curl().easy_strerror(__VA_ARGS__)
#define curl_slist_append(...) ::sgz::internal::Curl().slist_append(__VA_ARGS__)
#define curl_slist_free_all(...) ::sgz::internal::Curl().slist_free_all(__VA_ARGS__)

#endif  // SGZ_CONTAINER_CURL_API_H_
