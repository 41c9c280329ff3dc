package ai.cocos.runner.wasm.internal;

import ai.cocos.api.runner.OutputSink;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Hands a module's output lines to the agent's sink on a thread of its own.
 *
 * <p>Stop and timeout interrupt the thread that runs the module (Chicory's compiled code checks the
 * interrupt flag at every loop and call). If that thread called the sink itself, an interrupt could
 * land inside the agent's code and, for example, close an interruptible channel the agent logs to.
 * So the module thread only queues lines; the relay thread, which is never interrupted, delivers
 * them in order. The queue is bounded: a module that writes faster than the sink takes waits.
 */
final class OutputRelay implements OutputSink {
  private static final System.Logger LOG = System.getLogger(OutputRelay.class.getName());

  private record Line(Stream stream, String text) {}

  private static final Line END = new Line(null, null);

  private final OutputSink sink;
  private final BlockingQueue<Line> queue;
  private final CountDownLatch drained = new CountDownLatch(1);
  private volatile boolean detached;

  /**
   * Creates the relay.
   *
   * @param sink the agent's sink
   * @param capacity how many lines may wait
   */
  OutputRelay(OutputSink sink, int capacity) {
    this.sink = Objects.requireNonNull(sink, "sink");
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /** Starts delivering on a thread of the executor. */
  void start(Executor executor) {
    executor.execute(this::deliver);
  }

  /** Queues a line; called on the module's thread. Drops it if that thread is being stopped. */
  @Override
  public void line(Stream stream, String text) {
    if (detached) {
      return;
    }
    try {
      queue.put(new Line(stream, text));
    } catch (InterruptedException e) {
      // The run is being stopped: its remaining output is not delivered.
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until every queued line has reached the sink, then ends the relay thread. Called once the
   * module has ended and its streams are flushed; the caller's interrupt flag is kept.
   *
   * @param limit how long to wait for a slow sink
   * @return whether all lines were delivered in time
   */
  boolean drain(Duration limit) {
    boolean interrupted = Thread.interrupted();
    long deadline = System.nanoTime() + limit.toNanos();
    try {
      while (true) {
        try {
          if (!queue.offer(END, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return false;
          }
          return drained.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Delivers nothing more, from now on; ends the relay thread. Idempotent. */
  void detach() {
    detached = true;
    queue.clear();
    queue.offer(END);
  }

  private void deliver() {
    try {
      while (true) {
        Line line = queue.take();
        if (line == END) {
          return;
        }
        if (detached) {
          continue;
        }
        try {
          sink.line(line.stream(), line.text());
        } catch (RuntimeException e) {
          // A sink must not throw; if one does, keep going so the module never blocks on output.
          LOG.log(
              Level.WARNING, () -> "output sink failed on a line of " + line.stream() + ": " + e);
        }
      }
    } catch (InterruptedException e) {
      // The runner is shutting down its threads.
      Thread.currentThread().interrupt();
    } finally {
      drained.countDown();
    }
  }
}
