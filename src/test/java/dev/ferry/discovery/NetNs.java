package dev.ferry.discovery;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A Linux network namespace created for one test and deleted by {@link #close}, so multicast sent in
 * it can never reach a real interface of the machine. Links between namespaces are veth pairs created
 * inside the first namespace with their peer moved straight into the second: neither end ever exists
 * in the host namespace. Needs root and iproute2.
 */
final class NetNs implements AutoCloseable {
    private static final long COMMAND_TIMEOUT_S = 10;

    final String name;
    private boolean deleted;

    private NetNs(String name) {
        this.name = name;
    }

    /** Null when namespaces can be used here, else why not (for a JUnit assumption). */
    static String unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "network namespaces need Linux, this is " + System.getProperty("os.name");
        }
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) {
                return "creating network namespaces needs root, running as uid " + uid;
            }
            run(List.of("ip", "-V"));
        } catch (IOException | UnsupportedOperationException e) {
            return "iproute2 'ip' is not usable: " + e.getMessage();
        }
        try (NetNs probe = create("ferry-nscheck-" + ProcessHandle.current().pid())) {
            run(List.of("ip", "netns", "exec", probe.name, "true"));
            return null;
        } catch (IOException e) {
            return "'ip netns add' or 'ip netns exec' failed: " + e.getMessage();
        }
    }

    static NetNs create(String name) throws IOException {
        run(List.of("ip", "netns", "add", name));
        NetNs ns = new NetNs(name);
        try {
            ns.ip("link", "set", "lo", "up");
        } catch (IOException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** Joins two namespaces with a veth pair; addresses are CIDR ({@code 10.123.0.1/24}). */
    static void link(NetNs a, String ifA, String cidrA, NetNs b, String ifB, String cidrB) throws IOException {
        a.ip("link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", b.name);
        for (var end : List.of(new Object[] {a, ifA, cidrA}, new Object[] {b, ifB, cidrB})) {
            NetNs ns = (NetNs) end[0];
            String dev = (String) end[1];
            ns.ip("addr", "add", (String) end[2], "dev", dev);
            ns.ip("link", "set", dev, "up");
            ns.ip("route", "add", "224.0.0.0/4", "dev", dev);
        }
    }

    void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    /** Starts {@code command} inside this namespace, stdout and stderr to {@code log}. */
    Process exec(List<String> command, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(command);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** A command line starting a test-classpath main class in a fresh JVM. */
    static List<String> javaMain(Class<?> main, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp",
                cp.replace(File.pathSeparator + File.pathSeparator, File.pathSeparator), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Override
    public void close() throws IOException {
        if (!deleted) {
            deleted = true;
            run(List.of("ip", "netns", "del", name)); // takes its veth ends with it
        }
    }

    private static void run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(COMMAND_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in " + COMMAND_TIMEOUT_S + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", cmd) + " interrupted");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        }
    }
}
