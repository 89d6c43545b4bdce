package dev.ferry.protocol;

import java.util.Optional;

/**
 * The error codes of the protocol, carried as integers in {@link ErrorMessage#code()} and in a failed
 * {@link Response#status()}. {@link Wire} holds the same values as compile-time constants for {@code switch}.
 * A peer may send a code this version does not know; {@link #fromCode} then answers empty.
 */
public enum ErrorCode {
    /** A malformed frame or message. */
    PROTOCOL(Wire.PROTOCOL),
    /** Incompatible major version. */
    VERSION(Wire.VERSION),
    /** Peer id not accepted, or the id in Hello differs from the one the certificate proves. */
    UNAUTHORIZED(Wire.UNAUTHORIZED),
    /** A length field announced more than {@link Protocol#MAX_PAYLOAD} bytes of payload. */
    FRAME_TOO_LARGE(Wire.FRAME_TOO_LARGE),
    /** A frame type this version does not define. */
    UNKNOWN_TYPE(Wire.UNKNOWN_TYPE),
    /** A well-formed message not valid in this state: a second Hello, a response to a request never made. */
    UNEXPECTED(Wire.UNEXPECTED),
    TIMEOUT(Wire.TIMEOUT),
    /** Too many messages of some kind, a Ping flood for instance. */
    RATE_LIMIT(Wire.RATE_LIMIT),
    NOT_FOUND(Wire.NOT_FOUND),
    INTERNAL(Wire.INTERNAL),
    SHUTTING_DOWN(Wire.SHUTTING_DOWN);

    /** The wire values as {@code int} constants. */
    public static final class Wire {
        private Wire() {}

        public static final int PROTOCOL = 1;
        public static final int VERSION = 2;
        public static final int UNAUTHORIZED = 3;
        public static final int FRAME_TOO_LARGE = 4;
        public static final int UNKNOWN_TYPE = 5;
        public static final int UNEXPECTED = 6;
        public static final int TIMEOUT = 7;
        public static final int RATE_LIMIT = 8;
        public static final int NOT_FOUND = 9;
        public static final int INTERNAL = 10;
        public static final int SHUTTING_DOWN = 11;
    }

    private static final ErrorCode[] BY_CODE = new ErrorCode[values().length + 1];

    static {
        for (ErrorCode c : values()) {
            BY_CODE[c.code] = c;
        }
    }

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** The value on the wire. */
    public int code() {
        return code;
    }

    public static Optional<ErrorCode> fromCode(int code) {
        return code > 0 && code < BY_CODE.length ? Optional.of(BY_CODE[code]) : Optional.empty();
    }
}
