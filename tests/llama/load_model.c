// Loads a GGUF model with llama.cpp's own loader (memory-mapped, as llama.cpp
// does by default) and evaluates one token; prints the parameter count and a
// checksum of the logits, so that a model read through `sgz mount` can be
// compared with the same file read from disk. BACKEND_DIR: where ggml's
// CPU backends (libggml-cpu-*.so) are.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "llama.h"

static void quiet(enum ggml_log_level level, const char* text, void* data) {
  (void)data;
  if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: load_model MODEL.gguf BACKEND_DIR\n");
    return 2;
  }
  llama_log_set(quiet, NULL);
  ggml_backend_load_all_from_path(argv[2]);
  llama_backend_init();
  struct llama_model_params mp = llama_model_default_params();
  mp.load_mode = LLAMA_LOAD_MODE_MMAP;
  struct llama_model* model = llama_model_load_from_file(argv[1], mp);
  if (model == NULL) {
    fprintf(stderr, "load_model: llama.cpp could not load %s\n", argv[1]);
    return 1;
  }
  struct llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 16;
  cp.n_batch = 16;
  cp.n_threads = 1;
  cp.n_threads_batch = 1;
  struct llama_context* ctx = llama_init_from_model(model, cp);
  if (ctx == NULL) {
    fprintf(stderr, "load_model: no context for %s\n", argv[1]);
    return 1;
  }
  llama_token token = 1;
  if (llama_decode(ctx, llama_batch_get_one(&token, 1)) != 0) {
    fprintf(stderr, "load_model: decode failed\n");
    return 1;
  }
  const float* logits = llama_get_logits(ctx);
  const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the logits' bits
  for (int i = 0; i < n_vocab; ++i) {
    uint32_t bits;
    memcpy(&bits, &logits[i], 4);
    for (int k = 0; k < 4; ++k) h = (h ^ ((bits >> (8 * k)) & 255)) * 1099511628211ull;
  }
  printf("params %llu vocab %d logits %016llx\n", (unsigned long long)llama_model_n_params(model), n_vocab,
         (unsigned long long)h);
  llama_free(ctx);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}
