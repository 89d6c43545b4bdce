package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.protocol.Protocol;
import dev.ferry.testing.TestSeed;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A streamed answer read with {@code transferTo} (payloads handed over as they came, no copy through a buffer) gives
 * exactly the bytes sent, whatever the piece sizes and however reads and transfers mix, while Credit flows back as
 * the consumer takes bytes; a failed stream fails the transfer.
 */
class IncomingStreamTest {
    @Test
    void transferToGivesEveryByteInOrderAndGrantsCredit() throws Exception {
        Random random = new Random(TestSeed.seed("IncomingStreamTest"));
        byte[] data = new byte[3 * (int) IncomingStream.WINDOW + random.nextInt(1 << 20)];
        random.nextBytes(data);
        AtomicLong granted = new AtomicLong(Protocol.INITIAL_WINDOW);
        IncomingStream in = new IncomingStream(Clock.systemUTC(), granted::addAndGet, () -> { });
        Thread producer = Thread.ofPlatform().start(() -> {
            try {
                int off = 0;
                while (off < data.length) {
                    int n = Math.min(data.length - off, 1 + random.nextInt(128 << 10));
                    while (off + n > granted.get()) { // the sender stays inside its window, as a peer must
                        Thread.sleep(1);
                    }
                    in.push(Arrays.copyOfRange(data, off, off + n), off + n == data.length);
                    off += n;
                }
            } catch (Exception e) {
                in.fail(new IOException(e));
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] head = new byte[1 + random.nextInt(100_000)];
        int first = in.readNBytes(head, 0, head.length); // part of a piece by read(): the transfer starts mid-piece
        out.write(head, 0, first);
        long moved = in.transferTo(out);
        producer.join();
        assertEquals(data.length - first, moved);
        assertArrayEquals(data, out.toByteArray());
        assertTrue(granted.get() >= data.length, "credit was granted back as the bytes were taken");
        assertEquals(-1, in.read());
    }

    @Test
    void aFailedStreamFailsTheTransfer() throws Exception {
        IncomingStream in = new IncomingStream(Clock.systemUTC(), n -> { }, () -> { });
        in.push(new byte[] {1, 2, 3}, false);
        in.fail(new IOException("link lost"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IOException e = assertThrows(IOException.class, () -> in.transferTo(out));
        assertEquals("link lost", e.getMessage());
        assertArrayEquals(new byte[] {1, 2, 3}, out.toByteArray(), "what arrived before the failure was handed over");
    }
}
