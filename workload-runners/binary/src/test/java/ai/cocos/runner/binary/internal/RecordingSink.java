package ai.cocos.runner.binary.internal;

import static org.junit.jupiter.api.Assertions.fail;

import ai.cocos.api.runner.OutputSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Collects output lines per stream, in arrival order. */
final class RecordingSink implements OutputSink {
  final List<String> out = new CopyOnWriteArrayList<>();
  final List<String> err = new CopyOnWriteArrayList<>();

  @Override
  public void line(Stream stream, String line) {
    (stream == Stream.STDOUT ? out : err).add(line);
  }

  /** Waits until a line of the stream matches, returning it. */
  String await(Stream stream, Predicate<String> match, Duration limit) throws InterruptedException {
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
