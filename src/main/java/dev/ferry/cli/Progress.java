package dev.ferry.cli;

import java.io.PrintStream;

/**
 * A one-line progress bar on a terminal's stderr, redrawn at most ten times a second; silent when the
 * output is not a terminal, so scripts and logs get plain lines only. Not thread-safe.
 */
final class Progress {
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean enabled;
    private final long started = System.nanoTime();
    private long lastDraw;
    private long done;

    Progress(String label, long total) {
        this.out = System.err;
        this.label = label;
        this.total = total;
        this.enabled = System.console() != null && total >= (8L << 20);
    }

    void advance(long bytes) {
        done += bytes;
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw > 100_000_000L || done == total) {
            lastDraw = now;
            draw(now);
        }
    }

    private void draw(long now) {
        int width = 30;
        int filled = total == 0 ? width : (int) (width * done / total);
        double secs = Math.max(1e-3, (now - started) / 1e9);
        out.printf("\r%-24.24s [%s%s] %3d%% %7.1f MiB/s", label, "#".repeat(filled), " ".repeat(width - filled),
                total == 0 ? 100 : done * 100 / total, done / secs / (1 << 20));
        out.flush();
    }

    void finish() {
        if (enabled) {
            draw(System.nanoTime());
            out.print("\r" + " ".repeat(80) + "\r");
            out.flush();
        }
    }
}
