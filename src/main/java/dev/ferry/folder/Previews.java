package dev.ferry.folder;

import dev.ferry.chunk.Chunk;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * New large files this node is hashing, offered to members before their index entries exist (docs/protocol.md,
 * "Previews"): for each, the lstat it had when hashing began and the blocks found so far, in the wire form of a
 * block list. A member fetches the blocks while the rest is still being read, so a large file reaches it in
 * about the time of the slower of the two instead of their sum. A preview is served only while its file is
 * still what was offered (same size, time and file key), and forgotten {@value #KEEP_MS} ms after its last use.
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
        private final ByteArrayOutputStream records = new ByteArrayOutputStream();
        private long hashed;
        private boolean done;
        private boolean failed;
        private volatile long lastUsed = System.currentTimeMillis();

        Preview(String path, DiskState state) {
            this.path = path;
            this.state = state;
        }

        synchronized void add(Chunk c) {
            records.write(c.length() >>> 24);
            records.write(c.length() >>> 16);
            records.write(c.length() >>> 8);
            records.write(c.length());
            records.writeBytes(c.sha256());
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
            while (!done && records.size() <= from * BlockList.RECORD) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            if (failed) {
                return null;
            }
            int count = records.size() / BlockList.RECORD;
            int start = Math.min(Math.max(0, from), count);
            int end = Math.min(count, start + PAGE_BLOCKS);
            byte[] all = records.toByteArray();
            return new Page(Arrays.copyOfRange(all, start * BlockList.RECORD, end * BlockList.RECORD), done && end == count);
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
