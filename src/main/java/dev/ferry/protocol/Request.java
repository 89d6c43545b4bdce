package dev.ferry.protocol;

import java.util.Arrays;

/**
 * Asks the peer to run {@code method} (type 0x10). The channel is the request id, nonzero and chosen by the
 * sender from its own id space, never reused on the connection. The body is opaque here: the method's own
 * CBOR, at most {@link Protocol#MAX_BODY} bytes. Immutable; the body array is not copied.
 */
public record Request(int channel, String method, byte[] body) implements Message {

    public Request {
        Check.requestChannel("a Request", channel);
        Check.text("method", method, 1, Protocol.MAX_METHOD);
        Check.bytes("request body", body, Protocol.MAX_BODY);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Request r && r.channel == channel && r.method.equals(method) && Arrays.equals(r.body, body);
    }

    @Override
    public int hashCode() {
        return (channel * 31 + method.hashCode()) * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "Request[channel=" + Integer.toUnsignedString(channel) + ", method=" + method + ", body="
                + body.length + " bytes]";
    }
}
