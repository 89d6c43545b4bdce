package dev.ferry.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The chunks of a large input, exactly as {@link FastCdc#chunks(InputStream)} gives them, computed on every
 * CPU: the caller's thread only reads, while a pool of one thread per CPU finds cut points and hashes chunks.
 *
 * <p>Finding cut points is sequential by nature (each chunk starts where the last one ended), so it is done
 * speculatively, as content-defined chunking allows. The input is read in segments of {@value #SEGMENT}
 * bytes; each segment is cut on the pool as if a chunk began at its first byte. The true chunk boundary
 * that crosses into a segment rarely starts there, but a cut depends only on the bytes after its chunk's
 * start, so as soon as the true sequence of cuts lands on a speculative cut, the two agree from then on.
 * Resolving a segment therefore cuts a few chunks on the caller's thread until that happens (the whole
 * segment only for input without content-defined cuts, such as zeros), then takes the speculative cuts.
 *
 * <p>Each segment's buffer also holds the first {@code maxSize} bytes of the next segment, so every cut sees
 * the window it would see on the whole input. A buffer is reused only after every hash of its chunks is done;
 * {@value #BUFFERS} buffers rotate, which bounds memory at about {@code BUFFERS * (SEGMENT + maxSize)} bytes
 * per call. Thread-safe: each call has its own buffers; the pool is shared and its tasks never wait.
 */
public final class ParallelChunker {
    static final int SEGMENT = 4 << 20;
    static final int BUFFERS = 4;

    private static final ExecutorService POOL = Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
                Thread t = new Thread(r, "chunk-cut-sha256");
                t.setDaemon(true);
                return t;
            });
    private static final ThreadLocal<MessageDigest> DIGESTS = ThreadLocal.withInitial(FastCdc::sha256);

    private final FastCdc cdc;

    public ParallelChunker(FastCdc cdc) {
        this.cdc = cdc;
    }

    /** One segment of the input: its bytes, then (once the next segment is read) the next maxSize bytes. */
    private static final class Segment {
        final byte[] buf;
        long start;
        int filled;
        CompletableFuture<int[]> speculativeEnds;
        List<CompletableFuture<Chunk>> hashes = List.of();

        Segment(int size) {
            this.buf = new byte[size];
        }

        /** Chunks starting before this local position belong to this segment; later ones to the next. */
        int limit() {
            return Math.min(SEGMENT, filled);
        }
    }

    /** Every chunk of {@code in}, in order. Reads the stream to its end; does not close it. */
    public List<Chunk> chunks(InputStream in) throws IOException {
        return chunks(in, c -> {});
    }

    /**
     * Every chunk of {@code in}, in order; each is also handed to {@code sink}, in order, on the caller's thread,
     * soon after it is hashed (at the latest when the segment after the next one has been read), so a caller can
     * act on the first chunks of a large file while the rest is still being read.
     */
    public List<Chunk> chunks(InputStream in, Consumer<Chunk> sink) throws IOException {
        int max = cdc.maxSize();
        Segment[] ring = new Segment[BUFFERS];
        ArrayDeque<Segment> unresolved = new ArrayDeque<>();
        List<CompletableFuture<Chunk>> all = new ArrayList<>();
        long nextChunkStart = 0;
        Segment previous = null;
        long readSoFar = 0;
        int delivered = 0;
        for (int turn = 0; ; turn++) {
            int slot = turn % BUFFERS;
            if (ring[slot] == null) {
                ring[slot] = new Segment(SEGMENT + max);
            }
            Segment seg = ring[slot];
            awaitAll(seg.hashes); // resolved turns ago; its chunks must be hashed before the buffer is overwritten
            delivered = deliver(all, delivered, sink);
            seg.start = readSoFar;
            seg.filled = in.readNBytes(seg.buf, 0, SEGMENT);
            seg.hashes = List.of();
            readSoFar += seg.filled;
            boolean eof = seg.filled < SEGMENT;
            if (previous != null) {
                int overlap = Math.min(max, seg.filled);
                System.arraycopy(seg.buf, 0, previous.buf, SEGMENT, overlap);
                previous.filled = SEGMENT + overlap;
                submitSpeculation(previous);
                unresolved.add(previous);
            }
            while (unresolved.size() > 1) {
                nextChunkStart = resolve(unresolved.poll(), nextChunkStart, all);
            }
            if (eof) {
                submitSpeculation(seg);
                unresolved.add(seg);
                while (!unresolved.isEmpty()) {
                    nextChunkStart = resolve(unresolved.poll(), nextChunkStart, all);
                }
                break;
            }
            previous = seg;
        }
        List<Chunk> chunks = new ArrayList<>(all.size());
        for (CompletableFuture<Chunk> f : all) {
            chunks.add(join(f));
        }
        for (int i = delivered; i < chunks.size(); i++) {
            sink.accept(chunks.get(i));
        }
        return chunks;
    }

    /** Hands the sink every chunk from {@code from} on whose hash is done, stopping at the first that is not. */
    private static int deliver(List<CompletableFuture<Chunk>> all, int from, Consumer<Chunk> sink) throws IOException {
        int i = from;
        while (i < all.size() && all.get(i).isDone()) {
            sink.accept(join(all.get(i++)));
        }
        return i;
    }

    private void submitSpeculation(Segment seg) {
        byte[] buf = seg.buf;
        int filled = seg.filled;
        int limit = seg.limit();
        seg.speculativeEnds = CompletableFuture.supplyAsync(() -> {
            int[] ends = new int[limit / cdc.avgSize() * 2 + 16];
            int n = 0;
            for (int pos = 0; pos < limit; ) {
                pos = cdc.cut(buf, pos, filled - pos);
                if (n == ends.length) {
                    ends = Arrays.copyOf(ends, n * 2);
                }
                ends[n++] = pos;
            }
            return Arrays.copyOf(ends, n);
        }, POOL);
    }

    /**
     * Finds the segment's true chunks from {@code chunkStart}, where the previous segment's last chunk ended, and
     * hashes them; returns where this segment's last chunk ends.
     */
    private long resolve(Segment seg, long chunkStart, List<CompletableFuture<Chunk>> all) throws IOException {
        int[] speculative = join(seg.speculativeEnds);
        int pos = (int) (chunkStart - seg.start);
        int limit = seg.limit();
        List<CompletableFuture<Chunk>> hashes = new ArrayList<>();
        // Cut here until the true sequence meets a speculative chunk start (at once when pos is 0), then follow it.
        int next = pos == 0 ? 0 : indexAfter(speculative, pos);
        while (next < 0 && pos < limit) {
            int end = cdc.cut(seg.buf, pos, seg.filled - pos);
            hashes.add(hash(seg, pos, end));
            pos = end;
            next = indexAfter(speculative, pos);
        }
        if (next >= 0) {
            for (int i = next; i < speculative.length && pos < limit; i++) {
                hashes.add(hash(seg, pos, speculative[i]));
                pos = speculative[i];
            }
        }
        seg.hashes = hashes;
        all.addAll(hashes);
        return seg.start + pos;
    }

    /** The index of the speculative chunk that starts at {@code pos}, or -1 if none does. */
    private static int indexAfter(int[] ends, int pos) {
        int i = Arrays.binarySearch(ends, pos);
        return i >= 0 ? i + 1 : -1;
    }

    private static CompletableFuture<Chunk> hash(Segment seg, int from, int to) {
        byte[] buf = seg.buf;
        long offset = seg.start + from;
        return CompletableFuture.supplyAsync(() -> {
            MessageDigest sha = DIGESTS.get();
            sha.update(buf, from, to - from);
            return new Chunk(offset, to - from, sha.digest());
        }, POOL);
    }

    private static void awaitAll(List<CompletableFuture<Chunk>> futures) throws IOException {
        for (CompletableFuture<Chunk> f : futures) {
            join(f);
        }
    }

    private static <T> T join(CompletableFuture<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while chunks were cut and hashed");
        } catch (ExecutionException e) {
            throw new IOException("chunking failed: " + e.getCause(), e.getCause());
        }
    }
}
