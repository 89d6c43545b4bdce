package dev.ferry.protocol;

import java.util.Arrays;

/**
 * A piece of a response body (type 0x12): raw bytes, not CBOR, on the channel of the request it answers;
 * {@code end} marks the last piece (which may be empty). Senders keep pieces to
 * {@link Protocol#RECOMMENDED_CHUNK} and within the Credit window. Immutable; the array is not copied
 * (received arrays belong to the receiver). {@link FrameWriter#writeData} sends a slice without a record.
 */
public record Data(int channel, byte[] bytes, boolean end) implements Message {

    public Data {
        Check.requestChannel("a Data frame", channel);
        Check.bytes("data", bytes, Protocol.MAX_PAYLOAD);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Data d && d.channel == channel && d.end == end && Arrays.equals(d.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return (channel * 31 + Arrays.hashCode(bytes)) * 31 + Boolean.hashCode(end);
    }

    @Override
    public String toString() {
        return "Data[channel=" + Integer.toUnsignedString(channel) + ", " + bytes.length + " bytes, end=" + end + "]";
    }
}
