#ifndef GREENLET_COPENSSL_SHIM_H
#define GREENLET_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

// The macros below expand to SSL_ctrl/BIO_ctrl calls or to casts, which Swift does not
// import; each wrapper or constant stands for exactly one of them.

static const uint64_t greenlet_SSL_OP_IGNORE_UNEXPECTED_EOF = SSL_OP_IGNORE_UNEXPECTED_EOF;
static const uint64_t greenlet_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;

static inline int greenlet_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int greenlet_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline void greenlet_BIO_set_mem_eof_return(BIO *bio, int value) {
    (void)BIO_set_mem_eof_return(bio, value);
}

#endif
