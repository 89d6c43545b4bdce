package dev.ferry.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real mDNS between child JVMs ({@link DiscoveryProbe}) in network namespaces this test creates and
 * deletes, joined by a veth pair on 10.123.0.0/24. Nothing is ever bound in the host namespace, so no
 * multicast can leave through a real interface. Skipped unless root on Linux with iproute2. Each
 * probe prints what it found and the test compares sets; probe logs are in the failure message.
 * Timing (JmDNS 3.6.1): a node becomes visible about 4 s after it starts, and close takes about 2 s.
 */
class LanDiscoveryNamespaceTest {
    private static final long PID = ProcessHandle.current().pid();
    private static final String IP_A = "10.123.0.1";
    private static final String IP_B = "10.123.0.2";

    @TempDir
    Path logs;

    private final List<NetNs> namespaces = new ArrayList<>();
    private final List<Probe> probes = new ArrayList<>();

    private record Probe(String name, Process process, Path log) {
        String output() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        /** The {@code FOUND} lines without the digest: {@code <peerId> <addr:port>}. */
        Set<String> found() throws IOException {
            return output().lines().filter(l -> l.startsWith("FOUND "))
                    .map(l -> l.split(" ")).map(f -> f[1] + " " + f[2]).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @BeforeAll
    static void namespacesAreAvailable() {
        String why = NetNs.unavailableReason();
        assumeTrue(why == null, () -> "skipping mDNS namespace test: " + why);
    }

    @AfterEach
    void killProbesAndDeleteNamespaces() throws IOException, InterruptedException {
        for (Probe p : probes) {
            p.process().destroyForcibly();
            p.process().waitFor(5, TimeUnit.SECONDS);
        }
        IOException failure = null;
        for (NetNs ns : namespaces.reversed()) {
            try {
                ns.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Test
    void peersOnOneLinkFindEachOthersAdvertisedListener() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            twoLinkedNamespaces();
            Probe a = probe(namespaces.get(0), "a", IP_A, "peer-a-" + PID, 4101, 20);
            Probe b = probe(namespaces.get(1), "b", IP_B, "peer-b-" + PID, 4102, 20);
            finish(a, b);
            assertEquals(Set.of("peer-b-" + PID + " " + IP_B + ":4102"), a.found(), a.output());
            assertEquals(Set.of("peer-a-" + PID + " " + IP_A + ":4101"), b.found(), b.output());
        });
    }

    @Test
    void digestChangeReachesPeersThatAlreadyResolvedUs() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            twoLinkedNamespaces();
            Probe a = probe(namespaces.get(0), "a", IP_A, "peer-a-" + PID, 4101, 20,
                    "--digest-after", "1000", "beef01", "--linger", "4000");
            Probe b = probe(namespaces.get(1), "b", IP_B, "peer-b-" + PID, 4102, 20, "--want-digest", "beef01");
            finish(a, b);
            List<String> seenByB = b.output().lines().filter(l -> l.startsWith("FOUND peer-a-")).toList();
            assertEquals("FOUND peer-a-" + PID + " " + IP_A + ":4101 -", seenByB.getFirst(), b.output());
            assertEquals("FOUND peer-a-" + PID + " " + IP_A + ":4101 beef01", seenByB.getLast(), b.output());
        });
    }

    @Test
    void peersHeardThroughAnotherInterfaceAreNeverReported() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            twoLinkedNamespaces();
            NetNs nsB = namespaces.get(1);
            // In namespace B, two nodes on loopback share the mDNS port with a node on the veth link:
            // each pair must find only each other (the socket's own interface, then LinkFilter).
            Probe a = probe(namespaces.get(0), "a", IP_A, "peer-a-" + PID, 4101, 7, "--all");
            Probe b = probe(nsB, "b", IP_B, "peer-b-" + PID, 4102, 7, "--all");
            Probe lo1 = probe(nsB, "lo1", "127.0.0.1", "peer-lo1-" + PID, 4201, 7, "--all");
            Probe lo2 = probe(nsB, "lo2", "127.0.0.1", "peer-lo2-" + PID, 4202, 7, "--all");
            finish(a, b, lo1, lo2);
            assertEquals(Set.of("peer-b-" + PID + " " + IP_B + ":4102"), a.found(), a.output());
            assertEquals(Set.of("peer-a-" + PID + " " + IP_A + ":4101"), b.found(), b.output());
            assertEquals(Set.of("peer-lo2-" + PID + " 127.0.0.1:4202"), lo1.found(), lo1.output());
            assertEquals(Set.of("peer-lo1-" + PID + " 127.0.0.1:4201"), lo2.found(), lo2.output());
        });
    }

    private void twoLinkedNamespaces() throws IOException {
        NetNs a = NetNs.create("ferry-disc-" + PID + "-a");
        namespaces.add(a);
        NetNs b = NetNs.create("ferry-disc-" + PID + "-b");
        namespaces.add(b);
        NetNs.link(a, "fd" + PID + "a", IP_A + "/24", b, "fd" + PID + "b", IP_B + "/24");
    }

    private Probe probe(NetNs ns, String name, String bindIp, String peerId, int port, int seconds, String... options)
            throws IOException {
        List<String> args = new ArrayList<>(List.of(bindIp, peerId, String.valueOf(port), String.valueOf(seconds)));
        args.addAll(List.of(options));
        Path log = logs.resolve(name + ".log");
        Process p = ns.exec(NetNs.javaMain(DiscoveryProbe.class, args.toArray(String[]::new)), log);
        Probe probe = new Probe(name, p, log);
        probes.add(probe);
        return probe;
    }

    private static void finish(Probe... probes) throws Exception {
        for (Probe p : probes) {
            p.process().waitFor(); // the probes time themselves out; the test's own timeout bounds this
            assertEquals(0, p.process().exitValue(), p.name() + " failed:\n" + p.output());
        }
    }
}
