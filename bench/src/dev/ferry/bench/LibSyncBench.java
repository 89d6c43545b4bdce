package dev.ferry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Client side of bench/libsync: a small HTTP client (java.net.http, HTTP/1.1, keep-alive) for two Ferry daemons A
 * and B that share one asset library. It needs only Jackson (from Ferry's target/lib), none of Ferry's classes: it
 * talks to the daemons through their public store API, as any client would.
 *
 * <p>Modes (results are written as {@code key=value} lines to OUT, progress goes to stderr):
 *
 * <ul>
 *   <li>{@code gen DIR COUNT BYTES OUT}: COUNT files of BYTES random bytes (fresh per run, so distinct) in DIR, and
 *       their SHA-256 in OUT, one {@code HASH FILE} per line;
 *   <li>{@code bulk URL_A URL_B LIST_A LIST_B UPLOADS PIDS OUT}: ingests LIST_A's files on A and LIST_B's on B at the
 *       same time, UPLOADS concurrent uploads per daemon, and polls {@code /list?limit=1} on both until each store
 *       holds all of them (every 500 ms while uploads are still being answered, every 50 ms after); PIDS is {@code pidA,pidB,exclude...} for the CPU figures;
 *   <li>{@code ingest} (same arguments as {@code bulk}): the same uploads to two daemons that share no library;
 *       the clock stops when each holds its own files;
 *   <li>{@code latency URL_A URL_B COUNT BYTES OUT}: COUNT single ingests on A, one at a time; for each, the time
 *       from sending the request until B's {@code /sync/events} stream carries the asset, then {@code GET
 *       /assets/HASH} on B (must be 200) and its content (must be the same bytes);
 *   <li>{@code verify URL_A URL_B EXPECTED OUT}: the sorted live hash lists of A and B, compared with each other and
 *       with the expected list (one hash per line, first column).
 * </ul>
 */
