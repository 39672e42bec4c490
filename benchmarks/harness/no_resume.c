/*
 * LD_PRELOAD shim for wrk: every TLS connection is a full handshake.
 *
 * wrk reuses its SSL object for the next connection after SSL_shutdown + SSL_clear, and
 * SSL_clear keeps the last session, so with `Connection: close` every connection after the
 * first offers that session (session ID / ticket) and the server resumes it: the
 * "tls-handshake" scenario would measure resumptions. This drops the session before a
 * handshake starts. benchmarks/run.sh compiles it into its work directory:
 *
 *   cc -shared -fPIC -O2 -o no_resume.so no_resume.c -ldl
 *   LD_PRELOAD=./no_resume.so wrk ... https://...
 *
 * No OpenSSL headers needed: the three functions are looked up in the libssl wrk loaded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

typedef struct ssl_st SSL;
typedef struct ssl_session_st SSL_SESSION;

int SSL_connect(SSL *s) {
    static int (*real_connect)(SSL *);
    static int (*in_before)(const SSL *);
    static int (*set_session)(SSL *, SSL_SESSION *);
    if (real_connect == NULL) {
        real_connect = (int (*)(SSL *)) dlsym(RTLD_NEXT, "SSL_connect");
        in_before = (int (*)(const SSL *)) dlsym(RTLD_NEXT, "SSL_in_before");
        set_session = (int (*)(SSL *, SSL_SESSION *)) dlsym(RTLD_NEXT, "SSL_set_session");
    }
    /* wrk calls SSL_connect again on every readiness event until the handshake is done:
       only before the first ClientHello is the session dropped */
    if (in_before != NULL && set_session != NULL && in_before(s)) {
        set_session(s, NULL);
    }
    return real_connect(s);
}
