package dev.ferry.peer;

import java.io.IOException;

/** The link a request or stream depended on closed; the message says why (the peer's Error or Goodbye, a timeout). */
public final class LinkClosedException extends IOException {
    public LinkClosedException(String message) {
        super(message);
    }
}
