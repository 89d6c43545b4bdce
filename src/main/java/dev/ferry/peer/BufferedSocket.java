package dev.ferry.peer;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A TCP socket that TLS is layered over, buffered both ways. The JDK's TLS reads each record with two small reads
 * (header, then body), which on a raw socket are two system calls per 16 KiB record; through the input buffer a
 * single call usually brings in several records. It also writes and flushes each record on its own, one system call
 * per 16 KiB. So while the link's writer writes through TLS (between {@link #beginBatch} and {@link #endBatch}), the
 * records TLS flushes are gathered instead, and reach the socket when the buffer fills or at {@link #push()} (the
 * writer pushes whenever it has no more to send): a 64 KiB frame costs one call instead of four or five. Every other
 * flush writes through at once, as before: the handshake, the acceptance byte, and what TLS sends on its own from
 * another thread (an answer to a key update, an alert before it closes the connection). Only TLS reads and writes it.
 */
final class BufferedSocket extends Socket {
    static final int BUFFER = 64 << 10;
    private InputStream in;
    private CoalescingOutput out;

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new BufferedInputStream(super.getInputStream(), BUFFER);
        }
        return in;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (out == null) {
            out = new CoalescingOutput(super.getOutputStream());
        }
        return out;
    }

    /** Until {@link #endBatch}, flushes made by the calling thread (TLS delivering its records) keep the bytes gathered. */
    void beginBatch() throws IOException {
        ((CoalescingOutput) getOutputStream()).batching = Thread.currentThread();
    }

    void endBatch() throws IOException {
        CoalescingOutput o = (CoalescingOutput) getOutputStream();
        if (o.batching == Thread.currentThread()) {
            o.batching = null;
        }
    }

    /** Writes what TLS has written so far. */
    void push() throws IOException {
        ((CoalescingOutput) getOutputStream()).drain();
    }

    /**
     * Gathered records go out before the half-close. (A close does not push: it must not wait on a peer that stopped
     * reading, and every orderly end flushes and half-closes first.)
     */
    @Override
    public void shutdownOutput() throws IOException {
        pushQuietly();
        super.shutdownOutput();
    }

    private void pushQuietly() {
        CoalescingOutput o;
        synchronized (this) {
            o = out;
        }
        if (o != null && !isClosed()) {
            try {
                o.drain();
            } catch (IOException e) {
                // the connection is broken: what was gathered cannot be delivered anyway
            }
        }
    }

    /** Thread-safe: TLS writes under its own lock, the reader thread may answer a key update while the writer writes. */
    private static final class CoalescingOutput extends OutputStream {
        /** Room for several full TLS records (16 KiB of data plus header and tag each). */
        private final byte[] buf = new byte[2 * BUFFER];
        private final OutputStream socket;
        private int count;
        /** The thread whose TLS writes are being gathered, or null. */
        private volatile Thread batching;

        CoalescingOutput(OutputStream socket) {
            this.socket = socket;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (len > buf.length - count) {
                drain();
            }
            if (len >= buf.length) {
                socket.write(b, off, len);
                return;
            }
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        @Override
        public synchronized void flush() throws IOException {
            if (batching != Thread.currentThread()) {
                drain();
            }
        }

        synchronized void drain() throws IOException {
            if (count > 0) {
                int n = count;
                count = 0; // a failed write leaves nothing to retry: the connection is broken
                socket.write(buf, 0, n);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
