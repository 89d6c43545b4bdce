package dev.ferry.protocol;

/** Asks the peer for a {@link Pong} (type 0x04, channel 0, empty map). Immutable. */
public record Ping() implements Message {
    @Override
    public int channel() {
        return 0;
    }
}
