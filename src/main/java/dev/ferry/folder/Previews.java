package dev.ferry.folder;

import dev.ferry.chunk.Chunk;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * New large files this node is hashing, offered to members before their index entries exist (docs/protocol.md,
 * "Previews"): for each, the lstat it had when hashing began and the blocks found so far, in the wire form of a
 * block list. A member fetches the blocks while the rest is still being read, so a large file reaches it in
 * about the time of the slower of the two instead of their sum. A preview is served only while its file's
 * lstat is still what it was when hashing began (size, modification time, file key, permission bits), and
 * dropped when a preview is started {@value #KEEP_MS} ms or more after its last use. Memory: 36 bytes per
 * block (about 600 KB for 1 GiB).
 * Thread-safe.
 */
final class Previews {
    /** Files from this size on are offered; below it hashing is short next to a transfer. */
    static final long MIN_SIZE = 64L << 20;
    static final long KEEP_MS = 10 * 60_000;
    /** At most this many blocks per page, about 256 MiB of file. */
    static final int PAGE_BLOCKS = 4096;

    private final Map<String, Preview> byPath = new ConcurrentHashMap<>();

    /** One file being hashed: its lstat when hashing began, and its blocks so far. */
    static final class Preview {
        final String path;
        final DiskState state;
        /** The blocks so far in the wire form of a block list; {@link #count} of them. */
        private byte[] records = new byte[64 * BlockList.RECORD];
        private int count;
        private long hashed;
        private boolean done;
        private boolean failed;
        private volatile long lastUsed = System.currentTimeMillis();

        Preview(String path, DiskState state) {
            this.path = path;
            this.state = state;
        }

        synchronized void add(Chunk c) {
            if ((count + 1) * BlockList.RECORD > records.length) {
                records = Arrays.copyOf(records, records.length * 2);
            }
            ByteBuffer.wrap(records, count * BlockList.RECORD, BlockList.RECORD).putInt(c.length()).put(c.sha256());
            count++;
            hashed += c.length();
            notifyAll();
        }

        synchronized void finish(boolean complete) {
            if (done) {
                return;
            }
            done = true;
            failed = !complete || hashed != state.size();
            notifyAll();
        }

        /** Bytes of the file whose blocks are known (what may be served). */
        synchronized long hashed() {
            return failed ? 0 : hashed;
        }

        /**
         * The blocks from index {@code from} on, waiting up to {@code waitMs} for the first of them; null if hashing
         * failed (the file changed while it was read).
         */
        synchronized Page page(int from, long waitMs) throws InterruptedException {
            lastUsed = System.currentTimeMillis();
            long deadline = System.nanoTime() + waitMs * 1_000_000;
            while (!done && count <= from) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            if (failed) {
                return null;
            }
            int start = Math.min(Math.max(0, from), count);
            int end = Math.min(count, start + PAGE_BLOCKS);
            return new Page(Arrays.copyOfRange(records, start * BlockList.RECORD, end * BlockList.RECORD), done && end == count);
        }
    }

    /** Blocks in the wire form of a block list; {@code last} when they are the file's final blocks. */
    record Page(byte[] blocks, boolean last) {}

    /** Starts a preview of a file about to be hashed, replacing any earlier one of the same path. */
    Preview start(String path, DiskState state) {
        long now = System.currentTimeMillis();
        byPath.values().removeIf(p -> now - p.lastUsed > KEEP_MS);
        Preview p = new Preview(path, state);
        byPath.put(path, p);
        return p;
    }

    /** The preview of {@code path}, if one is kept and its file is still the one offered. */
    Preview get(String path, DiskState now) {
        Preview p = byPath.get(path);
        if (p == null || !p.state.equals(now)) {
            return null;
        }
        p.lastUsed = System.currentTimeMillis();
        return p;
    }
}
