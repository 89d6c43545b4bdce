package dev.ferry.store;

import dev.ferry.hash.Sha256Lanes;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/** The SHA-256 of one blob being written: {@link PipelinedDigest} or a lane of {@link Sha256Lanes}. One writer. */
interface BlobDigest {
    /**
     * Streams at least this many at once (this one included) share the vector lanes: there, eight streams
     * cost about what two cost hashed one at a time; a stream alone or beside one other is hashed by the JDK.
     */
    int LANES_FROM = 3;
    /**
     * A blob expected to be at least this long is hashed by the JDK even beside others: a stream keeps its lane
     * until it ends, and a lane left alone when its neighbours end runs at an eighth of the engine's speed, about
     * half the JDK's (a large upload started beside a few small ones would be hashed at that speed throughout).
     */
    long LONG_BLOB = 16L << 20;

    /** Hashes {@code b[off, off+len)}; the caller may reuse {@code b} when this returns. */
    void update(byte[] b, int off, int len) throws IOException;

    /** The digest of everything passed to {@link #update}. */
    byte[] finish() throws IOException;

    /** Ends without a digest; harmless after {@link #finish}. */
    void abandon();

    /** Whether this is a lane of the shared vector engine. */
    default boolean inLanes() {
        return false;
    }

    /**
     * A digest for a new blob, written while {@code writers} blobs (this one included) are being written, of about
     * {@code expectedBytes} (0: not known).
     */
    static BlobDigest open(int writers, long expectedBytes) {
        boolean lanesPay = writers >= LANES_FROM && expectedBytes < LONG_BLOB;
        Optional<Sha256Lanes> lanes = lanesPay ? Sha256Lanes.shared() : Optional.empty();
        if (lanes.isPresent()) {
            Sha256Lanes.Lane lane = lanes.get().open();
            return new BlobDigest() {
                @Override
                public boolean inLanes() {
                    return true;
                }

                @Override
                public void update(byte[] b, int off, int len) throws IOException {
                    lane.update(b, off, len);
                }

                @Override
                public byte[] finish() throws IOException {
                    return lane.finish();
                }

                @Override
                public void abandon() {
                    lane.abandon();
                }
            };
        }
        try {
            return new PipelinedDigest(MessageDigest.getInstance("SHA-256"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
