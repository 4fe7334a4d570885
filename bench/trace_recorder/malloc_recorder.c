/* malloc_recorder: an LD_PRELOAD shim that logs a process's heap calls.
 *
 *   MALLOC_RECORD_LOG=/tmp/run.%p.log LD_PRELOAD=./malloc_recorder.so PROGRAM ...
 *
 * Every call to malloc, calloc, realloc, reallocarray, free, posix_memalign, aligned_alloc,
 * memalign, valloc and pvalloc is appended to the log named by MALLOC_RECORD_LOG ("%p" in the
 * name becomes the process id, so that a process and the programs it forks or execs, which
 * inherit LD_PRELOAD, each get their own log). Without the variable nothing is recorded.
 *
 * Log: one line a call, numbers in lowercase hex without 0x:
 *   m SIZE RET            malloc
 *   c NMEMB SIZE RET      calloc
 *   r OLD SIZE RET        realloc (reallocarray: SIZE is nmemb*size, or the call fails)
 *   a ALIGN SIZE RET      posix_memalign, aligned_alloc, memalign, valloc, pvalloc
 *   f PTR                 free
 *
 * Lines are formatted by hand into a 64 KiB buffer and written with write(2) (no stdio, no
 * allocation). One mutex serializes the real call with its log line, so the log's order is the
 * order in which the heap saw the calls, across threads. A thread-local flag passes re-entrant
 * calls (the shim's own, and any made by the real allocator) straight through unrecorded. While
 * dlsym resolves the real functions, calloc/malloc are served from a small static arena whose
 * blocks are never freed (free ignores them). After fork the child drops the buffer it inherited
 * (the parent writes those lines) and opens its own log. The buffer is written when full and by
 * an ELF destructor at exit; a process that ends by _exit or replaces itself by exec loses the
 * unwritten tail of its log.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*aligned_alloc_fn)(size_t, size_t);
typedef void *(*valloc_fn)(size_t);

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static free_fn real_free;
static posix_memalign_fn real_posix_memalign;
static aligned_alloc_fn real_aligned_alloc;
static aligned_alloc_fn real_memalign;
static valloc_fn real_valloc;
static valloc_fn real_pvalloc;

/* Static arena for allocations made while the real functions are being resolved. */
static unsigned char boot_arena[64 * 1024] __attribute__((aligned(64)));
static size_t boot_used;

static int in_boot(const void *p) {
  return (const unsigned char *)p >= boot_arena &&
         (const unsigned char *)p < boot_arena + sizeof boot_arena;
}

