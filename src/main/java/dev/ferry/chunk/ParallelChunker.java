package dev.ferry.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The chunks of a large input, the same as {@link FastCdc#chunks(InputStream)} gives, computed faster: the
 * caller's thread reads and finds the cut points while a pool of one thread per CPU computes the SHA-256 of
 * the chunks already cut. Finding cuts costs about two thirds of what hashing does, so on two or more CPUs a
 * 1 GiB file is chunked in roughly the time its hashing alone takes, and a cold read overlaps with both.
 *
 * <p>The input is read in segments of {@value #SEGMENT} bytes. A segment's chunks are hashed straight from its
 * buffer, so a buffer is reused only after every hash of its chunks is done; {@value #BUFFERS} buffers rotate,
 * which bounds memory at about {@code BUFFERS * (SEGMENT + maxSize)} bytes per call. Thread-safe: each call
 * has its own buffers; the hashing pool is shared and its tasks never wait on anything.
 */
public final class ParallelChunker {
    static final int SEGMENT = 4 << 20;
    static final int BUFFERS = 3;

    private static final ExecutorService HASHERS = Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
                Thread t = new Thread(r, "chunk-sha256");
                t.setDaemon(true);
                return t;
            });
    private static final ThreadLocal<MessageDigest> DIGESTS = ThreadLocal.withInitial(FastCdc::sha256);

    private final FastCdc cdc;

    public ParallelChunker(FastCdc cdc) {
        this.cdc = cdc;
    }

    /** Every chunk of {@code in}, in order. Reads the stream to its end; does not close it. */
    public List<Chunk> chunks(InputStream in) throws IOException {
        int max = cdc.maxSize();
        byte[][] buffers = new byte[BUFFERS][SEGMENT + max];
        List<List<CompletableFuture<Chunk>>> pendingPerBuffer = new ArrayList<>();
        for (int i = 0; i < BUFFERS; i++) {
            pendingPerBuffer.add(List.of());
        }
        List<CompletableFuture<Chunk>> all = new ArrayList<>();
        long offset = 0;
        int carried = 0;
        byte[] previous = null;
        int previousEnd = 0;
        boolean eof = false;
        for (int turn = 0; !eof || carried > 0; turn++) {
            int slot = turn % BUFFERS;
            awaitAll(pendingPerBuffer.get(slot)); // this buffer's chunks must be hashed before it is overwritten
            byte[] buf = buffers[slot];
            if (carried > 0) {
                System.arraycopy(previous, previousEnd - carried, buf, 0, carried);
            }
            int filled = carried;
            while (!eof && filled < buf.length) {
                int got = in.readNBytes(buf, filled, buf.length - filled);
                filled += got;
                eof = filled < buf.length;
            }
            // Cut while a whole window of maxSize bytes is there (or the input has ended): the cut needs it.
            List<CompletableFuture<Chunk>> pending = new ArrayList<>();
            int pos = 0;
            while (pos < filled && (eof || filled - pos >= max)) {
                int end = cdc.cut(buf, pos, filled - pos);
                pending.add(hash(buf, pos, end - pos, offset));
                offset += end - pos;
                pos = end;
            }
            pendingPerBuffer.set(slot, pending);
            all.addAll(pending);
            carried = filled - pos;
            previous = buf;
            previousEnd = filled;
        }
        List<Chunk> chunks = new ArrayList<>(all.size());
        for (CompletableFuture<Chunk> f : all) {
            chunks.add(join(f));
        }
        return chunks;
    }

    private static CompletableFuture<Chunk> hash(byte[] buf, int from, int length, long offset) {
        return CompletableFuture.supplyAsync(() -> {
            MessageDigest sha = DIGESTS.get();
            sha.update(buf, from, length);
            return new Chunk(offset, length, sha.digest());
        }, HASHERS);
    }

    private static void awaitAll(List<CompletableFuture<Chunk>> futures) throws IOException {
        for (CompletableFuture<Chunk> f : futures) {
            join(f);
        }
    }

    private static Chunk join(CompletableFuture<Chunk> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while chunks were hashed");
        } catch (ExecutionException e) {
            throw new IOException("hashing a chunk failed: " + e.getCause(), e.getCause());
        }
    }
}
