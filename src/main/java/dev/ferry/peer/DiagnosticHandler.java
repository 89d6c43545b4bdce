package dev.ferry.peer;

import dev.ferry.protocol.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Link diagnostics served to known peers, like iperf over a Ferry link: {@code diag.stream} answers with
 * as many bytes as asked (body: 8-byte big-endian count, at most 64 GiB), streamed with the protocol's
 * flow control. {@code bench/} uses it to measure link throughput between two daemons.
 */
public final class DiagnosticHandler implements RequestHandler {
    static final long MAX_STREAM = 64L << 30;
    private final RequestHandler next;

    public DiagnosticHandler(RequestHandler next) {
        this.next = next;
    }

    @Override
    public void handle(PeerLink link, String method, byte[] body, Responder r) throws Exception {
        if (!method.equals("diag.stream")) {
            next.handle(link, method, body, r);
            return;
        }
        if (body.length != 8) {
            r.respond(ErrorCode.PROTOCOL.code(), "diag.stream takes an 8-byte count".getBytes(StandardCharsets.UTF_8));
            return;
        }
        long n = ByteBuffer.wrap(body).getLong();
        if (n < 0 || n > MAX_STREAM) {
            r.respond(ErrorCode.PROTOCOL.code(), ("count " + n + " is outside 0.." + MAX_STREAM).getBytes(StandardCharsets.UTF_8));
            return;
        }
        r.stream(new byte[0], new Zeros(n));
    }

    /** {@code n} zero bytes without allocating them. */
    private static final class Zeros extends InputStream {
        private long left;

        Zeros(long n) {
            left = n;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }
}
