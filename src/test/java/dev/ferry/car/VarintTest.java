package dev.ferry.car;

import static dev.ferry.car.Archives.hex;
import static dev.ferry.car.Archives.varint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import org.junit.jupiter.api.Test;

/** Unsigned LEB128 as the multiformats unsigned-varint spec restricts it. */
class VarintTest {

    @Test
    void varintsAreLittleEndianGroupsOfSevenBits() throws Exception {
        long[] values = {0, 1, 127, 128, 255, 300, 16383, 16384, 1L << 32, Long.MAX_VALUE};
        String[] encodings = {"00", "01", "7f", "8001", "ff01", "ac02", "ff7f", "808001", "8080808010",
            "ffffffffffffffff7f"};
        for (int i = 0; i < values.length; i++) {
            assertEquals(encodings[i], hex(varint(values[i])));
            assertEquals(encodings[i].length() / 2, Varint.size(values[i]));
            assertEquals(values[i], Varint.read(new ByteArrayInputStream(varint(values[i])), "v"));
        }
    }

    @Test
    void nonMinimalVarintIsRejected() {
        CarFormatException e = assertThrows(CarFormatException.class,
                () -> Varint.read(new ByteArrayInputStream(hex("8100")), "a length"));
        assertEquals("bad varint: a length is not minimally encoded", e.getMessage());
    }

    @Test
    void varintOfTenBytesIsRejected() {
        CarFormatException e = assertThrows(CarFormatException.class,
                () -> Varint.read(new ByteArrayInputStream(hex("ffffffffffffffffff01")), "a length"));
        assertTrue(e.getMessage().startsWith("bad varint: a length is longer than 9 bytes"), e.getMessage());
    }

    @Test
    void varintCutShortIsAnEndOfStream() throws Exception {
        assertEquals(-1, Varint.read(new ByteArrayInputStream(new byte[0]), "v"));
        assertThrows(EOFException.class, () -> Varint.read(new ByteArrayInputStream(hex("8080")), "v"));
    }
}
