package dev.ferry.peer;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;

/**
 * An authenticated, encrypted byte stream to one peer: what the protocol runs over. Today the only
 * implementation is TLS 1.3 over TCP ({@link TlsTransport}); the link layer sees only this interface, so
 * another transport can be added without touching the protocol.
 */
public interface Transport extends Closeable {
    /** The peer id the transport authenticated (for TLS: the hash of the certificate the peer proved it holds). */
    PeerId remoteId();

    InputStream in() throws IOException;

    OutputStream out() throws IOException;

    /** The remote socket address: for logs only, never to be recorded as the peer's listen address. */
    InetSocketAddress remoteAddress();

    /** Sets how long a blocking read may wait (0 = forever); used to bound the Hello exchange. */
    void setReadTimeout(int millis) throws IOException;

    /** Ends this side's sending (TLS close_notify plus FIN) while the peer's bytes can still be read. */
    void shutdownOutput() throws IOException;
}
