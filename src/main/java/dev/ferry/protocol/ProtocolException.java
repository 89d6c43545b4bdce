package dev.ferry.protocol;

import java.io.IOException;

/**
 * Bytes from a peer broke the wire format. The only exception decoding throws besides the stream's own
 * {@code IOException}s; {@link #code()} is the code to send back in a connection-level {@link ErrorMessage}
 * before closing. After one, the stream is out of step and must not be read further.
 */
public final class ProtocolException extends IOException {
    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ProtocolException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
