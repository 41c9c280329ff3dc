package ai.cocos.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * The progress of one transfer on standard error: a bar redrawn in place on a terminal, else a
 * plain line every few seconds, and a last line when done. At most about ten updates a second.
 */
final class Progress {
  private static final long TTY_INTERVAL_NANOS = 100_000_000L;
  private static final long PLAIN_INTERVAL_NANOS = 2_000_000_000L;
  private static final int BAR_WIDTH = 30;

  private final PrintWriter err;
  private final String label;
  private final boolean terminal;
  private final boolean quiet;
  private final long start = System.nanoTime();
  private long total;
  private long bytes;
  private long lastDraw = start;

  /**
   * Creates the progress of a transfer.
   *
   * @param err where to print
   * @param label what moves, for example {@code algorithm lr.py}
   * @param total the size in bytes, or -1 if unknown
   * @param quiet print nothing
   */
  Progress(PrintWriter err, String label, long total, boolean quiet) {
    this.err = err;
    this.label = label;
    this.total = total;
    this.quiet = quiet;
    this.terminal = System.console() != null;
  }

  /** Sets the size once known (a result's {@code file-size}). */
  synchronized void total(long total) {
    this.total = total;
  }

  /** Adds bytes moved. */
  synchronized void add(long n) {
    bytes += n;
    if (quiet) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDraw >= (terminal ? TTY_INTERVAL_NANOS : PLAIN_INTERVAL_NANOS)) {
      lastDraw = now;
      draw(now, false);
    }
  }

  /** The bytes moved so far. */
  synchronized long bytes() {
    return bytes;
  }

  /** Prints the last line. */
  synchronized void done() {
    if (!quiet) {
      draw(System.nanoTime(), true);
    }
  }

  /** Ends an unfinished bar's line, so that an error message starts on a line of its own. */
  synchronized void abandon() {
    if (!quiet && terminal && bytes > 0) {
      err.println();
      err.flush();
    }
  }

  private void draw(long now, boolean last) {
    double seconds = Math.max((now - start) / 1e9, 1e-3);
    String rate = String.format(Locale.ROOT, "%.1f MB/s", bytes / 1e6 / seconds);
    StringBuilder b = new StringBuilder();
    if (terminal) {
      b.append('\r');
    }
    b.append(label).append(' ');
    if (total > 0) {
      int percent = (int) Math.min(100, bytes * 100 / total);
      if (terminal) {
        int filled = percent * BAR_WIDTH / 100;
        b.append('[')
            .append("#".repeat(filled))
            .append(" ".repeat(BAR_WIDTH - filled))
            .append("] ");
      }
      b.append(percent).append("% ").append(size(bytes)).append(" / ").append(size(total));
    } else if (total == 0) {
      b.append("100% 0 B");
    } else {
      b.append(size(bytes));
    }
    b.append(", ").append(rate);
    if (terminal && !last) {
      err.print(b);
    } else {
      err.println(b);
    }
    err.flush();
  }

  /** A byte count for people: {@code 512 B}, {@code 3.2 MiB}. */
  static String size(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
