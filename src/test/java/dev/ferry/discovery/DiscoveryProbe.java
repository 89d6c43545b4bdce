package dev.ferry.discovery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A child-JVM harness for {@link LanDiscoveryNamespaceTest}, meant to run inside a network namespace:
 * <pre>DiscoveryProbe &lt;bindIp&gt; &lt;peerId&gt; &lt;port&gt; &lt;seconds&gt; [--all] [--linger ms]
 *                [--digest-after ms hex] [--want-digest hex]</pre>
 * Advertises {@code peerId} on {@code port} bound to {@code bindIp} only and prints
 * {@code FOUND <peerId> <addr:port> <digest or ->} for every address of every peer it is told about.
 * It exits after {@code seconds}, or {@code --linger} ms (default 1500, so the other side can still find
 * it) after the first peer is found, unless {@code --all} asks it to listen for the whole time.
 * {@code --digest-after} changes the advertised digest that long after the first peer was found, and
 * {@code --want-digest} counts only a peer advertising that digest as found.
 */
public final class DiscoveryProbe {
    private DiscoveryProbe() {}

    public static void main(String[] args) throws Exception {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.dev.ferry", "debug");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true"); // milliseconds since start
        InetAddress bind = Interfaces.parseLiteral(args[0]);
        String peerId = args[1];
        int port = Integer.parseInt(args[2]);
        long seconds = Long.parseLong(args[3]);
        List<String> options = List.of(args).subList(4, args.length);
        boolean all = options.contains("--all");
        long lingerMs = Long.parseLong(option(options, "--linger", 1, "1500"));
        long digestAfterMs = Long.parseLong(option(options, "--digest-after", 1, "-1"));
        String newDigest = option(options, "--digest-after", 2, "");
        String wanted = option(options, "--want-digest", 1, null);

        CountDownLatch anyPeer = new CountDownLatch(1);
        CountDownLatch found = new CountDownLatch(1);
        long t0 = System.nanoTime();
        var self = new LanDiscovery.Advertisement(peerId, 1, port, "");
        LanDiscovery discovery = LanDiscovery.start(List.of(bind), self, peer -> {
            for (InetSocketAddress a : peer.addresses()) {
                say("FOUND " + peer.peerId() + " " + a.getAddress().getHostAddress() + ":" + a.getPort()
                        + " " + (peer.libraryDigest().isEmpty() ? "-" : peer.libraryDigest()));
            }
            anyPeer.countDown();
            if (wanted == null || wanted.equals(peer.libraryDigest())) {
                found.countDown();
            }
        });
        try {
            say("STARTED " + ms(t0));
            if (digestAfterMs >= 0) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        anyPeer.await();
                        Thread.sleep(digestAfterMs);
                        discovery.updateDigest(newDigest);
                        say("DIGEST " + newDigest + " " + ms(t0));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            long left = t0 + TimeUnit.SECONDS.toNanos(seconds) - System.nanoTime();
            if (all) {
                Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(left)));
            } else if (found.await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                say("FIRST " + ms(t0));
                Thread.sleep(lingerMs);
            }
        } finally {
            long c0 = System.nanoTime();
            discovery.close();
            say("CLOSED " + ms(c0));
        }
        System.exit(0);
    }

    private static String option(List<String> options, String name, int offset, String absent) {
        int i = options.indexOf(name);
        return i < 0 ? absent : options.get(i + offset);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static long ms(long since) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
