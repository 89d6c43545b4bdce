package dev.ferry.protocol;

import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Writes the CBOR payload of a control message: one map, keys in the documented order, definite lengths,
 * smallest integer encodings (Jackson's defaults). Data frames carry raw bytes and never come here. Stateless.
 */
final class PayloadWriter {
    private PayloadWriter() {}

    static void write(Message m, OutputStream out) {
        try (CBORGenerator g = Cbor.FACTORY.createGenerator(out)) {
            switch (m) {
                case Hello h -> handshake(g, h);
                case HelloAck a -> handshake(g, a);
                case ErrorMessage e -> {
                    g.writeStartObject(e, 2);
                    g.writeNumberField("code", e.code());
                    g.writeStringField("msg", e.message());
                    g.writeEndObject();
                }
                case Ping p -> emptyMap(g);
                case Pong p -> emptyMap(g);
                case Goodbye b -> {
                    g.writeStartObject(b, 1);
                    g.writeStringField("reason", b.reason());
                    g.writeEndObject();
                }
                case Request r -> {
                    g.writeStartObject(r, 2);
                    g.writeStringField("m", r.method());
                    g.writeBinaryField("b", r.body());
                    g.writeEndObject();
                }
                case Response r -> {
                    g.writeStartObject(r, 2);
                    g.writeNumberField("s", r.status());
                    g.writeBinaryField("b", r.body());
                    g.writeEndObject();
                }
                case Credit c -> {
                    g.writeStartObject(c, 1);
                    g.writeNumberField("n", c.bytes());
                    g.writeEndObject();
                }
                case Cancel c -> emptyMap(g);
                case Data d -> throw new IllegalArgumentException("a Data frame's payload is raw bytes, not CBOR");
            }
        } catch (IOException e) {
            throw new IllegalStateException("encoding " + m + " to memory failed", e);
        }
    }

    private static void handshake(CBORGenerator g, Handshake h) throws IOException {
        g.writeStartObject(h, 6);
        g.writeFieldName("v");
        g.writeStartArray(null, 2);
        g.writeNumber(h.major());
        g.writeNumber(h.minor());
        g.writeEndArray();
        g.writeStringField("id", h.peerId());
        g.writeStringField("name", h.name());
        g.writeFieldName("addrs");
        texts(g, h.listenAddrs());
        g.writeFieldName("feat");
        texts(g, h.features());
        g.writeFieldName("libs");
        g.writeStartArray(h.libraries(), h.libraries().size());
        for (LibraryState l : h.libraries()) {
            g.writeStartObject(l, 3);
            g.writeStringField("id", l.id());
            g.writeNumberField("rev", l.revision());
            g.writeBinaryField("digest", l.digest());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void texts(CBORGenerator g, List<String> values) throws IOException {
        g.writeStartArray(values, values.size());
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static void emptyMap(CBORGenerator g) throws IOException {
        g.writeStartObject(null, 0);
        g.writeEndObject();
    }
}
