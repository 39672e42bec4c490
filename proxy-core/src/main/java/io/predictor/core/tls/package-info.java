/**
 * TLS for client-facing listeners. Starting points: {@link io.predictor.core.tls.CertificateStore}
 * (a directory of PEM pairs, chosen by SNI, hot-reloaded; their TLS contexts built on first use in a bounded
 * {@link io.predictor.core.tls.ContextCache}), {@link io.predictor.core.tls.CertificateSelector}
 * (the handler that terminates TLS with the right certificate), {@link io.predictor.core.tls.ClientHelloSni}
 * (reads the SNI of a connection that is relayed without terminating).
 */
package io.predictor.core.tls;
