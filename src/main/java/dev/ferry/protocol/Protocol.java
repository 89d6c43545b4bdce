package dev.ferry.protocol;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Constants of wire-format version 1 and the compatibility rule. Every limit here is enforced when a message is
 * built (an {@code IllegalArgumentException}) and when one is decoded (a {@link ProtocolException}); lengths of
 * text are counted in Unicode code points. See {@code docs/protocol.md} for the normative description.
 */
public final class Protocol {
    private Protocol() {}

    /** Major version: peers with different majors cannot talk and refuse with {@link ErrorCode#VERSION}. */
    public static final int MAJOR = 1;
    /** Minor version: informative only; what a peer can do is said by its feature names. */
    public static final int MINOR = 0;

    /** Bytes of the length field that starts every frame. */
    public static final int LENGTH_SIZE = 4;
    /** Bytes of the header after the length field: type, flags, channel. */
    public static final int HEADER_SIZE = 6;
    /** Hard maximum of a frame's payload: 1 MiB. */
    public static final int MAX_PAYLOAD = 1 << 20;
    /** Largest value the length field may hold ({@code HEADER_SIZE + MAX_PAYLOAD}). */
    public static final int MAX_FRAME_LENGTH = HEADER_SIZE + MAX_PAYLOAD;
    /** Flag bit 0: the last frame of a response stream. All other flag bits must be 0. */
    public static final int FLAG_END = 0x01;

    /** Bytes of Data a responder may send on a new request before the requester grants Credit. */
    public static final int INITIAL_WINDOW = 1 << 20;
    /** Recommended largest Data payload, so that control frames interleave with bulk transfers. */
    public static final int RECOMMENDED_CHUNK = 64 << 10;

    /** Largest body of a Request or Response; leaves room for the rest of the CBOR map in the payload. */
    public static final int MAX_BODY = MAX_PAYLOAD - 1024;
    public static final int MAX_PEER_ID = 128;
    public static final int MAX_NAME = 64;
    public static final int MAX_LISTEN_ADDRS = 16;
    public static final int MAX_LISTEN_ADDR = 100;
    public static final int MAX_FEATURES = 32;
    public static final int MAX_FEATURE = 32;
    public static final int MAX_LIBRARIES = 4096;
    public static final int MAX_LIBRARY_ID = 128;
    public static final int DIGEST_SIZE = 32;
    public static final int MAX_METHOD = 64;
    /** Longest Error message or Goodbye reason. */
    public static final int MAX_TEXT = 1024;

    /** Same major version means compatible; the minor version never decides. */
    public static boolean isCompatible(int major) {
        return major == MAJOR;
    }

    /** The features both sides named, in {@code ours}' order: what a connection may use. */
    public static List<String> commonFeatures(List<String> ours, List<String> theirs) {
        Set<String> other = new HashSet<>(theirs);
        return ours.stream().filter(other::contains).distinct().toList();
    }
}
