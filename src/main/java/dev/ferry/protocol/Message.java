package dev.ferry.protocol;

/**
 * One protocol message: the closed set of what a frame can carry. Every message is immutable once built and
 * valid by construction (constructors check the limits in {@link Protocol}); byte arrays are not copied, so a
 * caller must not change an array after handing it over or after receiving it. Safe to share between threads.
 */
public sealed interface Message
        permits Hello, HelloAck, ErrorMessage, Ping, Pong, Goodbye, Request, Response, Data, Credit, Cancel {

    /**
     * The frame's channel: 0 for connection-level messages, otherwise a request id (an unsigned 32-bit value
     * carried in an {@code int}; print it with {@link Integer#toUnsignedString(int)}).
     */
    int channel();
}
