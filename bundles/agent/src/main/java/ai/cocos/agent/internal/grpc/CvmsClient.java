package ai.cocos.agent.internal.grpc;

import ai.cocos.agent.Agent;
import ai.cocos.agent.AgentEvent;
import ai.cocos.agent.AgentException;
import ai.cocos.agent.AgentListener;
import ai.cocos.agent.AgentLog;
import ai.cocos.agent.ComputationService;
import ai.cocos.agent.internal.grpc.TlsSwitch.TlsSwitchException;
import ai.cocos.api.computation.Manifest;
import ai.cocos.manifest.ManifestException;
import ai.cocos.proto.cvms.ClientStreamMessage;
import ai.cocos.proto.cvms.ComputationRunReq;
import ai.cocos.proto.cvms.ServerStreamMessage;
import ai.cocos.proto.cvms.ServiceGrpc;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The agent's client of the computation management service (CVMS): CocosAI's {@code
 * cvms.Service/Process} stream, dialled by the agent.
 *
 * <h2>Protocol</h2>
 *
 * <ul>
 *   <li>The stream is opened with metadata {@code job-id} = the CVM id.
 *   <li>{@code runReqChunks} are reassembled by id ({@link RunRequestChunks}); a complete request,
 *       or an unchunked {@code runReq}, goes through the {@link RunPolicy} to {@link Agent#start},
 *       then the endpoint is switched to the manifest's TLS ({@link TlsSwitch}), then {@code
 *       RunResponse{computation_id, error}} answers (error empty on success). A request whose id
 *       already started a computation is ignored: a service re-sending it after a reconnect does
 *       not start it twice.
 *   <li>{@code agentStateReq} → {@code agentStateRes{id, state}}; {@code stopComputation} → {@link
 *       ComputationService#stop()} → {@code StopComputationResponse}; {@code disconnectReq} → the
 *       stream is closed and opened again.
 *   <li>Every {@link AgentEvent} and {@link AgentLog} is forwarded (logs in pieces of 500
 *       characters).
 * </ul>
 *
 * <h2>Availability</h2>
 *
 * When the stream fails the client reconnects forever, waiting 1 s, then twice as long each time up
 * to 10 s (configurable); the computation runs on meanwhile. What the agent has to send waits in an
 * {@link Outbox} (bounded; oldest logs dropped first, answers never) and goes out after the
 * reconnect, only as fast as the stream's flow control allows. Incoming messages are handled one at
 * a time, in order, on the client's own thread; the next one is requested only when the previous
 * one is done.
 */
final class CvmsClient implements AutoCloseable {
  /** Metadata key of the CVM id (CocosAI's). */
  static final Metadata.Key<String> JOB_ID =
      Metadata.Key.of("job-id", Metadata.ASCII_STRING_MARSHALLER);

  private static final System.Logger LOG = System.getLogger(CvmsClient.class.getName());

  /** How many started run-request ids are remembered to ignore re-deliveries. */
  private static final int REMEMBERED_RUNS = 1000;

  /**
   * The client's settings.
   *
   * @param target where the service listens ({@code host:port} or a gRPC target)
   * @param cvmId the CVM id sent as {@code job-id}
   * @param credentials plaintext, TLS or mutual TLS
   * @param maxRunRequestBytes the most bytes of chunked run requests buffered
   * @param chunkTimeout how long a chunked run request may go without a chunk
   * @param queueCapacity how many log lines and events wait for the service at most
   * @param backoffMin the first wait before reconnecting
   * @param backoffMax the longest wait before reconnecting
   */
  record Settings(
      String target,
      String cvmId,
      ChannelCredentials credentials,
      int maxRunRequestBytes,
      Duration chunkTimeout,
      int queueCapacity,
      Duration backoffMin,
      Duration backoffMax) {
    /** Checks the values. */
    Settings {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(cvmId, "cvmId");
      Objects.requireNonNull(credentials, "credentials");
      if (target.isBlank()) {
        throw new IllegalArgumentException("the computation management service URL is empty");
      }
      if (maxRunRequestBytes < 1024) {
        throw new IllegalArgumentException(
            "maxRunRequestBytes must be at least 1024, is " + maxRunRequestBytes);
      }
      if (chunkTimeout.isNegative() || chunkTimeout.isZero()) {
        throw new IllegalArgumentException("chunkTimeout must be positive");
      }
      if (queueCapacity < 1) {
        throw new IllegalArgumentException("queueCapacity must be at least 1, is " + queueCapacity);
      }
      if (backoffMin.isNegative() || backoffMin.isZero() || backoffMax.compareTo(backoffMin) < 0) {
        throw new IllegalArgumentException(
            "reconnect delays must be positive, the longest at least the first");
      }
    }
  }

  private final Settings settings;
  private final Agent agent;
  private final RunPolicy policy;
  private final TlsSwitch tls;
  private final Outbox outbox;
  private final RunRequestChunks chunks;
  private final ScheduledThreadPoolExecutor worker;
  private final LinkedHashSet<String> started = new LinkedHashSet<>();
  private final Object sendLock = new Object();
  private final Thread connector;
  private volatile Connection current;
  private volatile boolean closed;
  private volatile String lastComputationId = "";
  private volatile int channels;
  private AgentListener.Subscription subscription;

  /**
   * Creates the client; {@link #start()} connects.
   *
   * @param settings where and how to connect
   * @param agent the agent to drive
   * @param policy which run requests are accepted
   * @param tls switches the agent's endpoint to each computation's TLS
   */
  CvmsClient(Settings settings, Agent agent, RunPolicy policy, TlsSwitch tls) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.agent = Objects.requireNonNull(agent, "agent");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.tls = Objects.requireNonNull(tls, "tls");
    this.outbox = new Outbox(settings.queueCapacity());
    this.chunks = new RunRequestChunks(settings.maxRunRequestBytes(), settings.chunkTimeout());
    this.worker =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "cocos-cvms-client");
              t.setDaemon(true);
              return t;
            });
    this.connector = new Thread(this::connectLoop, "cocos-cvms-connect");
    this.connector.setDaemon(true);
  }

  /** Subscribes to the agent's events and starts connecting. */
  void start() {
    subscription =
        agent.subscribe(
            new AgentListener() {
              @Override
              public void onEvent(AgentEvent event) {
                lastComputationId = event.computationId();
                outbox.add(CvmsMessages.event(event));
                drain();
              }

              @Override
              public void onLog(AgentLog log) {
                for (ClientStreamMessage m : CvmsMessages.log(log)) {
                  outbox.add(m);
                }
                drain();
              }
            });
    long tick = Math.max(100, Math.min(1000, settings.chunkTimeout().toMillis() / 4));
    worker.scheduleWithFixedDelay(this::expireChunks, tick, tick, TimeUnit.MILLISECONDS);
    connector.start();
  }

  /**
   * Whether a stream to the service is established now.
   *
   * @return {@code true} while connected
   */
  boolean connected() {
    Connection c = current;
    return c != null && c.established && !c.ended;
  }

  /**
   * How many messages wait for the service.
   *
   * @return the count
   */
  int pending() {
    return outbox.size();
  }

  /** Stops forwarding, closes the stream and the client's threads. */
  @Override
  public void close() {
    closed = true;
    if (subscription != null) {
      subscription.close();
    }
    connector.interrupt();
    Connection c = current;
    if (c != null) {
      c.end("the agent is stopping", false);
    }
    try {
      connector.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    worker.shutdownNow();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Whether the client has opened a channel (grpc-java's shared channel threads then run).
   *
   * @return {@code true} after the first connection attempt
   */
  boolean dialled() {
    return channels > 0;
  }

  /**
   * Waits (at most 2.5 s) until grpc-java has shut down the event loop its channels share: it does
   * so a second after the last channel closes, and its threads run the transport bundle's code,
   * which must not outlive that bundle (inside a framework it stops right after the agent's).
   */
  static void awaitSharedThreads() {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
    while (System.nanoTime() < end) {
      boolean alive =
          Thread.getAllStackTraces().keySet().stream()
              .anyMatch(t -> t.getName().startsWith("grpc-") && t.getName().contains("-ELG-"));
      if (!alive) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void connectLoop() {
    Duration backoff = settings.backoffMin();
    boolean quiet = false;
    while (!closed) {
      Connection c = new Connection();
      current = c;
      c.open();
      c.awaitEnd();
      c.shutdown();
      if (closed) {
        return;
      }
      if (c.established) {
        backoff = settings.backoffMin();
        quiet = false;
        LOG.log(
            Level.WARNING,
            "computation management service {0}: stream ended ({1}); reconnecting in {2} ms",
            settings.target(),
            c.reason,
            backoff.toMillis());
      } else {
        LOG.log(
            quiet ? Level.DEBUG : Level.WARNING,
            "computation management service {0} unreachable ({1}); retrying in {2} ms{3}",
            settings.target(),
            c.reason,
            backoff.toMillis(),
            quiet ? "" : " (further attempts are logged at debug level)");
        quiet = true;
      }
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        if (closed) {
          return;
        }
      }
      if (!c.established) {
        Duration doubled = backoff.multipliedBy(2);
        backoff = doubled.compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : doubled;
      }
    }
  }

  /** Sends what waits, as far as the stream's flow control allows. Any thread. */
  private void drain() {
    synchronized (sendLock) {
      Connection c = current;
      if (c == null || c.requests == null || c.ended || !c.requests.isReady()) {
        return;
      }
      long[] dropped = outbox.takeDropped();
      if (dropped[0] + dropped[1] > 0) {
        outbox.add(
            CvmsMessages.warning(
                lastComputationId,
                "the agent dropped "
                    + dropped[0]
                    + " log lines and "
                    + dropped[1]
                    + " events while the computation management service was unreachable (the"
                    + " queue holds "
                    + settings.queueCapacity()
                    + ")"));
      }
      ClientStreamMessage m;
      while (c.requests.isReady() && !c.ended && (m = outbox.poll()) != null) {
        try {
          c.requests.onNext(m);
        } catch (RuntimeException e) {
          outbox.requeue(m);
          return;
        }
      }
    }
  }

  private void send(ClientStreamMessage m) {
    outbox.add(m);
    drain();
  }

  private void handle(ServerStreamMessage m, Connection from) {
    switch (m.getMessageCase()) {
      case RUNREQCHUNKS -> {
        Optional<byte[]> complete;
        try {
          complete = chunks.add(m.getRunReqChunks(), System.nanoTime());
        } catch (RunRequestChunks.TooLargeException e) {
          LOG.log(Level.WARNING, e.getMessage());
          send(CvmsMessages.runResponse(m.getRunReqChunks().getId(), e.getMessage()));
          return;
        }
        if (complete.isPresent()) {
          ComputationRunReq req;
          try {
            req = ComputationRunReq.parseFrom(complete.get());
          } catch (InvalidProtocolBufferException e) {
            String error =
                "received manifest may be corrupted: the run request's chunks do not decode ("
                    + e.getMessage()
                    + ")";
            LOG.log(Level.WARNING, "run request " + m.getRunReqChunks().getId() + ": " + error);
            send(CvmsMessages.runResponse(m.getRunReqChunks().getId(), error));
            return;
          }
          run(req);
        }
      }
      case RUNREQ -> run(m.getRunReq());
      case STOPCOMPUTATION -> stop(m.getStopComputation().getComputationId());
      case AGENTSTATEREQ ->
          send(CvmsMessages.state(m.getAgentStateReq().getId(), agent.state().name()));
      case DISCONNECTREQ -> from.end("the service asked the agent to disconnect", false);
      case MESSAGE_NOT_SET -> LOG.log(Level.DEBUG, "empty message from the service ignored");
    }
  }

  private void run(ComputationRunReq req) {
    String id = req.getId();
    if (started.contains(id)) {
      LOG.log(
          Level.INFO,
          "run request {0} was answered before and its computation started: ignored",
          id);
      return;
    }
    String error = "";
    try {
      Manifest manifest = policy.accept(req);
      ComputationService c = agent.start(manifest);
      try {
        tls.secure(c);
        started.add(id);
        if (started.size() > REMEMBERED_RUNS) {
          started.remove(started.iterator().next());
        }
      } catch (TlsSwitchException e) {
        c.stop();
        error = "computation " + id + " cannot be served over TLS: " + e.getMessage();
      }
    } catch (ManifestException e) {
      error = "manifest refused: " + e.getMessage();
    } catch (AgentException e) {
      error = e.getMessage();
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "run request " + id + " failed", e);
      error = "the agent failed to start the computation (" + e.getClass().getSimpleName() + ")";
    }
    if (error.isEmpty()) {
      LOG.log(Level.INFO, "computation {0} started by the computation management service", id);
    } else {
      LOG.log(Level.WARNING, "run request {0} refused: {1}", id, error);
    }
    send(CvmsMessages.runResponse(id, error));
  }

  private void stop(String id) {
    Optional<ComputationService> c = agent.current();
    String message;
    if (c.isPresent() && (id.isEmpty() || c.get().id().equals(id))) {
      c.get().stop();
      message = "";
    } else {
      message =
          "no computation "
              + (id.isEmpty() ? "" : id + " ")
              + "on this agent"
              + c.map(x -> " (it has " + x.id() + ")").orElse("");
    }
    send(CvmsMessages.stopped(id, message));
  }

  private void expireChunks() {
    for (String id : chunks.expire(System.nanoTime())) {
      LOG.log(
          Level.WARNING,
          "run request {0}: no chunk for {1} s; the partial request is discarded",
          id,
          settings.chunkTimeout().toSeconds());
    }
  }

  /** One stream, on its own channel. */
  private final class Connection
      implements ClientResponseObserver<ClientStreamMessage, ServerStreamMessage> {
    private final CountDownLatch done = new CountDownLatch(1);
    private ManagedChannel channel;
    volatile ClientCallStreamObserver<ClientStreamMessage> requests;
    volatile boolean established;
    volatile boolean ended;
    volatile String reason = "";

    void open() {
      // grpc-java finds its transport and name resolvers through the class loader of its API;
      // inside a framework that is the transport bundle's.
      Thread thread = Thread.currentThread();
      ClassLoader previous = thread.getContextClassLoader();
      thread.setContextClassLoader(Grpc.class.getClassLoader());
      try {
        channel = Grpc.newChannelBuilder(settings.target(), settings.credentials()).build();
        channels++;
        Metadata headers = new Metadata();
        headers.put(JOB_ID, settings.cvmId());
        ServiceGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .process(this);
      } catch (RuntimeException e) {
        end(e.getClass().getSimpleName() + ": " + e.getMessage(), true);
      } finally {
        thread.setContextClassLoader(previous);
      }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ClientStreamMessage> r) {
      requests = r;
      // One message at a time: the next is requested once this one is handled.
      r.disableAutoRequestWithInitial(1);
      r.setOnReadyHandler(
          () -> {
            if (!established) {
              established = true;
              LOG.log(
                  Level.INFO,
                  "connected to the computation management service {0} (job-id {1})",
                  settings.target(),
                  settings.cvmId());
            }
            drain();
          });
    }

    @Override
    public void onNext(ServerStreamMessage m) {
      established = true;
      try {
        worker.execute(
            () -> {
              try {
                handle(m, this);
              } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "message from the service failed: " + m.getMessageCase(), e);
              } finally {
                if (!ended) {
                  requests.request(1);
                }
              }
            });
      } catch (RejectedExecutionException e) {
        // closing
      }
    }

    @Override
    public void onError(Throwable t) {
      Status s = Status.fromThrowable(t);
      end(s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription()), true);
    }

    @Override
    public void onCompleted() {
      end("closed by the service", false);
    }

    void end(String why, boolean failed) {
      synchronized (sendLock) {
        if (ended) {
          return;
        }
        ended = true;
        reason = why;
        if (!failed && requests != null) {
          try {
            requests.cancel(why, null);
          } catch (RuntimeException e) {
            // already over
          }
        }
      }
      done.countDown();
    }

    void awaitEnd() {
      try {
        done.await();
      } catch (InterruptedException e) {
        end("the agent is stopping", false);
      }
    }

    void shutdown() {
      if (channel != null) {
        channel.shutdownNow();
        try {
          channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
