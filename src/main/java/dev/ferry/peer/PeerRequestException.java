package dev.ferry.peer;

import java.io.IOException;

/** The peer answered a request with an error status; {@code code} is the protocol's error code. */
public final class PeerRequestException extends IOException {
    private final int code;

    public PeerRequestException(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
