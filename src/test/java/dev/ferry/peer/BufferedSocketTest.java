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
 * The socket under TLS writes through on every flush until it coalesces; then bytes leave when its buffer fills, at
 * {@link BufferedSocket#push()} or before a half-close, in the order written (real loopback TCP).
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
                out.flush(); // before coalescing: straight through, as the handshake needs
                assertArrayEquals(Arrays.copyOfRange(data, 0, 10), in.readNBytes(10));

                socket.coalesce();
                out.write(data, 10, 90);
                out.flush(); // now a flush keeps the bytes
                assertThrows(SocketTimeoutException.class, () -> in.read(), "nothing left before the push");
                socket.push();
                assertArrayEquals(Arrays.copyOfRange(data, 10, 100), in.readNBytes(90));

                // More than the buffer holds: the gathered part leaves first, then the rest, in order.
                out.write(data, 100, 1000);
                out.write(data, 1100, data.length - 1100 - 50);
                out.write(data, data.length - 50, 50);
                assertArrayEquals(Arrays.copyOfRange(data, 100, data.length - 50), in.readNBytes(data.length - 150));
                socket.shutdownOutput(); // pushes the last 50 first
                assertArrayEquals(Arrays.copyOfRange(data, data.length - 50, data.length), in.readNBytes(50));
                assertEquals(-1, in.read());
            }
        }
    }
}
