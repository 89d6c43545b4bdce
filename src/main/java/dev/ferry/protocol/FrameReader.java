package dev.ferry.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads frames from a byte stream and decodes them into messages. The length field is checked before anything
 * is allocated, and a payload buffer grows only as its bytes actually arrive (starting at
 * {@link Protocol#RECOMMENDED_CHUNK}), so a peer that announces a large frame and stalls costs little memory.
 * Give it a buffered stream: it reads the length and header in small pieces. Not thread-safe: one reading
 * thread per connection. After a {@link ProtocolException} the stream is out of step; stop reading.
 */
public final class FrameReader {
    private final InputStream in;
    private final byte[] header = new byte[Protocol.LENGTH_SIZE + Protocol.HEADER_SIZE];

    public FrameReader(InputStream in) {
        this.in = Objects.requireNonNull(in, "in");
    }

    /**
     * The next message; null when the stream ends cleanly between frames. Blocks until a whole frame arrives.
     *
     * @throws ProtocolException the bytes break the wire format, or the stream ends inside a frame
     * @throws IOException the stream failed
     */
    public Message read() throws IOException {
        int n = fill(header, 0, Protocol.LENGTH_SIZE);
        if (n == 0) {
            return null;
        }
        if (n < Protocol.LENGTH_SIZE) {
            throw truncated("length field", n, Protocol.LENGTH_SIZE);
        }
        long length = MessageCodec.u32(header, 0);
        MessageCodec.checkLength(length);
        n = fill(header, Protocol.LENGTH_SIZE, Protocol.HEADER_SIZE);
        if (n < Protocol.HEADER_SIZE) {
            throw truncated("header", n, Protocol.HEADER_SIZE);
        }
        int type = header[4] & 0xff;
        int flags = header[5] & 0xff;
        int channel = (int) MessageCodec.u32(header, 6);
        MessageCodec.checkHeader(type, flags, channel);
        byte[] payload = readPayload((int) length - Protocol.HEADER_SIZE);
        return PayloadReader.read(type, channel, (flags & Protocol.FLAG_END) != 0, payload);
    }

    private byte[] readPayload(int size) throws IOException {
        byte[] buf = new byte[Math.min(size, Protocol.RECOMMENDED_CHUNK)];
        int got = fill(buf, 0, buf.length);
        while (got == buf.length && got < size) {
            buf = Arrays.copyOf(buf, (int) Math.min(size, 2L * buf.length));
            got += fill(buf, got, buf.length - got);
        }
        if (got < size) {
            throw truncated("payload", got, size);
        }
        return buf;
    }

    /** Reads until {@code len} bytes or the end of the stream; returns how many arrived. */
    private int fill(byte[] buf, int off, int len) throws IOException {
        int got = 0;
        while (got < len) {
            int r = in.read(buf, off + got, len - got);
            if (r < 0) {
                break;
            }
            got += r;
        }
        return got;
    }

    private static ProtocolException truncated(String part, int got, int expected) {
        return new ProtocolException(ErrorCode.PROTOCOL, "truncated frame: the stream ended after " + got + " of "
                + expected + " bytes of the " + part);
    }
}
