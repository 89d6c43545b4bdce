package dev.ferry.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramingTest {

    private static ProtocolException rejected(byte[] stream) {
        return assertThrows(ProtocolException.class, () -> Frames.readAll(stream));
    }

    @Test
    void frameLongerThanMaximumIsRejectedBeforeAllocation() {
        // Only the length field is sent: reading any further would report truncation instead.
        byte[] lengthOnly = ByteBuffer.allocate(4).putInt(Protocol.MAX_FRAME_LENGTH + 1).array();
        ProtocolException e = rejected(lengthOnly);
        assertEquals(ErrorCode.FRAME_TOO_LARGE, e.code());
        assertTrue(e.getMessage().contains("1048577 bytes of payload"), e.getMessage());
        assertEquals(ErrorCode.FRAME_TOO_LARGE, rejected(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}).code());
    }

    @Test
    void lengthShorterThanTheHeaderIsRejected() {
        for (int length = 0; length < Protocol.HEADER_SIZE; length++) {
            byte[] frame = ByteBuffer.allocate(10).putInt(length).put((byte) FrameType.PING).array();
            assertEquals(ErrorCode.PROTOCOL, rejected(frame).code(), "length " + length);
        }
    }

    @Test
    void truncatedFrameIsAProtocolError() throws IOException {
        for (Message m : new Samples(5).oneOfEach()) {
            byte[] frame = MessageCodec.encode(m);
            for (int cut = 1; cut < frame.length; cut++) {
                ProtocolException e = rejected(Arrays.copyOf(frame, cut));
                assertEquals(ErrorCode.PROTOCOL, e.code(), m + " cut at " + cut);
                assertTrue(e.getMessage().startsWith("truncated frame"), e.getMessage());
            }
        }
    }

    @Test
    void frameArrayWhoseLengthFieldDisagreesIsRejected() {
        byte[] frame = MessageCodec.encode(new Ping());
        byte[] longer = Arrays.copyOf(frame, frame.length + 1);
        assertTrue(assertThrows(ProtocolException.class, () -> MessageCodec.decode(longer)).getMessage().contains("after the frame"));
        byte[] shorter = Arrays.copyOf(frame, frame.length - 1);
        assertTrue(assertThrows(ProtocolException.class, () -> MessageCodec.decode(shorter)).getMessage().contains("truncated"));
    }

    @Test
    void unknownTypeIsRejected() {
        for (int type : new int[] {0x00, 0x07, 0x0f, 0x15, 0x20, 0x80, 0xff}) {
            ProtocolException e = rejected(Frames.frame(type, 0, 0, new byte[] {(byte) 0xa0}));
            assertEquals(ErrorCode.UNKNOWN_TYPE, e.code(), "type " + type);
        }
    }

    @Test
    void unknownTypeIsRejectedBeforeItsPayloadIsRead() {
        byte[] headerOnly = Arrays.copyOf(Frames.frame(0x7f, 0, 0, new byte[1000]), 10);
        assertEquals(ErrorCode.UNKNOWN_TYPE, rejected(headerOnly).code());
    }

    @Test
    void reservedFlagBitsAreRejected() {
        for (int bit = 1; bit < 8; bit++) {
            byte[] frame = Frames.frame(FrameType.DATA, 1 << bit, 4, new byte[3]);
            ProtocolException e = rejected(frame);
            assertEquals(ErrorCode.PROTOCOL, e.code());
            assertTrue(e.getMessage().contains("reserved flag"), e.getMessage());
        }
    }

    @Test
    void endFlagBelongsOnlyToResponseAndData() throws IOException {
        assertEquals(new Data(4, new byte[0], true), Frames.decode(Frames.frame(FrameType.DATA, 1, 4, new byte[0])));
        for (int type : List.of(FrameType.REQUEST, FrameType.CREDIT, FrameType.CANCEL)) {
            assertEquals(ErrorCode.PROTOCOL, rejected(Frames.frame(type, 1, 4, new byte[] {(byte) 0xa0})).code());
        }
        assertEquals(ErrorCode.PROTOCOL, rejected(Frames.frame(FrameType.PING, 1, 0, new byte[0])).code());
    }

    @Test
    void connectionLevelMessagesMustUseChannelZero() {
        for (int type : List.of(FrameType.HELLO, FrameType.HELLO_ACK, FrameType.PING, FrameType.PONG, FrameType.GOODBYE)) {
            ProtocolException e = rejected(Frames.frame(type, 0, 3, new byte[] {(byte) 0xa0}));
            assertTrue(e.getMessage().contains("must be on channel 0"), e.getMessage());
        }
    }

    @Test
    void requestLevelMessagesNeedARequestId() {
        for (int type : List.of(FrameType.REQUEST, FrameType.RESPONSE, FrameType.DATA, FrameType.CREDIT, FrameType.CANCEL)) {
            ProtocolException e = rejected(Frames.frame(type, 0, 0, new byte[] {(byte) 0xa0}));
            assertTrue(e.getMessage().contains("nonzero request id"), e.getMessage());
        }
    }

    @Test
    void errorMayUseAnyChannel() throws IOException {
        byte[] payload = Frames.cbor(Frames.map("code", 9, "msg", "no such library"));
        assertEquals(new ErrorMessage(0, ErrorCode.NOT_FOUND, "no such library"),
                Frames.decode(Frames.frame(FrameType.ERROR, 0, 0, payload)));
        assertEquals(new ErrorMessage(77, ErrorCode.NOT_FOUND, "no such library"),
                Frames.decode(Frames.frame(FrameType.ERROR, 0, 77, payload)));
    }

    @Test
    void announcingTheMaximumAllocatesOnlyWhatArrives() throws IOException {
        byte[] start = Arrays.copyOf(Frames.frame(FrameType.DATA, 0, 1, new byte[Protocol.MAX_PAYLOAD]), 10 + 1000);
        long allocated = Allocation.measure(() -> assertThrows(ProtocolException.class,
                () -> new FrameReader(new ByteArrayInputStream(start)).read()));
        assertTrue(allocated < Protocol.RECOMMENDED_CHUNK + 32 * 1024, allocated + " bytes allocated");
    }
}
