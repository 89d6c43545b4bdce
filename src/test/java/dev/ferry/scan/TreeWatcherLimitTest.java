package dev.ferry.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the OS refuses more watches, {@link TreeWatcher#start} returns false, or a running watcher stops and
 * asks for a rescan, with a WARN naming the limit; the caller falls back to periodic rescans.
 *
 * <p>How the limit is reached without touching the machine's sysctls: since Linux 4.9 the inotify limits are
 * also kept per user namespace ({@code /proc/sys/user/max_inotify_watches} and {@code max_inotify_instances}),
 * and the owner of a namespace may lower its own. {@link WatchLimitProbe} runs in a child JVM under
 * {@code unshare -U -r} (a new user namespace, mapped to the current user), lowers that namespace's limits to 16
 * watches and then 0 instances, and reports what the watcher did. The real {@code fs.inotify.*} values, and every
 * other process, are unaffected; the probe and the shell that starts it both refuse to run in the test's own
 * namespace. Skipped where this cannot work: not Linux, no {@code unshare}, or user namespaces disabled.
 */
class TreeWatcherLimitTest {
    @Test
    void reachingTheWatchLimitFallsBackToRescans(@TempDir Path dir) throws Exception {
        String hostNamespace = unavailableOrNamespace();
        Path log = dir.resolve("probe.log");
        Path trees = Files.createDirectory(dir.resolve("trees"));
        List<String> cmd = new ArrayList<>(List.of("unshare", "-U", "-r", "--", "sh", "-c",
                "[ \"$(readlink /proc/self/ns/user)\" != \"$0\" ] || exit 97; exec \"$@\"", hostNamespace));
        cmd.addAll(javaMain(WatchLimitProbe.class, hostNamespace, trees.toString()));
        Process probe = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!probe.waitFor(120, TimeUnit.SECONDS)) {
            probe.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(output);
        assertEquals(0, probe.exitValue(), output);
        assertTrue(output.contains("running: started=true healthyBefore=true overflows=1 healthyAfter=false"),
                "a running watcher that reaches the limit asks for one rescan and turns unhealthy:\n" + output);
        assertTrue(output.contains("atStart: started=false healthy=false"),
                "start returns false when the tree needs more watches than allowed:\n" + output);
        assertTrue(output.contains("instances: started=false healthy=false"),
                "start returns false when no inotify instance is allowed:\n" + output);
        assertTrue(output.contains("fs.inotify.max_user_watches") && output.contains("fs.inotify.max_user_instances")
                && output.contains("falls back to periodic rescans"), "the WARN names the limit:\n" + output);
        assertTrue(output.matches("(?s).*fs\\.inotify\\.max_user_watches = \\d+;.*"),
                "the WARN shows the limit's current value:\n" + output);
    }

    /** The test's user namespace, e.g. {@code user:[4026531837]}; skips the test if the probe cannot run. */
    private static String unavailableOrNamespace() throws InterruptedException {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"),
                "inotify limits are Linux's");
        try {
            Process check = new ProcessBuilder("unshare", "-U", "-r", "true").redirectErrorStream(true).start();
            check.getInputStream().transferTo(OutputStreamSink.INSTANCE);
            assumeTrue(check.waitFor(10, TimeUnit.SECONDS) && check.exitValue() == 0,
                    "unshare -U -r is not allowed here (user namespaces disabled?)");
            assumeTrue(Files.isRegularFile(Path.of("/proc/sys/user/max_inotify_watches")),
                    "this kernel has no per-namespace inotify limits");
            return Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString();
        } catch (IOException e) {
            assumeTrue(false, "unshare is not usable: " + e.getMessage());
            throw new AssertionError(e);
        }
    }

    private static List<String> javaMain(Class<?> main, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp",
                cp.replace(File.pathSeparator + File.pathSeparator, File.pathSeparator), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Discards a child's output. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {}
    }
}
