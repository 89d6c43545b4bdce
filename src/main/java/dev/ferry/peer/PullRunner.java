package dev.ferry.peer;

import dev.ferry.protocol.ErrorCode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs pulls of one library from one peer, never two at once: a pull asked for while one runs makes it run once
 * more afterwards (latest wins, nothing queued up). A pull continues on the peer's current link after a
 * reconnect, stops when the peer is gone (its next link asks again) or answers NOT_FOUND (it no longer shares
 * the library), and is retried with backoff (0.5 s doubling to 30 s) after any other failure, which moved no
 * cursor. Thread-safe.
 */
public final class PullRunner {
    private static final Logger log = LoggerFactory.getLogger(PullRunner.class);

    /** One pull of a library from the member at the other end of a link. */
    @FunctionalInterface
    public interface Pull {
        void run(String libraryId, PeerLink link) throws Exception;
    }

    private static final class State {
        boolean running;
        boolean again;
    }

    private final PeerManager peers;
    private final String what;
    private final Pull pull;
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    /** {@code what} names the kind of library in log lines ("library", "folder"). */
    public PullRunner(PeerManager peers, String what, Pull pull) {
        this.peers = peers;
        this.what = what;
        this.pull = pull;
    }

    public void request(String libraryId, PeerLink link) {
        State st = states.computeIfAbsent(libraryId + "/" + link.remoteId(), k -> new State());
        synchronized (st) {
            if (st.running) {
                st.again = true;
                return;
            }
            st.running = true;
        }
        PeerId peerId = link.remoteId();
        Thread.ofVirtual().name(what + "-pull-" + peerId.shortForm()).start(() -> loop(libraryId, link, peerId, st));
    }

    private void loop(String libraryId, PeerLink link, PeerId peerId, State st) {
        long backoff = 500;
        while (running) {
            PeerLink current = peers.link(peerId).orElse(link.isOpen() ? link : null);
            if (current == null) {
                break; // the next link to this member pulls again
            }
            try {
                pull.run(libraryId, current);
                backoff = 500;
            } catch (Exception e) {
                if (!current.isOpen()) {
                    continue;
                }
                Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
                if (cause instanceof PeerRequestException p && p.code() == ErrorCode.NOT_FOUND.code()) {
                    log.info("peer {} no longer shares {} {} with this node; not pulling from it", peerId.shortForm(), what,
                            libraryId);
                    break;
                }
                log.warn("pulling {} {} from {} failed ({}); retrying in {} ms", what, libraryId, peerId.shortForm(),
                        cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName(), backoff);
                sleep(backoff);
                backoff = Math.min(30_000, backoff * 2);
                continue;
            }
            synchronized (st) {
                if (!st.again) {
                    st.running = false;
                    return;
                }
                st.again = false;
            }
        }
        synchronized (st) {
            st.running = false;
        }
    }

    public void close() {
        running = false;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
