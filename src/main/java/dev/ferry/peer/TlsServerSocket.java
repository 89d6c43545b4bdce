package dev.ferry.peer;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The peer listener: a plain TCP server socket whose {@link #accept} returns a server-mode {@link SSLSocket}
 * layered over a {@link BufferedSocket}, not yet handshaken (see {@link PeerTls#handshake}). Layering, rather
 * than an {@code SSLServerSocket}, is what lets TLS read through the buffer.
 */
final class TlsServerSocket extends ServerSocket {
    /**
     * The TCP socket under each layered TLS socket: a deadline must close that one, because closing the TLS socket
     * while its handshake is blocked in a read waits for that read.
     */
    static final java.util.Map<Socket, Socket> UNDERLYING = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private final SSLContext context;
    private final SSLParameters parameters;

    TlsServerSocket(SSLContext context, SSLParameters parameters) throws IOException {
        this.context = context;
        this.parameters = parameters;
    }

    @Override
    public Socket accept() throws IOException {
        BufferedSocket raw = new BufferedSocket();
        implAccept(raw);
        try {
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, null, true);
            tls.setUseClientMode(false);
            tls.setSSLParameters(parameters);
            UNDERLYING.put(tls, raw);
            return tls;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }
}
