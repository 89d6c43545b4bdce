package dev.ferry.protocol;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Hand-built frames and CBOR payloads, for inputs the encoder would never produce. */
final class Frames {
    private static final CBORMapper MAPPER = new CBORMapper();

    private Frames() {}

    static byte[] frame(int type, int flags, int channel, byte[] payload) {
        return ByteBuffer.allocate(10 + payload.length).putInt(6 + payload.length).put((byte) type).put((byte) flags)
                .putInt(channel).put(payload).array();
    }

    static byte[] cbor(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Keys and values in order: {@code map("a", 1, "b", 2)}. */
    static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** The payload of a valid Hello as a mutable map, to be spoiled by a test. */
    static Map<String, Object> helloMap() {
        return map("v", List.of(1, 0), "id", "peer-a", "name", "Alice's laptop", "addrs", List.of("10.0.0.2:3213"),
                "feat", List.of("delta"), "libs", new ArrayList<>(List.of(map("id", "games", "rev", 7L, "digest", new byte[32]))));
    }

    static byte[] helloFrame(Map<String, Object> payload) {
        return frame(FrameType.HELLO, 0, 0, cbor(payload));
    }

    static Message decode(byte[] frame) throws IOException {
        return new FrameReader(new ByteArrayInputStream(frame)).read();
    }

    /** Every message in the stream, until a clean end (or an exception). */
    static List<Message> readAll(byte[] stream) throws IOException {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(stream));
        List<Message> out = new ArrayList<>();
        for (Message m; (m = reader.read()) != null; ) {
            out.add(m);
        }
        return out;
    }

    static byte[] writeAll(List<Message> messages) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(bytes);
        for (Message m : messages) {
            writer.write(m);
        }
        writer.flush();
        return bytes.toByteArray();
    }
}
