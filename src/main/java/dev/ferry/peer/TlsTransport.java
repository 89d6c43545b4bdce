package dev.ferry.peer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLSocket;

/**
 * TLS 1.3 over TCP, after {@link PeerTls} completed the mutual, id-pinned handshake. SSLSocket allows one
 * thread reading while another writes, which is how {@link PeerLink} uses it.
 */
public final class TlsTransport implements Transport {
    private final SSLSocket socket;
    private final PeerId remoteId;
    /** The buffered TCP socket under {@link #socket}, when there is one: it gathers what {@link #out()} writes. */
    private final BufferedSocket under;

    public TlsTransport(SSLSocket socket, PeerId remoteId) {
        this.socket = socket;
        this.remoteId = remoteId;
        this.under = TlsServerSocket.UNDERLYING.get(socket) instanceof BufferedSocket b ? b : null;
    }

    @Override
    public PeerId remoteId() {
        return remoteId;
    }

    @Override
    public InputStream in() throws IOException {
        return socket.getInputStream();
    }

    /**
     * TLS output whose records are gathered by the socket underneath while they are written, and sent at
     * {@code flush} (see {@link BufferedSocket}).
     */
    @Override
    public OutputStream out() throws IOException {
        OutputStream tls = socket.getOutputStream();
        if (under == null) {
            return tls;
        }
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                tls.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                under.beginBatch();
                try {
                    tls.write(b, off, len);
                } finally {
                    under.endBatch();
                }
            }

            @Override
            public void flush() throws IOException {
                tls.flush();
                under.push();
            }

            @Override
            public void close() throws IOException {
                tls.close();
            }
        };
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    @Override
    public void setReadTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Closes the TCP socket first: closing a layered TLS socket while another thread is blocked reading it waits for that read. */
    @Override
    public void close() throws IOException {
        java.net.Socket under = TlsServerSocket.UNDERLYING.remove(socket);
        try {
            if (under != null) {
                under.close();
            }
        } finally {
            socket.close();
        }
    }
}
