package dev.ferry.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PreparedDataFrameTest {
    @Test
    void dataFramePreparedInPlaceIsByteForByteTheEncodedOne() {
        byte[] payload = new byte[5000];
        new Random(3).nextBytes(payload);
        byte[] frame = new byte[MessageCodec.PREFIX + payload.length];
        System.arraycopy(payload, 0, frame, MessageCodec.PREFIX, payload.length);
        MessageCodec.dataHeader(frame, payload.length, 42, true);
        assertArrayEquals(MessageCodec.encode(new Data(42, payload, true)), frame);
    }

    @Test
    void preparedFrameWithWrongSizeOrChannelIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.dataHeader(new byte[20], 11, 1, false));
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.dataHeader(new byte[20], 10, 0, false));
    }
}
