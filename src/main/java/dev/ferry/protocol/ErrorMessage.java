package dev.ferry.protocol;

/**
 * An error (type 0x03). On channel 0 it is about the connection, and its sender closes the connection after
 * it. On a request id it ends that request: the responder could not (or can no longer) answer it. {@code code}
 * is usually an {@link ErrorCode}, but any int may arrive from a newer peer. Immutable.
 */
public record ErrorMessage(int channel, int code, String message) implements Message {

    public ErrorMessage {
        Check.text("error message", message, 0, Protocol.MAX_TEXT);
    }

    public ErrorMessage(int channel, ErrorCode code, String message) {
        this(channel, code.code(), message);
    }

    /** An error whose message is cut to {@link Protocol#MAX_TEXT} characters (for exception texts). */
    public static ErrorMessage of(int channel, ErrorCode code, String message) {
        StringBuilder b = new StringBuilder();
        (message == null ? "" : message).codePoints().limit(Protocol.MAX_TEXT)
                .map(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE ? '?' : cp)
                .forEach(b::appendCodePoint);
        return new ErrorMessage(channel, code.code(), b.toString());
    }

    /** The code as an {@link ErrorCode}, if this version knows it. */
    public java.util.Optional<ErrorCode> errorCode() {
        return ErrorCode.fromCode(code);
    }
}