static void *boot_alloc(size_t n) {
  size_t off = (boot_used + 63) & ~(size_t)63;
  if (n > sizeof boot_arena - off) return NULL;
  boot_used = off + n;
  return boot_arena + off; /* zero: static storage, never reused */
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int in_hook __attribute__((tls_model("initial-exec")));
static int resolving;
static int enabled;      /* MALLOC_RECORD_LOG was set */
static int log_fd = -1;
static char log_template[4096];
static char buf[64 * 1024];
static size_t buf_len;

static void flush_locked(void) {
  size_t off = 0;
  while (off < buf_len) {
    ssize_t w = write(log_fd, buf + off, buf_len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      break; /* nothing sensible to do: drop the rest */
    }
    off += (size_t)w;
  }
  buf_len = 0;
}

static size_t put_hex(char *out, uintptr_t v) {
  char tmp[2 * sizeof v];
  size_t n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

static size_t put_dec(char *out, unsigned long v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

static void open_log_locked(void) {
  char path[sizeof log_template + 32];
  size_t n = 0;
  for (const char *s = log_template; *s && n < sizeof path - 32; ++s) {
    if (s[0] == '%' && s[1] == 'p') {
      n += put_dec(path + n, (unsigned long)getpid());
      ++s;
    } else {
      path[n++] = *s;
    }
  }
  path[n] = 0;
  log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/* Append one line: tag and up to three hex numbers. Caller holds the lock. */
static void record_locked(char tag, int count, uintptr_t a, uintptr_t b, uintptr_t c) {
  if (!enabled) return;
  if (log_fd < 0) {
    open_log_locked();
    if (log_fd < 0) {
      enabled = 0;
      return;
    }
  }
  if (buf_len + 64 > sizeof buf) flush_locked();
  char *p = buf + buf_len;
  *p++ = tag;
  uintptr_t v[3] = {a, b, c};
  for (int i = 0; i < count; ++i) {
    *p++ = ' ';
    p += put_hex(p, v[i]);
  }
  *p++ = '\n';
  buf_len = (size_t)(p - buf);
}

static void atfork_prepare(void) { pthread_mutex_lock(&lock); }
static void atfork_parent(void) { pthread_mutex_unlock(&lock); }
static void atfork_child(void) {
  /* The inherited lines are the parent's to write; the child starts its own log. */
  buf_len = 0;
  if (log_fd >= 0) close(log_fd);
  log_fd = -1;
  pthread_mutex_unlock(&lock);
}

static void resolve(void) {
  if (real_malloc || resolving) return;
  resolving = 1;
  real_malloc = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
  real_calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
  real_realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
  real_free = (free_fn)dlsym(RTLD_NEXT, "free");
  real_posix_memalign = (posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = (aligned_alloc_fn)dlsym(RTLD_NEXT, "aligned_alloc");
  real_memalign = (aligned_alloc_fn)dlsym(RTLD_NEXT, "memalign");
  real_valloc = (valloc_fn)dlsym(RTLD_NEXT, "valloc");
  real_pvalloc = (valloc_fn)dlsym(RTLD_NEXT, "pvalloc");
  resolving = 0;
}

__attribute__((constructor)) static void recorder_init(void) {
  resolve();
  const char *name = getenv("MALLOC_RECORD_LOG");
  if (name && *name && strlen(name) < sizeof log_template) {
    strcpy(log_template, name);
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    enabled = 1;
  }
}

__attribute__((destructor)) static void recorder_fini(void) {
  pthread_mutex_lock(&lock);
  if (log_fd >= 0) {
    flush_locked();
    /* Keep the fd open: destructors of other libraries may still free after us. */
  }
  pthread_mutex_unlock(&lock);
}

#define ENTER()                   \
  int outer_ = !in_hook;          \
  if (outer_) {                   \
    in_hook = 1;                  \
    pthread_mutex_lock(&lock);    \
  }
#define LEAVE()                   \
  if (outer_) {                   \
    pthread_mutex_unlock(&lock);  \
    in_hook = 0;                  \
  }

void *malloc(size_t n) {
  if (!real_malloc) {
    resolve();
    if (!real_malloc) return boot_alloc(n);
  }
  ENTER();
  void *r = real_malloc(n);
  if (outer_) record_locked('m', 2, n, (uintptr_t)r, 0);
  LEAVE();
  return r;
}

void *calloc(size_t nmemb, size_t size) {
  if (!real_calloc) {
    resolve();
    if (!real_calloc) {
      if (size && nmemb > (size_t)-1 / size) return NULL;
      return boot_alloc(nmemb * size);
    }
  }
  ENTER();
  void *r = real_calloc(nmemb, size);
  if (outer_) record_locked('c', 3, nmemb, size, (uintptr_t)r);
  LEAVE();
  return r;
}

void *realloc(void *p, size_t n) {
  if (in_boot(p) || !real_realloc) {
    /* A boot block (or no real allocator yet): move it into a fresh block. */
    void *q = malloc(n);
    if (q && p) {
      size_t avail = (size_t)(boot_arena + sizeof boot_arena - (unsigned char *)p);
      memcpy(q, p, n < avail ? n : avail);
    }
    return q;
  }
  ENTER();
  void *r = real_realloc(p, n);
  if (outer_) record_locked('r', 3, (uintptr_t)p, n, (uintptr_t)r);
  LEAVE();
  return r;
}

void *reallocarray(void *p, size_t nmemb, size_t size) {
  if (size && nmemb > (size_t)-1 / size) {
    errno = ENOMEM;
    return NULL;
  }
  return realloc(p, nmemb * size);
}

void free(void *p) {
  if (!p || in_boot(p)) return;
  if (!real_free) {
    resolve();
    if (!real_free) return;
  }
  ENTER();
  real_free(p);
  if (outer_) record_locked('f', 1, (uintptr_t)p, 0, 0);
  LEAVE();
}

int posix_memalign(void **out, size_t align, size_t n) {
  if (!real_posix_memalign) resolve();
  if (!real_posix_memalign) return ENOMEM;
  ENTER();
  int rc = real_posix_memalign(out, align, n);
  if (outer_) record_locked('a', 3, align, n, rc == 0 ? (uintptr_t)*out : 0);
  LEAVE();
  return rc;
}

static void *aligned_common(aligned_alloc_fn fn, size_t align, size_t n) {
  if (!fn) return NULL;
  ENTER();
  void *r = fn(align, n);
  if (outer_) record_locked('a', 3, align, n, (uintptr_t)r);
  LEAVE();
  return r;
}

void *aligned_alloc(size_t align, size_t n) {
  if (!real_aligned_alloc) resolve();
  return aligned_common(real_aligned_alloc, align, n);
}

void *memalign(size_t align, size_t n) {
  if (!real_memalign) resolve();
  return aligned_common(real_memalign, align, n);
}

void *valloc(size_t n) {
  if (!real_valloc) resolve();
  if (!real_valloc) return NULL;
  ENTER();
  void *r = real_valloc(n);
  if (outer_) record_locked('a', 3, 4096, n, (uintptr_t)r);
  LEAVE();
  return r;
}

void *pvalloc(size_t n) {
  if (!real_pvalloc) resolve();
  if (!real_pvalloc) return NULL;
  ENTER();
  void *r = real_pvalloc(n);
  if (outer_) record_locked('a', 3, 4096, n, (uintptr_t)r);
  LEAVE();
  return r;
}
