package ai.cocos.runner.support.testing;

import static org.junit.jupiter.api.Assertions.fail;

import ai.cocos.api.runner.OutputSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Collects output lines per stream, in arrival order. Shipped in this module's test-jar for the
 * runners' tests.
 */
public final class RecordingSink implements OutputSink {
  /** Standard output lines, in arrival order. */
  public final List<String> out = new CopyOnWriteArrayList<>();

  /** Standard error lines, in arrival order. */
  public final List<String> err = new CopyOnWriteArrayList<>();

  @Override
  public void line(Stream stream, String line) {
    (stream == Stream.STDOUT ? out : err).add(line);
  }

  /**
   * Waits until a line of the stream matches, failing the test otherwise.
   *
   * @param stream the stream to watch
   * @param match the condition
   * @param limit how long to wait
   * @return the first matching line
   * @throws InterruptedException if interrupted
   */
  public String await(Stream stream, Predicate<String> match, Duration limit)
      throws InterruptedException {
    List<String> lines = stream == Stream.STDOUT ? out : err;
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : lines) {
        if (match.test(line)) {
          return line;
        }
      }
      Thread.sleep(10);
    }
    return fail("no matching " + stream + " line within " + limit + "; got " + lines);
  }
}
