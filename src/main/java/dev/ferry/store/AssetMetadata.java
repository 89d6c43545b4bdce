package dev.ferry.store;

import java.util.List;

/**
 * What a client says about an asset when it hands it in. Null fields are "not given": re-ingesting known bytes
 * changes only the fields given. {@code defaultMimeType} is used for new bytes when no MIME type is given (an
 * upload's part Content-Type, say) and never overrides a stored one. {@code createdAt} is given only by a push,
 * which preserves the original creation time.
 */
public record AssetMetadata(
        String mimeType, String application, List<String> tags, String user, String fileName, Long createdAt,
        String defaultMimeType) {

    public AssetMetadata(String mimeType, String application, List<String> tags, String user, String fileName,
            Long createdAt) {
        this(mimeType, application, tags, user, fileName, createdAt, "application/octet-stream");
    }

    public AssetMetadata {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
