package dev.ferry.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundTripTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void everyMessageRoundTrips() throws IOException {
        long seed = 20240518L;
        Samples samples = new Samples(seed);
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            Message m = samples.any();
            assertEquals(m, MessageCodec.decode(MessageCodec.encode(m)), "seed " + seed + " message " + i);
            sent.add(m);
        }
        assertEquals(sent, Frames.readAll(Frames.writeAll(sent)), "seed " + seed);
    }

    @Test
    void oneOfEachTypeRoundTripsThroughAStream() throws IOException {
        List<Message> sent = new Samples(1).oneOfEach();
        assertEquals(sent, Frames.readAll(Frames.writeAll(sent)));
    }

    @Test
    void streamEndingBetweenFramesReadsAsNull() throws IOException {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(MessageCodec.encode(new Ping())));
        assertEquals(new Ping(), reader.read());
        assertNull(reader.read());
        assertNull(new FrameReader(InputStream.nullInputStream()).read());
    }

    @Test
    void framesArrivingOneByteAtATimeAreReassembled() throws IOException {
        List<Message> sent = new Samples(2).oneOfEach();
        InputStream trickle = new ByteArrayInputStream(Frames.writeAll(sent)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        FrameReader reader = new FrameReader(trickle);
        for (Message m : sent) {
            assertEquals(m, reader.read());
        }
        assertNull(reader.read());
    }

    @Test
    void pingEncodesAsTheDocumentedBytes() {
        assertEquals("00000007" + "04" + "00" + "00000000" + "a0", HEX.formatHex(MessageCodec.encode(new Ping())));
    }

    @Test
    void helloEncodesAsTheDocumentedBytes() {
        Hello hello = new Hello(1, 0, "p1", "A", List.of("10.0.0.2:3213"), List.of(),
                List.of(new LibraryState("L", 7, new byte[32])));
        String expected = """
                0000006e 01 00 00000000
                a6 61 76 82 01 00 62 6964 62 7031 64 6e616d65 61 41
                65 6164647273 81 6d 31302e302e302e323a33323133 64 66656174 80
                64 6c696273 81 a3 62 6964 61 4c 63 726576 07 66 646967657374 58 20
                0000000000000000000000000000000000000000000000000000000000000000
                """.replaceAll("\\s", "");
        assertEquals(expected, HEX.formatHex(MessageCodec.encode(hello)));
    }

    @Test
    void dataOfTheMaximumPayloadRoundTrips() throws IOException {
        byte[] bytes = new Samples(3).bytes(Protocol.MAX_PAYLOAD);
        Data data = new Data(9, bytes, true);
        byte[] frame = MessageCodec.encode(data);
        assertEquals(Protocol.LENGTH_SIZE + Protocol.MAX_FRAME_LENGTH, frame.length);
        assertEquals(data, Frames.decode(frame));
    }

    @Test
    void aDataSliceIsWrittenExactlyLikeADataRecord() throws IOException {
        byte[] buffer = new Samples(4).bytes(1000);
        byte[] slice = java.util.Arrays.copyOfRange(buffer, 100, 600);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        new FrameWriter(out).writeData(-5, buffer, 100, 500, false);
        assertArrayEquals(MessageCodec.encode(new Data(-5, slice, false)), out.toByteArray());
    }

    @Test
    void responseEndFlagIsCarriedInTheHeader() {
        byte[] open = MessageCodec.encode(new Response(3, 0, new byte[0], false));
        byte[] closed = MessageCodec.encode(new Response(3, 0, new byte[0], true));
        assertEquals(0, open[5]);
        assertEquals(Protocol.FLAG_END, closed[5]);
    }

    @Test
    void requestIdsAboveTwoToTheThirtyOneSurvive() throws IOException {
        Request r = new Request(0xFFFFFFFF, "get", new byte[] {1});
        byte[] frame = MessageCodec.encode(r);
        assertEquals("ffffffff", HEX.formatHex(frame, 6, 10));
        assertEquals(r, Frames.decode(frame));
    }
}
