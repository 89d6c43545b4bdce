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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A streamed answer read with {@code transferTo} (payloads handed over as they came, no copy through a buffer) gives
 * exactly the bytes sent, whatever the piece sizes and however reads and transfers mix, while Credit flows back as
 * the consumer takes bytes; a failed stream fails the transfer.
 */
class IncomingStreamTest {
    @Test
    @Timeout(60)
    void transferToGivesEveryByteInOrderAndGrantsCredit() throws Exception {
        Random random = new Random(TestSeed.seed("IncomingStreamTest"));
        byte[] data = new byte[3 * (int) IncomingStream.WINDOW + random.nextInt(1 << 20)];
        random.nextBytes(data);
        int headLength = 1 + random.nextInt(100_000);
        Random pieceSizes = new Random(random.nextLong()); // the producer's own: the draws must not depend on timing
        AtomicLong granted = new AtomicLong(Protocol.INITIAL_WINDOW);
        IncomingStream in = new IncomingStream(Clock.systemUTC(), granted::addAndGet, () -> { });
        Thread producer = Thread.ofPlatform().start(() -> {
            try {
                int off = 0;
                while (off < data.length) {
                    int n = Math.min(data.length - off, 1 + pieceSizes.nextInt(128 << 10));
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
        byte[] head = new byte[headLength];
        int first = in.readNBytes(head, 0, head.length); // then the transfer starts wherever read() left off
        out.write(head, 0, first);
        long moved = in.transferTo(out);
        producer.join();
        assertEquals(data.length - first, moved);
        assertArrayEquals(data, out.toByteArray());
        assertTrue(granted.get() >= data.length, "credit was granted back as the bytes were taken");
        assertTrue(granted.get() <= IncomingStream.WINDOW + data.length,
                "never more credit than bytes taken: " + granted);
        assertEquals(-1, in.read());
    }

    @Test
    void creditIsGrantedForExactlyTheBytesTaken() throws Exception {
        List<Long> grants = new ArrayList<>();
        IncomingStream in = new IncomingStream(Clock.systemUTC(), grants::add, () -> { });
        assertEquals(List.of(IncomingStream.WINDOW - Protocol.INITIAL_WINDOW), grants,
                "the rest of the window at once");
        grants.clear();
        int quarter = (int) (IncomingStream.WINDOW / 4);
        byte[] piece = new byte[quarter];
        for (int i = 0; i < piece.length; i++) {
            piece[i] = (byte) i;
        }
        in.push(piece, false);
        in.push(piece, false);
        byte[] some = new byte[1000];
        assertEquals(1000, in.read(some, 0, some.length)); // part of the first piece by read()
        assertEquals(List.of(), grants, "less than a quarter taken: no Credit yet");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.io.OutputStream endsWhenAllIsWritten = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                if (out.size() == 2 * quarter - 1000) {
                    in.push(new byte[0], true); // the end comes only after both pieces were taken (and credited)
                }
            }
        };
        assertEquals(2L * quarter - 1000, in.transferTo(endsWhenAllIsWritten));
        assertEquals(List.of((long) quarter, (long) quarter), grants, "the rest of the first piece, then the second");
        byte[] all = new byte[2 * quarter];
        System.arraycopy(piece, 0, all, 0, quarter);
        System.arraycopy(piece, 0, all, quarter, quarter);
        assertArrayEquals(Arrays.copyOfRange(all, 1000, all.length), out.toByteArray());
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
