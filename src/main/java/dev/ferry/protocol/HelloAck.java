package dev.ferry.protocol;

import java.util.List;

/**
 * Answers a {@link Hello} (type 0x02) with the same information about the accepting side. Immutable.
 */
public record HelloAck(int major, int minor, String peerId, String name, List<String> listenAddrs,
        List<String> features, List<LibraryState> libraries) implements Message, Handshake {

    public HelloAck {
        Check.version(major, minor);
        Check.text("peer id", peerId, 1, Protocol.MAX_PEER_ID);
        Check.text("name", name, 0, Protocol.MAX_NAME);
        listenAddrs = Check.texts("listen address", listenAddrs, Protocol.MAX_LISTEN_ADDRS, 1, Protocol.MAX_LISTEN_ADDR);
        features = Check.texts("feature", features, Protocol.MAX_FEATURES, 1, Protocol.MAX_FEATURE);
        libraries = Check.list("library", libraries, Protocol.MAX_LIBRARIES);
    }

    /** A HelloAck of this build's version ({@link Protocol#MAJOR}.{@link Protocol#MINOR}). */
    public static HelloAck current(String peerId, String name, List<String> listenAddrs, List<String> features,
            List<LibraryState> libraries) {
        return new HelloAck(Protocol.MAJOR, Protocol.MINOR, peerId, name, listenAddrs, features, libraries);
    }

    @Override
    public int channel() {
        return 0;
    }
}
