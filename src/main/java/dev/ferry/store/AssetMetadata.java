package dev.ferry.store;

import java.util.List;

/**
 * What a client says about an asset when it hands it in. Null fields are "not given".
 * {@code createdAt} is given only by a push, which preserves the original creation time.
 */
public record AssetMetadata(
        String mimeType, String application, List<String> tags, String user, String fileName, Long createdAt) {

    public AssetMetadata {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
