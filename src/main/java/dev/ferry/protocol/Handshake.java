package dev.ferry.protocol;

import java.util.List;

/**
 * What {@link Hello} and {@link HelloAck} both say about their sender, so the link layer can treat the two
 * alike once it knows which one it expected. Implementations are immutable records.
 */
public sealed interface Handshake permits Hello, HelloAck {
    int major();

    int minor();

    /** The sender's stable peer id; the link layer checks it against the id its certificate proves. */
    String peerId();

    /** Display name for people, at most {@link Protocol#MAX_NAME} characters, possibly empty. */
    String name();

    /** Where the sender accepts connections, {@code HOST:PORT} each; never the source port of this connection. */
    List<String> listenAddrs();

    List<String> features();

    List<LibraryState> libraries();

    /** Whether this side can talk with the sender: same major version. */
    default boolean isCompatible() {
        return Protocol.isCompatible(major());
    }
}
