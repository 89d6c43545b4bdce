package dev.ferry.hash;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that hashes up to {@link VectorSha256#LANES} streams at once, a lane each. A stream's thread
 * ({@link Lane#update}) copies its bytes into pieces of whole 64-byte blocks and hands them over without
 * waiting, up to {@link #DEPTH} pieces ahead; {@link Lane#finish} pads the message and waits for the digest.
 * The engine takes the streams that have a piece, at most one per lane, and compresses up to
 * {@link #STEP_BLOCKS} blocks of each in one pass. A pass costs the same however many lanes carry a stream, so
 * the engine, when it was idle, waits up to {@link #GATHER_NANOS} for every open stream to have a piece, unless
 * one is finishing or its writer is waiting: a lone stream is hashed at an eighth of the engine's speed, which is why the store
 * gives lanes only to streams that run beside others. Thread-safe.
 */
public final class Sha256Lanes {
    private static final Logger log = LoggerFactory.getLogger(Sha256Lanes.class);
    /** Bytes of message per piece: a multiple of 64, with room after it for the final block's padding. */
    static final int PIECE = 64 << 10;
    static final int DEPTH = 8;
    static final int STEP_BLOCKS = 256;
    static final long GATHER_NANOS = 2_000_000;
    private static final int[] IV = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    /** What an empty lane compresses (never read back). */
    private static final byte[] IDLE = new byte[STEP_BLOCKS * 64];

    private static final Object SHARED_LOCK = new Object();
    private static Optional<Sha256Lanes> shared;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    /** Pieces to reuse, at most {@link #KEEP_FREE} of them (8 MiB) once the streams that needed more have ended. */
    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger freeCount = new java.util.concurrent.atomic.AtomicInteger();
    static final int KEEP_FREE = 128;
    private int open;
    /** When the ready queue last went from empty to not (System.nanoTime), 0 while empty. */
    private long readySince;

    /**
     * The process's engine, or empty where lanes would not pay: without the {@code jdk.incubator.vector} module
     * (the launcher adds it for the daemons), without 256-bit vectors in hardware, or on a CPU with SHA
     * instructions (there the JDK's single-stream SHA-256 is faster than eight lanes). System property
     * {@code ferry.hashing}: {@code lanes} uses them wherever the module is present, {@code jdk} never.
     */
    public static Optional<Sha256Lanes> shared() {
        synchronized (SHARED_LOCK) {
            if (shared == null) {
                Optional<Sha256Lanes> chosen = choose();
                if (chosen == null) {
                    return Optional.empty();
                }
                shared = chosen;
            }
            return shared;
        }
    }

    private static Optional<Sha256Lanes> choose() {
        String mode = System.getProperty("ferry.hashing", "auto");
        if (mode.equals("jdk") || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return Optional.empty();
        }
        try {
            if (!mode.equals("lanes") && (!VectorSha256.hardwareSupported() || cpuHasShaInstructions())) {
                return Optional.empty();
            }
            Sha256Lanes lanes = new Sha256Lanes("sha256-lanes");
            if (!lanes.selfTest()) {
                log.warn("SHA-256 in vector lanes gave a wrong digest in its self-test; hashing one stream at a time");
                return Optional.empty();
            }
            log.info("hashing concurrent streams {} at a time in vector lanes", VectorSha256.LANES);
            return Optional.of(lanes);
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            return null; // decided again by the next caller
        } catch (LinkageError | RuntimeException | IOException e) {
            log.info("hashing one stream at a time ({})", e.toString());
            return Optional.empty();
        }
    }

    /** Linux tells in /proc/cpuinfo: {@code sha_ni} on x86, {@code sha2} on ARM. Elsewhere: assumed absent. */
    private static boolean cpuHasShaInstructions() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags") || line.startsWith("Features")) {
                    return Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
                            .anyMatch(f -> f.equals("sha_ni") || f.equals("sha2"));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no way to tell here
        }
        return false;
    }

    Sha256Lanes(String threadName) {
        this(threadName, new VectorSha256()::compress);
    }

    /** What a pass runs: {@link VectorSha256#compress}, or in tests one that fails. */
    interface Kernel {
        void compress(int[][] state, byte[][] data, int[] offset, int blocks);
    }

    Sha256Lanes(String threadName, Kernel kernel) {
        Thread.ofPlatform().daemon().name(threadName).start(() -> run(kernel));
    }

    /** Eight streams at once, of lengths around the padding and piece edges, each against the JDK's digest. */
    private boolean selfTest() throws IOException {
        int[] lengths = {0, 55, 56, 64, 3150, PIECE - 1, PIECE, PIECE + 100};
        byte[][] messages = new byte[lengths.length][];
        Lane[] lanes = new Lane[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            messages[i] = new byte[lengths[i]];
            new java.util.Random(i).nextBytes(messages[i]);
            lanes[i] = open();
            lanes[i].update(messages[i], 0, lengths[i]);
        }
        boolean right = true;
        for (int i = 0; i < lengths.length; i++) {
            right &= Arrays.equals(lanes[i].finish(), jdkDigest(messages[i]));
        }
        return right;
    }

    static byte[] jdkDigest(byte[] message) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(message);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new stream's lane. Every lane must end with {@link Lane#finish} or {@link Lane#abandon}. */
    public Lane open() {
        lock.lock();
        try {
            open++;
        } finally {
            lock.unlock();
        }
        return new Lane();
    }

    private byte[] takePiece() {
        byte[] b = free.poll();
        if (b == null) {
            return new byte[PIECE + 128];
        }
        freeCount.decrementAndGet();
        return b;
    }

    private void recycle(byte[] piece) {
        if (freeCount.incrementAndGet() <= KEEP_FREE) {
            free.add(piece);
        } else {
            freeCount.decrementAndGet();
        }
    }

    /** Pieces of whole blocks handed to the engine; {@code length} a multiple of 64. */
    private record Piece(byte[] bytes, int length) {}

    /** One stream's SHA-256. Not thread-safe: one writer, as with {@link MessageDigest}. */
    public final class Lane {
        private final int[] state = IV.clone();
        private long length;
        private byte[] filling;
        private int filled;
        private boolean ended;
        // Guarded by lock:
        private final ArrayDeque<Piece> queued = new ArrayDeque<>();
        private final Condition progress = lock.newCondition();
        private int outstanding;
        private boolean scheduled;
        private boolean urgent;
        private boolean abandoned;
        /** Counted out of {@code open} (finished, abandoned or failed): exactly once. */
        private boolean released;
        private Throwable failure;
        private boolean inPass;
        // The engine's alone, while the lane is scheduled:
        private Piece current;
        private int position;

        private Lane() {}

        /** Hashes {@code b[off, off+len)}; the bytes are copied, so the caller may reuse {@code b} at once. */
        public void update(byte[] b, int off, int len) throws IOException {
            if (ended) {
                throw new IllegalStateException("lane already finished or abandoned");
            }
            length += len;
            while (len > 0) {
                if (filling == null) {
                    filling = takePiece();
                    filled = 0;
                }
                int n = Math.min(PIECE - filled, len);
                System.arraycopy(b, off, filling, filled, n);
                filled += n;
                off += n;
                len -= n;
                if (filled == PIECE) {
                    handOver(false);
                }
            }
        }

        /** Pads the message, waits for the engine, and returns the digest (32 bytes). */
        public byte[] finish() throws IOException {
            if (ended) {
                throw new IllegalStateException("lane already finished or abandoned");
            }
            if (filling == null) {
                filling = takePiece();
                filled = 0;
            }
            // FIPS 180-4 5.1.1: a 1 bit, zeros up to 56 mod 64, the message length in bits (big-endian).
            filling[filled++] = (byte) 0x80;
            int end = ((filled + 8 + 63) / 64) * 64;
            Arrays.fill(filling, filled, end - 8, (byte) 0);
            long bits = length * 8;
            for (int i = 0; i < 8; i++) {
                filling[end - 1 - i] = (byte) (bits >>> (8 * i));
            }
            filled = end;
            handOver(true);
            ended = true;
            lock.lock();
            try {
                while (outstanding > 0 && failure == null) {
                    progress.await();
                }
                release();
                if (failure != null) {
                    throw new IOException("hashing failed", failure);
                }
            } catch (InterruptedException e) {
                abandonLocked();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while hashing");
            } finally {
                lock.unlock();
            }
            byte[] digest = new byte[32];
            for (int j = 0; j < 8; j++) {
                for (int k = 0; k < 4; k++) {
                    digest[4 * j + k] = (byte) (state[j] >>> (24 - 8 * k));
                }
            }
            return digest;
        }

        /** Ends the lane without a digest (its stream failed or was dropped); safe to call more than once. */
        public void abandon() {
            lock.lock();
            try {
                if (!released) {
                    abandonLocked();
                }
            } finally {
                lock.unlock();
            }
            if (filling != null) {
                recycle(filling);
                filling = null;
            }
            ended = true;
        }

        private void release() {
            if (!released) {
                released = true;
                open--;
                work.signal(); // the engine may be waiting for this lane to send a piece
            }
        }

        private void abandonLocked() {
            abandoned = true;
            release();
            for (Piece p : queued) {
                recycle(p.bytes());
            }
            queued.clear();
            if (!inPass) {
                ready.remove(this);
                scheduled = false;
                if (current != null) {
                    recycle(current.bytes());
                    current = null;
                }
            } // else the engine drops it after its pass
            work.signal();
        }

        private void handOver(boolean last) throws IOException {
            Piece p = new Piece(filling, filled);
            filling = null;
            lock.lock();
            try {
                if (failure != null) {
                    recycle(p.bytes());
                    ended = true;
                    release();
                    throw new IOException("hashing failed", failure);
                }
                queued.add(p);
                outstanding++;
                urgent = last;
                if (!scheduled) {
                    scheduled = true;
                    ready.add(this);
                }
                work.signal();
                while (outstanding > DEPTH && failure == null) {
                    urgent = true; // the writer waits: no point gathering more lanes
                    work.signal();
                    progress.await();
                }
                urgent = last;
                if (failure != null) {
                    ended = true;
                    release();
                    throw new IOException("hashing failed", failure);
                }
            } catch (InterruptedException e) {
                abandonLocked();
                ended = true;
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while hashing");
            } finally {
                lock.unlock();
            }
        }
    }

    private void run(Kernel kernel) {
        int lanes = VectorSha256.LANES;
        Lane[] batch = new Lane[lanes];
        int[][] states = new int[lanes][];
        byte[][] data = new byte[lanes][];
        int[] offsets = new int[lanes];
        int[] idleState = new int[8];
        while (true) {
            try {
                pass(kernel, batch, states, data, offsets, idleState);
            } catch (InterruptedException e) {
                return; // only at process exit: the thread is a daemon
            } catch (Throwable t) {
                // A failure outside the kernel (which pass() handles itself): fail every lane rather than leave
                // their writers waiting for an engine that lost track of them.
                log.error("the SHA-256 lanes engine failed; failing the streams it held", t);
                lock.lock();
                try {
                    for (int i = 0; i < lanes; i++) {
                        if (batch[i] != null) {
                            drop(batch[i], t);
                            batch[i] = null;
                        }
                    }
                    for (Lane l : ready) {
                        drop(l, t);
                    }
                    ready.clear();
                    readySince = 0;
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** One pass: gathers lanes, compresses up to {@link #STEP_BLOCKS} blocks of each, and puts them back. */
    private void pass(Kernel kernel, Lane[] batch, int[][] states, byte[][] data, int[] offsets, int[] idleState)
            throws InterruptedException {
        int lanes = batch.length;
        int n = 0;
        lock.lock();
        try {
            gather();
            while (n < lanes && !ready.isEmpty()) {
                Lane l = ready.poll();
                if (l.current == null) {
                    l.current = l.queued.poll();
                    l.position = 0;
                }
                l.inPass = true;
                batch[n++] = l;
            }
            // readySince stays: lanes that still have blocks come back after the pass and must not wait again.
        } finally {
            lock.unlock();
        }
        int blocks = STEP_BLOCKS;
        for (int i = 0; i < n; i++) {
            blocks = Math.min(blocks, (batch[i].current.length() - batch[i].position) / 64);
        }
        for (int i = 0; i < lanes; i++) {
            states[i] = i < n ? batch[i].state : idleState;
            data[i] = i < n ? batch[i].current.bytes() : IDLE;
            offsets[i] = i < n ? batch[i].position : 0;
        }
        Throwable failed = null;
        try {
            kernel.compress(states, data, offsets, blocks);
        } catch (RuntimeException | Error e) {
            failed = e;
            log.error("SHA-256 in vector lanes failed", e);
        }
        lock.lock();
        try {
            for (int i = 0; i < n; i++) {
                advance(batch[i], blocks * 64, failed);
                batch[i] = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock: waits until some lanes are ready, then up to {@link #GATHER_NANOS} from when the engine
     * last found nothing to do, for the other open ones; not at all when a ready lane is finishing or its writer
     * waits. Lanes that keep the engine busy never wait again: the window only opens after it was idle.
     */
    private void gather() throws InterruptedException {
        while (true) {
            if (ready.isEmpty()) {
                readySince = 0;
                work.await();
                continue;
            }
            long now = System.nanoTime();
            if (readySince == 0) {
                readySince = now;
            }
            if (ready.size() >= Math.min(VectorSha256.LANES, open) || anyPressing() || now - readySince >= GATHER_NANOS) {
                return;
            }
            work.awaitNanos(readySince + GATHER_NANOS - now);
        }
    }

    private boolean anyPressing() {
        for (Lane l : ready) {
            if (l.urgent) {
                return true;
            }
        }
        return false;
    }

    /** Under the lock: a lane's pass is done; its piece is recycled when used up, and the lane queued again if it has more. */
    private void advance(Lane l, int bytes, Throwable failed) {
        l.inPass = false;
        if (failed != null || l.abandoned) {
            drop(l, failed);
            return;
        }
        l.position += bytes;
        if (l.position == l.current.length()) {
            recycle(l.current.bytes());
            l.current = null;
            l.outstanding--;
            l.progress.signalAll();
        }
        if (l.current != null || !l.queued.isEmpty()) {
            ready.add(l);
        } else {
            l.scheduled = false;
        }
    }

    /** Under the lock: the lane is out of the engine (abandoned, or failed with {@code failure}); its pieces are recycled. */
    private void drop(Lane l, Throwable failure) {
        l.inPass = false;
        if (failure != null) {
            l.failure = failure;
        }
        if (l.current != null) {
            recycle(l.current.bytes());
            l.current = null;
        }
        for (Piece p : l.queued) {
            recycle(p.bytes());
        }
        l.queued.clear();
        l.outstanding = 0;
        l.scheduled = false;
        l.progress.signalAll();
    }
}
