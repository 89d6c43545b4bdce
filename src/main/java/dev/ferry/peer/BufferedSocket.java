package dev.ferry.peer;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

/**
 * A TCP socket whose input is read in 64 KiB gulps. TLS is layered over it: the JDK's TLS reads each record with
 * two small reads (header, then body), which on a raw socket are two system calls per 16 KiB record; through this
 * buffer a single call usually brings in several records. Only TLS ever reads it.
 */
final class BufferedSocket extends Socket {
    static final int BUFFER = 64 << 10;
    private InputStream in;

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new BufferedInputStream(super.getInputStream(), BUFFER);
        }
        return in;
    }
}
