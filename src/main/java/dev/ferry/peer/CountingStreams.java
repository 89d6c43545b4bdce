package dev.ferry.peer;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;

/** Wraps a transport's streams to count the bytes in and out that {@code GET /peers} reports. Thread-safe counters. */
final class CountingStreams {
    private final AtomicLong inCount = new AtomicLong();
    private final AtomicLong outCount = new AtomicLong();
    final InputStream inStream;
    final OutputStream outStream;

    CountingStreams(InputStream rawIn, OutputStream rawOut) {
        this.inStream = new FilterInputStream(rawIn) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    inCount.incrementAndGet();
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    inCount.addAndGet(n);
                }
                return n;
            }
        };
        this.outStream = new FilterOutputStream(rawOut) {
            @Override
            public void write(int b) throws IOException {
                super.out.write(b);
                outCount.incrementAndGet();
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                super.out.write(b, off, len);
                outCount.addAndGet(len);
            }
        };
    }

    long bytesIn() {
        return inCount.get();
    }

    long bytesOut() {
        return outCount.get();
    }
}
