package dev.ferry.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One asset as the store knows it: live, or a tombstone ({@code deletedAt != null}) whose bytes are gone.
 * Times are milliseconds since the epoch; {@code seq} is the id of the last change to it.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Asset(
        String hash,
        long size,
        String mimeType,
        String application,
        List<String> tags,
        String user,
        String fileName,
        long createdAt,
        long ingestedAt,
        long updatedAt,
        long seq,
        Long deletedAt) {

    public boolean deleted() {
        return deletedAt != null;
    }
}
