package dev.ferry.folder;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.util.List;

/**
 * Bodies of the folder methods (docs/protocol.md, "Folder libraries"): CBOR maps with snake_case keys; unknown
 * keys are ignored so later versions can add fields.
 */
final class FolderMessages {
    static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private FolderMessages() {}

    /** {@code folder.changes}: entries of the responder's index after revision {@code since}. */
    record ChangesRequest(String libraryId, long since, int limit) {}

    record ChangesReply(List<FileEntry> entries, long revision, boolean more) {}

    /** {@code folder.blocks}: the block list of a path's current content; answered as a stream. */
    record BlocksRequest(String libraryId, String path, byte[] blocksHash) {}

    /**
     * {@code folder.range}: {@code length} bytes from {@code offset} of the file holding this content (at
     * {@code path}, or any path with that content), streamed; the requester verifies every block it cuts from them.
     */
    record RangeRequest(String libraryId, String path, byte[] blocksHash, long offset, long length) {}

    /** {@code folder.block}: the bytes of one block, found by hash anywhere in the library. */
    record BlockRequest(String libraryId, byte[] hash, int size) {}

    /**
     * {@code folder.preview}: the sender has begun hashing a new large file (see {@link Previews}); the receiver
     * may fetch it before its index entry exists. Answered at once with an empty body.
     */
    record PreviewOffer(String libraryId, String path, long size, long modifiedNs) {}

    /** {@code folder.preview.blocks}: the offered file's blocks from index {@code from} on, as far as they are hashed. */
    record PreviewBlocksRequest(String libraryId, String path, int from) {}

    /** Blocks in the block list's wire form; {@code last} once they end the file. */
    record PreviewBlocksReply(byte[] blocks, boolean last) {}

    /** {@code folder.preview.range}: bytes of the offered file, within what is hashed; streamed. */
    record PreviewRangeRequest(String libraryId, String path, long offset, long length) {}

    /** {@code library.notify}, the same body the asset libraries use. */
    record Notify(String libraryId, long revision) {}

    static byte[] encode(Object o) {
        try {
            return CBOR.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static <T> T decode(byte[] body, Class<T> type) throws IOException {
        try {
            T t = CBOR.readValue(body, type);
            if (t == null) {
                throw new IOException("empty body");
            }
            return t;
        } catch (IOException | IllegalArgumentException e) {
            throw new BadRequest("malformed " + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    /** A request body that does not decode: answered with a PROTOCOL status. */
    static final class BadRequest extends IOException {
        BadRequest(String message) {
            super(message);
        }
    }
}
