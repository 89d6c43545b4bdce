package dev.ferry.car;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Typed, checked reads of one DAG-CBOR value on Jackson's streaming parser (no tree is built). Failures of the
 * data become {@link CarFormatException}s whose message starts with {@code problem} ("bad header", "bad index")
 * and names the key; an {@code IOException} of the underlying stream (a truncated or corrupt block, say) passes
 * through unchanged. Tags other than 42 on a link are refused.
 *
 * <p>Decoding can cost far more heap than the bytes decoded: a one-character text is two bytes of CBOR and
 * some 50 bytes of {@code String}. So every text read, and whatever else the caller {@linkplain #charge charges},
 * counts against a heap budget, estimated from above, and the value is refused once it is spent. Not
 * thread-safe: one instance reads one value.
 */
final class CborIn {
    /** Estimated heap of a {@code String} beyond its characters: object, array header, the reference to it. */
    static final int STRING_OVERHEAD = 48;

    private final CBORParser parser;
    private final String problem;
    private final long heapBudget;
    private long heap;
    private JsonToken token;
    private boolean peeked;

    CborIn(CBORParser parser, String problem, long heapBudget) {
        this.parser = parser;
        this.problem = problem;
        this.heapBudget = heapBudget;
    }

    /** Counts {@code bytes} of heap that decoding {@code what} keeps; refuses the value beyond the budget. */
    void charge(long bytes, String what) throws CarFormatException {
        heap += bytes;
        if (heap > heapBudget) {
            throw error("decoding it would take more than " + heapBudget + " bytes of heap (at " + what + ")");
        }
    }

    /** The heap charged so far. */
    long heap() {
        return heap;
    }

    CarFormatException error(String detail) {
        return new CarFormatException(problem + ": " + detail);
    }

    /** Starts a map; returns a set to pass to {@link #nextKey} so a repeated key is refused. */
    Set<String> beginMap(String what) throws IOException {
        expect(what, JsonToken.START_OBJECT, "a map");
        return new HashSet<>();
    }

    /** The next key of the current map, or null at its end. */
    String nextKey(Set<String> seen, String map) throws IOException {
        JsonToken t = next();
        if (t == JsonToken.END_OBJECT) {
            return null;
        }
        if (t != JsonToken.FIELD_NAME) {
            throw error("expected a key of " + map + ", found " + describe(t));
        }
        String key = parser.currentName();
        if (!seen.add(key)) {
            throw error(map + " has the key \"" + key + "\" twice");
        }
        return key;
    }

    /** Skips the value of a key this version does not know, however deep (within the nesting cap). */
    void skipValue() throws IOException {
        next();
        parser.skipChildren();
    }

    void beginArray(String what) throws IOException {
        expect(what, JsonToken.START_ARRAY, "an array");
    }

    /** True, consuming the end, if the current array has no more elements. */
    boolean endOfArray() throws IOException {
        if (peek() == JsonToken.END_ARRAY) {
            next();
            return true;
        }
        return false;
    }

    long int64(String what) throws IOException {
        expect(what, JsonToken.VALUE_NUMBER_INT, "an integer");
        if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw error(what + " is outside the 64-bit range");
        }
        return parser.getLongValue();
    }

    boolean bool(String what) throws IOException {
        JsonToken t = next();
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw error(what + " must be a boolean, not " + describe(t));
        }
        untagged(what);
        return t == JsonToken.VALUE_TRUE;
    }

    String text(String what) throws IOException {
        expect(what, JsonToken.VALUE_STRING, "a text string");
        String text = parser.getText();
        charge(STRING_OVERHEAD + 2L * text.length(), what);
        return text;
    }

    String nullableText(String what) throws IOException {
        if (peek() == JsonToken.VALUE_NULL) {
            next();
            untagged(what);
            return null;
        }
        return text(what);
    }

    List<String> texts(String what) throws IOException {
        beginArray(what);
        List<String> out = new ArrayList<>();
        while (!endOfArray()) {
            charge(8, what);   // the list slot
            out.add(text(what + " " + out.size()));
        }
        return out;
    }

    /** A link: tag 42 on a byte string of 0x00 and a supported binary CID. */
    Cid cid(String what) throws IOException {
        JsonToken t = next();
        if (t != JsonToken.VALUE_EMBEDDED_OBJECT || !(parser.getEmbeddedObject() instanceof byte[] bytes)) {
            throw error(what + " must be a CID link, not " + describe(t));
        }
        if (parser.getCurrentTag() != DagCbor.CID_TAG) {
            throw error(what + " is a byte string without tag 42, not a CID link");
        }
        if (bytes.length == 0 || bytes[0] != 0) {
            throw error(what + " is a CID link without the 0x00 multibase prefix");
        }
        byte[] cid = new byte[bytes.length - 1];
        System.arraycopy(bytes, 1, cid, 0, cid.length);
        return Cid.parse(cid);
    }

    Cid nullableCid(String what) throws IOException {
        if (peek() == JsonToken.VALUE_NULL) {
            next();
            untagged(what);
            return null;
        }
        return cid(what);
    }

    /** Checks that the input ends right after the value just read. */
    void end(String what) throws IOException {
        JsonToken t = next();
        if (t != null) {
            throw error("unexpected " + describe(t) + " after " + what);
        }
    }

    /** A parse error of Jackson's as this package's exception, with Jackson's message. */
    static CarFormatException malformed(String problem, IOException e) {
        String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return new CarFormatException(problem + ": malformed CBOR: " + detail, e);
    }

    private void expect(String what, JsonToken expected, String description) throws IOException {
        JsonToken t = next();
        if (t != expected) {
            throw error(what + " must be " + description + ", not " + describe(t));
        }
        untagged(what);
    }

    private void untagged(String what) throws IOException {
        if (parser.getCurrentTag() != -1) {
            throw error(what + " has CBOR tag " + parser.getCurrentTag() + "; DAG-CBOR allows only tag 42 on links");
        }
    }

    private JsonToken next() throws IOException {
        if (peeked) {
            peeked = false;
            return token;
        }
        token = parser.nextToken();
        return token;
    }

    private JsonToken peek() throws IOException {
        if (!peeked) {
            token = parser.nextToken();
            peeked = true;
        }
        return token;
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "the end of the block";
        }
        return switch (t) {
            case START_OBJECT -> "a map";
            case END_OBJECT -> "the end of a map";
            case START_ARRAY -> "an array";
            case END_ARRAY -> "the end of an array";
            case FIELD_NAME -> "a map key";
            case VALUE_STRING -> "a text string";
            case VALUE_EMBEDDED_OBJECT -> "a byte string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a float";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }
}
