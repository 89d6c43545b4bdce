package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The socket under TLS writes through on every flush but the batching thread's; that thread's bytes leave when the
 * buffer fills, at {@link BufferedSocket#push()} or before a half-close, in the order written (real loopback TCP).
 */
class BufferedSocketTest {
    @Test
    void coalescedOutputLeavesOnPushWhenFullAndBeforeHalfClose() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                BufferedSocket socket = new BufferedSocket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
            try (Socket peer = server.accept()) {
                peer.setSoTimeout(300);
                InputStream in = peer.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] data = new byte[3 * BufferedSocket.BUFFER];
                new Random(11).nextBytes(data);

                out.write(data, 0, 10);
                out.flush(); // outside a batch: straight through, as the handshake needs
                assertArrayEquals(Arrays.copyOfRange(data, 0, 10), in.readNBytes(10));

                socket.beginBatch();
                out.write(data, 10, 90);
                out.flush(); // the batching thread's flush keeps the bytes
                assertThrows(SocketTimeoutException.class, () -> in.read(), "nothing left before the push");
                Thread other = new Thread(() -> {
                    try {
                        out.write(data, 100, 5);
                        out.flush(); // another thread's flush (TLS answering on its own) writes through, in order
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                other.start();
                other.join();
                assertArrayEquals(Arrays.copyOfRange(data, 10, 105), in.readNBytes(95));
                out.write(data, 105, 5);
                out.flush();
                assertThrows(SocketTimeoutException.class, () -> in.read(), "nothing left before the push");
                socket.push();
                assertArrayEquals(Arrays.copyOfRange(data, 105, 110), in.readNBytes(5));

                // More than the buffer holds: the gathered part leaves first, then the rest, in order.
                out.write(data, 110, 990);
                out.write(data, 1100, data.length - 1100 - 50);
                out.write(data, data.length - 50, 50);
                assertArrayEquals(Arrays.copyOfRange(data, 110, data.length - 50), in.readNBytes(data.length - 160));
                socket.shutdownOutput(); // pushes the last 50 first
                assertArrayEquals(Arrays.copyOfRange(data, data.length - 50, data.length), in.readNBytes(50));
                assertEquals(-1, in.read());
            }
        }
    }
}
