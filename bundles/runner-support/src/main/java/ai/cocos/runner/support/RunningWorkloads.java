package ai.cocos.runner.support;

import ai.cocos.api.runner.RunnerException;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.Workload;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The running workloads of one runner component, with the threads that supervise them.
 *
 * <p>A runner starts each workload through {@link #start(Starter)}, which refuses once {@link
 * #shutdown(Duration)} was called (the component is deactivating, for example because its bundle is
 * being updated) so that no workload is ever left unsupervised; {@code shutdown} stops every
 * running workload and waits for their results.
 */
public final class RunningWorkloads {
  private static final System.Logger LOG = System.getLogger(RunningWorkloads.class.getName());

  private final String type;
  private final ExecutorService executor;

  /** Each running workload, with the stage that completes once it has been removed from here. */
  private final Map<Workload, CompletableFuture<?>> running = new ConcurrentHashMap<>();

  private final Object lifecycle = new Object();
  private boolean closed;

  /** Starts a workload; called while no shutdown can interleave. */
  @FunctionalInterface
  public interface Starter<W extends Workload> {
    /**
     * Starts the workload.
     *
     * @return the started workload
     * @throws RunnerException if it could not start; nothing may be left running then
     */
    W start() throws RunnerException;
  }

  /**
   * Creates the bookkeeping of one runner.
   *
   * @param type the runner's algorithm type, for thread names and messages
   */
  public RunningWorkloads(String type) {
    this.type = Objects.requireNonNull(type, "type");
    AtomicInteger count = new AtomicInteger();
    this.executor =
        Executors.newCachedThreadPool(
            task -> {
              Thread t = new Thread(task, "cocos-runner-" + type + "-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * The cached thread pool (daemon threads) for pumps and supervisors; shut down by {@link
   * #shutdown(Duration)}.
   *
   * @return the executor
   */
  public ExecutorService executor() {
    return executor;
  }

  /**
   * Starts a workload and tracks it until its result completes.
   *
   * @param <W> the workload type
   * @param starter starts the workload
   * @return the started workload
   * @throws RunnerUnavailableException if the runner is shutting down
   * @throws RunnerException if the starter fails
   */
  public <W extends Workload> W start(Starter<W> starter) throws RunnerException {
    synchronized (lifecycle) {
      if (closed) {
        throw shuttingDown();
      }
      W workload;
      try {
        workload = starter.start();
      } catch (RejectedExecutionException e) {
        throw shuttingDown();
      }
      CompletableFuture<Void> removed = new CompletableFuture<>();
      running.put(workload, removed);
      workload
          .result()
          .whenComplete(
              (r, e) -> {
                running.remove(workload);
                removed.complete(null);
              });
      return workload;
    }
  }

  /**
   * How many workloads are running.
   *
   * @return the count
   */
  public int size() {
    return running.size();
  }

  /**
   * Refuses new workloads, stops the running ones, waits up to {@code limit} for their results and
   * releases the threads. Idempotent.
   *
   * @param limit how long to wait for the stopped workloads
   */
  public void shutdown(Duration limit) {
    Map<Workload, CompletableFuture<?>> toStop;
    synchronized (lifecycle) {
      closed = true;
      toStop = Map.copyOf(running);
    }
    toStop.keySet().forEach(Workload::stop);
    try {
      // Wait until each is removed, not only ended: after this, size() counts none of them.
      CompletableFuture.allOf(toStop.values().toArray(CompletableFuture[]::new))
          .get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.log(Level.WARNING, type + " runner: workloads still ending after " + limit);
    } catch (ExecutionException e) {
      // results never complete exceptionally
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Pump threads still blocked on a pipe that an unreachable process holds open are daemons and
    // end with that process; nothing else is left to wait for.
    executor.shutdownNow();
  }

  private RunnerUnavailableException shuttingDown() {
    return new RunnerUnavailableException(
        "the '" + type + "' runner is shutting down (bundle stopping or updating); retry the run");
  }
}
