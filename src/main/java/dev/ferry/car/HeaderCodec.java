package dev.ferry.car;

import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Set;

/**
 * The CARv1 header ({@code https://ipld.io/specs/transport/car/carv1/#header}): the DAG-CBOR map
 * {@code {"roots": [root], "version": 1}}, keys in DAG-CBOR order. A Ferry archive has exactly one root, the
 * dag-cbor CID of its index block. Reading skips keys it does not know. Stateless.
 */
final class HeaderCodec {
    private HeaderCodec() {}

    static byte[] encode(Cid root) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (CBORGenerator g = DagCbor.FACTORY.createGenerator(out)) {
            g.writeStartObject(null, 2);
            g.writeFieldName("roots");
            g.writeStartArray(null, 1);
            DagCbor.cid(g, root);
            g.writeEndArray();
            g.writeFieldName("version");
            g.writeNumber(Car.VERSION);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("encoding a CAR header to memory failed", e);
        }
        return out.toByteArray();
    }

    /** The one root of a header, or "bad header" / "CID unsupported" naming what is wrong. */
    static Cid decode(byte[] header) throws CarFormatException {
        try (CBORParser parser = DagCbor.FACTORY.createParser(header)) {
            return decode(new CborIn(parser, "bad header", Long.MAX_VALUE));   // a header holds no texts
        } catch (CarFormatException e) {
            throw e;
        } catch (IOException e) {   // from Jackson: a byte array fails in no other way
            throw CborIn.malformed("bad header", e);
        }
    }

    private static Cid decode(CborIn in) throws IOException {
        Set<String> seen = in.beginMap("the header");
        Long version = null;
        Cid root = null;
        int roots = -1;
        for (String key; (key = in.nextKey(seen, "the header")) != null; ) {
            switch (key) {
                case "version" -> version = in.int64("version");
                case "roots" -> {
                    in.beginArray("roots");
                    roots = 0;
                    while (!in.endOfArray()) {
                        Cid cid = in.cid("root " + roots);
                        root = roots == 0 ? cid : root;
                        roots++;
                    }
                }
                default -> in.skipValue();
            }
        }
        in.end("the header map");
        if (version == null) {
            throw in.error("no version");
        }
        if (version != Car.VERSION) {
            throw in.error("version " + version + (version == 2 ? " (a CARv2 file)" : "")
                    + "; only CARv1 is supported");
        }
        if (roots <= 0) {
            throw in.error("no roots");
        }
        if (roots > 1) {
            throw in.error(roots + " roots; a Ferry archive has exactly one, its index");
        }
        if (root.codec() != Cid.DAG_CBOR) {
            throw in.error("the root " + root + " is not a dag-cbor CID; a Ferry archive's root is its index");
        }
        return root;
    }
}
