package dev.ferry.folder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs of local blocks written into a real temp file, short ones the ordinary way and long ones past the cache. */
class LocalRunTest {
    @TempDir
    Path dir;

    @Test
    void shortAndLongRunsAtUnalignedOffsetsLandWhereTheyBelong() throws Exception {
        byte[] want = new byte[3 << 20];
        new Random(7).nextBytes(want);
        Path file = dir.resolve("tmp");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            LocalRun run = new LocalRun(file, out);
            // A short run: two blocks from an unaligned offset, then a gap (a block to fetch) of 5000 bytes.
            run.add(1000, Arrays.copyOfRange(want, 1000, 9000));
            run.add(9000, Arrays.copyOfRange(want, 9000, 20000));
            run.end();
            // A long run right after the gap: 1.5 MiB in uneven blocks, past MIN_DIRECT, so written direct.
            int at = 25000;
            while (at < 25000 + (3 << 19)) {
                int size = 10_000 + (at % 7) * 3000;
                run.add(at, Arrays.copyOfRange(want, at, at + size));
                at += size;
            }
            run.end();
            // The gap and the head, as the fetcher would write them, the ordinary way.
            Applier.writeAt(out, 0, Arrays.copyOfRange(want, 0, 1000));
            Applier.writeAt(out, 20000, Arrays.copyOfRange(want, 20000, 25000));
            out.truncate(at);
            out.force(true);
            assertArrayEquals(Arrays.copyOf(want, at), Files.readAllBytes(file));
        }
    }

    @Test
    void aBlockThatDoesNotFollowTheRunIsRefusedAndADiscardedRunWritesNothing() throws Exception {
        Path file = dir.resolve("tmp");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            LocalRun run = new LocalRun(file, out);
            run.add(0, new byte[100]);
            assertThrows(IllegalStateException.class, () -> run.add(200, new byte[100]));
            run.add(100, new byte[] {1, 2, 3});
            run.discard();
            run.end(); // nothing left to write
            assertArrayEquals(new byte[0], Files.readAllBytes(file));
        }
    }
}
