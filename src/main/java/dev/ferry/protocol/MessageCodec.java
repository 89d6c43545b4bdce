package dev.ferry.protocol;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Whole frames to and from byte arrays, and the header checks {@link FrameReader} shares. A frame is
 * {@code u32 length | u8 type | u8 flags | u32 channel | payload}, big-endian, with {@code length = 6 +
 * payload length} (see {@code docs/protocol.md}). Stateless and thread-safe.
 */
public final class MessageCodec {
    private MessageCodec() {}

    /** The complete frame of {@code m}, length field included. Throws IllegalArgumentException if it exceeds the limit. */
    public static byte[] encode(Message m) {
        Objects.requireNonNull(m, "message");
        if (m instanceof Data d) {
            return dataFrame(d.channel(), d.bytes(), 0, d.bytes().length, d.end());
        }
        FrameBuffer out = new FrameBuffer();
        PayloadWriter.write(m, out);
        boolean end = m instanceof Response r && r.end();
        return out.finish(FrameType.of(m), end ? Protocol.FLAG_END : 0, m.channel(), m);
    }

    /** The frame of a Data message carrying {@code bytes[offset, offset + length)}. */
    public static byte[] dataFrame(int channel, byte[] bytes, int offset, int length, boolean end) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        Check.requestChannel("a Data frame", channel);
        if (length > Protocol.MAX_PAYLOAD) {
            throw new IllegalArgumentException("Data of " + length + " bytes exceeds the " + Protocol.MAX_PAYLOAD
                    + "-byte frame limit");
        }
        byte[] frame = new byte[Protocol.LENGTH_SIZE + Protocol.HEADER_SIZE + length];
        header(frame, length, FrameType.DATA, end ? Protocol.FLAG_END : 0, channel);
        System.arraycopy(bytes, offset, frame, Protocol.LENGTH_SIZE + Protocol.HEADER_SIZE, length);
        return frame;
    }

    /** The message in one complete frame, length field included; the frame must hold exactly one frame. */
    public static Message decode(byte[] frame) throws ProtocolException {
        int prefix = Protocol.LENGTH_SIZE + Protocol.HEADER_SIZE;
        if (frame.length < Protocol.LENGTH_SIZE) {
            throw new ProtocolException(ErrorCode.PROTOCOL, "truncated frame: " + frame.length + " bytes");
        }
        long length = u32(frame, 0);
        checkLength(length);
        if (length != frame.length - Protocol.LENGTH_SIZE) {
            throw new ProtocolException(ErrorCode.PROTOCOL, (length > frame.length - Protocol.LENGTH_SIZE
                    ? "truncated frame: " : "bytes after the frame: ") + "length field says " + length
                    + " but " + (frame.length - Protocol.LENGTH_SIZE) + " bytes follow it");
        }
        int type = frame[4] & 0xff;
        int flags = frame[5] & 0xff;
        int channel = (int) u32(frame, 6);
        checkHeader(type, flags, channel);
        return PayloadReader.read(type, channel, (flags & Protocol.FLAG_END) != 0,
                Arrays.copyOfRange(frame, prefix, frame.length));
    }

    /** Rejects a length field outside {@code [HEADER_SIZE, MAX_FRAME_LENGTH]}; call before allocating. */
    static void checkLength(long length) throws ProtocolException {
        if (length > Protocol.MAX_FRAME_LENGTH) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, "frame announces " + (length - Protocol.HEADER_SIZE)
                    + " bytes of payload; at most " + Protocol.MAX_PAYLOAD + " are allowed");
        }
        if (length < Protocol.HEADER_SIZE) {
            throw new ProtocolException(ErrorCode.PROTOCOL, "length field " + length + " is shorter than the "
                    + Protocol.HEADER_SIZE + "-byte header");
        }
    }

    /** Rejects unknown types, reserved flag bits, END where it means nothing, and the wrong kind of channel. */
    static void checkHeader(int type, int flags, int channel) throws ProtocolException {
        String what = FrameType.name(type);
        if (!FrameType.isKnown(type)) {
            throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown frame " + what);
        }
        if ((flags & ~Protocol.FLAG_END) != 0) {
            throw new ProtocolException(ErrorCode.PROTOCOL, String.format("%s has reserved flag bits set: 0x%02x", what, flags));
        }
        if (flags != 0 && !FrameType.allowsEnd(type)) {
            throw new ProtocolException(ErrorCode.PROTOCOL, what + " cannot carry the END flag");
        }
        if (channel != 0 && FrameType.isConnectionLevel(type)) {
            throw new ProtocolException(ErrorCode.PROTOCOL, what + " must be on channel 0, not "
                    + Integer.toUnsignedString(channel));
        }
        if (channel == 0 && FrameType.isRequestLevel(type)) {
            throw new ProtocolException(ErrorCode.PROTOCOL, what + " needs a nonzero request id as its channel");
        }
    }

    static long u32(byte[] b, int at) {
        return ((b[at] & 0xffL) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    /** Bytes before a frame's payload: the length field and the header. */
    public static final int PREFIX = Protocol.LENGTH_SIZE + Protocol.HEADER_SIZE;

    /**
     * Writes the length field and header of a Data frame into the first {@link #PREFIX} bytes of {@code frame},
     * whose payload the caller has already put at {@code PREFIX}: a sender that reads its payload straight into the
     * frame array saves a copy per frame. Throws IllegalArgumentException for a frame this codec would refuse.
     */
    public static void dataHeader(byte[] frame, int payloadLength, int channel, boolean end) {
        Check.requestChannel("a Data frame", channel);
        if (payloadLength < 0 || payloadLength > Protocol.MAX_PAYLOAD || frame.length != PREFIX + payloadLength) {
            throw new IllegalArgumentException("a Data frame of " + frame.length + " bytes cannot carry a payload of "
                    + payloadLength + " bytes (limit " + Protocol.MAX_PAYLOAD + ")");
        }
        header(frame, payloadLength, FrameType.DATA, end ? Protocol.FLAG_END : 0, channel);
    }

    private static void header(byte[] frame, int payloadLength, int type, int flags, int channel) {
        int length = Protocol.HEADER_SIZE + payloadLength;
        frame[0] = (byte) (length >>> 24);
        frame[1] = (byte) (length >>> 16);
        frame[2] = (byte) (length >>> 8);
        frame[3] = (byte) length;
        frame[4] = (byte) type;
        frame[5] = (byte) flags;
        frame[6] = (byte) (channel >>> 24);
        frame[7] = (byte) (channel >>> 16);
        frame[8] = (byte) (channel >>> 8);
        frame[9] = (byte) channel;
    }

    /** Collects a payload after room for the header, then fills the header in. */
    private static final class FrameBuffer extends ByteArrayOutputStream {
        FrameBuffer() {
            super(256);
            count = Protocol.LENGTH_SIZE + Protocol.HEADER_SIZE;
        }

        byte[] finish(int type, int flags, int channel, Message m) {
            int payload = count - Protocol.LENGTH_SIZE - Protocol.HEADER_SIZE;
            if (payload > Protocol.MAX_PAYLOAD) {
                throw new IllegalArgumentException(FrameType.name(type) + " encodes to " + payload
                        + " bytes; a frame holds at most " + Protocol.MAX_PAYLOAD);
            }
            byte[] frame = toByteArray();
            header(frame, payload, type, flags, channel);
            return frame;
        }
    }
}
