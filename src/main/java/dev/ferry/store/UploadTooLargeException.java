package dev.ferry.store;

import java.io.IOException;

/** An ingest went past the configured size limit; nothing of it is kept. */
public final class UploadTooLargeException extends IOException {
    private final long limit;

    public UploadTooLargeException(long limit) {
        super("upload exceeds the limit of " + limit + " bytes (max_upload_bytes)");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
