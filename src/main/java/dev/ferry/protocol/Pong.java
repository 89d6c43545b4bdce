package dev.ferry.protocol;

/** Answers a {@link Ping} (type 0x05, channel 0, empty map). Immutable. */
public record Pong() implements Message {
    @Override
    public int channel() {
        return 0;
    }
}
