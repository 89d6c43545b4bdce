package dev.ferry.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real daemon in a child JVM ({@code ferry start}), for what only a separate process can show:
 * SIGKILL, SIGTERM, a bounded heap. Its output goes to {@code <dataDir>/../child-N.log}.
 */
public final class ChildNode implements AutoCloseable {
    public final Path dataDir;
    public final Process process;
    public final Http http;
    public final Path log;

    private ChildNode(Path dataDir, Process process, String url, Path log) {
        this.dataDir = dataDir;
        this.process = process;
        this.http = new Http(url);
        this.log = log;
    }

    public static ChildNode start(Path dataDir, String... jvmOptions) throws IOException, InterruptedException {
        return start(dataDir, java.util.Map.of(), jvmOptions);
    }

    /** With extra environment variables ({@code FERRY_PEERS}, a fixed {@code FERRY_PEER_LISTEN_ADDR}...). */
    public static ChildNode start(Path dataDir, java.util.Map<String, String> extraEnv, String... jvmOptions)
            throws IOException, InterruptedException {
        return startThrough(List.of(), dataDir, extraEnv, jvmOptions);
    }

    /** {@code ferry start} on loopback, mDNS off, with the JVM started through {@code prefix}. */
    public static ChildNode startThrough(List<String> prefix, Path dataDir, java.util.Map<String, String> extraEnv,
            String... jvmOptions) throws IOException, InterruptedException {
        java.util.Map<String, String> env = new java.util.HashMap<>(java.util.Map.of(
                "FERRY_STORE_LISTEN_ADDR", "127.0.0.1:0", "FERRY_LISTEN_ADDR", "127.0.0.1:0",
                "FERRY_PEER_LISTEN_ADDR", "127.0.0.1:0", "FERRY_MDNS", "false"));
        env.putAll(extraEnv);
        return launch(dataDir, env, prefix, List.of(jvmOptions), List.of("start"), true, true);
    }

    /**
     * Runs {@code ferry ARGS...} with exactly the given FERRY_* / CAN_PORT environment (plus FERRY_DATA_DIR) and waits
     * for the store's and/or the sync API's URL file.
     */
    public static ChildNode launch(Path dataDir, java.util.Map<String, String> env, List<String> jvmOptions, List<String> args,
            boolean waitStore, boolean waitSync) throws IOException, InterruptedException {
        return launch(dataDir, env, List.of(), jvmOptions, args, waitStore, waitSync);
    }

    /** As above, with the JVM started through {@code prefix} (for example {@code setpriv ... --}). */
    public static ChildNode launch(Path dataDir, java.util.Map<String, String> env, List<String> prefix, List<String> jvmOptions,
            List<String> args, boolean waitStore, boolean waitSync) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        Path urlFile = dataDir.resolve("store-api.url");
        Path syncFile = dataDir.resolve("sync-api.url");
        if (waitStore) {
            Files.deleteIfExists(urlFile);
        }
        if (waitSync) {
            Files.deleteIfExists(syncFile);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", cp.replace(File.pathSeparator + File.pathSeparator, File.pathSeparator), "dev.ferry.cli.Main"));
        cmd.addAll(args);
        Path log = dataDir.resolveSibling(dataDir.getFileName() + "-" + System.nanoTime() + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("FERRY_") || k.equals("CAN_PORT"));
        pb.environment().put("FERRY_DATA_DIR", dataDir.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while ((waitStore && !Files.exists(urlFile)) || (waitSync && !Files.exists(syncFile))) {
            if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                p.destroyForcibly();
                throw new IOException("child daemon did not start (" + (p.isAlive() ? "timed out" : "exit " + p.exitValue()) + "): " + Files.readString(log, StandardCharsets.UTF_8));
            }
            Thread.sleep(20);
        }
        String url = waitStore ? Files.readString(urlFile, StandardCharsets.UTF_8).trim() : "http://127.0.0.1:1";
        return new ChildNode(dataDir, p, url, log);
    }

    /** SIGKILL: no shutdown hook, no cleanup. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, then wait for the clean exit. */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("daemon did not stop within 20 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** The sync API of the child ({@code /status}, {@code /peers}). */
    public Http sync() throws IOException {
        return new Http(Files.readString(dataDir.resolve("sync-api.url"), StandardCharsets.UTF_8).trim());
    }

    public String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
