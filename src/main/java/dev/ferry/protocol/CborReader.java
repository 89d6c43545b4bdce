package dev.ferry.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed, checked reads over one CBOR payload, on Jackson's streaming parser (no tree is built). Every failure,
 * Jackson's included, becomes a {@link ProtocolException} with code {@link ErrorCode#PROTOCOL} naming the
 * message and key. Keeps a one-token lookahead so arrays can be walked without knowing their length. Not
 * thread-safe: one instance reads one payload.
 */
final class CborReader {
    private final JsonParser parser;
    private final String what;
    private JsonToken token;
    private boolean peeked;

    private CborReader(JsonParser parser, String what) {
        this.parser = parser;
        this.what = what;
    }

    static CborReader open(byte[] payload, String what) throws ProtocolException {
        try {
            return new CborReader(Cbor.FACTORY.createParser(payload), what);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.PROTOCOL, what + ": cannot read CBOR", e);
        }
    }

    ProtocolException error(String problem) {
        return new ProtocolException(ErrorCode.PROTOCOL, what + ": " + problem);
    }

    void beginMap(String key) throws ProtocolException {
        expect(key, JsonToken.START_OBJECT, "a map");
    }

    /** The next key of the current map, or null at its end. */
    String nextKey() throws ProtocolException {
        JsonToken t = next();
        if (t == JsonToken.END_OBJECT) {
            return null;
        }
        if (t != JsonToken.FIELD_NAME) {
            throw error("expected a map key, found " + describe(t));
        }
        try {
            return parser.currentName();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /** Skips the value of a key this version does not know, however deep (within the nesting cap). */
    void skipValue() throws ProtocolException {
        next();
        try {
            parser.skipChildren();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /** Throws unless {@code current} is null: a known key may appear once per map. */
    void once(Object current, String key) throws ProtocolException {
        if (current != null) {
            throw error("key \"" + key + "\" appears twice");
        }
    }

    <T> T required(T value, String key) throws ProtocolException {
        if (value == null) {
            throw error("required key \"" + key + "\" is missing");
        }
        return value;
    }

    int int32(String key) throws ProtocolException {
        long v = int64(key);
        if (v != (int) v) {
            throw error("\"" + key + "\" is " + v + ", outside the 32-bit range");
        }
        return (int) v;
    }

    long int64(String key) throws ProtocolException {
        expect(key, JsonToken.VALUE_NUMBER_INT, "an integer");
        try {
            if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw error("\"" + key + "\" is outside the 64-bit range");
            }
            return parser.getLongValue();
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    String text(String key) throws ProtocolException {
        expect(key, JsonToken.VALUE_STRING, "a text string");
        try {
            return parser.getText();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    byte[] bytes(String key) throws ProtocolException {
        expect(key, JsonToken.VALUE_EMBEDDED_OBJECT, "a byte string");
        try {
            if (parser.getEmbeddedObject() instanceof byte[] b) {
                return b;
            }
        } catch (IOException e) {
            throw malformed(e);
        }
        throw error("\"" + key + "\" must be a byte string");
    }

    void beginArray(String key) throws ProtocolException {
        expect(key, JsonToken.START_ARRAY, "an array");
    }

    /** True, consuming the end, if the current array has no more elements. */
    boolean endOfArray() throws ProtocolException {
        if (peek() == JsonToken.END_ARRAY) {
            next();
            return true;
        }
        return false;
    }

    /** An array of text strings, failing as soon as it has more than {@code max} entries. */
    List<String> texts(String key, int max) throws ProtocolException {
        beginArray(key);
        List<String> out = new ArrayList<>();
        while (!endOfArray()) {
            if (out.size() == max) {
                throw error("\"" + key + "\" has more than " + max + " entries");
            }
            out.add(text(key));
        }
        return out;
    }

    /** Checks that the payload ended with the map (one data item, nothing after it) and releases the parser. */
    void end() throws ProtocolException {
        JsonToken t = next();
        if (t != null) {
            throw error("unexpected " + describe(t) + " after the map");
        }
        try {
            parser.close();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    private void expect(String key, JsonToken expected, String description) throws ProtocolException {
        JsonToken t = next();
        if (t != expected) {
            throw error("\"" + key + "\" must be " + description + ", not " + describe(t));
        }
    }

    private JsonToken next() throws ProtocolException {
        if (peeked) {
            peeked = false;
            return token;
        }
        token = advance();
        return token;
    }

    private JsonToken peek() throws ProtocolException {
        if (!peeked) {
            token = advance();
            peeked = true;
        }
        return token;
    }

    private JsonToken advance() throws ProtocolException {
        try {
            return parser.nextToken();
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    private ProtocolException malformed(IOException e) {
        String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return new ProtocolException(ErrorCode.PROTOCOL, what + ": malformed CBOR: " + detail, e);
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "the end of the payload";
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
