package ai.cocos.manager.internal;

import ai.cocos.proto.computations.v1.WatchResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;

/**
 * One {@code Computations.Watch} call: what the registry reports, queued and sent as fast as the
 * client reads (gRPC flow control), never blocking the registry. A client that falls more than
 * {@code limit} messages behind is cut off with RESOURCE_EXHAUSTED, saying how to resume.
 */
final class WatchStream implements ComputationRegistry.Watcher {
  private static final Object END = new Object();

  private final ServerCallStreamObserver<WatchResponse> out;
  private final int limit;

  // guarded by this
  private final ArrayDeque<Object> queue = new ArrayDeque<>();
  // guarded by this
  private boolean finished;
  // guarded by this
  private long lastSeqSent;

  private volatile Runnable unwatch;
  private volatile boolean cancelled;

  WatchStream(ServerCallStreamObserver<WatchResponse> out, int limit) {
    this.out = out;
    this.limit = limit;
    out.setOnReadyHandler(this::drain);
    out.setOnCancelHandler(
        () -> {
          cancelled = true;
          synchronized (this) {
            finished = true;
            queue.clear();
          }
          stopWatching();
        });
  }

  /**
   * Sets how to stop watching; runs it at once if the call is already over.
   *
   * @param unwatch from {@link ComputationRegistry#watch}
   */
  void watching(Runnable unwatch) {
    this.unwatch = unwatch;
    boolean over;
    synchronized (this) {
      over = finished;
    }
    if (over) {
      stopWatching();
    }
  }

  private void stopWatching() {
    Runnable u = unwatch;
    if (u != null) {
      u.run();
    }
  }

  @Override
  public void computation(ComputationView view) {
    offer(WatchResponse.newBuilder().setComputation(Protos.computation(view)).build());
  }

  @Override
  public void event(EventRecord event) {
    offer(WatchResponse.newBuilder().setEvent(Protos.event(event)).build());
  }

  @Override
  public void end() {
    offer(END);
  }

  private void offer(Object item) {
    boolean overflow = false;
    synchronized (this) {
      if (finished) {
        return;
      }
      if (queue.size() >= limit && item != END) {
        overflow = true;
        finished = true;
        queue.clear();
        try {
          out.onError(
              Status.RESOURCE_EXHAUSTED
                  .withDescription(
                      "the watch fell "
                          + limit
                          + " messages behind; watch again with after_seq="
                          + lastSeqSent)
                  .asRuntimeException());
        } catch (RuntimeException e) {
          // already cancelled
        }
      } else {
        queue.addLast(item);
      }
    }
    if (overflow) {
      stopWatching();
    } else {
      drain();
    }
  }

  private synchronized void drain() {
    if (cancelled) {
      return;
    }
    try {
      while (!queue.isEmpty()) {
        Object next = queue.peekFirst();
        if (next == END) {
          queue.clear();
          finished = true;
          out.onCompleted();
          return;
        }
        if (!out.isReady()) {
          return;
        }
        queue.pollFirst();
        WatchResponse r = (WatchResponse) next;
        if (r.hasEvent()) {
          lastSeqSent = r.getEvent().getSeq();
        }
        out.onNext(r);
      }
    } catch (RuntimeException e) {
      // The call was cancelled meanwhile.
      finished = true;
      queue.clear();
    }
  }
}
