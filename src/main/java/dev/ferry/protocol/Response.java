package dev.ferry.protocol;

import java.util.Arrays;

/**
 * Answers the request with id {@code channel} that the receiver sent (type 0x11). {@code status} is
 * {@link #OK} or an error code. With {@code end} set the answer is complete; without it the body continues
 * in {@link Data} frames on the same channel, the last of which has {@code end} set. Immutable; the body
 * array is not copied.
 */
public record Response(int channel, int status, byte[] body, boolean end) implements Message {
    public static final int OK = 0;

    public Response {
        Check.requestChannel("a Response", channel);
        Check.bytes("response body", body, Protocol.MAX_BODY);
    }

    public boolean isOk() {
        return status == OK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Response r && r.channel == channel && r.status == status && r.end == end
                && Arrays.equals(r.body, body);
    }

    @Override
    public int hashCode() {
        return ((channel * 31 + status) * 31 + Arrays.hashCode(body)) * 31 + Boolean.hashCode(end);
    }

    @Override
    public String toString() {
        return "Response[channel=" + Integer.toUnsignedString(channel) + ", status=" + status + ", body="
                + body.length + " bytes, end=" + end + "]";
    }
}
