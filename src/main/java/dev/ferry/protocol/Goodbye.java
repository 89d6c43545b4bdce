package dev.ferry.protocol;

/**
 * The sender is closing the connection on purpose (type 0x06, channel 0); a hint that lets the peer forget it
 * at once, never required for correctness. Immutable.
 */
public record Goodbye(String reason) implements Message {

    public Goodbye {
        Check.text("goodbye reason", reason, 0, Protocol.MAX_TEXT);
    }

    @Override
    public int channel() {
        return 0;
    }
}
