package dev.ferry.store;

import java.util.List;

/**
 * What a client says about an asset when it hands it in. Null fields are "not given": re-ingesting known bytes
 * changes only the fields given. {@code defaultMimeType} is used for new bytes when no MIME type is given (an
 * upload's part Content-Type, say) and never overrides a stored one. {@code createdAt} and {@code changedAt} are
 * given only by a push, which preserves the original creation time and the time this state of the asset arose on
 * the member it came from (see {@link AssetStore#commit}).
 */
public record AssetMetadata(
        String mimeType, String application, List<String> tags, String user, String fileName, Long createdAt,
        Long changedAt, String defaultMimeType) {

    public AssetMetadata(String mimeType, String application, List<String> tags, String user, String fileName,
            Long createdAt) {
        this(mimeType, application, tags, user, fileName, createdAt, null, "application/octet-stream");
    }

    public AssetMetadata {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
