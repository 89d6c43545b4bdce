package dev.ferry.protocol;

/**
 * Flow control (type 0x13): the requester grants the responder {@code bytes} more bytes of {@link Data}
 * payload on request {@code channel}, on top of {@link Protocol#INITIAL_WINDOW}. Immutable.
 */
public record Credit(int channel, long bytes) implements Message {

    public Credit {
        Check.requestChannel("a Credit", channel);
        if (bytes <= 0) {
            throw new IllegalArgumentException("a Credit must grant a positive number of bytes; got " + bytes);
        }
    }
}
