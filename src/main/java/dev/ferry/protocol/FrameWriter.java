package dev.ferry.protocol;

import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Encodes messages and writes each frame to a byte stream in one {@code write} call, so a frame is never
 * split by this class. Nothing is flushed until {@link #flush()}. Not thread-safe: the caller serialises
 * writers (one writer thread, or a lock around write and flush), or frames from two threads interleave.
 */
public final class FrameWriter implements Flushable {
    private final OutputStream out;

    public FrameWriter(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Writes one frame. Throws IllegalArgumentException if the message encodes to more than the frame limit. */
    public void write(Message m) throws IOException {
        out.write(MessageCodec.encode(m));
    }

    /** Writes a Data frame carrying {@code bytes[offset, offset + length)} without building a {@link Data}. */
    public void writeData(int channel, byte[] bytes, int offset, int length, boolean end) throws IOException {
        out.write(MessageCodec.dataFrame(channel, bytes, offset, length, end));
    }

    /** Writes a whole Data frame prepared with {@link MessageCodec#dataHeader}, as it is. */
    public void writeDataFrame(byte[] frame) throws IOException {
        if (frame.length < MessageCodec.PREFIX || frame[4] != (byte) FrameType.DATA) {
            throw new IllegalArgumentException("not a frame prepared by MessageCodec.dataHeader");
        }
        out.write(frame);
    }

    /**
     * Writes a whole frame from a link's Data queue, as it is: a Data frame prepared with
     * {@link MessageCodec#dataHeader}, or an Error encoded by {@link MessageCodec#encode} that ends a streamed answer
     * and so must follow its Data.
     */
    public void writeQueuedFrame(byte[] frame) throws IOException {
        if (frame.length >= MessageCodec.PREFIX && frame[4] == (byte) FrameType.ERROR) {
            out.write(frame);
        } else {
            writeDataFrame(frame);
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }
}
