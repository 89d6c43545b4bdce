package dev.ferry.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A chunk is a value: equal when offset, length and digest bytes are equal; malformed chunks cannot exist. */
class ChunkTest {
    @Test
    void chunksWithEqualDigestBytesAreEqual() {
        byte[] digest = new byte[32];
        digest[0] = 7;
        Chunk a = new Chunk(10, 20, digest);
        Chunk b = new Chunk(10, 20, digest.clone());
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new Chunk(11, 20, digest));
        assertEquals(30, a.end());
        assertTrue(a.toString().contains("0700000000"), a.toString());
    }

    @Test
    void malformedChunksAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Chunk(-1, 1, new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> new Chunk(0, 0, new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> new Chunk(0, 1, new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> new Chunk(0, 1, null));
    }
}
