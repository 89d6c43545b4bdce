package dev.ferry.car;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The DAG-CBOR subset this package writes, on Jackson's CBOR generator: definite-length maps and arrays (sizes
 * passed to {@code writeStartObject}/{@code writeStartArray}), smallest integer heads (Jackson's
 * {@code WRITE_MINIMAL_INTS}), text as definite-length UTF-8 ({@code writeUTF8String}: Jackson's
 * {@code writeString} switches to indefinite-length chunks for long strings, which DAG-CBOR forbids), CIDs as
 * tag 42 on a byte string holding 0x00 then the binary CID. Map keys are written in DAG-CBOR order by the
 * callers (shorter key first, then bytewise). The factory never closes the streams it is given, caps nesting
 * for untrusted input, and interns no field names. Thread-safe.
 */
final class DagCbor {
    private DagCbor() {}

    /** CBOR tag of an IPLD link. */
    static final int CID_TAG = 42;

    /** Deepest nesting of maps and arrays accepted when reading, unknown keys included. */
    static final int MAX_DEPTH = 16;

    static final CBORFactory FACTORY = CBORFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .enable(CBORGenerator.Feature.WRITE_MINIMAL_INTS)
            .disable(CBORGenerator.Feature.WRITE_TYPE_HEADER)
            .disable(CBORGenerator.Feature.STRINGREF)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    /** Text as one definite-length UTF-8 string. The value must be well-formed (see {@link Check#text}). */
    static void text(CBORGenerator g, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        g.writeUTF8String(utf8, 0, utf8.length);
    }

    static void nullableText(CBORGenerator g, String value) throws IOException {
        if (value == null) {
            g.writeNull();
        } else {
            text(g, value);
        }
    }

    /** A link: tag 42, then a byte string of 0x00 (the multibase identity prefix) and the binary CID. */
    static void cid(CBORGenerator g, Cid cid) throws IOException {
        byte[] bytes = cid.bytes();
        byte[] value = new byte[1 + bytes.length];
        System.arraycopy(bytes, 0, value, 1, bytes.length);
        g.writeTag(CID_TAG);
        g.writeBinary(value);
    }

    static void nullableCid(CBORGenerator g, Cid cid) throws IOException {
        if (cid == null) {
            g.writeNull();
        } else {
            cid(g, cid);
        }
    }
}
