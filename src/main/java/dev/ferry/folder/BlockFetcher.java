package dev.ferry.folder;

import dev.ferry.io.RangeWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the blocks a file still lacks from members into its temp file: runs of consecutive blocks as byte
 * ranges, and whatever a range did not deliver block by block, every block verified against its hash before it
 * is written. Thread-safe (each call works on its own file).
 */
final class BlockFetcher {
    private static final Logger log = LoggerFactory.getLogger(BlockFetcher.class);
    private static final int IN_FLIGHT = 32;
    private static final long RUN_BYTES = 8L << 20;
    private static final int RUNS_IN_FLIGHT = 4;

    private final String folderId;
    private final Applier.Remote remote;

    BlockFetcher(String folderId, Applier.Remote remote) {
        this.folderId = folderId;
        this.remote = remote;
    }

    /** Where a run's bytes come from: a member's file with the content, or a file a member offered as a preview. */
    interface RangeSource {
        java.io.InputStream open(long offset, long length, int attempt) throws IOException;
    }

    /**
     * Fetches runs of consecutive missing blocks as byte ranges ({@code folder.range}, up to {@value #RUN_BYTES}
     * bytes each, {@value #RUNS_IN_FLIGHT} at once): one request per run instead of one per block, and the sender
     * does not hash. Every block cut from a range is verified; a run that fails (the sender's file changed, a
     * corrupt block, a lost link) is fetched again block by block, by hash, from any member.
     */
    void fetch(Path file, FileChannel out, List<BlockList.Block> missing, Transfer t, RangeSource ranges, List<String> sources)
            throws IOException {
        if (missing.isEmpty()) {
            return;
        }
        List<List<BlockList.Block>> runs = new ArrayList<>();
        List<BlockList.Block> run = new ArrayList<>();
        long runBytes = 0;
        for (BlockList.Block b : missing) {
            boolean contiguous = !run.isEmpty() && run.get(run.size() - 1).offset() + run.get(run.size() - 1).size() == b.offset();
            if (!run.isEmpty() && (!contiguous || runBytes + b.size() > RUN_BYTES)) {
                runs.add(run);
                run = new ArrayList<>();
                runBytes = 0;
            }
            run.add(b);
            runBytes += b.size();
        }
        runs.add(run);
        WriteBehind flusher = new WriteBehind(out);
        try {
            fetchRuns(file, out, runs, t, ranges, sources, flusher);
        } finally {
            flusher.await();
        }
    }

    private void fetchRuns(Path file, FileChannel out, List<List<BlockList.Block>> runs, Transfer t, RangeSource ranges,
            List<String> sources, WriteBehind flusher) throws IOException {
        List<BlockList.Block> retry = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            // The run's index is its attempt number, so runs start at different members (see Remote.range).
            Bounded.forEach(runs, RUNS_IN_FLIGHT, "range-" + t.path(), (r, a) -> fetchRun(file, out, r, t, ranges, a, retry, flusher));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (!retry.isEmpty()) {
            List<BlockList.Block> sorted = new ArrayList<>(retry);
            sorted.sort(java.util.Comparator.comparingLong(BlockList.Block::offset));
            fetchBlocks(out, sorted, t, sources);
        }
    }

    private void fetchRun(Path file, FileChannel out, List<BlockList.Block> run, Transfer t, RangeSource ranges, int attempt,
            List<BlockList.Block> retry, WriteBehind flusher) {
        long start = run.get(0).offset();
        BlockList.Block last = run.get(run.size() - 1);
        long length = last.offset() + last.size() - start;
        int done = 0;
        // The run's bytes are consecutive: written in order past the page cache (see RangeWriter). A block counts
        // as done only once the writer has put it in the file, so one the writer still gathered when a write
        // failed is fetched again with the rest.
        RangeWriter w = RangeWriter.open(file, out, start, length);
        boolean direct;
        try {
            try (java.io.InputStream in = ranges.open(start, length, attempt)) {
                for (BlockList.Block b : run) {
                    byte[] data = new byte[b.size()];
                    // Straight into the block's array: readNBytes(int) would gather pieces and copy them again.
                    if (in.readNBytes(data, 0, data.length) != data.length || !Applier.matches(data, b.hash())) {
                        break;
                    }
                    w.write(data, 0, data.length);
                    done++;
                }
            } catch (IOException | RuntimeException ex) {
                log.debug("folder {}: range of {} failed ({}); fetching its blocks one by one", folderId, t.path(), ex.getMessage());
            }
        } finally {
            // Asked after the writes: a writer that found no aligned buffer free went the ordinary way part-way.
            direct = w.isDirect(); // its bytes go straight to disk: nothing for the write-behind flush to start
            try {
                w.close();
            } catch (IOException ex) {
                log.debug("folder {}: writing a range of {} failed ({}); fetching its blocks one by one", folderId, t.path(),
                        ex.getMessage());
                done = 0;
            }
        }
        long bytes = 0;
        for (BlockList.Block b : run.subList(0, done)) {
            bytes += b.size();
        }
        if (!direct) {
            flusher.wrote(bytes);
        }
        t.done().addAndGet(bytes);
        t.fetched().addAndGet(bytes);
        if (done < run.size()) {
            retry.addAll(run.subList(done, run.size()));
        }
    }

    /** Fetches blocks from members, {@value #IN_FLIGHT} at a time, each verified before it is written. */
    private void fetchBlocks(FileChannel out, List<BlockList.Block> missing, Transfer t, List<String> sources) throws IOException {
        List<CompletableFuture<Void>> window = new ArrayList<>();
        for (BlockList.Block b : missing) {
            while (window.size() >= IN_FLIGHT) {
                await(window.remove(0));
            }
            window.add(fetchOne(out, b, t, sources, 0));
        }
        for (CompletableFuture<Void> f : window) {
            await(f);
        }
    }

    private CompletableFuture<Void> fetchOne(FileChannel out, BlockList.Block b, Transfer t, List<String> sources, int attempt) {
        return remote.block(folderId, b.hash(), b.size(), sources, attempt).thenCompose(data -> {
            if (!Applier.matches(data, b.hash())) {
                log.warn("folder {}: a peer sent a block of {} whose bytes do not match its hash; refetching", folderId, t.path());
                if (attempt >= 3) {
                    return CompletableFuture.failedFuture(new IOException("block at " + b.offset() + " of " + t.path()
                            + " keeps arriving corrupt"));
                }
                return fetchOne(out, b, t, sources, attempt + 1);
            }
            try {
                Applier.writeAt(out, b.offset(), data);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
            t.done().addAndGet(b.size());
            t.fetched().addAndGet(b.size());
            return CompletableFuture.completedFuture(null);
        });
    }

    private static void await(CompletableFuture<Void> f) throws IOException {
        try {
            f.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("a block did not arrive within 120 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
