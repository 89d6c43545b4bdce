package dev.ferry.folder;

import dev.ferry.io.RangeWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A run of consecutive blocks copied from local files into a temp file. Blocks are held until the run reaches
 * {@link RangeWriter#MIN_DIRECT} bytes; from then on the run is one range written past the page cache (copying a
 * 1 GiB file's unchanged blocks into cache pages was a third of the CPU an edit cost its receiver). A shorter run,
 * such as one block between two edits, is written the ordinary way, without a second open file and a wait for
 * the disk. Not thread-safe.
 */
final class LocalRun {
    private final Path file;
    private final FileChannel out;
    private final List<byte[]> held = new ArrayList<>();
    private long start = -1;
    private long heldBytes;
    private RangeWriter writer;

    LocalRun(Path file, FileChannel out) {
        this.file = file;
        this.out = out;
    }

    /** Adds the block at {@code offset}, which must follow the run's last block (or start a new run). */
    void add(long offset, byte[] data) throws IOException {
        if (writer != null) {
            if (writer.position() != offset) {
                throw new IllegalStateException("block at " + offset + " does not follow the run at " + writer.position());
            }
            writer.write(data, 0, data.length);
            return;
        }
        if (held.isEmpty()) {
            start = offset;
        } else if (start + heldBytes != offset) {
            throw new IllegalStateException("block at " + offset + " does not follow the run at " + (start + heldBytes));
        }
        held.add(data);
        heldBytes += data.length;
        if (heldBytes >= RangeWriter.MIN_DIRECT) {
            writer = RangeWriter.open(file, out, start, heldBytes);
            for (byte[] d : held) {
                writer.write(d, 0, d.length);
            }
            held.clear();
            heldBytes = 0;
        }
    }

    /** Writes the run into the file; the next block starts a new run. */
    void end() throws IOException {
        RangeWriter w = writer;
        writer = null;
        if (w != null) {
            w.close(); // nothing is held once a writer has taken the run over
            return;
        }
        long at = start;
        for (byte[] d : held) {
            Applier.writeAt(out, at, d);
            at += d.length;
        }
        held.clear();
        heldBytes = 0;
    }

    /** Drops what is not written yet (after a failure: a later attempt checks every block of the file). */
    void discard() {
        if (writer != null) {
            writer.discard();
            writer = null;
        }
        held.clear();
        heldBytes = 0;
    }
}
