package dev.ferry.protocol;

import static dev.ferry.protocol.Frames.cbor;
import static dev.ferry.protocol.Frames.frame;
import static dev.ferry.protocol.Frames.helloFrame;
import static dev.ferry.protocol.Frames.helloMap;
import static dev.ferry.protocol.Frames.map;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadTest {

    private static String rejection(byte[] frame) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> Frames.decode(frame));
        assertEquals(ErrorCode.PROTOCOL, e.code(), e.getMessage());
        return e.getMessage();
    }

    private static Map<String, Object> hello(String key, Object value) {
        Map<String, Object> m = helloMap();
        if (value == null) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        return m;
    }

    @Test
    void aHandBuiltHelloDecodes() throws IOException {
        Hello h = (Hello) Frames.decode(helloFrame(helloMap()));
        assertEquals(new Hello(1, 0, "peer-a", "Alice's laptop", List.of("10.0.0.2:3213"), List.of("delta"),
                List.of(new LibraryState("games", 7, new byte[32]))), h);
    }

    @Test
    @SuppressWarnings("unchecked")
    void unknownCborKeysAreIgnored() throws IOException {
        Map<String, Object> m = helloMap();
        m.put("future", map("nested", List.of(1, 2, map("deeper", new byte[] {1})), "x", 1.5));
        m.put("zz", null);
        ((Map<String, Object>) ((List<?>) m.get("libs")).get(0)).put("size", 123456789L);
        Hello h = (Hello) Frames.decode(helloFrame(m));
        assertEquals("peer-a", h.peerId());
        assertEquals(7, h.libraries().get(0).revision());

        byte[] request = cbor(map("later", "x", "m", "get", "b", new byte[] {5}, "prio", 3));
        assertEquals(new Request(2, "get", new byte[] {5}), Frames.decode(frame(FrameType.REQUEST, 0, 2, request)));
        assertEquals(new Ping(), Frames.decode(frame(FrameType.PING, 0, 0, cbor(map("t", 17)))));
        assertEquals(new Cancel(8), Frames.decode(frame(FrameType.CANCEL, 0, 8, cbor(map("why", "bored")))));
    }

    @Test
    void emptyPayloadAndEmptyMapBothMeanPing() throws IOException {
        assertEquals(new Ping(), Frames.decode(frame(FrameType.PING, 0, 0, new byte[0])));
        assertEquals(new Ping(), Frames.decode(frame(FrameType.PING, 0, 0, new byte[] {(byte) 0xa0})));
        assertEquals(new Pong(), Frames.decode(frame(FrameType.PONG, 0, 0, new byte[0])));
        assertEquals(new Cancel(1), Frames.decode(frame(FrameType.CANCEL, 0, 1, new byte[0])));
    }

    @Test
    void missingRequiredKeyIsRejected() {
        for (String key : List.of("v", "id", "name", "addrs", "feat", "libs")) {
            assertTrue(rejection(helloFrame(hello(key, null))).contains("\"" + key + "\" is missing"), key);
        }
        for (String key : List.of("id", "rev", "digest")) {
            Map<String, Object> lib = map("id", "games", "rev", 7L, "digest", new byte[32]);
            lib.remove(key);
            assertTrue(rejection(helloFrame(hello("libs", List.of(lib)))).contains("\"" + key + "\" is missing"), key);
        }
        assertTrue(rejection(frame(FrameType.RESPONSE, 1, 3, cbor(map("s", 0)))).contains("\"b\" is missing"));
        assertTrue(rejection(frame(FrameType.GOODBYE, 0, 0, cbor(map()))).contains("\"reason\" is missing"));
        assertTrue(rejection(frame(FrameType.CREDIT, 0, 3, cbor(map()))).contains("\"n\" is missing"));
    }

    @Test
    void wrongTypeIsRejected() {
        assertTrue(rejection(helloFrame(hello("id", 5))).contains("\"id\" must be a text string, not an integer"));
        assertTrue(rejection(helloFrame(hello("v", List.of(1)))).contains("\"v\" must be an integer, not the end of an array"));
        assertTrue(rejection(helloFrame(hello("v", List.of(1, 0, 3)))).contains("exactly 2 entries"));
        assertTrue(rejection(helloFrame(hello("v", "1.0"))).contains("\"v\" must be an array"));
        assertTrue(rejection(helloFrame(hello("addrs", "10.0.0.2:3213"))).contains("\"addrs\" must be an array"));
        assertTrue(rejection(helloFrame(hello("libs", List.of(map("id", "g", "rev", "7", "digest", new byte[32])))))
                .contains("\"rev\" must be an integer"));
        assertTrue(rejection(frame(FrameType.REQUEST, 0, 3, cbor(map("m", "get", "b", "text")))).contains("must be a byte string"));
        assertTrue(rejection(frame(FrameType.CREDIT, 0, 3, cbor(map("n", 1.5)))).contains("not a float"));
        assertTrue(rejection(frame(FrameType.ERROR, 0, 0, cbor(map("code", 1, "msg", null)))).contains("not null"));
    }

    @Test
    void payloadThatIsNotAMapIsRejected() {
        assertTrue(rejection(frame(FrameType.GOODBYE, 0, 0, cbor(List.of("bye")))).contains("must be a map"));
        assertTrue(rejection(frame(FrameType.PING, 0, 0, cbor(0))).contains("must be a map"));
    }

    @Test
    void trailingBytesAfterTheMapAreRejected() {
        byte[] twoMaps = {(byte) 0xa0, (byte) 0xa0};
        assertTrue(rejection(frame(FrameType.PONG, 0, 0, twoMaps)).contains("after the map"));
    }

    @Test
    void repeatedKeyIsRejected() {
        // {"reason": "a", "reason": "b"}: Jackson's map writer cannot repeat a key, so the bytes are spelt out.
        byte[] payload = HexFormat.of().parseHex("a2" + "66726561736f6e" + "6161" + "66726561736f6e" + "6162");
        assertTrue(rejection(frame(FrameType.GOODBYE, 0, 0, payload)).contains("appears twice"));
    }

    @Test
    void helloWithThousandsOfAddressesIsRejected() {
        List<String> addrs = Collections.nCopies(5000, "10.0.0.2:3213");
        assertTrue(rejection(helloFrame(hello("addrs", addrs))).contains("more than 16 entries"));
    }

    @Test
    void helloAtEveryListLimitIsAccepted() throws IOException {
        List<Object> libs = new ArrayList<>();
        for (int i = 0; i < Protocol.MAX_LIBRARIES; i++) {
            libs.add(map("id", "library-" + i, "rev", (long) i, "digest", new byte[32]));
        }
        Map<String, Object> m = hello("libs", libs);
        m.put("addrs", Collections.nCopies(16, "x".repeat(95) + ":3213"));
        m.put("feat", Collections.nCopies(32, "f".repeat(32)));
        m.put("name", "\uD83D\uDE00".repeat(64));   // 64 code points, 128 chars: limits count code points
        Hello h = (Hello) Frames.decode(helloFrame(m));
        assertEquals(Protocol.MAX_LIBRARIES, h.libraries().size());

        libs.add(map("id", "one-too-many", "rev", 0L, "digest", new byte[32]));
        assertTrue(rejection(helloFrame(m)).contains("more than 4096 entries"));
    }

    @Test
    void textOverItsLimitIsRejected() {
        assertTrue(rejection(helloFrame(hello("name", "n".repeat(65)))).contains("name must be 0 to 64 characters"));
        assertTrue(rejection(helloFrame(hello("addrs", List.of("a".repeat(101))))).contains("listen address 0"));
        assertTrue(rejection(helloFrame(hello("feat", List.of("")))).contains("feature 0 must be 1 to 32"));
        assertTrue(rejection(helloFrame(hello("id", ""))).contains("peer id must be 1 to 128"));
        assertTrue(rejection(frame(FrameType.REQUEST, 0, 3, cbor(map("m", "m".repeat(65), "b", new byte[0]))))
                .contains("method must be 1 to 64"));
    }

    @Test
    void absurdVersionDecodesSoTheLinkCanRefuseIt() throws IOException {
        Hello h = (Hello) Frames.decode(helloFrame(hello("v", List.of(9999, 77))));
        assertEquals(9999, h.major());
        assertEquals(77, h.minor());
        assertFalse(h.isCompatible());
        assertTrue(rejection(helloFrame(hello("v", List.of(-1, 0)))).contains("negative"));
    }

    @Test
    void libraryDigestMustBeThirtyTwoBytes() {
        Map<String, Object> lib = map("id", "games", "rev", 1L, "digest", new byte[31]);
        assertTrue(rejection(helloFrame(hello("libs", List.of(lib)))).contains("digest must be 32 bytes; got 31"));
    }

    @Test
    void revisionMustBeANonNegativeInt64() throws IOException {
        Map<String, Object> lib = map("id", "games", "rev", Long.MAX_VALUE, "digest", new byte[32]);
        assertEquals(Long.MAX_VALUE, ((Hello) Frames.decode(helloFrame(hello("libs", List.of(lib))))).libraries().get(0).revision());
        lib.put("rev", -1L);
        assertTrue(rejection(helloFrame(hello("libs", List.of(lib)))).contains("negative revision"));
        lib.put("rev", BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE));
        assertTrue(rejection(helloFrame(hello("libs", List.of(lib)))).contains("outside the 64-bit range"));
    }

    @Test
    void creditMustBePositive() {
        assertTrue(rejection(frame(FrameType.CREDIT, 0, 3, cbor(map("n", 0)))).contains("positive"));
        assertTrue(rejection(frame(FrameType.CREDIT, 0, 3, cbor(map("n", -5)))).contains("positive"));
    }

    @Test
    void statusAndCodeAreThirtyTwoBitIntegers() throws IOException {
        assertTrue(rejection(frame(FrameType.RESPONSE, 0, 3, cbor(map("s", 1L << 32, "b", new byte[0])))).contains("32-bit"));
        assertEquals(new ErrorMessage(0, -7, ""), Frames.decode(frame(FrameType.ERROR, 0, 0, cbor(map("code", -7, "msg", "")))));
    }

    @Test
    void indefiniteLengthEncodingsAreAccepted() throws IOException {
        // {_ "m": (_ "ge", "t"), "b": (_ h'01', h'02')}: chunked strings inside an indefinite-length map.
        byte[] payload = HexFormat.of().parseHex("bf" + "616d" + "7f" + "626765" + "6174" + "ff" + "6162" + "5f" + "4101" + "4102" + "ff" + "ff");
        Request r = (Request) Frames.decode(frame(FrameType.REQUEST, 0, 3, payload));
        assertEquals("get", r.method());
        assertArrayEquals(new byte[] {1, 2}, r.body());
    }

    @Test
    void nestingBeyondTheCapIsRejectedEvenInUnknownKeys() throws IOException {
        Object deep = 1;
        for (int i = 0; i < 12; i++) {
            deep = List.of(deep);
        }
        assertEquals(new Pong(), Frames.decode(frame(FrameType.PONG, 0, 0, cbor(map("x", deep)))));
        for (int i = 0; i < 100; i++) {
            deep = List.of(deep);
        }
        assertTrue(rejection(frame(FrameType.PONG, 0, 0, cbor(map("x", deep)))).contains("malformed CBOR"));
    }

    @Test
    void bodyOverItsLimitIsRejected() {
        byte[] body = new byte[Protocol.MAX_BODY + 1];
        assertTrue(rejection(frame(FrameType.RESPONSE, 0, 3, cbor(map("s", 0, "b", body)))).contains("at most 1047552"));
    }

    @Test
    void invalidUtf8IsRejected() {
        byte[] payload = HexFormat.of().parseHex("a1" + "66726561736f6e" + "62c328");
        rejection(frame(FrameType.GOODBYE, 0, 0, payload));
    }
}
