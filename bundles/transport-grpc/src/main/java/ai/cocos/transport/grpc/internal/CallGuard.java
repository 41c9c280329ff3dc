package ai.cocos.transport.grpc.internal;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tracks the calls running on one contributed service so the service can leave safely: once
 * retired, running calls get a grace period to finish, then are closed with UNAVAILABLE and
 * detached, so the service's code (which its provider may be tearing down) is not called again.
 */
final class CallGuard implements ServerInterceptor {
  private final String service;
  private final String endpoint;
  private final Set<GuardedCall<?, ?>> running = ConcurrentHashMap.newKeySet();
  private volatile boolean retired;

  CallGuard(String service, String endpoint) {
    this.service = service;
    this.endpoint = endpoint;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    GuardedCall<ReqT, RespT> guarded = new GuardedCall<>(call);
    if (retired) {
      guarded.detach(withdrawn());
      return new ServerCall.Listener<>() {};
    }
    running.add(guarded);
    // retire() may have swept the running calls between the check above and the add.
    if (retired) {
      running.remove(guarded);
      guarded.detach(withdrawn());
      return new ServerCall.Listener<>() {};
    }
    try {
      return new GuardedListener<>(next.startCall(guarded, headers), guarded);
    } catch (RuntimeException e) {
      ended(guarded);
      throw e;
    }
  }

  /**
   * Lets the running calls finish within the grace period, then closes the rest with UNAVAILABLE.
   * Calls arriving after this began are refused the same way.
   *
   * @param grace how long to wait for running calls
   */
  void retire(Duration grace) {
    retired = true;
    long deadline = System.nanoTime() + grace.toNanos();
    synchronized (this) {
      try {
        long left;
        while (!running.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
          // Wait at least a millisecond: wait(0) would wait without a bound.
          wait(Math.max(1, left / 1_000_000));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (GuardedCall<?, ?> call : running) {
      running.remove(call);
      call.detach(withdrawn());
    }
  }

  /**
   * The number of calls running on the service.
   *
   * @return calls started and not yet completed or cancelled
   */
  int runningCalls() {
    return running.size();
  }

  private void ended(GuardedCall<?, ?> call) {
    if (running.remove(call)) {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  private Status withdrawn() {
    return Status.UNAVAILABLE.withDescription(
        "service " + service + " left gRPC endpoint '" + endpoint + "'; retry later");
  }

  /** Serializes the service's outbound calls with a forced close, and drops them afterwards. */
  private static final class GuardedCall<ReqT, RespT>
      extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    // guarded by this
    private boolean detached;
    // guarded by this
    private boolean closed;

    GuardedCall(ServerCall<ReqT, RespT> delegate) {
      super(delegate);
    }

    synchronized boolean isDetached() {
      return detached;
    }

    synchronized void detach(Status status) {
      detached = true;
      if (!closed) {
        closed = true;
        super.close(status, new Metadata());
      }
    }

    @Override
    public synchronized void request(int numMessages) {
      if (!detached) {
        super.request(numMessages);
      }
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!detached) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(RespT message) {
      if (!detached) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!detached) {
        closed = true;
        super.close(status, trailers);
      }
    }
  }

  /** Stops delivering inbound events to the service once its call is detached. */
  private final class GuardedListener<ReqT>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {
    private final GuardedCall<ReqT, ?> call;

    GuardedListener(ServerCall.Listener<ReqT> delegate, GuardedCall<ReqT, ?> call) {
      super(delegate);
      this.call = call;
    }

    @Override
    public void onMessage(ReqT message) {
      if (!call.isDetached()) {
        super.onMessage(message);
      }
    }

    @Override
    public void onHalfClose() {
      if (!call.isDetached()) {
        super.onHalfClose();
      }
    }

    @Override
    public void onReady() {
      if (!call.isDetached()) {
        super.onReady();
      }
    }

    @Override
    public void onCancel() {
      try {
        if (!call.isDetached()) {
          super.onCancel();
        }
      } finally {
        ended(call);
      }
    }

    @Override
    public void onComplete() {
      try {
        if (!call.isDetached()) {
          super.onComplete();
        }
      } finally {
        ended(call);
      }
    }
  }
}
