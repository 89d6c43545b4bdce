package dev.ferry.protocol;

/** The requester abandons its request {@code channel} (type 0x14, empty map). Immutable. */
public record Cancel(int channel) implements Message {

    public Cancel {
        Check.requestChannel("a Cancel", channel);
    }
}
