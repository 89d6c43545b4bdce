package dev.ferry.car;

import java.io.IOException;

/**
 * Bytes that are not a well-formed Ferry CARv1 archive, or that break one of its limits. The message starts
 * with the problem ("bad varint", "header too large", "bad header", "root does not match the first block",
 * "CID unsupported", "block larger than limit", "block CID does not match its bytes", "truncated archive",
 * "bad index", "unexpected block", "bad block") and carries the CIDs, sizes and byte offset needed to act on
 * it. After one, the archive is rejected as a whole: stop reading it and discard what it delivered.
 */
public final class CarFormatException extends IOException {
    public CarFormatException(String message) {
        super(message);
    }

    public CarFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
