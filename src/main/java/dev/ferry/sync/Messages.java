package dev.ferry.sync;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.ferry.library.Entry;
import dev.ferry.store.AssetFilter;
import java.io.IOException;
import java.util.List;

/**
 * Bodies of the library methods (docs/protocol.md, "Library methods"), CBOR maps with snake_case keys; unknown
 * keys are ignored so that later versions can add fields.
 */
final class Messages {
    static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Messages() {}

    /** {@code library.join}: proof of holding the invite's secret. */
    record JoinRequest(String libraryId, String inviteId, byte[] proof) {}

    /** Answer to a join: what the library is. */
    record JoinReply(String id, String name, String kind, AssetFilter filter, long revision) {}

    /** {@code library.changes}: entries of the responder's index after revision {@code since}. */
    record ChangesRequest(String libraryId, long since, int limit) {}

    record ChangesReply(List<Entry> entries, long revision, boolean more) {}

    /** {@code library.notify}: the sender's index of the library reached {@code revision}. */
    record Notify(String libraryId, long revision) {}

    /** {@code library.car}: the repository-sync exchange; the answer streams a status byte, then a CARv1 archive. */
    record CarRequest(String libraryId, long since) {}

    /** {@code asset.get}: the bytes of an asset of the library, streamed. */
    record AssetGet(String libraryId, String hash) {}

    /** {@code library.members} and {@code library.members.changed}: which library. */
    record MembersRequest(String libraryId) {}

    /** The responder's other members of the library (never the caller), with the addresses it knows for each. */
    record MembersReply(List<MemberInfo> members) {}

    record MemberInfo(String peerId, List<String> addrs) {}

    static byte[] encode(Object o) {
        try {
            return CBOR.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static <T> T decode(byte[] body, Class<T> type) throws BadRequest {
        try {
            T t = CBOR.readValue(body, type);
            if (t == null) {
                throw new BadRequest("empty body");
            }
            return t;
        } catch (IOException | IllegalArgumentException e) {
            throw new BadRequest("malformed " + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    /** A request body that does not decode; answered with a PROTOCOL status. */
    static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message);
        }
    }
}
