package dev.ferry.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class ChunksTest {
    @Test
    void anArrayGivenBackIsTakenAgainAndTwoTakersNeverShareOne() {
        byte[] a = Chunks.take();
        byte[] b = Chunks.take();
        assertEquals(Chunks.SIZE, a.length);
        assertNotSame(a, b);
        Chunks.give(a);
        assertSame(a, Chunks.take());
        Chunks.give(new byte[16]); // not a chunk: must never be handed out
        assertEquals(Chunks.SIZE, Chunks.take().length);
    }
}