public final class LibSyncBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        switch (args[0]) {
            case "gen" -> gen(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Path.of(args[4]));
            case "bulk", "ingest" -> bulk(args[1], args[2], Path.of(args[3]), Path.of(args[4]), Integer.parseInt(args[5]),
                    args[6], Path.of(args[7]), args[0].equals("ingest"));
            case "latency" -> latency(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Path.of(args[5]));
            case "verify" -> verify(args[1], args[2], Path.of(args[3]), Path.of(args[4]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void log(String msg) {
        System.err.printf("[libsync %tT] %s%n", System.currentTimeMillis(), msg);
    }

    // ---- gen ------------------------------------------------------------------------------------------------

    private static void gen(Path dir, int count, int bytes, Path out) throws Exception {
        Files.createDirectories(dir);
        SplittableRandom seeds = new SplittableRandom(System.nanoTime() ^ new java.security.SecureRandom().nextLong());
        String[] lines = new String[count];
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            SplittableRandom rnd = seeds.split();
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    byte[] buf = new byte[bytes];
                    for (int i; (i = next.getAndIncrement()) < count; ) {
                        rnd.nextBytes(buf);
                        Path f = dir.resolve(String.format("f%05d.bin", i));
                        Files.write(f, buf);
                        lines[i] = HexFormat.of().formatHex(sha.digest(buf)) + " " + f;
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        Files.write(out, Arrays.asList(lines));
    }

    // ---- HTTP helpers ---------------------------------------------------------------------------------------

    private static final String BOUNDARY = "ferrybench7MA4YWxkTrZu0gW";

    private static HttpRequest.BodyPublisher multipart(HttpRequest.BodyPublisher file, String fileName) {
        String head = "--" + BOUNDARY + "\r\n"
                + "Content-Disposition: form-data; name=\"mime_type\"\r\n\r\napplication/octet-stream\r\n"
                + "--" + BOUNDARY + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"" + fileName + "\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n";
        String tail = "\r\n--" + BOUNDARY + "--\r\n";
        return HttpRequest.BodyPublishers.concat(
                HttpRequest.BodyPublishers.ofByteArray(head.getBytes(StandardCharsets.US_ASCII)), file,
                HttpRequest.BodyPublishers.ofByteArray(tail.getBytes(StandardCharsets.US_ASCII)));
    }

    /** POST /ingest; returns the stored hash, or throws unless 201 with duplicate false and the expected hash. */
    private static String ingest(String url, HttpRequest.BodyPublisher file, String fileName, String want)
            throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/ingest"))
                .timeout(Duration.ofSeconds(120))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(multipart(file, fileName))
                .build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IOException("ingest of " + fileName + " answered HTTP " + r.statusCode() + ": " + cut(r.body()));
        }
        JsonNode d = JSON.readTree(r.body()).path("data");
        String hash = d.path("hash").asText();
        if (!hash.equals(want) || d.path("duplicate").asBoolean(true)) {
            throw new IOException("ingest of " + fileName + " answered " + cut(r.body()) + ", expected hash " + want);
        }
        return hash;
    }

    private static JsonNode getJson(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + " answered HTTP " + r.statusCode() + ": " + cut(r.body()));
        }
        return JSON.readTree(r.body()).path("data");
    }

    private static int status(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static long total(String url) throws IOException, InterruptedException {
        return getJson(url + "/list?limit=1").path("total").asLong();
    }

    private static String cut(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    private static void write(Path out, Map<String, Object> kv) throws IOException {
        StringBuilder sb = new StringBuilder();
        kv.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Files.writeString(out, sb.toString());
    }

    private static String f3(double v) {
        return String.format("%.3f", v);
    }

    // ---- CPU accounting (Linux /proc) -----------------------------------------------------------------------

    /** utime + stime of one process, in clock ticks (0 when it is gone). */
    private static long ticks(long pid) {
        long[] us = userSys(pid);
        return us[0] + us[1];
    }

    /** CPU ticks of the children this process has waited for (the curl processes). */
    private static long childTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** {utime, stime} of one process, in clock ticks ({0, 0} when it is gone). */
    private static long[] userSys(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
        } catch (IOException | RuntimeException e) {
            return new long[2];
        }
    }

    private static final Map<Long, String> NAMES = new ConcurrentHashMap<>();

    /** pid → ticks of every user-space process not in {@code exclude} (kernel threads left out). */
    private static Map<Long, Long> others(Set<Long> exclude) {
        Map<Long, Long> m = new ConcurrentHashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : ds) {
                try {
                    long pid = Long.parseLong(p.getFileName().toString());
                    if (exclude.contains(pid) || pid == 2) {
                        continue;
                    }
                    String s = Files.readString(p.resolve("stat"));
                    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                    if (Long.parseLong(f[1]) == 2) {
                        continue;
                    }
                    m.put(pid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                    NAMES.put(pid, s.substring(s.indexOf('(') + 1, s.lastIndexOf(')')));
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            // no /proc: no figures
        }
        return m;
    }

    private static double otherCpu(Map<Long, Long> before, Map<Long, Long> after, double hz) {
        long sum = 0;
        for (var e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum / hz;
    }

    /** The three processes that used the most CPU between the snapshots, e.g. "java(pid 12) 3.10 s". */
    private static String topOthers(Map<Long, Long> before, Map<Long, Long> after, double hz) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() >= 10)
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .limit(3)
                .map(e -> String.format("%s(pid %d) %.2f s", NAMES.getOrDefault(e.getKey(), "?"), e.getKey(), e.getValue() / hz))
                .reduce((x, y) -> x + ", " + y).orElse("-");
    }

    /**
     * A curl config (`curl -K`) with one multipart POST /ingest per item, as the seed's curl line sends it; each
     * answer goes to {@code answers/SIDE-INDEX.json}. curl streams each file from disk with little CPU of its
     * own, so the clock measures Ferry rather than the client (java.net.http used several CPU-s per GiB).
     */
    private static Path curlConfig(String url, List<Item> items, Path answers, String side) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            sb.append("url = \"").append(url).append("/ingest\"\n")
                    .append("form = \"file=@").append(items.get(i).file()).append("\"\n")
                    .append("form = \"mime_type=application/octet-stream\"\n")
                    .append("output = \"").append(answers.resolve(side + "-" + i + ".json")).append("\"\n")
                    // Per transfer: curl's `next` starts each transfer with fresh options.
                    .append("noproxy = \"*\"\nmax-time = 120\nsilent\nshow-error\n")
                    .append("write-out = \"%{http_code} %{filename_effective}\\n\"\n");
            if (i + 1 < items.size()) {
                sb.append("next\n");
            }
        }
        Path cfg = answers.resolve(side + ".curl");
        Files.writeString(cfg, sb);
        return cfg;
    }

    /** One curl process: {@code uploads} uploads at a time over keep-alive connections; a line per finished upload. */
    private static Process startCurl(Path config, int uploads) throws IOException {
        return new ProcessBuilder("curl", "--silent", "--show-error", "--parallel", "--parallel-immediate",
                "--parallel-max", String.valueOf(uploads), "--config", config.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** Checks each finished upload's answer: 201, the expected hash, not a duplicate. */
    private static void readAnswers(Process curl, Map<String, Item> byAnswer, AtomicLong count,
            AtomicReference<Throwable> failure) throws Exception {
        try (var lines = new BufferedReader(new InputStreamReader(curl.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                String[] p = line.split(" ", 2);
                Item it = p.length == 2 ? byAnswer.get(p[1]) : null;
                if (it == null) {
                    throw new IOException("unexpected line from curl: " + line);
                }
                String body = Files.readString(Path.of(p[1]));
                if (!p[0].equals("201")) {
                    throw new IOException("ingest of " + it.file() + " answered HTTP " + p[0] + ": " + cut(body));
                }
                JsonNode d = JSON.readTree(body).path("data");
                if (!d.path("hash").asText().equals(it.hash()) || d.path("duplicate").asBoolean(true)) {
                    throw new IOException("ingest of " + it.file() + " answered " + cut(body) + ", expected hash " + it.hash());
                }
                count.incrementAndGet();
                if (failure.get() != null) {
                    curl.destroy();
                }
            }
        }
        int rc = curl.waitFor();
        if (rc != 0) {
            throw new IOException("curl exited with " + rc);
        }
        if (count.get() != byAnswer.size()) {
            throw new IOException("curl finished after " + count.get() + " of " + byAnswer.size() + " uploads");
        }
    }

    // ---- bulk -----------------------------------------------------------------------------------------------

    record Item(String hash, Path file) {}

    private static List<Item> items(Path list) throws IOException {
        List<Item> out = new ArrayList<>();
        for (String l : Files.readAllLines(list)) {
            if (!l.isBlank()) {
                String[] p = l.split(" ", 2);
                out.add(new Item(p[0], Path.of(p[1])));
            }
        }
        return out;
    }

    private static void bulk(String urlA, String urlB, Path listA, Path listB, int uploads, String pidList, Path out,
            boolean ingestOnly) throws Exception {
        List<Item> a = items(listA);
        List<Item> b = items(listB);
        String[] ps = pidList.split(",");
        long pidA = Long.parseLong(ps[0]);
        long pidB = Long.parseLong(ps[1]);
        Set<Long> exclude = new TreeSet<>();
        for (String p : ps) {
            exclude.add(Long.parseLong(p));
        }
        exclude.add(ProcessHandle.current().pid());
        double hz = 100; // USER_HZ, fixed at 100 on Linux for /proc/PID/stat
        long baseA = total(urlA);
        long baseB = total(urlB);
        // With a shared library each store ends with both sets; without (ingestOnly), with its own.
        long wantA = baseA + a.size() + (ingestOnly ? 0 : b.size());
        long wantB = baseB + b.size() + (ingestOnly ? 0 : a.size());
        // Connections up before the clock starts.
        total(urlA);
        total(urlB);

        AtomicReference<Throwable> failure = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicLongArray uploadsDone = new java.util.concurrent.atomic.AtomicLongArray(2);
        AtomicLong ingestedA = new AtomicLong();
        AtomicLong ingestedB = new AtomicLong();
        Path answers = Files.createTempDirectory(out.toAbsolutePath().getParent(), "answers");
        List<Path> configs = List.of(curlConfig(urlA, a, answers, "a"), curlConfig(urlB, b, answers, "b"));

        Map<Long, Long> o0 = others(exclude);
        long[] a0 = userSys(pidA);
        long[] b0 = userSys(pidB);
        long c0 = ticks(ProcessHandle.current().pid());
        long k0 = childTicks(ProcessHandle.current().pid());
        long t0 = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int side = 0; side < 2; side++) {
            final int s = side;
            Map<String, Item> byAnswer = new HashMap<>();
            List<Item> mine = side == 0 ? a : b;
            for (int i = 0; i < mine.size(); i++) {
                byAnswer.put(answers.resolve("ab".charAt(s) + "-" + i + ".json").toString(), mine.get(i));
            }
            Process curl = startCurl(configs.get(side), uploads);
            exclude.add(curl.pid());
            AtomicLong count = side == 0 ? ingestedA : ingestedB;
            workers.add(Thread.ofPlatform().name("uploads-" + "AB".charAt(s)).start(() -> {
                try {
                    readAnswers(curl, byAnswer, count, failure);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    curl.destroy();
                } finally {
                    uploadsDone.set(s, System.nanoTime());
                }
            }));
        }

        // Poll both stores until each holds everything; progress every second; give up on a stall. Neither store can
        // hold everything before both sides' uploads are answered, so until then the stores are asked every 500 ms
        // only, for the progress lines, and the client's polling takes less CPU from the daemons; after that, every
        // 50 ms. The loop itself wakes every 50 ms, so the end of the uploads is noticed at once.
        long stallNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(System.getenv().getOrDefault("BENCH_STALL_SECS", "60")));
        long limitNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(System.getenv().getOrDefault("BENCH_SYNC_TIMEOUT", "600")));
        long fullA = 0;
        long fullB = 0;
        long lastChange = t0;
        long lastSum = -1;
        long lastReport = t0;
        long totA = baseA;
        long totB = baseB;
        String outcome = "complete";
        List<String> timeline = new ArrayList<>();
        long lastPoll = 0;
        while (true) {
            long now = System.nanoTime();
            boolean uploading = uploadsDone.get(0) == 0 || uploadsDone.get(1) == 0;
            if (uploading && lastPoll != 0 && now - lastPoll < 500_000_000L) {
                Thread.sleep(50);
                continue;
            }
            lastPoll = now;
            totA = total(urlA);
            totB = total(urlB);
            long t = System.nanoTime();
            if (fullA == 0 && totA >= wantA) {
                fullA = t;
            }
            if (fullB == 0 && totB >= wantB) {
                fullB = t;
            }
            if (fullA != 0 && fullB != 0) {
                break;
            }
            if (failure.get() != null) {
                outcome = "failed: " + failure.get();
                break;
            }
            if (totA + totB != lastSum) {
                lastSum = totA + totB;
                lastChange = t;
            } else if (t - lastChange > stallNanos) {
                outcome = "stalled: no change for " + TimeUnit.NANOSECONDS.toSeconds(stallNanos) + " s";
                break;
            }
            if (t - t0 > limitNanos) {
                outcome = "timed out after " + TimeUnit.NANOSECONDS.toSeconds(limitNanos) + " s";
                break;
            }
            if (t - lastReport >= 1_000_000_000L) {
                lastReport = t;
                String line = String.format("t=%5.1f s  A: %d/%d (ingested %d)  B: %d/%d (ingested %d)",
                        (t - t0) / 1e9, totA - baseA, wantA - baseA, ingestedA.get(), totB - baseB, wantB - baseB,
                        ingestedB.get());
                timeline.add(line);
                log(line);
            }
            long sleep = 50_000_000L - (System.nanoTime() - now);
            if (sleep > 0) {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            }
        }
        long t1 = Math.max(fullA, fullB);
        if (t1 == 0) {
            t1 = System.nanoTime();
        }
        long[] a1 = userSys(pidA);
        long[] b1 = userSys(pidB);
        for (Thread w : workers) {
            w.join(TimeUnit.MINUTES.toMillis(5));
        }
        long c1 = ticks(ProcessHandle.current().pid());
        long k1 = childTicks(ProcessHandle.current().pid());
        Map<Long, Long> o1 = others(exclude);
        Files.write(out.resolveSibling(out.getFileName() + ".timeline"), timeline);

        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("outcome", outcome.replace('\n', ' '));
        kv.put("seconds", f3((t1 - t0) / 1e9));
        kv.put("uploads_done_a", uploadsDone.get(0) == 0 ? "" : f3((uploadsDone.get(0) - t0) / 1e9));
        kv.put("uploads_done_b", uploadsDone.get(1) == 0 ? "" : f3((uploadsDone.get(1) - t0) / 1e9));
        kv.put("full_a", fullA == 0 ? "" : f3((fullA - t0) / 1e9));
        kv.put("full_b", fullB == 0 ? "" : f3((fullB - t0) / 1e9));
        kv.put("total_a", totA - baseA);
        kv.put("total_b", totB - baseB);
        kv.put("want_a", wantA - baseA);
        kv.put("want_b", wantB - baseB);
        kv.put("cpu_a", String.format("%.2f", (a1[0] + a1[1] - a0[0] - a0[1]) / hz));
        kv.put("cpu_b", String.format("%.2f", (b1[0] + b1[1] - b0[0] - b0[1]) / hz));
        kv.put("cpu_daemons_user", String.format("%.2f", (a1[0] - a0[0] + b1[0] - b0[0]) / hz));
        kv.put("cpu_daemons_sys", String.format("%.2f", (a1[1] - a0[1] + b1[1] - b0[1]) / hz));
        kv.put("cpu_client", String.format("%.2f", (c1 - c0 + k1 - k0) / hz));
        kv.put("cpu_client_curl", String.format("%.2f", (k1 - k0) / hz));
        kv.put("cpu_other", String.format("%.2f", otherCpu(o0, o1, hz)));
        kv.put("cpu_other_top", topOthers(o0, o1, hz));
        write(out, kv);
        log((ingestOnly ? "ingest only: " : "bulk: ") + outcome + " in " + kv.get("seconds") + " s");
    }

    // ---- latency --------------------------------------------------------------------------------------------

    private static void latency(String urlA, String urlB, int count, int bytes, Path out) throws Exception {
        Map<String, Long> seen = new ConcurrentHashMap<>();
        Object signal = new Object();
        CountDownLatch open = new CountDownLatch(1);
        AtomicReference<Throwable> streamFailure = new AtomicReference<>();
        AtomicReference<InputStream> streamRef = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().daemon().name("sse-B").start(() -> {
            try {
                HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(urlB + "/sync/events")).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                if (r.statusCode() != 200) {
                    throw new IOException("GET /sync/events on B answered HTTP " + r.statusCode());
                }
                streamRef.set(r.body());
                BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8), 1 << 16);
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith(": ferry event stream")) {
                        open.countDown();
                    } else if (line.startsWith("data:")) {
                        long at = System.nanoTime();
                        String hash = JSON.readTree(line.substring(5)).path("hash").asText();
                        seen.putIfAbsent(hash, at);
                        synchronized (signal) {
                            signal.notifyAll();
                        }
                    }
                }
            } catch (Throwable e) {
                streamFailure.compareAndSet(null, e);
            } finally {
                open.countDown();
            }
        });
        if (!open.await(10, TimeUnit.SECONDS) || streamFailure.get() != null) {
            throw new IOException("could not open B's event stream: " + streamFailure.get());
        }
        SplittableRandom rnd = new SplittableRandom(System.nanoTime());
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        List<Double> lat = new ArrayList<>();
        List<Double> ingestMs = new ArrayList<>();
        List<Double> getMs = new ArrayList<>();
        List<String> hashes = new ArrayList<>();
        int lost = 0;
        int badContent = 0;
        int notFound = 0;
        long waitMs = Long.parseLong(System.getenv().getOrDefault("BENCH_LATENCY_TIMEOUT_MS", "30000"));
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[bytes];
            rnd.nextBytes(data);
            String want = HexFormat.of().formatHex(sha.digest(data));
            hashes.add(want);
            long t0 = System.nanoTime();
            ingest(urlA, HttpRequest.BodyPublishers.ofByteArray(data), "lat" + i + ".bin", want);
            long tIngest = System.nanoTime();
            long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(waitMs);
            Long at;
            synchronized (signal) {
                while ((at = seen.get(want)) == null && System.nanoTime() < deadline && streamFailure.get() == null) {
                    signal.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                }
            }
            if (at == null) {
                lost++;
                log("latency: asset " + (i + 1) + " (" + want + ") did not reach B within " + waitMs + " ms"
                        + (streamFailure.get() != null ? "; event stream failed: " + streamFailure.get() : ""));
                continue;
            }
            int code = status(urlB + "/assets/" + want);
            long tGet = System.nanoTime();
            if (code != 200) {
                notFound++;
                log("latency: B announced " + want + " but GET /assets/HASH answered " + code);
            }
            HttpResponse<byte[]> c = HTTP.send(HttpRequest.newBuilder(URI.create(urlB + "/assets/" + want + "/content"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (c.statusCode() != 200 || !Arrays.equals(c.body(), data)) {
                badContent++;
                log("latency: content of " + want + " on B: HTTP " + c.statusCode() + ", " + c.body().length + " bytes");
            }
            lat.add((at - t0) / 1e6);
            ingestMs.add((tIngest - t0) / 1e6);
            getMs.add((tGet - t0) / 1e6);
            if ((i + 1) % 50 == 0) {
                log("latency: " + (i + 1) + "/" + count);
            }
        }
        InputStream s = streamRef.get();
        if (s != null) {
            s.close();
        }
        reader.interrupt();
        Files.write(out.resolveSibling(out.getFileName() + ".hashes"), hashes);
        Files.write(out.resolveSibling(out.getFileName() + ".ms"), lat.stream().map(LibSyncBench::f3).toList());
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("count", count);
        kv.put("measured", lat.size());
        kv.put("lost", lost);
        kv.put("get_not_200", notFound);
        kv.put("bad_content", badContent);
        kv.put("median_ms", f3(pct(lat, 50)));
        kv.put("p99_ms", f3(pct(lat, 99)));
        kv.put("max_ms", f3(pct(lat, 100)));
        kv.put("min_ms", f3(lat.isEmpty() ? Double.NaN : Collections.min(lat)));
        kv.put("ingest_median_ms", f3(pct(ingestMs, 50)));
        kv.put("ingest_p99_ms", f3(pct(ingestMs, 99)));
        kv.put("get_median_ms", f3(pct(getMs, 50)));
        kv.put("get_p99_ms", f3(pct(getMs, 99)));
        write(out, kv);
    }

    /** Nearest-rank percentile. */
    private static double pct(List<Double> v, double p) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.size());
        return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
    }

    // ---- verify ---------------------------------------------------------------------------------------------

    private static List<String> hashes(String url) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (int offset = 0; ; offset += 1000) {
            JsonNode d = getJson(url + "/list?limit=1000&offset=" + offset);
            for (JsonNode a : d.path("assets")) {
                out.add(a.path("hash").asText());
            }
            if (d.path("assets").size() < 1000) {
                break;
            }
        }
        Collections.sort(out);
        return out;
    }

    private static void verify(String urlA, String urlB, Path expected, Path out) throws Exception {
        List<String> a = hashes(urlA);
        List<String> b = hashes(urlB);
        List<String> want = new ArrayList<>();
        for (String l : Files.readAllLines(expected)) {
            if (!l.isBlank()) {
                want.add(l.split(" ", 2)[0]);
            }
        }
        Collections.sort(want);
        Files.write(out.resolveSibling(out.getFileName() + ".a"), a);
        Files.write(out.resolveSibling(out.getFileName() + ".b"), b);
        // removeAll of a list as large as the set calls List.contains per element: minutes for 34,000 hashes.
        Set<String> setA = new HashSet<>(a);
        Set<String> setB = new HashSet<>(b);
        TreeSet<String> onlyA = new TreeSet<>(a);
        onlyA.removeAll(setB);
        TreeSet<String> onlyB = new TreeSet<>(b);
        onlyB.removeAll(setA);
        TreeSet<String> missingA = new TreeSet<>(want);
        missingA.removeAll(setA);
        TreeSet<String> missingB = new TreeSet<>(want);
        missingB.removeAll(setB);
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("live_a", a.size());
        kv.put("live_b", b.size());
        kv.put("expected", want.size());
        kv.put("equal", a.equals(b));
        kv.put("equal_expected", a.equals(want) && b.equals(want));
        kv.put("only_a", onlyA.size());
        kv.put("only_b", onlyB.size());
        kv.put("missing_a", missingA.size());
        kv.put("missing_b", missingB.size());
        write(out, kv);
    }
}
