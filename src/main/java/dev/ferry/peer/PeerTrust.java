package dev.ferry.peer;

/**
 * Decides whether a node that connects to us may stay: asked during the TLS handshake with the id the
 * peer's certificate hashes to, after the certificate has been checked (one self-signed EC P-256
 * certificate, in its validity period). Implementations are called from handshake threads, possibly
 * several at once, so they must be thread-safe, and should answer from memory without blocking.
 */
@FunctionalInterface
public interface PeerTrust {
    /** True if the peer with this (already authenticated) id may complete the handshake. */
    boolean accepts(PeerId id);
}
